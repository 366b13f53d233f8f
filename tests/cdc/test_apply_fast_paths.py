"""The applier's fast paths keep their promises: the slot is advanced only after release (lazily),
and coalescing never modifies a source's row images."""

from __future__ import annotations

import psycopg

from roachlift.cdc.apply import BatchApplier, TargetCatalog
from roachlift.cdc.model import Change, Commit, Op
from roachlift.cdc.postgres import PostgresSource
from roachlift.target.targets import PostgresTarget

from .conftest import execute, rows


def _confirmed(dsn: str, slot: str) -> object:
    return rows(
        dsn, f"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{slot}'"
    )[0][0]


def test_released_position_is_advanced_before_the_next_peek_and_on_close(pg_db: str, pg_slot: str) -> None:
    execute(pg_db, "CREATE TABLE r (id int PRIMARY KEY)")
    execute(pg_db, *[f"INSERT INTO r VALUES ({i})" for i in range(1, 201)])  # > one parse chunk
    source = PostgresSource(pg_db, pg_slot)
    source.open(None)
    start = _confirmed(pg_db, pg_slot)
    events = list(source.read(1_000))
    changes = [e for e in events if isinstance(e, Change)]
    assert [c.new for c in changes] == [{"id": str(i)} for i in range(1, 201)]
    commits = [e for e in events if isinstance(e, Commit)]
    first_insert = commits[-200]
    source.release(first_insert.position)
    assert _confirmed(pg_db, pg_slot) == start  # released, not yet advanced
    again = [e for e in source.read(1_000) if isinstance(e, Change)]
    assert _confirmed(pg_db, pg_slot) == first_insert.position["lsn"]  # advanced before the peek
    assert [c.new for c in again] == [{"id": str(i)} for i in range(2, 201)]  # applied ones skipped
    source.release(commits[-1].position)
    source.close()
    assert _confirmed(pg_db, pg_slot) == commits[-1].position["lsn"]


def test_coalescing_leaves_the_row_images_untouched(pg_target: str) -> None:
    execute(pg_target, "CREATE TABLE t (id int PRIMARY KEY, a text, big text)")
    insert = Change(Op.INSERT, "public.t", new={"id": "1", "a": "x", "big": "large"})
    update = Change(Op.UPDATE, "public.t", new={"id": "1", "a": "y"})  # unchanged TOAST column left out
    with psycopg.connect(pg_target, autocommit=True) as conn:
        applier = BatchApplier(conn, TargetCatalog(conn, "public"), PostgresTarget())
        with conn.transaction():
            applier.add(insert)
            applier.add(update)
            applier.flush()
    assert insert.new == {"id": "1", "a": "x", "big": "large"}
    assert update.new == {"id": "1", "a": "y"}
    assert rows(pg_target, "SELECT id, a, big FROM t") == [(1, "y", "large")]
    assert applier.per_table == {"public.t": {"I": 1, "U": 1, "D": 0, "T": 0}}
