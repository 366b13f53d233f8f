"""Application transaction shapes against a target whose FK, unique and check constraints are all
validated: after catching up, verify passes and an independent fingerprint (count and md5 of the
ordered rows, computed by SQL on each side) is equal. PostgreSQL 15 source (wal2json)."""

from __future__ import annotations

import itertools
import os

import psycopg
import pytest

from roachlift.cdc.apply import run_applier
from roachlift.cdc.model import CdcError, Change
from roachlift.cdc.postgres import PostgresSource
from roachlift.testing import PostgresServer
from roachlift.verify import TableRef, verify_table
from roachlift.verify.compare import list_source_tables

from .conftest import execute, rows

SCHEMA = [
    "CREATE TABLE parent (id int PRIMARY KEY, code text NOT NULL UNIQUE CHECK (length(code) > 0))",
    "CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id), note text)",
    "CREATE TABLE emp (id int PRIMARY KEY, boss int REFERENCES emp (id), email text UNIQUE)",
    "CREATE TABLE cyc_a (id int PRIMARY KEY, b_id int)",
    "CREATE TABLE cyc_b (id int PRIMARY KEY, a_id int REFERENCES cyc_a (id))",
    "ALTER TABLE cyc_a ADD FOREIGN KEY (b_id) REFERENCES cyc_b (id)",
    """CREATE TABLE gen (id int PRIMARY KEY, price numeric(10, 2), qty int,
        total numeric GENERATED ALWAYS AS (price * qty) STORED)""",
]
#: a partitioned table on the source; the target has the root only, as convert and load make it
SOURCE_ONLY = [
    "CREATE TABLE events (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "CREATE TABLE events_other PARTITION OF events DEFAULT",
]
TARGET_ONLY = ["CREATE TABLE events (id int, at date, v text, PRIMARY KEY (id, at))"]
SEED = [
    "INSERT INTO events SELECT g, date '2024-06-01' + g * 30, 'e' || g FROM generate_series(1, 40) g",
    "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2'), (3, 'p3')",
    "INSERT INTO child VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, 'c'), (13, 2, 'd'), (14, 3, 'e')",
    "INSERT INTO emp VALUES (1, NULL, 'boss@x'), (2, 1, 'mid@x'), (3, 2, 'low@x')",
    "INSERT INTO emp VALUES (50, NULL, 'x50'), (51, 50, 'x51'), (52, 51, 'x52'), (53, 50, 'x53')",
    "INSERT INTO cyc_a VALUES (1, NULL)",
    "INSERT INTO cyc_b VALUES (1, 1)",
    "UPDATE cyc_a SET b_id = 1 WHERE id = 1",
    "INSERT INTO gen (id, price, qty) VALUES (1, 2.50, 4), (2, 1.00, 1)",
]
TABLES = {
    "parent": "id",
    "child": "id",
    "emp": "id",
    "cyc_a": "id",
    "cyc_b": "id",
    "gen": "id",
    "events": "id, at",
}

