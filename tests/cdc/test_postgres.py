"""PostgreSQL source (wal2json slot) → PostgreSQL target: every kind of change, TOAST, errors."""

from __future__ import annotations

import psycopg
import pytest

from roachlift.cdc.apply import run_applier
from roachlift.cdc.model import CdcError, SchemaChangedError
from roachlift.cdc.postgres import PostgresSource

from .conftest import execute, rows

DDL = [
    """CREATE TABLE items (
        id int PRIMARY KEY, name varchar(40), note text, price numeric(12,4), ratio float8, flag bool,
        data bytea, at timestamptz, born date, t time, tags text[], doc jsonb, u uuid, big text)""",
    "ALTER TABLE items ALTER COLUMN big SET STORAGE EXTERNAL",
    "CREATE TABLE pairs (a int, b text, v int, PRIMARY KEY (a, b))",
    "CREATE TABLE logs (id bigint PRIMARY KEY, msg text)",
]


def dump_table(dsn: str, table: str, key: str) -> list[tuple[object, ...]]:
    """Every row as its JSON text, in key order."""
    return rows(dsn, f"SELECT row_to_json(r)::text FROM {table} AS r ORDER BY {key}")


def assert_same(source: str, target: str) -> None:
    for table, key in (("items", "id"), ("pairs", "a, b"), ("logs", "id")):
        assert dump_table(source, table, key) == dump_table(target, table, key), table


def test_every_change_kind_reaches_the_target(pg_db: str, pg_target: str, pg_slot: str) -> None:
    execute(pg_target, *DDL)
    execute(pg_db, *DDL)
    big = "x" * 200_000 + "end"
    execute(
        pg_db,
        f"""INSERT INTO items VALUES
            (1, 'one', '', 1.5000, 0.1, true, '\\x00ff10', '2024-01-02 03:04:05.123456+02', '2024-02-29',
             '23:59:59.5', '{{a,"b c",NULL}}', '{{"k": [1, 2]}}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
             '{big}'),
            (2, 'two', NULL, -0.0001, -1.5e-7, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             'small'),
            (3, 'three', 'x,"y"', 99999999.9999, 1e300, NULL, '\\x', 'infinity', '0001-01-01', '00:00',
             '{{}}',
             'null', NULL, '{big}')""",
        "INSERT INTO pairs VALUES (1, 'a', 1), (1, 'b', 2), (2, 'a', 3)",
        "INSERT INTO logs SELECT g, 'msg ' || g FROM generate_series(1, 500) g",
        # an update of another column must leave the unchanged TOASTed value intact
        "UPDATE items SET name = 'uno' WHERE id = 1",
        # primary-key change of a row whose TOASTed value is unchanged (not in the change image)
        "UPDATE items SET id = 30, name = 'moved' WHERE id = 3",
        "UPDATE items SET price = 2 WHERE id = 2",
        "DELETE FROM logs WHERE id % 3 = 0",
        "UPDATE pairs SET b = 'z', v = 9 WHERE a = 1 AND b = 'a'",
        "DELETE FROM pairs WHERE a = 2",
        "UPDATE logs SET msg = 'changed' WHERE id < 50",
    )
    with psycopg.connect(pg_db) as conn:  # several changes of one row in one transaction
        conn.execute("INSERT INTO items (id, name, big) VALUES (4, 'four', 'b4')")
        conn.execute("UPDATE items SET name = 'FOUR' WHERE id = 4")
        conn.execute("UPDATE items SET id = 5 WHERE id = 4")
        conn.execute("INSERT INTO items (id, name) VALUES (6, 'six')")
        conn.execute("DELETE FROM items WHERE id = 6")
        conn.execute("INSERT INTO items (id, name) VALUES (6, 'six again')")
    execute(pg_db, "TRUNCATE pairs", "INSERT INTO pairs VALUES (7, 'after truncate', 7)")

    source = PostgresSource(pg_db, pg_slot, schemas=["public"])
    stats = run_applier(source, pg_target, migration="m1", until_caught_up=True, batch_changes=200)
    assert_same(pg_db, pg_target)
    assert rows(pg_target, "SELECT length(big), right(big, 3) FROM items WHERE id = 1") == [(200_003, "end")]
    assert rows(pg_target, "SELECT length(big), name FROM items WHERE id = 30") == [(200_003, "moved")]
    assert stats.caught_up and stats.lag_seconds == 0.0
    assert stats.changes > 600 and stats.batches >= 3
    assert stats.per_table["public.pairs"]["T"] == 1

    # nothing new: a second run applies nothing and leaves the target as it is
    again = run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m1", batch_changes=200)
    assert again.changes == 0 and again.txns == 0
    execute(pg_db, "UPDATE items SET note = 'later' WHERE id = 1", "DELETE FROM items WHERE id = 2")
    third = run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m1", lag_threshold_seconds=5)
    assert third.changes == 2
    assert third.caught_up_for_seconds >= 0.0
    assert_same(pg_db, pg_target)
    # the slot was released up to the checkpoint
    (confirmed,) = rows(
        pg_db, f"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{pg_slot}'"
    )
    (saved,) = rows(pg_target, "SELECT position->>'lsn' FROM roachlift_cdc_checkpoint WHERE migration = 'm1'")
    assert confirmed == saved


