"""Two binlog values mysql-replication alone changes: BINARY(n) loses its trailing 0x00 pad bytes (an
all-zero value even arrives as str ''), and the empty SET arrives as None. Through roachlift's CDC both
reach the target as the source holds them (and as the dump writes them), in INSERTs and UPDATEs."""

from __future__ import annotations

import pymysql

from roachlift.cdc.apply import run_applier
from roachlift.cdc.mysql import MySQLSource, master_status
from roachlift.testing import MariaDBServer

from .conftest import execute, rows


def test_binary_padding_and_empty_set(mariadb_server: MariaDBServer, mysql_db: str, pg_target: str) -> None:
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE bb (id INT PRIMARY KEY, bi BINARY(4), n INT, s SET('x','y'), c CHAR(4))"
            )
            cur.execute("INSERT INTO bb VALUES (1, X'00', 1, '', 'a')")
            execute(pg_target, "CREATE TABLE bb (id int PRIMARY KEY, bi bytea, n int, s text, c char(4))")
            execute(pg_target, "INSERT INTO bb VALUES (1, '\\x00000000', 1, '', 'a')")
            start = master_status(mariadb_server.connect_kwargs())
            cur.execute("UPDATE bb SET n = 2 WHERE id = 1")
            cur.execute(
                "INSERT INTO bb VALUES (2, X'00', 1, '', ''), (3, X'FF00', 1, 'x', 'b  '),"
                " (4, X'61', 1, 'x,y', NULL), (5, NULL, NULL, NULL, NULL), (6, X'01020304', 0, 'y', 'abcd')"
            )
            cur.execute("UPDATE bb SET s = '', bi = X'0000' WHERE id = 6")
            cur.execute("SELECT id, HEX(bi), n, s, c FROM bb ORDER BY id")
            source = [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()
    run_applier(
        MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db]), pg_target, migration="b"
    )
    target = rows(pg_target, "SELECT id, upper(encode(bi, 'hex')), n, s, rtrim(c) FROM bb ORDER BY id")
    assert target == source
    assert target[0][1] == "00000000" and target[1][3] == "" and target[4] == (5, None, None, None, None)
