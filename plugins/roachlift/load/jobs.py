"""Follow a CockroachDB job (an ``IMPORT INTO ... DETACHED``) to its end.

The state machine is plain functions: :func:`interpret_job_row` turns one ``crdb_internal.jobs`` row into
a :class:`JobState`, :func:`outcome` says whether to keep waiting, and :func:`follow_job` loops
over any row source. :func:`wait_for_job` is the blocking form for the CLI; :func:`poll_job` and
:func:`wait_for_job_async` use psycopg's ``AsyncConnection`` for an Airflow deferrable trigger,
so no worker slot is held while the cluster works. Polling is read-only, hence idempotent: a
trigger that runs twice just reads the same job again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import psycopg

from roachlift.errors import RoachliftError
from roachlift.target import statements as st

log = logging.getLogger(__name__)

JobRow = Sequence[Any] | Mapping[str, Any] | None


class JobPhase(StrEnum):
    """Where a job is, reduced from CockroachDB's statuses (docs: st.DOC_SHOW_JOBS)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PAUSED = "paused"
    CANCELED = "canceled"
    MISSING = "missing"


#: CockroachDB job status → phase. ``pending``, ``running``, ``retry-running`` and the
#: ``*-requested`` / ``reverting`` transitions are still moving; ``revert-failed`` needs a human.
STATUS_PHASE: dict[str, JobPhase] = {
    "pending": JobPhase.RUNNING,
    "running": JobPhase.RUNNING,
    "retry-running": JobPhase.RUNNING,
    "pause-requested": JobPhase.RUNNING,
    "cancel-requested": JobPhase.RUNNING,
    "reverting": JobPhase.RUNNING,
    "retry-reverting": JobPhase.RUNNING,
    "succeeded": JobPhase.SUCCEEDED,
    "failed": JobPhase.FAILED,
    "revert-failed": JobPhase.FAILED,
    "paused": JobPhase.PAUSED,
    "canceled": JobPhase.CANCELED,
}
TERMINAL = frozenset({JobPhase.SUCCEEDED, JobPhase.FAILED, JobPhase.CANCELED, JobPhase.MISSING})


