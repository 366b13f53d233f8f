"""MariaDB binlog → PostgreSQL target whose constraints are validated and whose default zone is not
UTC: application transaction shapes, non-table DDL, TIMESTAMP around DST changes, latin1 text with
and without binlog row metadata, multi-table TRUNCATE, generated columns. After catching up, verify
passes and an independent fingerprint (count and md5 of the ordered rows, computed by SQL on each
side) is equal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from roachlift.cdc.apply import run_applier
from roachlift.cdc.model import CdcError, Change
from roachlift.cdc.mysql import MySQLSource, master_status, table_ddl
from roachlift.config.connections import parse_uri
from roachlift.testing import MariaDBServer
from roachlift.verify import TableRef, verify_table

from .conftest import execute, rows

MYSQL_DDL = [
    "CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE) ENGINE=InnoDB",
    "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, note VARCHAR(20),"
    " FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
    "CREATE TABLE stamps (id INT PRIMARY KEY, at TIMESTAMP NULL, wall DATETIME NULL)",
    "CREATE TABLE latin (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET latin1,"
    " note TEXT CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE gen (id INT PRIMARY KEY, price DECIMAL(10,2), qty INT,"
    " total DECIMAL(12,2) AS (price * qty) STORED)",
]
PG_DDL = [
    "CREATE TABLE parent (id int PRIMARY KEY, code varchar(20) NOT NULL UNIQUE)",
    "CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id),"
    " note varchar(20))",
    "CREATE TABLE stamps (id int PRIMARY KEY, at timestamptz, wall timestamp)",
    "CREATE TABLE latin (id int PRIMARY KEY, name varchar(40), note text)",
    "CREATE TABLE gen (id int PRIMARY KEY, price numeric(10,2), qty int,"
    " total numeric(12,2) GENERATED ALWAYS AS (price * qty) STORED)",
]
SEED = [
    "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2'), (3, 'p3')",
    "INSERT INTO child VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, 'c'), (13, 3, 'd')",
    "INSERT INTO gen (id, price, qty) VALUES (1, 2.50, 4)",
]
#: table → (MariaDB expression, PostgreSQL expression) of one row's canonical text
FINGERPRINT = {
    "parent": ("CONCAT_WS('|', id, CONVERT(code USING utf8mb4))", "concat_ws('|', id, code)"),
    "child": (
        "CONCAT_WS('|', id, parent_id, CONVERT(note USING utf8mb4))",
        "concat_ws('|', id, parent_id, note)",
    ),
    "stamps": (
        "CONCAT_WS('|', id, UNIX_TIMESTAMP(at), DATE_FORMAT(wall, '%Y-%m-%d %H:%i:%s'))",
        "concat_ws('|', id, extract(epoch FROM at)::bigint, to_char(wall, 'YYYY-MM-DD HH24:MI:SS'))",
    ),
    "latin": (
        "CONCAT_WS('|', id, CONVERT(name USING utf8mb4), CONVERT(note USING utf8mb4))",
        "concat_ws('|', id, name, note)",
    ),
    "gen": ("CONCAT_WS('|', id, price, qty, total)", "concat_ws('|', id, price, qty, total)"),
}

WORKLOADS: dict[str, list[str]] = {
    "child_then_parent_delete": [
        "BEGIN",
        "DELETE FROM child WHERE parent_id = 1",
        "DELETE FROM parent WHERE id = 1",
        "COMMIT",
    ],
    "reparent_then_delete": [
        "BEGIN",
        "UPDATE child SET parent_id = 3 WHERE parent_id = 2",
        "DELETE FROM parent WHERE id = 2",
        "COMMIT",
    ],
    "parent_then_child_insert": [
        "BEGIN",
        "INSERT INTO parent VALUES (4, 'p4')",
        "INSERT INTO child VALUES (20, 4, 'new')",
        "COMMIT",
    ],
    "unique_swap_through_temporary": [
        "BEGIN",
        "UPDATE parent SET code = 'tmp' WHERE id = 1",
        "UPDATE parent SET code = 'p1' WHERE id = 2",
        "UPDATE parent SET code = 'p2' WHERE id = 1",
        "COMMIT",
    ],
    "non_table_ddl": [
        "CREATE INDEX child_note ON child (note)",
        "CREATE VIEW parent_codes AS SELECT code FROM parent",
        "CREATE TRIGGER child_note BEFORE INSERT ON child FOR EACH ROW SET NEW.note = UPPER(NEW.note)",
        "CREATE USER IF NOT EXISTS 'rl_test'@'localhost' IDENTIFIED BY 'x'",
        "ALTER USER 'rl_test'@'localhost' IDENTIFIED BY 'y'",
        "DROP USER 'rl_test'@'localhost'",
        "INSERT INTO child VALUES (30, 3, 'after ddl')",
        "DROP TRIGGER child_note",
        "DROP VIEW parent_codes",
        "DROP INDEX child_note ON child",
        "CREATE TABLE unrelated_scratch (id INT PRIMARY KEY)",  # not in the spec's scope
        "DROP TABLE unrelated_scratch",
    ],
    "multi_table_truncate": [
        "SET foreign_key_checks = 0",
        "TRUNCATE TABLE child",
        "TRUNCATE TABLE parent",
        "SET foreign_key_checks = 1",
        "INSERT INTO parent VALUES (7, 'p7')",
        "INSERT INTO child VALUES (70, 7, 'x')",
    ],
    "timestamp_around_dst": [
        "SET time_zone = '+00:00'",
        # US DST starts 2024-03-10 07:00 UTC and ends 2024-11-03 06:00 UTC (America/New_York)
        "INSERT INTO stamps VALUES (1, '2024-03-10 06:59:59', '2024-03-10 02:30:00'),"
        " (2, '2024-03-10 07:00:00', '2024-03-10 03:00:00'),"
        " (3, '2024-11-03 05:30:00', '2024-11-03 01:30:00'),"
        " (4, '2024-11-03 06:30:00', '2024-11-03 01:30:00'), (5, NULL, NULL)",
        "SET time_zone = 'SYSTEM'",
        "UPDATE stamps SET wall = '2024-07-01 12:00:00' WHERE id = 5",
    ],
    "latin1_text": [
        "INSERT INTO latin VALUES (1, 'café crème', 'Ærøskøbing'), (2, 'naïve', NULL)",
        "UPDATE latin SET note = 'déjà vu' WHERE id = 2",
    ],
    "generated_columns": [
        "UPDATE gen SET qty = 10 WHERE id = 1",
        "INSERT INTO gen (id, price, qty) VALUES (2, 9.99, 3)",
    ],
}


@pytest.fixture
def source(mariadb_server: MariaDBServer, mysql_db: str) -> Iterator[pymysql.connections.Connection[Any]]:
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
    run(conn, "SET GLOBAL binlog_row_metadata = 'FULL'", *MYSQL_DDL, *SEED)
    yield conn
    run(conn, "SET GLOBAL binlog_row_metadata = 'FULL'")
    conn.close()


@pytest.fixture
def target(pg_target: str) -> str:
    """The target: same rows, constraints validated, default zone America/New_York."""
    execute(pg_target, *PG_DDL, *SEED)
    dbname = pg_target.rsplit("/", 1)[1]
    execute(pg_target, f"ALTER DATABASE {dbname} SET timezone TO 'America/New_York'")
    assert rows(pg_target, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == [(0,)]
    return pg_target


def run(conn: pymysql.connections.Connection[Any], *statements: str) -> None:
    with conn.cursor() as cur:
        for s in statements:
            cur.execute(s)


def assert_same(
    conn: pymysql.connections.Connection[Any], mariadb: MariaDBServer, db: str, target: str
) -> None:
    for table, (my_expr, pg_expr) in FINGERPRINT.items():
        with conn.cursor() as cur:
            cur.execute(
                f"SELECT COUNT(*), MD5(COALESCE(GROUP_CONCAT({my_expr} ORDER BY id SEPARATOR ','), ''))"
                f" FROM {table}"
            )
            mine = tuple(cur.fetchone() or ())
        theirs = rows(
            target, f"SELECT count(*), md5(coalesce(string_agg({pg_expr}, ',' ORDER BY id), '')) FROM {table}"
        )
        assert [mine] == theirs, table
        res = verify_table(parse_uri(mariadb.uri(db)), target, TableRef(table, db, None, "public"))
        assert res.error is None and res.ok, res.to_dict()


#: every workload with full row metadata; those whose decoding depends on it also without (NO_LOG is
#: MariaDB's default, MINIMAL MySQL's: neither carries column names, nor charsets the reader uses)
CASES = [
    *((w, "FULL") for w in WORKLOADS),
    *((w, "NO_LOG") for w in ("latin1_text", "timestamp_around_dst", "non_table_ddl", "generated_columns")),
    ("latin1_text", "MINIMAL"),
]


@pytest.mark.parametrize(("workload", "metadata"), CASES)
def test_mysql_workload_applies_and_matches(
    mariadb_server: MariaDBServer,
    mysql_db: str,
    source: pymysql.connections.Connection[Any],
    target: str,
    workload: str,
    metadata: str,
) -> None:
    run(source, f"SET GLOBAL binlog_row_metadata = '{metadata}'")
    start = master_status(mariadb_server.connect_kwargs())
    run(source, *WORKLOADS[workload])
    # the spec leaves scratch tables out (source.exclude)
    reader = MySQLSource(
        mariadb_server.connect_kwargs(), start, schemas=[mysql_db], wants=lambda t: "scratch" not in t
    )
    stats = run_applier(reader, target, migration="w", batch_changes=1_000)
    assert stats.caught_up and stats.changes > 0
    assert_same(source, mariadb_server, mysql_db, target)


def test_timestamps_are_sent_as_utc_instants(
    mariadb_server: MariaDBServer, mysql_db: str, source: pymysql.connections.Connection[Any]
) -> None:
    start = master_status(mariadb_server.connect_kwargs())
    run(source, "SET time_zone = '+00:00'", "INSERT INTO stamps VALUES (9, '2024-03-10 07:00:00', NULL)")
    reader = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    reader.open(None)
    (change,) = [e for e in reader.read(10) if isinstance(e, Change)]
    reader.close()
    assert change.new == {"id": "9", "at": "2024-03-10 07:00:00+00", "wall": None}


def test_drop_of_several_tables_checks_each(
    mariadb_server: MariaDBServer, mysql_db: str, source: pymysql.connections.Connection[Any], target: str
) -> None:
    run(source, "CREATE TABLE scratch (id INT PRIMARY KEY)")
    start = master_status(mariadb_server.connect_kwargs())
    run(source, "DROP TABLE scratch, gen")
    reader = MySQLSource(
        mariadb_server.connect_kwargs(), start, schemas=[mysql_db], wants=lambda t: not t.endswith(".scratch")
    )
    with pytest.raises(CdcError, match=rf"source table {mysql_db}\.gen changed mid-stream \(DROP"):
        run_applier(reader, target, migration="d")


def test_undecodable_text_names_the_table_and_binlog_row_metadata(
    mariadb_server: MariaDBServer, mysql_db: str, source: pymysql.connections.Connection[Any], target: str
) -> None:
    """Without row metadata the charset comes from today's catalog; rows logged while the column had
    another charset do not decode: the stop names the table and binlog_row_metadata=FULL, never a
    bare UnicodeDecodeError, and nothing is applied."""
    run(
        source,
        "SET GLOBAL binlog_row_metadata = 'MINIMAL'",
        "CREATE TABLE was_latin (id INT PRIMARY KEY, t TEXT CHARACTER SET latin1)",
    )
    execute(target, "CREATE TABLE was_latin (id int PRIMARY KEY, t text)")
    start = master_status(mariadb_server.connect_kwargs())
    run(
        source,
        "INSERT INTO was_latin VALUES (1, 'caf\u00e9')",
        "ALTER TABLE was_latin MODIFY t TEXT CHARACTER SET utf8mb4",
    )
    reader = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    with pytest.raises(CdcError, match=rf"{mysql_db}\.was_latin .*binlog_row_metadata=FULL"):
        run_applier(reader, target, migration="u")
    assert rows(target, "SELECT count(*) FROM was_latin") == [(0,)]


def test_table_ddl() -> None:
    assert table_ddl("TRUNCATE TABLE `db`.`t`", "x") == ("TRUNCATE", ["db.t"])
    assert table_ddl("truncate t", "x") == ("TRUNCATE", ["x.t"])
    assert table_ddl("ALTER TABLE t ADD c INT", "s") == ("ALTER", ["s.t"])
    assert table_ddl("ALTER ONLINE TABLE t ADD c INT", "s") == ("ALTER", ["s.t"])
    assert table_ddl("DROP TABLE IF EXISTS `a b`", "s") == ("DROP", ["s.a b"])
    assert table_ddl("DROP TABLE a, `b`", "s") == ("DROP", ["s.a", "s.b"])
    assert table_ddl("RENAME TABLE a TO b, `x`.c TO d", "s") == ("RENAME", ["s.a", "s.b", "x.c", "s.d"])
    for other in (
        "CREATE DATABASE foo",
        "CREATE INDEX ix ON t (a)",
        "DROP INDEX ix ON t",
        "CREATE VIEW v AS SELECT 1",
        "CREATE DEFINER=`root`@`localhost` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
        "CREATE USER 'u'@'%' IDENTIFIED BY 'x'",
        "ALTER USER 'u'@'%' IDENTIFIED BY 'y'",
        "GRANT SELECT ON db.* TO u",
        "DROP TEMPORARY TABLE IF EXISTS tt",
    ):
        assert table_ddl(other, "s") is None, other
