"""MySQL TIME(n) values below zero with a fraction cross the binlog exactly (mysql-replication alone
reads ``-00:00:01.25`` as ``-00:00:01.75``): each value on the target equals the source's, for every
fractional precision, in INSERTs and UPDATEs; the target column is INTERVAL (a duration, as convert's
``mysql_time_duration`` review item advises)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pymysql

from roachlift.cdc.apply import run_applier
from roachlift.cdc.mysql import MySQLSource, master_status
from roachlift.testing import MariaDBServer

from .conftest import execute, rows

VALUES = [
    "-00:00:00.000001",
    "-00:00:00.5",
    "-01:00:00.25",
    "-838:59:59",
    "-00:00:01",
    "12:00:00.25",
    "-00:00:01.000001",
    "-837:59:59.999999",
    "00:00:00",
]
FSPS = range(7)


def _micros(text: str) -> int:
    """A [-]H:MM:SS[.f] text as microseconds (the test's own parse, not roachlift's)."""
    neg = text.startswith("-")
    h, m, s = text.lstrip("-").split(":")
    total = (int(h) * 3600 + int(m) * 60) * 1_000_000 + int(Decimal(s) * 1_000_000)
    return -total if neg else total


def test_negative_fractional_times_are_exact(
    mariadb_server: MariaDBServer, mysql_db: str, pg_target: str
) -> None:
    cols = ", ".join(f"t{p} TIME({p})" for p in FSPS)
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE tt (id INT PRIMARY KEY, {cols})")
            execute(
                pg_target,
                f"CREATE TABLE tt (id int PRIMARY KEY, {', '.join(f't{p} interval' for p in FSPS)})",
            )
            start = master_status(mariadb_server.connect_kwargs())
            marks = ", ".join(["%s"] * len(FSPS))
            for i, v in enumerate(VALUES):
                cur.execute(f"INSERT INTO tt VALUES (%s, {marks})", (i, *([v] * len(FSPS))))
            cur.execute("UPDATE tt SET t6 = '-02:00:00.000002', t3 = '-00:00:03.125' WHERE id = 8")
            picks = ", ".join(f"CAST(t{p} AS CHAR)" for p in FSPS)
            cur.execute(f"SELECT id, {picks} FROM tt ORDER BY id")
            source = [(r[0], *(_micros(x) for x in r[1:])) for r in cur.fetchall()]
    finally:
        conn.close()
    run_applier(
        MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db]), pg_target, migration="t"
    )
    picks = ", ".join(f"t{p}" for p in FSPS)
    target = [
        (r[0], *(x // dt.timedelta(microseconds=1) for x in r[1:]))
        for r in rows(pg_target, f"SELECT id, {picks} FROM tt ORDER BY id")
    ]
    assert target == source
    assert source[0][7] == -1 and source[2][4] == -3_600_250_000  # the cases the reader got wrong
