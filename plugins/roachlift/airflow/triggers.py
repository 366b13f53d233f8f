"""Triggers: wait for CockroachDB jobs in the triggerer, so no worker slot is held meanwhile.

A trigger class must live in an installed package (the triggerer cannot import from the DAGs
folder), never block the event loop, and be idempotent: polling a job is read-only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from roachlift.airflow.hooks import conninfo
from roachlift.load.jobs import JobError, poll_job

_conninfo_async = sync_to_async(conninfo)


class ImportJobTrigger(BaseTrigger):
    """Poll ``crdb_internal.jobs`` for an ``IMPORT INTO ... DETACHED`` job until it ends.

    The event carries the job's last state (``JobState.to_dict()``) and ``ok``: the operator's
    ``execute_complete`` decides what to do. Like common-sql's triggers, nothing escapes ``run()``:
    an exception (lost connection, ...) or the ``timeout`` (seconds; None waits as long as the job
    runs) ends in a failure event, with ``retryable`` set, so a retry of the task follows the same
    job again. Only the connection id is serialized, never a secret.
    """

    def __init__(
        self,
        conn_id: str,
        database: str,
        job_id: int,
        table: str,
        poll_seconds: float = 5.0,
        timeout: float | None = None,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.database = database
        self.job_id = int(job_id)
        self.table = table
        self.poll_seconds = poll_seconds
        self.timeout = timeout

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and kwargs, stored by the scheduler."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "database": self.database,
                "job_id": self.job_id,
                "table": self.table,
                "poll_seconds": self.poll_seconds,
                "timeout": self.timeout,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until the job is terminal (or paused), the timeout passes or an error occurs;
        yield one event."""
        try:
            if self.timeout is None:
                event = await self._follow()
            else:
                event = await asyncio.wait_for(self._follow(), self.timeout)
        except TimeoutError:
            event = self._failure(
                f"IMPORT INTO {self.table}: job {self.job_id} still running after {self.timeout:.0f}s "
                "(it goes on in the cluster; a retry follows it again)"
            )
        except Exception as exc:  # a trigger must not die with a traceback: the task gets the error
            self.log.exception("IMPORT INTO %s: following job %d failed", self.table, self.job_id)
            event = self._failure(f"IMPORT INTO {self.table}: following job {self.job_id} failed: {exc}")
        yield TriggerEvent(event)

    def _failure(self, error: str) -> dict[str, Any]:
        return {"ok": False, "retryable": True, "error": error, "state": {"job_id": self.job_id}}

    async def _follow(self) -> dict[str, Any]:
        info = (await _conninfo_async(self.conn_id)).with_database(self.database)
        last_pct = -1.0
        async with await psycopg.AsyncConnection.connect(info.postgres_conninfo(), autocommit=True) as aconn:
            while True:
                state = await poll_job(aconn, self.job_id)
                pct = (state.fraction_completed or 0.0) * 100
                if pct != last_pct:
                    self.log.info("IMPORT INTO %s: %s", self.table, state.describe())
                    last_pct = pct
                if state.terminal or state.phase.value == "paused":
                    error = None if state.phase.value == "succeeded" else str(JobError(state))
                    return {"ok": error is None, "error": error, "state": state.to_dict()}
                await asyncio.sleep(self.poll_seconds)