def test_checkpoint_ahead_of_slot_skips_applied_transactions(
    pg_db: str, pg_target: str, pg_slot: str
) -> None:
    """A crash after the target commit and before the slot advance must not apply anything twice."""
    execute(pg_target, "CREATE TABLE counter (id int PRIMARY KEY, n int)")
    execute(pg_db, "CREATE TABLE counter (id int PRIMARY KEY, n int)", "INSERT INTO counter VALUES (1, 0)")
    execute(pg_db, *["UPDATE counter SET n = n + 1" for _ in range(5)])
    source = PostgresSource(pg_db, pg_slot)
    run_applier(source, pg_target, migration="m", batch_changes=2)
    # rewind nothing on the slot but pretend the target saw more: the slot is behind the checkpoint
    (lsn,) = rows(pg_target, "SELECT position->>'lsn' FROM roachlift_cdc_checkpoint")[0]
    execute(pg_db, *["UPDATE counter SET n = n + 1" for _ in range(3)])
    # apply, but make release a no-op: the slot stays behind the checkpoint
    lazy = PostgresSource(pg_db, pg_slot)
    lazy._advance = lambda position: None  # type: ignore[method-assign]
    run_applier(lazy, pg_target, migration="m")
    (behind,) = rows(
        pg_db, f"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{pg_slot}'"
    )[0]
    assert behind == lsn
    execute(pg_target, "UPDATE counter SET n = n * 100")  # would be overwritten if replayed
    stats = run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m")
    assert stats.changes == 0
    assert rows(pg_target, "SELECT n FROM counter") == [(800,)]


def test_table_without_primary_key_is_refused(pg_db: str, pg_target: str, pg_slot: str) -> None:
    execute(pg_db, "CREATE TABLE nokey (x int, y text)", "INSERT INTO nokey VALUES (1, 'a')")
    execute(pg_target, "CREATE TABLE nokey (x int PRIMARY KEY, y text)")
    with pytest.raises(CdcError, match=r"public\.nokey.*REPLICA IDENTITY FULL"):
        run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m")
    # excluded by the spec: not checked
    stats = run_applier(
        PostgresSource(pg_db, pg_slot, wants=lambda t: t != "public.nokey"), pg_target, migration="m"
    )
    assert stats.changes == 0
    execute(pg_db, "ALTER TABLE nokey REPLICA IDENTITY FULL")
    stats = run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m2")
    assert stats.caught_up


def test_ddl_mid_stream_stops_with_a_clear_message(pg_db: str, pg_target: str, pg_slot: str) -> None:
    execute(pg_target, "CREATE TABLE t (id int PRIMARY KEY, a text)")
    execute(pg_db, "CREATE TABLE t (id int PRIMARY KEY, a text)", "INSERT INTO t VALUES (1, 'a')")
    run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m")
    execute(pg_db, "ALTER TABLE t ADD COLUMN extra int", "INSERT INTO t VALUES (2, 'b', 5)")
    with pytest.raises(SchemaChangedError, match=r"public\.t changed mid-stream: column 'extra'.*restart"):
        run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m")
    assert rows(pg_target, "SELECT id FROM t") == [(1,)]
    execute(pg_db, "ALTER TABLE t DROP COLUMN a", "INSERT INTO t VALUES (3, 6)")
    execute(pg_target, "ALTER TABLE t ADD COLUMN extra int")
    with pytest.raises(SchemaChangedError, match=r"INSERT has no column\(s\) a"):
        run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="m")
    assert rows(pg_target, "SELECT id, extra FROM t ORDER BY id") == [(1, None), (2, 5)]


def test_missing_slot_is_a_clear_error(pg_db: str, pg_target: str) -> None:
    with pytest.raises(CdcError, match="slot 'nope' does not exist"):
        run_applier(PostgresSource(pg_db, "nope"), pg_target, migration="m")


def test_partition_changes_go_to_the_root_table(pg_db: str, pg_target: str, pg_slot: str) -> None:
    execute(
        pg_db,
        "CREATE TABLE pay (id int, day date, amount numeric, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
        "CREATE TABLE pay_2024 PARTITION OF pay FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE pay_2025 PARTITION OF pay FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "INSERT INTO pay VALUES (1, '2024-03-01', 5), (2, '2025-03-01', 6)",
        "UPDATE pay SET day = '2025-04-01' WHERE id = 1",  # moves to another partition: DELETE + INSERT
        "UPDATE pay SET amount = 7 WHERE id = 2",
    )
    execute(pg_target, "CREATE TABLE pay (id int, day date, amount numeric, PRIMARY KEY (id, day))")
    # the spec excludes partitions by name (they are loaded through their parent), as pagila's does
    source = PostgresSource(pg_db, pg_slot, wants=lambda t: not t.startswith("public.pay_"))
    run_applier(source, pg_target, migration="p")
    query = "SELECT id, day::text, amount::text FROM pay ORDER BY id"
    assert rows(pg_target, query) == rows(pg_db, query) == [(1, "2025-04-01", "5"), (2, "2025-03-01", "7")]


def test_serialization_failure_is_retried(pg_db: str, pg_target: str, pg_slot: str) -> None:
    """CockroachDB asks clients to retry on SQLSTATE 40001: the batch is re-read and re-applied."""
    execute(pg_db, "CREATE TABLE r (id int PRIMARY KEY, v int)", "INSERT INTO r VALUES (1, 1), (2, 2)")
    execute(
        pg_target,
        "CREATE TABLE r (id int PRIMARY KEY, v int)",
        "CREATE SEQUENCE attempts",
        """CREATE FUNCTION fail_twice() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF nextval('attempts') <= 2 THEN
               RAISE EXCEPTION 'restart transaction' USING ERRCODE = '40001';
             END IF;
             RETURN NEW;
           END $$""",
        "CREATE TRIGGER r_fail BEFORE INSERT ON r FOR EACH ROW EXECUTE FUNCTION fail_twice()",
    )
    stats = run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="retry")
    assert stats.changes == 2
    assert rows(pg_target, "SELECT id, v FROM r ORDER BY id") == [(1, 1), (2, 2)]
    assert rows(pg_target, "SELECT last_value FROM attempts") == [(4,)]