@dataclass(frozen=True)
class JobState:
    """One observation of a job."""

    job_id: int
    phase: JobPhase
    status: str
    fraction_completed: float | None = None
    error: str | None = None

    @property
    def terminal(self) -> bool:
        """True when the job will not change any more by itself."""
        return self.phase in TERMINAL

    def describe(self) -> str:
        """``job 123 running 42%`` / ``job 123 failed: <error>``."""
        pct = f" {self.fraction_completed * 100:.0f}%" if self.fraction_completed is not None else ""
        err = f": {self.error}" if self.error else ""
        return f"job {self.job_id} {self.status}{pct}{err}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (a trigger event payload)."""
        return {
            "job_id": self.job_id,
            "phase": self.phase.value,
            "status": self.status,
            "fraction_completed": self.fraction_completed,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobState:
        """Inverse of :meth:`to_dict`."""
        return cls(
            job_id=int(data["job_id"]),
            phase=JobPhase(data["phase"]),
            status=str(data["status"]),
            fraction_completed=data.get("fraction_completed"),
            error=data.get("error"),
        )


class JobError(RoachliftError):
    """A job ended (or stopped) without succeeding; ``state`` is the last observation."""

    def __init__(self, state: JobState, what: str = "IMPORT") -> None:
        self.state = state
        hint = {
            JobPhase.PAUSED: (
                f"; resume it with RESUME JOB {state.job_id} or cancel it with CANCEL JOB {state.job_id}"
            ),
            JobPhase.MISSING: (
                "; it is not in crdb_internal.jobs (removed after jobs.retention_time, or the id is wrong)"
            ),
            JobPhase.CANCELED: "; the table was rolled back, rerun the load",
            JobPhase.FAILED: "; the table was rolled back, fix the cause and rerun the load",
        }.get(state.phase, "")
        super().__init__(f"{what} {state.describe()}{hint}")


def interpret_job_row(row: JobRow, job_id: int) -> JobState:
    """A ``(job_id, job_type, status, fraction_completed, error)`` row (or mapping) → JobState.

    ``None`` (no such job) is :attr:`JobPhase.MISSING`; an unknown status counts as running, so
    a status added by a later CockroachDB version never ends a wait early.
    """
    if row is None:
        return JobState(job_id=job_id, phase=JobPhase.MISSING, status="missing", error="job not found")
    if isinstance(row, Mapping):
        status, fraction, error = row.get("status"), row.get("fraction_completed"), row.get("error")
    else:
        status, fraction, error = row[2], row[3], row[4]
    status_text = str(status or "").lower()
    phase = STATUS_PHASE.get(status_text, JobPhase.RUNNING)
    return JobState(
        job_id=job_id,
        phase=phase,
        status=status_text or "unknown",
        fraction_completed=float(fraction) if fraction is not None else None,
        error=str(error) if error else None,
    )


def outcome(state: JobState, *, fail_on_paused: bool = True) -> bool:
    """True when waiting is over with success, False to keep waiting; raises :class:`JobError`
    for failed, canceled, missing (and paused, unless ``fail_on_paused`` is False)."""
    if state.phase is JobPhase.SUCCEEDED:
        return True
    if state.phase is JobPhase.RUNNING or (state.phase is JobPhase.PAUSED and not fail_on_paused):
        return False
    raise JobError(state)


def follow_job(
    fetch_row: Callable[[], JobRow],
    job_id: int,
    *,
    poll_seconds: float = 2.0,
    timeout: float | None = None,
    fail_on_paused: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[JobState], None] | None = None,
) -> JobState:
    """Poll ``fetch_row`` until the job succeeds (returned) or stops otherwise (raised)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        state = interpret_job_row(fetch_row(), job_id)
        if on_progress:
            on_progress(state)
        if outcome(state, fail_on_paused=fail_on_paused):
            return state
        if deadline is not None and time.monotonic() >= deadline:
            raise RoachliftError(f"gave up waiting after {timeout:.0f}s: {state.describe()}")
        sleep(poll_seconds)


def find_unfinished_import(conn: psycopg.Connection, urls: Sequence[str]) -> int | None:
    """The id of an IMPORT job still under way that reads the first of ``urls`` (matched by its
    path in the job's description), or None: a try that crashed after starting the job and before
    recording its id must follow that job, not start a second import of the same files."""
    if not urls:
        return None
    path = urlsplit(urls[0]).path
    if not path or path == "/":
        return None
    with conn.transaction():
        row = conn.execute(st.unfinished_import_jobs(), {"path": path}).fetchone()
    return int(row[0]) if row else None


def fetch_job_row(conn: psycopg.Connection, job_id: int) -> JobRow:
    """The job's row from ``crdb_internal.jobs`` (None when absent)."""
    with conn.transaction():
        return conn.execute(st.job_status(), (job_id,)).fetchone()


def wait_for_job(
    conn: psycopg.Connection,
    job_id: int,
    *,
    poll_seconds: float = 2.0,
    timeout: float | None = None,
    fail_on_paused: bool = True,
) -> JobState:
    """Block until job ``job_id`` succeeds; raise :class:`JobError` if it fails, is canceled,
    paused or missing. Progress is logged at each poll."""

    def progress(state: JobState) -> None:
        log.info("%s", state.describe())

    return follow_job(
        lambda: fetch_job_row(conn, job_id),
        job_id,
        poll_seconds=poll_seconds,
        timeout=timeout,
        fail_on_paused=fail_on_paused,
        on_progress=progress,
    )


async def poll_job(aconn: psycopg.AsyncConnection, job_id: int) -> JobState:
    """One asynchronous observation of the job (for a trigger's ``run()`` loop)."""
    return interpret_job_row(await fetch_job_row_async(aconn, job_id), job_id)


async def follow_job_async(
    fetch_row: Callable[[], Awaitable[JobRow]],
    job_id: int,
    *,
    poll_seconds: float = 5.0,
    timeout: float | None = None,
    fail_on_paused: bool = True,
) -> JobState:
    """:func:`follow_job` for the event loop: awaits ``fetch_row`` and ``asyncio.sleep``."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while True:
        state = interpret_job_row(await fetch_row(), job_id)
        log.info("%s", state.describe())
        if outcome(state, fail_on_paused=fail_on_paused):
            return state
        if deadline is not None and loop.time() >= deadline:
            raise RoachliftError(f"gave up waiting after {timeout:.0f}s: {state.describe()}")
        await asyncio.sleep(poll_seconds)


async def fetch_job_row_async(aconn: psycopg.AsyncConnection, job_id: int) -> JobRow:
    """The job's row from ``crdb_internal.jobs`` over an async connection (None when absent)."""
    async with aconn.transaction():
        cur = await aconn.execute(st.job_status(), (job_id,))
        return await cur.fetchone()


async def wait_for_job_async(
    aconn: psycopg.AsyncConnection,
    job_id: int,
    *,
    poll_seconds: float = 5.0,
    timeout: float | None = None,
    fail_on_paused: bool = True,
) -> JobState:
    """Await the job's end without blocking the event loop; same outcomes as :func:`wait_for_job`."""
    return await follow_job_async(
        lambda: fetch_job_row_async(aconn, job_id),
        job_id,
        poll_seconds=poll_seconds,
        timeout=timeout,
        fail_on_paused=fail_on_paused,
    )
