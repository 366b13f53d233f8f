"""Chunk digests computed in each database (PostgreSQL pairs): equal chunks are not read, every
difference is still found and named, and text-only differences fall back to the exact merge."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from roachlift.verify import TableRef, chunkhash, verify_table
from roachlift.verify.readers import PostgresReader

from .conftest import pg_run

DDL = """
CREATE TABLE t (
    id bigint PRIMARY KEY, name text, note varchar(40), price numeric(12,2), at timestamptz,
    raw bytea, doc jsonb, flag boolean
)
"""
FILL = """
INSERT INTO t SELECT g,
  CASE g % 6 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'a,"b"' || E'\\n' || 'c' WHEN 3 THEN '(x,y)'
             ELSE 'name ' || g END,
  'n' || g, g * 1.25, timestamptz '2024-01-01+00' + g * interval '1 minute',
  decode(lpad(to_hex(g), 8, '0'), 'hex'), jsonb_build_object('k', g), g % 2 = 0
FROM generate_series(1, 5000) g
"""


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> Counter[Any]:
    """Counts the key ranges whose rows were read (per side), by spying on the row stream."""
    seen: Counter[Any] = Counter()
    real = PostgresReader.stream

    def spy(self: PostgresReader, *args: Any, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
        seen[args[3]] += 1  # bounds
        return real(self, *args, **kwargs)

    monkeypatch.setattr(PostgresReader, "stream", spy)
    return seen


def test_equal_tables_are_verified_without_reading_rows(
    pg_db: str, pg_target: str, streams: Counter[Any]
) -> None:
    pg_run(pg_db, [DDL, FILL])
    pg_run(pg_target, [DDL, FILL])
    res = verify_table(pg_db, pg_target, TableRef("t"), chunk_rows=500)
    assert res.ok and (res.rows_source, res.rows_target) == (5000, 5000)
    assert res.chunks >= 10
    assert not streams  # every chunk decided by its digests


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE t SET name = NULL WHERE id = 1201",  # '' -> NULL
        "UPDATE t SET name = 'a,\"b\"' || E'\\n' || 'c ' WHERE id = 1202",  # one trailing space
        "UPDATE t SET price = price + 0.01 WHERE id = 1203",
        "UPDATE t SET raw = '\\x00'::bytea WHERE id = 1204",
        "UPDATE t SET at = at + interval '1 microsecond' WHERE id = 1205",
    ],
)
def test_a_changed_value_is_found_and_only_its_chunk_is_read(
    pg_db: str, pg_target: str, streams: Counter[Any], change: str
) -> None:
    pg_run(pg_db, [DDL, FILL])
    pg_run(pg_target, [DDL, FILL, change])
    res = verify_table(pg_db, pg_target, TableRef("t"), chunk_rows=500)
    assert not res.ok
    assert (res.missing, res.extra, res.mismatched) == (0, 0, 1)
    assert [m.key for m in res.mismatched_sample] == [(int(change.rsplit(" ", 1)[1]),)]
    assert len(streams) == 1 and next(iter(streams.values())) == 2  # one range, both sides


def test_missing_and_extra_rows_in_other_chunks(pg_db: str, pg_target: str, streams: Counter[Any]) -> None:
    pg_run(pg_db, [DDL, FILL])
    pg_run(pg_target, [DDL, FILL, "DELETE FROM t WHERE id = 10"])
    pg_run(pg_db, ["DELETE FROM t WHERE id = 2700"])
    res = verify_table(pg_db, pg_target, TableRef("t"), chunk_rows=500)
    assert (res.missing, res.extra, res.mismatched) == (1, 1, 0)
    assert res.missing_sample == [(10,)] and res.extra_sample == [(2700,)]
    assert len(streams) == 2
    assert (res.rows_source, res.rows_target) == (4999, 4999)


def test_equal_values_of_other_scale_are_equal_digests(
    pg_db: str, pg_target: str, streams: Counter[Any]
) -> None:
    """numeric(12,3) holds 1.250 where numeric(12,2) holds 1.25: equal values hash equal."""
    pg_run(pg_db, [DDL, FILL])
    pg_run(pg_target, [DDL.replace("numeric(12,2)", "numeric(12,3)"), FILL])
    res = verify_table(pg_db, pg_target, TableRef("t"), chunk_rows=500)
    assert res.ok and res.rows_source == 5000
    assert not streams


def test_text_form_differences_fall_back_to_the_exact_merge(
    pg_db: str, pg_target: str, streams: Counter[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A jsonb target column of a json source column: texts differ, documents are equal."""
    digests: list[object] = []
    real = chunkhash._digest

    def spy(*args: Any) -> tuple[Any, ...]:
        digests.append(args[2])
        return real(*args)

    monkeypatch.setattr(chunkhash, "_digest", spy)
    pg_run(pg_db, [DDL.replace("jsonb", "json"), FILL.replace("jsonb_build_object", "json_build_object")])
    pg_run(pg_target, [DDL, FILL])
    res = verify_table(pg_db, pg_target, TableRef("t"), chunk_rows=500, workers=1)
    assert res.ok and res.rows_source == 5000
    # every chunk was merged; digests were given up after a few useless ones
    assert len(streams) == res.chunks
    assert res.chunks > chunkhash.GIVE_UP_AFTER
    assert len(digests) == 2 * chunkhash.GIVE_UP_AFTER


def test_columns_without_a_value_hash_are_hashed_as_text(
    pg_db: str, pg_target: str, streams: Counter[Any]
) -> None:
    ddl = 'CREATE TABLE odd (id int PRIMARY KEY, j json, p point, iv interval, label text COLLATE "C")'
    fill = (
        "INSERT INTO odd SELECT g, json_build_object('g', g), point(g, -g), g * interval '1 minute', 'L' || g"
        " FROM generate_series(1, 2000) g"
    )
    pg_run(pg_db, [ddl, fill])
    pg_run(pg_target, [ddl, fill])
    assert verify_table(pg_db, pg_target, TableRef("odd"), chunk_rows=500).ok
    assert not streams
    # json keeps its text: a reformatted document is a difference the digests must not hide
    pg_run(
        pg_target,
        ["UPDATE odd SET j = '{\"g\" : 7}' WHERE id = 7", "UPDATE odd SET p = point(9, 9) WHERE id = 9"],
    )
    res = verify_table(pg_db, pg_target, TableRef("odd"), chunk_rows=500)
    assert [m.key for m in res.mismatched_sample] == [(9,)]  # json '{"g" : 7}' is equal as JSON
    assert len(streams) == 1


def test_char_columns_agree_with_the_merge(pg_db: str, pg_target: str, streams: Counter[Any]) -> None:
    """char(6) against varchar(6): trailing blanks are not significant to the merge; the digests
    differ (varchar hashes its blanks), so the merge decides: equal; a different character is found."""
    pg_run(
        pg_db,
        ["CREATE TABLE c (id int PRIMARY KEY, code char(6))", "INSERT INTO c VALUES (1, 'ab'), (2, 'cd')"],
    )
    target = [
        "CREATE TABLE c (id int PRIMARY KEY, code varchar(6))",
        "INSERT INTO c VALUES (1, 'ab'), (2, 'cd    ')",
    ]
    pg_run(pg_target, target)
    assert verify_table(pg_db, pg_target, TableRef("c"), chunk_rows=500).ok
    assert streams
    streams.clear()
    pg_run(pg_target, ["UPDATE c SET code = 'ac' WHERE id = 1"])
    res = verify_table(pg_db, pg_target, TableRef("c"), chunk_rows=500)
    assert [m.key for m in res.mismatched_sample] == [(1,)]
    assert streams
