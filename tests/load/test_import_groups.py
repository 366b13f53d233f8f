"""IMPORT in groups of files: where a rerun resumes, decided from the progress table on a real
PostgreSQL target (the table and its statements are shared with CockroachDB).

IMPORT INTO itself and SHOW JOBS exist only on CockroachDB (live suite: tests/load/test_crdb_live.py);
here the job states a cluster would report are given by a lookup table, and the rows a succeeded
job would have imported are inserted with COPY.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from load_helpers import write_dump

from roachlift.errors import RoachliftError
from roachlift.load import importgroups, jobs, progress
from roachlift.load.importgroups import DONE, FOLLOW, START, Step
from roachlift.load.loader import import_plan
from roachlift.load.manifest import Manifest

PARTS = 7  # 10 rows each; groups of 3 files: [0,1,2] [3,4,5] [6]


def _manifest(tmp: Path, dump_id: str = "dump-a") -> Manifest:
    parts = [b"".join(f"{p * 10 + i},v{p * 10 + i}\n".encode() for i in range(10)) for p in range(PARTS)]
    path = write_dump(tmp, "g", "public.g", ["id", "v"], parts)
    data = json.loads(path.read_text())
    data["dump_id"] = dump_id
    path.write_text(json.dumps(data))
    return Manifest.read(path)


def _conn(dsn: str) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("CREATE TABLE IF NOT EXISTS g (id int PRIMARY KEY, v text)")
    progress.ensure_table(conn, "public.g")
    return conn


def _import(conn: psycopg.Connection, manifest: Manifest, groups: list[list[int]], n: int, job: int) -> None:
    """What a succeeded job leaves: the group's rows, and its record (written when it started)."""
    with conn.cursor().copy("COPY g (id, v) FROM STDIN WITH CSV") as cp:
        for i in groups[n - 1]:
            cp.write(manifest.files[i].path.read_bytes())
    with conn.transaction():
        progress.write(
            conn,
            manifest.identity,
            "public.g",
            importgroups._position(manifest, groups[n - 1], n, job, False),
        )


def _started(conn: psycopg.Connection, manifest: Manifest, groups: list[list[int]], n: int, job: int) -> None:
    """A job started (recorded) that has imported nothing yet, or failed and rolled back."""
    with conn.transaction():
        progress.write(
            conn,
            manifest.identity,
            "public.g",
            importgroups._position(manifest, groups[n - 1], n, job, False),
        )


def _lookup(states: dict[int, jobs.JobPhase]) -> importgroups.JobLookup:
    return lambda job_id: jobs.JobState(job_id, states.get(job_id, jobs.JobPhase.MISSING), "x")


def test_groups_cover_every_file_once(tmp_path: Path) -> None:
    m = _manifest(tmp_path)
    assert importgroups.plan_groups(m, 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert importgroups.plan_groups(m, 100) == [list(range(PARTS))]
    with pytest.raises(RoachliftError, match=r"public\.g: import group size must be positive"):
        importgroups.plan_groups(m, 0)


def test_a_rerun_resumes_at_the_first_group_not_imported(tmp_path: Path, pg_db: str) -> None:
    m = _manifest(tmp_path)
    groups = importgroups.plan_groups(m, 3)
    with _conn(pg_db) as conn:
        assert importgroups.next_step(conn, m, groups, _lookup({})) == Step(START, 1)
        _import(conn, m, groups, 1, job=101)
        _started(conn, m, groups, 2, job=102)
        states = {101: jobs.JobPhase.SUCCEEDED, 102: jobs.JobPhase.RUNNING}
        assert importgroups.next_step(conn, m, groups, _lookup(states)) == Step(FOLLOW, 2, 102)
        states[102] = jobs.JobPhase.PAUSED
        assert importgroups.next_step(conn, m, groups, _lookup(states)) == Step(FOLLOW, 2, 102)
        for failed in (jobs.JobPhase.FAILED, jobs.JobPhase.CANCELED):
            states[102] = failed  # rolled back: only that group is imported again
            assert importgroups.next_step(conn, m, groups, _lookup(states)) == Step(START, 2)
        # a job SHOW JOBS no longer lists is judged by the row count
        states.pop(101)
        assert importgroups.next_step(conn, m, groups, _lookup(states)) == Step(START, 2)
        importgroups.mark_done(conn, m, groups, 1, 101)
        _import(conn, m, groups, 2, job=102)
        states.pop(102)
        assert importgroups.next_step(conn, m, groups, _lookup(states)) == Step(START, 3)
        conn.execute("DELETE FROM g WHERE id = 35")
        with pytest.raises(
            RoachliftError, match=r"IMPORT job 102 of group 2 .* 59 row\(s\), neither 30 nor 60"
        ):
            importgroups.next_step(conn, m, groups, _lookup(states))
        conn.execute("INSERT INTO g VALUES (35, 'v35')")
        _import(conn, m, groups, 3, job=103)
        states[103] = jobs.JobPhase.SUCCEEDED
        assert importgroups.next_step(conn, m, groups, _lookup(states)) == Step(DONE, 3)


def test_import_plan_resumes_only_the_same_dump(tmp_path: Path, pg_db: str) -> None:
    old = _manifest(tmp_path / "old", "dump-old")
    groups = importgroups.plan_groups(old, 3)
    with _conn(pg_db) as conn:
        _import(conn, old, groups, 1, job=201)
        lookup = _lookup({201: jobs.JobPhase.SUCCEEDED})
        # the same dump, resuming: go on at group 2
        assert import_plan(conn, old, "truncate", 3, resume=True, lookup=lookup)[1] == Step(START, 2)
        # a new dump never follows the old dump's job: it starts over per the table handling
        new = _manifest(tmp_path / "new", "dump-new")
        assert new.identity != old.identity
        with pytest.raises(RoachliftError, match=r"public\.g: target already holds 30 row"):
            import_plan(conn, new, "resume", 3, lookup=lookup)
        _, step = import_plan(conn, new, "truncate", 3, resume=True, lookup=lookup)
        assert step == Step(START, 1)
        assert conn.execute("SELECT count(*) FROM g").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM public.roachlift_load_progress").fetchone() == (0,)
