"""IMPORT INTO a table in groups of files, one job per group, each recorded in the progress table.

A table's part files are cut into groups of ``group_files`` (in file order). Each group is
imported by its own ``IMPORT INTO ... DETACHED`` job, started in one transaction with the progress
row that names the job (unit = group number, :mod:`roachlift.load.progress`), so no job can exist
without its record. A failed IMPORT rolls its rows back (DESIGN.md), so a rerun finds, group by
group: a succeeded job (skip), a running or paused one (wait for it), or a failed, canceled or
never-started one (start the group again) — it never re-imports what an earlier job of the same
dump committed, and never follows a job of another dump.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg

from roachlift.errors import RoachliftError
from roachlift.load import jobs, progress
from roachlift.load.manifest import Manifest
from roachlift.load.phases import count_rows
from roachlift.target import statements as st

log = logging.getLogger(__name__)

START, FOLLOW, DONE = "start", "follow", "done"
JobLookup = Callable[[int], jobs.JobState]


def plan_groups(manifest: Manifest, group_files: int) -> list[list[int]]:
    """File indexes of each group, ``group_files`` files at a time in file order."""
    if group_files <= 0:
        raise RoachliftError(
            f"{manifest.target_table}: import group size must be positive, got {group_files}"
        )
    n = len(manifest.files)
    return [list(range(i, min(i + group_files, n))) for i in range(0, n, group_files)]


def group_rows(manifest: Manifest, group: Sequence[int]) -> int:
    """Rows the dump wrote into the files of one group."""
    return sum(manifest.files[i].rows for i in group)


@dataclass(frozen=True)
class Step:
    """What to do next: ``start`` group ``group`` (1-based), ``follow`` its running ``job_id``,
    or ``done`` (every group imported; ``group`` is then the number of groups)."""

    action: str
    group: int
    job_id: int | None = None


def job_lookup(conn: psycopg.Connection) -> JobLookup:
    """Job states read from the cluster (``SHOW JOBS``, :mod:`roachlift.load.jobs`)."""
    return lambda job_id: jobs.interpret_job_row(jobs.fetch_job_row(conn, job_id), job_id)


def next_step(
    conn: psycopg.Connection, manifest: Manifest, groups: list[list[int]], lookup: JobLookup
) -> Step:
    """Where this dump's import of the table stands, from the progress rows and their jobs.

    A recorded job that has left ``SHOW JOBS`` (older than its retention) succeeded if a later
    group was started (a group starts only after the one before it succeeded); else it is judged
    by the row count: the rows of the groups before it, plus its own when it succeeded.
    """
    table = manifest.target_table
    recorded = progress.read(conn, manifest.identity, table)
    before = 0
    for number, group in enumerate(groups, start=1):
        pos = recorded.get(number)
        rows = group_rows(manifest, group)
        if pos is None or pos.job_id is None:
            return Step(START, number)
        if pos.done:
            before += rows
            continue
        state = lookup(int(pos.job_id))
        if state.phase == jobs.JobPhase.SUCCEEDED:
            before += rows
            continue
        if state.phase in (jobs.JobPhase.RUNNING, jobs.JobPhase.PAUSED):
            return Step(FOLLOW, number, int(pos.job_id))
        if state.phase == jobs.JobPhase.MISSING and any(u > number for u in recorded):
            before += rows
            continue
        if state.phase == jobs.JobPhase.MISSING:
            actual = count_rows(conn, table)
            if actual == before + rows:
                before += rows
                continue
            if actual != before:
                raise RoachliftError(
                    f"{table}: IMPORT job {pos.job_id} of group {number} is no longer listed and the "
                    f"table holds {actual} row(s), neither {before} nor {before + rows}; "
                    "reload it with truncate"
                )
        log.info("%s: group %d: %s; importing the group again", table, number, state.describe())
        return Step(START, number)
    return Step(DONE, len(groups))


def start_group(
    conn: psycopg.Connection, manifest: Manifest, groups: list[list[int]], number: int, urls: Sequence[str]
) -> int:
    """Start ``IMPORT INTO ... DETACHED`` of group ``number`` from ``urls`` and record its job in
    the same transaction; return the job id.

    CockroachDB allows IMPORT inside a multi-statement transaction only with DETACHED
    (cockroachdb/cockroach pkg/sql/importer/import_planning.go: "IMPORT cannot be used inside a
    multi-statement transaction without DETACHED option"); the job starts when it commits.
    """
    table = manifest.target_table
    group = groups[number - 1]
    stmt = st.import_into(table, manifest.columns, list(urls), gzip=manifest.gzip)
    try:
        with conn.transaction():
            row = conn.execute(stmt).fetchone()
            if row is None:
                raise RoachliftError(f"{table}: IMPORT INTO returned no job id")
            job_id = int(row[0])
            progress.write(conn, manifest.identity, table, _position(manifest, group, number, job_id, False))
    except psycopg.Error as exc:
        raise RoachliftError(f"{table}: IMPORT INTO of file group {number} could not start: {exc}") from exc
    log.info(
        "%s: IMPORT job %d started for group %d of %d (%d file(s), %d rows)",
        table,
        job_id,
        number,
        len(groups),
        len(group),
        group_rows(manifest, group),
    )
    return job_id


def mark_done(
    conn: psycopg.Connection, manifest: Manifest, groups: list[list[int]], number: int, job_id: int
) -> None:
    """Record that group ``number``'s job succeeded (so it is skipped even after SHOW JOBS forgets it)."""
    with conn.transaction():
        progress.write(
            conn,
            manifest.identity,
            manifest.target_table,
            _position(manifest, groups[number - 1], number, job_id, True),
        )


def _position(
    manifest: Manifest, group: Sequence[int], number: int, job_id: int, done: bool
) -> progress.Position:
    return progress.Position(
        unit=number,
        file_index=group[-1],
        file_name=manifest.files[group[0]].path.name,
        byte_offset=0,
        rows=group_rows(manifest, group),
        batches=len(group),
        job_id=job_id,
        done=done,
    )