#: each workload: source transactions (lists of statements) made after the dump
WORKLOADS: dict[str, list[list[str]]] = {
    "child_then_parent_delete": [
        ["DELETE FROM child WHERE parent_id = 1", "DELETE FROM parent WHERE id = 1"]
    ],
    "reparent_then_delete": [
        ["UPDATE child SET parent_id = 3 WHERE parent_id = 2", "DELETE FROM parent WHERE id = 2"]
    ],
    "parent_then_child_insert": [
        ["INSERT INTO parent VALUES (4, 'p4')", "INSERT INTO child VALUES (20, 4, 'new')"],
        ["INSERT INTO parent VALUES (5, 'p5')"],
        ["INSERT INTO child VALUES (21, 5, 'later txn')"],
    ],
    "unique_swap_through_temporary": [
        [
            "UPDATE parent SET code = 'tmp' WHERE id = 1",
            "UPDATE parent SET code = 'p1' WHERE id = 2",
            "UPDATE parent SET code = 'p2' WHERE id = 1",
        ]
    ],
    "unique_value_passed_to_new_parent": [
        [
            "DELETE FROM child WHERE parent_id = 3",
            "DELETE FROM parent WHERE id = 3",
            "INSERT INTO parent VALUES (6, 'p3')",
            "INSERT INTO child VALUES (22, 6, 'reborn')",
        ]
    ],
    "self_reference_insert_chain": [
        [
            "INSERT INTO emp VALUES (10, NULL, 'a@x')",
            "INSERT INTO emp VALUES (11, 10, 'b@x')",
            "INSERT INTO emp VALUES (12, 11, 'c@x')",
        ],
        [
            "INSERT INTO emp SELECT g, CASE WHEN g > 100 THEN g - 1 END, 'e' || g"
            " FROM generate_series(100, 130) g"
        ],
    ],
    "self_reference_delete_chain": [
        ["DELETE FROM emp WHERE id = 52", "DELETE FROM emp WHERE id = 51", "DELETE FROM emp WHERE id = 53"],
        ["DELETE FROM emp WHERE id = 50"],
    ],
    "self_reference_reboss_then_delete": [
        ["UPDATE emp SET boss = 1 WHERE id = 3", "DELETE FROM emp WHERE id = 2"],
        ["UPDATE emp SET email = 'mid@x' WHERE id = 1", "INSERT INTO emp VALUES (4, 1, 'boss@x')"],
    ],
    "fk_cycle": [
        [
            "INSERT INTO cyc_a VALUES (2, NULL)",
            "INSERT INTO cyc_b VALUES (2, 2)",
            "UPDATE cyc_a SET b_id = 2 WHERE id = 2",
        ],
        [
            "UPDATE cyc_a SET b_id = NULL WHERE id = 1",
            "DELETE FROM cyc_b WHERE id = 1",
            "DELETE FROM cyc_a WHERE id = 1",
        ],
    ],
    "generated_columns": [
        ["UPDATE gen SET qty = 10 WHERE id = 1", "INSERT INTO gen (id, price, qty) VALUES (3, 9.99, 3)"],
        ["DELETE FROM gen WHERE id = 2"],
    ],
    "multi_table_truncate": [["INSERT INTO parent VALUES (9, 'p9')"], ["TRUNCATE child, parent"]],
    "truncate_cascade": [["TRUNCATE parent CASCADE"], ["INSERT INTO parent VALUES (1, 'again')"]],
    "partition_truncate": [
        ["TRUNCATE events_2024"],
        ["INSERT INTO events VALUES (100, '2024-02-02', 'after')", "TRUNCATE events_other"],
    ],
    "primary_key_change_of_a_parent": [
        ["INSERT INTO parent VALUES (7, 'p7')", "UPDATE parent SET id = 8 WHERE id = 7"],
        ["UPDATE child SET parent_id = 8 WHERE id = 14", "UPDATE parent SET code = 'p3b' WHERE id = 3"],
    ],
}

_n = itertools.count()


def fingerprint(dsn: str, table: str, key: str) -> tuple[object, ...]:
    """Count and md5 of the ordered rows, computed by the server (no roachlift code)."""
    (row,) = rows(
        dsn,
        f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY {key}), '')) FROM {table} AS r",
    )
    return row


def assert_same(source: str, target: str) -> None:
    for table, key in TABLES.items():
        assert fingerprint(source, table, key) == fingerprint(target, table, key), table
        res = verify_table(source, target, TableRef(table))
        assert res.error is None and res.ok, res.to_dict()


