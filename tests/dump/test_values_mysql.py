"""Tricky MySQL values survive MariaDB → CSV → PostgreSQL COPY FROM, compared value by value."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pymysql
from dump_helpers import copy_back, make_spec

from roachlift.config.connections import parse_uri
from roachlift.dump import dump_database
from roachlift.testing import MariaDBServer, PostgresServer

MY_DDL = """
CREATE TABLE tricky (
    id INT PRIMARY KEY,
    s VARCHAR(100), tx TEXT, bin VARBINARY(20), bl BLOB,
    flag TINYINT(1), b1 BIT(1), b5 BIT(5),
    d DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL, tm TIME, yr YEAR,
    dec1 DECIMAL(30,10), dbl DOUBLE, fl FLOAT, big BIGINT UNSIGNED,
    j JSON, en ENUM('a','b c','d"e'), st SET('x','y','z'),
    gen INT AS (id * 2) VIRTUAL
)
"""
PG_DDL = """
CREATE TABLE tricky (
    id int PRIMARY KEY, s text, tx text, bin bytea, bl bytea, flag boolean, b1 boolean, b5 varbit(5),
    d date, dtm timestamp, ts timestamptz, tm interval, yr int, dec1 numeric, dbl float8, fl float4,
    big numeric, j jsonb, en text, st text
)
"""
TEXTS = [None, "", " ", 'q"uote', "com,ma", "new\nline", "cr\r\n", "\\.", "ünï ✓", "NULL", "nul\x00char"]


def _rows() -> list[tuple[Any, ...]]:
    rows = []
    for i, text in enumerate(TEXTS):
        rows.append(
            (
                i,
                text,
                text,
                bytes([0, i, 255, 34, 44]) if i % 2 else b"",
                None if i % 3 == 0 else b"\x00\n\r",
                i % 2,
                i % 2,
                i % 32,
                "0000-00-00" if i == 1 else "2024-02-29",
                "0000-00-00 00:00:00" if i == 2 else f"2001-02-03 04:05:06.{i:06d}",
                None if i == 3 else "2038-01-19 03:14:07.125",
                "-838:59:59" if i == 4 else "12:00:01",
                2155 if i % 2 else 1901,
                Decimal("-12345678901234567890.0123456789") if i % 2 else Decimal("0.0000000001"),
                1.5e300 if i % 2 else -0.1,
                3.25,
                18446744073709551615 if i % 2 else 0,
                json.dumps({"k": text, "l": [1, None]}),
                ["a", "b c", 'd"e'][i % 3],
                ["x,z", "", "y"][i % 3],
            )
        )
    return rows


def test_mysql_tricky_values_round_trip(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db))  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(MY_DDL)
        cur.executemany(f"INSERT INTO tricky VALUES ({', '.join(['%s'] * 20)}, DEFAULT)", _rows())
    conn.commit()
    lossy = {"nul_in_text": "strip", "zero_dates": "null"}  # the defaults reject: see test_value_rules
    spec = make_spec("values_my", "mysql", [mysql_db], lossy, chunk_rows=4)
    result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    (manifest,) = result.tables
    assert "gen" not in manifest.columns
    assert result.snapshot["kind"] == "mysql" and result.snapshot["binlog_file"]
    assert [f.rows for f in manifest.files] == [4, 4, 3]
    assert manifest.rejected == 0
    assert manifest.changed == {"NUL characters stripped": 3, "zero date loaded as NULL": 2}  # s, tx, j

    target = pg_server.create_database(mysql_db + "_pg")
    with psycopg.connect(target) as pg:
        pg.execute(PG_DDL)
    assert copy_back(target, tmp_path, f"{mysql_db}.tricky", "public.tricky") == len(TEXTS)

    with psycopg.connect(target) as pg:
        pg.execute("SET TimeZone = 'UTC'")
        got = pg.execute("SELECT * FROM tricky ORDER BY id").fetchall()
    for i, (src, back) in enumerate(zip(_rows(), got, strict=True)):
        text = TEXTS[i].replace("\x00", "") if TEXTS[i] is not None else None
        assert back[1] == text and back[2] == text, i
        assert bytes(back[3]) == src[3] and (back[4] is None) == (src[4] is None), i
        assert back[5] is bool(i % 2) and back[6] is bool(i % 2), i
        assert back[7] == format(i % 32, "05b"), i
        assert back[8] == (None if i == 1 else dt.date(2024, 2, 29)), i  # zero date -> NULL
        assert back[9] == (None if i == 2 else dt.datetime(2001, 2, 3, 4, 5, 6, i)), i
        expected_ts = None if i == 3 else dt.datetime(2038, 1, 19, 3, 14, 7, 125000, tzinfo=dt.UTC)
        assert back[10] == expected_ts, i
        assert back[11] == (
            -dt.timedelta(hours=838, minutes=59, seconds=59) if i == 4 else dt.timedelta(seconds=43201)
        )
        assert back[12] == src[12] and back[13] == src[13] and back[14] == src[14] and back[15] == 3.25, i
        assert (
            back[16] == src[16]
            and back[17] == json.loads(src[17].replace("\\u0000", ""))
            and back[18] == src[18]
        ), i
        assert back[19] == src[19], i  # SET as MySQL's own text (the converter maps SET to TEXT)
