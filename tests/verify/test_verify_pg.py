"""Verify PostgreSQL -> PostgreSQL: equal data, each kind of difference, no-PK tables, re-check."""

from __future__ import annotations

import logging
import threading
import time
import tracemalloc

import pytest

from roachlift.verify import TableRef, verify_table, verify_tables
from roachlift.verify.compare import row_digest

from .conftest import pg_run

TABLE = """
CREATE TABLE items (
    id integer PRIMARY KEY,
    name text,
    note varchar(50),
    price numeric(10,2),
    ratio double precision,
    created timestamp,
    seen timestamptz,
    active boolean,
    payload bytea,
    doc jsonb,
    code char(6),
    uid uuid
)
"""

FILL = """
INSERT INTO items
SELECT g, 'name ' || g, CASE WHEN g % 5 = 0 THEN '' ELSE 'n' || g END, g * 1.25, g / 3.0,
       timestamp '2024-01-01 00:00:00' + g * interval '1 hour 1.5 second',
       timestamptz '2024-03-01 12:00:00+00' + g * interval '1 minute',
       g % 2 = 0, decode(lpad(to_hex(g), 8, '0'), 'hex'),
       jsonb_build_object('k', g, 'list', jsonb_build_array(g, 'x'), 'a', null),
       'c' || g, md5(g::text)::uuid
FROM generate_series({lo}, {hi}) AS g
"""


def _setup(source: str, target: str) -> None:
    pg_run(source, [TABLE, FILL.format(lo=1, hi=60)])
    pg_run(target, [TABLE, FILL.format(lo=1, hi=60)])


def test_equal_tables_pass_with_chunks_and_other_session_zone(pg_db: str, pg_target: str) -> None:
    _setup(pg_db, pg_target)
    # the target database's default zone differs: the same instants must still compare equal
    dbname = pg_target.rsplit("/", 1)[1]
    pg_run(pg_target, f"ALTER DATABASE {dbname} SET timezone TO 'Asia/Tokyo'")
    # the same instant as the source's 12:01 UTC, written in another zone
    pg_run(pg_target, "UPDATE items SET seen = '2024-03-01 21:01:00+09' WHERE id = 1")
    res = verify_table(pg_db, pg_target, TableRef("items"), chunk_rows=7, sample_size=5)
    assert res.error is None
    assert res.ok, res.to_dict()
    assert res.method == "pk-merge"
    assert (res.rows_source, res.rows_target) == (60, 60)
    assert res.chunks == 9  # keys 1..60 in ranges of 7
    assert res.key_columns == ("id",)


def test_each_difference_is_found_with_key_and_column(pg_db: str, pg_target: str) -> None:
    _setup(pg_db, pg_target)
    pg_run(
        pg_target,
        [
            "UPDATE items SET name = 'changed' WHERE id = 5",
            "DELETE FROM items WHERE id = 7",
            "INSERT INTO items (id, name) VALUES (1000, 'extra')",
            # same wall-clock time, another zone: a different instant
            "UPDATE items SET seen = '2024-03-01 12:09:00+02' WHERE id = 9",
            "UPDATE items SET note = NULL WHERE id = 10",  # source has '' here
            'UPDATE items SET doc = \'{"k": 11, "list": [11, "y"], "a": null}\' WHERE id = 11',
        ],
    )
    res = verify_table(pg_db, pg_target, TableRef("items", "public"), chunk_rows=25, sample_size=10)
    assert not res.ok
    assert res.missing == 1 and res.missing_sample == [(7,)]
    assert res.extra == 1 and res.extra_sample == [(1000,)]
    assert res.mismatched == 4
    got = {m.key: m.columns for m in res.mismatched_sample}
    assert got == {(5,): ("name",), (9,): ("seen",), (10,): ("note",), (11,): ("doc",)}
    assert res.mismatched_columns == {"name": 1, "seen": 1, "note": 1, "doc": 1}
    data = res.to_dict()
    assert data["missing_sample"] == [[7]] and data["ok"] is False
    assert {"key": [10], "columns": ["note"]} in data["mismatched_sample"]


def test_text_and_composite_keys_merge_in_code_point_order(pg_db: str, pg_target: str) -> None:
    ddl = 'CREATE TABLE t (k text COLLATE "und-x-icu", n int, v text, PRIMARY KEY (k, n))'
    rows = "INSERT INTO t VALUES ('a', 1, 'x'), ('B', 1, 'y'), ('b', 2, 'z'), ('é', 1, 'w'), ('Z', 3, 'q')"
    pg_run(pg_db, [ddl, rows])
    pg_run(pg_target, [ddl, rows, "UPDATE t SET v = 'changed' WHERE k = 'é'"])
    res = verify_table(pg_db, pg_target, TableRef("t"))
    assert (res.missing, res.extra, res.mismatched) == (0, 0, 1), res.to_dict()
    assert res.mismatched_sample[0].key == ("é", 1)
    assert res.chunks == 1  # text key: one ordered stream


