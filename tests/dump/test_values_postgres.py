"""Tricky values survive PostgreSQL → CSV → COPY FROM exactly; csvfmt prints what COPY prints."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
from dump_helpers import copy_back, drop_slots, make_spec, pg_conninfo

from roachlift import csvfmt
from roachlift.dump import dump_database, read_manifest
from roachlift.dump.manifest import table_dir_name
from roachlift.testing import PostgresServer

DDL = """
CREATE TYPE mood AS ENUM ('happy', 'sad, "very"');
CREATE TABLE tricky (
    id int PRIMARY KEY,
    t text, b bytea, flag boolean,
    ts timestamp(6), tstz timestamptz, d date, tm time, iv interval,
    js json, jb jsonb, ia int[], ta text[],
    n numeric, f8 float8, f4 real, m money, u uuid, e mood
);
"""

TEXTS = [
    None, "", " ", "plain", 'quo"te', "com,ma", "new\nline", "cr\rlf\r\n", "\\.", " lead", "trail ",
    "tab\tsep", "ünïcödé ✓", "NULL", "\\N", '"', ",", "a\\b",
]  # fmt: skip


def _rows() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for i, text in enumerate(TEXTS):
        rows.append(
            (
                i,
                text,
                bytes([0, i, 255, 10, 44, 34]) if i % 3 else (b"" if i % 2 else None),
                [True, False, None][i % 3],
                dt.datetime(2024, 2, 29, 23, 59, 59, i * 37 % 1_000_000) if i % 4 else None,
                dt.datetime(
                    1999, 12, 31, 23, 0, 0, 120000, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
                ),
                dt.date(1, 1, 1) if i == 1 else dt.date(2024, 1, i % 28 + 1),
                dt.time(12, 34, 56, 789),
                dt.timedelta(days=-3, seconds=5, microseconds=7),
                json.dumps({"k": text, "n": [1, 2.5, None]}),
                json.dumps([text, {"x": "y"}]),
                [1, None, i],
                [text, None, "", 'q"\\'] if text is not None else None,
                [Decimal("NaN"), Decimal("-0.000001"), Decimal("12345678901234567890.123456789")][i % 3],
                [float("nan"), float("inf"), float("-inf"), 1e-300, -0.0, 0.1][i % 6],
                [float("nan"), 3.25, float("-inf")][i % 3],
                Decimal("-1234.56") if i % 2 else None,
                uuid.UUID(int=i),
                ["happy", 'sad, "very"', None][i % 3],
            )
        )
    return rows


def _setup(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(DDL)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO tricky VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::json,%s::jsonb,"
                "%s,%s,%s,%s,%s,%s,%s,%s)",
                _rows(),
            )


def _snapshot(dsn: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET extra_float_digits = 3")
        # json has no equality operator: compare the text of every column
        return conn.execute("SELECT t::text FROM tricky t ORDER BY id").fetchall()


def test_tricky_values_round_trip_with_chunks_and_gzip(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path
) -> None:
    _setup(pg_db)
    spec = make_spec("values_pg", "postgres", ["public"], chunk_rows=5, compression="gzip")
    try:
        result = dump_database(spec, pg_conninfo(pg_server, pg_db), tmp_path)
    finally:
        drop_slots(pg_db)
    (manifest,) = result.tables
    assert manifest.rows == len(TEXTS)
    assert [f.rows for f in manifest.files] == [5, 5, 5, 3]
    assert all(f.path.endswith(".csv.gz") for f in manifest.files)
    assert read_manifest(tmp_path / table_dir_name("public.tricky")).to_json() == manifest.to_json()

    target = pg_server.create_database(pg_db.rsplit("/", 1)[1] + "_back")
    with psycopg.connect(target) as conn:
        conn.execute(DDL)
    assert copy_back(target, tmp_path, "public.tricky", "public.tricky") == len(TEXTS)
    assert _snapshot(target) == _snapshot(pg_db)


def test_null_and_empty_string_are_distinct_in_the_file(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path
) -> None:
    with psycopg.connect(pg_db) as conn:
        conn.execute("CREATE TABLE ne (id int PRIMARY KEY, a text, b text)")
        conn.execute("INSERT INTO ne VALUES (1, NULL, ''), (2, '', NULL)")
    spec = make_spec("ne_pg", "postgres", ["public"], parallelism=1)
    spec = spec.model_copy(update={"cdc": spec.cdc.model_copy(update={"enabled": False})})
    result = dump_database(spec, pg_conninfo(pg_server, pg_db), tmp_path)
    assert result.snapshot["slot"] is None
    text = (tmp_path / table_dir_name("public.ne") / "part-00001.csv").read_text()
    assert sorted(text.splitlines()) == ['1,,""', '2,"",']


def test_format_row_matches_postgres_copy_output(pg_db: str) -> None:
    """What CDC/verify format in Python equals what the PostgreSQL dump writes."""
    values = [
        (1, None, "", 'a"b,c', "x\ny", True, b"\x00\xffA", Decimal("NaN"), Decimal("1E+3"), float("-inf"),
         0.1, dt.datetime(2020, 5, 6, 7, 8, 9, 120000), dt.datetime(2020, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
         dt.date(2020, 1, 2), dt.time(1, 2, 3, 400000), ["a b", None, 'q"'], {"k": [1, "v"]}),
    ]  # fmt: skip
    with psycopg.connect(pg_db) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute(
            "CREATE TABLE f (i int, n text, e text, q text, nl text, b bool, by bytea, dn numeric,"
            " de numeric,"
            " fi float8, fl float8, ts timestamp, tz timestamptz, d date, t time, arr text[], j jsonb)"
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO f VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb)",
                [(*v[:-1], json.dumps(v[-1])) for v in values],
            )
            with cur.copy("COPY f TO STDOUT (FORMAT csv)") as copy:
                copied = b"".join(bytes(b) for b in copy).decode()
    expected = "".join(csvfmt.format_row(v) for v in values)
    assert csvfmt.parse_line_fields(copied.rstrip("\n")) == csvfmt.parse_line_fields(expected.rstrip("\n"))
    # and COPY would accept csvfmt's quoting byte for byte except optional quotes
    assert copied.replace('"', "") == expected.replace('"', "")