def prepared(pg_server: PostgresServer) -> tuple[str, str, str]:
    """Source with the seed rows and a slot created after them (the dump's point), and a target
    with the same rows and every constraint validated."""
    n = next(_n)
    source = pg_server.create_database(f"cons_src_{os.getpid()}_{n}")
    target = pg_server.create_database(f"cons_tgt_{os.getpid()}_{n}")
    execute(source, *SCHEMA, *SOURCE_ONLY, *SEED)
    execute(target, *SCHEMA, *TARGET_ONLY, *SEED)
    slot = f"cons_{os.getpid()}_{n}"
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (slot,))
    assert rows(target, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == [(0,)]
    return source, target, slot


def run_transactions(dsn: str, txns: list[list[str]]) -> None:
    with psycopg.connect(dsn) as conn:
        for txn in txns:
            with conn.transaction():
                for statement in txn:
                    conn.execute(statement)  # type: ignore[arg-type]


def drop_slot(dsn: str, slot: str) -> None:
    execute(dsn, f"SELECT pg_drop_replication_slot('{slot}')")


@pytest.mark.parametrize("workload", list(WORKLOADS))
def test_workload_applies_and_matches(pg_server: PostgresServer, workload: str) -> None:
    source, target, slot = prepared(pg_server)
    try:
        run_transactions(source, WORKLOADS[workload])
        stats = run_applier(PostgresSource(source, slot), target, migration="w", batch_changes=1_000)
        assert stats.caught_up and stats.changes > 0
        assert_same(source, target)
    finally:
        drop_slot(source, slot)


def test_every_workload_in_one_batch_one_per_batch_and_in_a_second_round(pg_server: PostgresServer) -> None:
    """All workloads back to back: once coalesced into one batch, once a transaction per batch."""
    for batch in (10_000, 1):
        source, target, slot = prepared(pg_server)
        try:
            for txns in WORKLOADS.values():
                run_transactions(source, txns)
            stats = run_applier(PostgresSource(source, slot), target, migration="all", batch_changes=batch)
            assert stats.caught_up
            assert_same(source, target)
            if batch > 1:
                assert stats.batches == 1 and stats.source_order_flushes >= 1
        finally:
            drop_slot(source, slot)


def test_unique_swap_is_written_in_source_order_and_a_real_violation_names_the_table(
    pg_server: PostgresServer,
) -> None:
    source, target, slot = prepared(pg_server)
    try:
        run_transactions(source, WORKLOADS["unique_swap_through_temporary"])
        stats = run_applier(PostgresSource(source, slot), target, migration="s", batch_changes=1_000)
        assert stats.source_order_flushes == 1
        assert_same(source, target)
        # a parent the target lacks (e.g. excluded from the migration): a clear stop, nothing applied
        execute(target, "DELETE FROM child WHERE parent_id = 3", "DELETE FROM parent WHERE id = 3")
        run_transactions(source, [["INSERT INTO child VALUES (30, 3, 'orphan')"]])
        before = rows(target, "SELECT position FROM roachlift_cdc_checkpoint")
        with pytest.raises(CdcError, match=r"target table child rejects a UPSERT of key\(s\) \('30',\)"):
            run_applier(PostgresSource(source, slot), target, migration="s", batch_changes=1_000)
        assert rows(target, "SELECT position FROM roachlift_cdc_checkpoint") == before
        assert rows(target, "SELECT count(*) FROM child WHERE id = 30") == [(0,)]
    finally:
        drop_slot(source, slot)


def test_partition_created_while_the_applier_runs_is_applied_to_its_root(pg_server: PostgresServer) -> None:
    """The spec excludes the partitions by name (as pagila's does); the new partition's rows still
    reach the root table, and the source side of verify lists the root only."""
    source, target, slot = prepared(pg_server)
    try:
        reader = PostgresSource(source, slot, wants=lambda t: not t.startswith("public.events_"))
        reader.open(None)
        execute(
            source,
            "CREATE TABLE events_2030 PARTITION OF events FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')",
            "INSERT INTO events VALUES (200, '2030-03-03', 'new partition')",
        )
        changes = [e for e in reader.read(100) if isinstance(e, Change)]
        reader.close()
        assert [(c.table, c.new) for c in changes] == [
            ("public.events", {"id": "200", "at": "2030-03-03", "v": "new partition"})
        ]
        run_transactions(
            source, [["TRUNCATE events_2030"], ["INSERT INTO events VALUES (201, '2030-04-04', 'x')"]]
        )
        stats = run_applier(PostgresSource(source, slot), target, migration="p", batch_changes=1_000)
        assert stats.caught_up and stats.per_table["public.events"] == {"I": 2, "U": 0, "D": 0, "T": 1}
        assert_same(source, target)
        assert rows(target, "SELECT count(*) FROM events") == [(41,)]
        assert "events_2024" not in {t.source_table for t in list_source_tables(source, ["public"])}
        # a table that exists on the source only: the applier stops and names it
        execute(source, "CREATE TABLE newcomer (id int PRIMARY KEY)", "INSERT INTO newcomer VALUES (1)")
        with pytest.raises(CdcError, match=r"public\.newcomer"):
            run_applier(PostgresSource(source, slot), target, migration="p")
    finally:
        drop_slot(source, slot)