def test_table_without_primary_key_uses_full_row_hash(pg_db: str, pg_target: str) -> None:
    ddl = "CREATE TABLE log (at timestamptz, msg text, n int)"
    rows = (
        "INSERT INTO log SELECT timestamptz '2024-01-01 00:00+00' + g * interval '1 s', "
        "'m' || (g % 7), g % 3 FROM generate_series(1, 200) g"
    )
    pg_run(pg_db, [ddl, rows, "INSERT INTO log VALUES (NULL, 'dup', 1), (NULL, 'dup', 1)"])
    pg_run(pg_target, [ddl, rows, "INSERT INTO log VALUES (NULL, 'dup', 1), (NULL, 'dup', 1)"])
    res = verify_table(pg_db, pg_target, TableRef("log"))
    assert res.ok and res.method == "full-row-hash"
    assert any("full-row hash" in n for n in res.notes)
    assert res.rows_source == res.rows_target == 202

    pg_run(pg_target, ["DELETE FROM log WHERE ctid IN (SELECT ctid FROM log WHERE msg = 'dup' LIMIT 1)"])
    pg_run(pg_target, ["UPDATE log SET msg = 'other' WHERE n = 2 AND msg = 'm3'"])
    res = verify_table(pg_db, pg_target, TableRef("log"))
    assert not res.ok and res.method == "full-row-hash"
    changed = sum(1 for g in range(1, 201) if g % 7 == 3 and g % 3 == 2)
    assert res.missing == 1 + changed and res.extra == changed
    assert (row_digest((None, "dup", "1")),) in res.missing_sample  # no row values in the report
    assert len(res.extra_sample) == min(changed, 10) and all(
        len(row) == 1 and row[0].startswith("sha256:") for row in res.extra_sample
    )


def test_recheck_resolves_rows_fixed_during_the_delay(pg_db: str, pg_target: str) -> None:
    _setup(pg_db, pg_target)
    pg_run(
        pg_target,
        [
            "UPDATE items SET price = 0 WHERE id = 3",
            "UPDATE items SET name = 'stays' WHERE id = 4",
            "DELETE FROM items WHERE id = 6",
        ],
    )

    def apply_later() -> None:  # what CDC would apply while verify runs
        time.sleep(0.3)
        pg_run(pg_target, ["UPDATE items SET price = 3.75 WHERE id = 3", FILL.format(lo=6, hi=6)])

    fixer = threading.Thread(target=apply_later)
    fixer.start()
    try:
        # rows read at once (no chunk digests first), so the first pass comes before the fix
        res = verify_table(pg_db, pg_target, TableRef("items"), recheck_delay_s=1.5, chunk_digests=False)
    finally:
        fixer.join()
    assert res.rechecked == 3
    assert res.resolved_on_recheck == 2
    assert res.mismatched == 1 and [m.key for m in res.mismatched_sample] == [(4,)]
    assert res.missing == res.extra == 0
    assert res.mismatched_columns == {"name": 1}


def test_progress_is_logged(pg_db: str, pg_target: str, caplog: pytest.LogCaptureFixture) -> None:
    _setup(pg_db, pg_target)
    with caplog.at_level(logging.INFO, logger="roachlift.verify"):
        verify_table(pg_db, pg_target, TableRef("items"), chunk_rows=20, progress_every_s=0.0)
    progress = [r.getMessage() for r in caplog.records if "rows read" in r.getMessage()]
    assert progress and "60 source / 60 target rows read" in progress[-1]


def test_without_recheck_the_same_difference_is_reported(pg_db: str, pg_target: str) -> None:
    _setup(pg_db, pg_target)
    pg_run(pg_target, "UPDATE items SET price = 0 WHERE id = 3")
    res = verify_table(pg_db, pg_target, TableRef("items"), recheck_delay_s=None)
    assert res.mismatched == 1 and res.resolved_on_recheck == 0 and res.rechecked == 0
    assert res.mismatched_sample[0].columns == ("price",)


def test_missing_target_table_or_column_is_an_error_not_a_crash(pg_db: str, pg_target: str) -> None:
    pg_run(
        pg_db,
        ["CREATE TABLE a (id int PRIMARY KEY, x int)", "CREATE TABLE b (id int PRIMARY KEY, y int)"],
    )
    pg_run(pg_target, ["CREATE TABLE b (id int PRIMARY KEY)"])
    result = verify_tables(pg_db, pg_target, [TableRef("a"), TableRef("b")])
    a, b = result.tables
    assert not result.ok
    assert a.error is not None and "public.a" in a.error and "not found in the target" in a.error
    assert b.error is not None and "y" in b.error
    assert '"ok": false' in result.to_json()


def test_memory_stays_flat_on_a_larger_table(pg_db: str, pg_target: str) -> None:
    ddl = "CREATE TABLE big (id bigint PRIMARY KEY, name text, amount numeric(12,2), at timestamptz)"
    fill = (
        "INSERT INTO big SELECT g, repeat('x', 40) || g, g * 0.01, "
        "timestamptz '2024-01-01+00' + g * interval '1 s' FROM generate_series(1, 30000) g"
    )
    pg_run(pg_db, [ddl, fill])
    pg_run(pg_target, [ddl, fill])
    # warm up imports and connections outside the measurement
    verify_table(pg_db, pg_target, TableRef("big"), workers=1)

    def peak_of(**kw: int) -> int:
        tracemalloc.start()
        try:
            res = verify_table(pg_db, pg_target, TableRef("big"), chunk_digests=False, **kw)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert res.ok and res.rows_source == 30000
        return peak

    streaming = peak_of(chunk_rows=6_000, fetch_rows=1000, workers=2)
    # the table as Python objects is ~20 MB (one batch of everything shows it); streaming holds a few batches
    assert streaming < 8_000_000, f"peak {streaming} bytes"
    assert peak_of(chunk_rows=100_000, fetch_rows=30_000, workers=1) > 3 * streaming
