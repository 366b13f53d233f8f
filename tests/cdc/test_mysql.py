"""MariaDB binlog → PostgreSQL target from a recorded position: inserts, updates, deletes, key changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pymysql
import pytest

from roachlift import csvfmt
from roachlift.cdc.apply import run_applier
from roachlift.cdc.model import CdcError, SchemaChangedError
from roachlift.cdc.mysql import MySQLSource, master_status
from roachlift.testing import MariaDBServer

from .conftest import execute, rows

MYSQL_DDL = [
    """CREATE TABLE film (
        film_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, title VARCHAR(128) NOT NULL,
        description TEXT, rate DECIMAL(6,2), length SMALLINT, rating ENUM('G','PG','R') DEFAULT 'G',
        updated DATETIME(3), released DATE, runtime TIME, cover BLOB, score DOUBLE)""",
    "CREATE TABLE film_actor (actor_id INT NOT NULL, film_id INT NOT NULL, note VARCHAR(20), "
    "PRIMARY KEY (actor_id, film_id))",
]
PG_DDL = [
    """CREATE TABLE film (
        film_id bigint PRIMARY KEY, title varchar(128) NOT NULL, description text, rate numeric(6,2),
        length smallint, rating text, updated timestamp(3), released date, runtime time, cover bytea,
        score float8)""",
    "CREATE TABLE film_actor (actor_id int, film_id int, note varchar(20), PRIMARY KEY (actor_id, film_id))",
]


@pytest.fixture
def my(mariadb_server: MariaDBServer, mysql_db: str) -> Iterator[pymysql.connections.Connection[Any]]:
    """An autocommit connection to the fresh source database, with full row metadata in the binlog."""
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute("SET GLOBAL binlog_row_metadata = 'FULL'")
        for ddl in MYSQL_DDL:
            cur.execute(ddl)
    yield conn
    conn.close()


def run(conn: pymysql.connections.Connection[Any], *statements: str) -> None:
    with conn.cursor() as cur:
        for s in statements:
            cur.execute(s)


def source_rows(
    conn: pymysql.connections.Connection[Any], table: str, key: str
) -> list[tuple[str | None, ...]]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} ORDER BY {key}")
        return [tuple(csvfmt.format_value(v) for v in r) for r in cur.fetchall()]


def target_rows(dsn: str, table: str, key: str) -> list[tuple[str | None, ...]]:
    with psycopg.connect(dsn) as conn:
        cols = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                " ORDER BY ordinal_position",
                (table,),
            )
        ]
        order = ", ".join(f"r.{k.strip()}" for k in key.split(","))
        query = "SELECT " + ", ".join(f"r.{c}::text" for c in cols) + f" FROM {table} AS r ORDER BY {order}"
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[call-overload]


def test_binlog_changes_reach_the_target(
    mariadb_server: MariaDBServer, mysql_db: str, my: pymysql.connections.Connection[Any], pg_target: str
) -> None:
    execute(pg_target, *PG_DDL)
    # rows present at the snapshot are in the dump, not in the stream
    run(my, "INSERT INTO film (title) VALUES ('before snapshot')")
    execute(pg_target, "INSERT INTO film (film_id, title, rating) VALUES (1, 'before snapshot', 'G')")
    start = master_status(mariadb_server.connect_kwargs())
    run(
        my,
        """INSERT INTO film (title, description, rate, length, rating, updated, released, runtime, cover,
                             score)
           VALUES ('Alpha', 'with, comma "quoted"', 1.50, 90, 'PG', '2024-01-02 03:04:05.678', '2024-02-29',
                   '12:34:56', X'00FF10', 0.1),
                  ('Beta', '', NULL, NULL, 'R', NULL, NULL, NULL, '', -1e-7),
                  ('Gamma', 'ünïcødé ✓', 99.99, 1, 'G', '1999-12-31 23:59:59', '1000-01-01', '00:00:00',
                   NULL, NULL)""",
        "INSERT INTO film_actor VALUES (1, 2, 'a'), (1, 3, 'b'), (2, 2, 'c')",
        "UPDATE film SET description = 'changed' WHERE title = 'Alpha'",
        "UPDATE film SET film_id = 100 WHERE title = 'Beta'",
        "UPDATE film_actor SET film_id = 9 WHERE actor_id = 1 AND film_id = 3",
        "DELETE FROM film WHERE title = 'Gamma'",
        "DELETE FROM film_actor WHERE actor_id = 2",
        "UPDATE film SET rate = rate + 1",
    )
    run(
        my,
        "BEGIN",
        "INSERT INTO film (film_id, title) VALUES (50, 'tx')",
        "UPDATE film SET title = 'tx2' WHERE film_id = 50",
        "DELETE FROM film WHERE film_id = 50",
        "INSERT INTO film (film_id, title) VALUES (50, 'tx3')",
        "COMMIT",
    )
    run(
        my,
        "INSERT INTO film_actor VALUES (7, 7, 'x')",
        "TRUNCATE TABLE film_actor",
        "INSERT INTO film_actor VALUES (8, 8, 'after')",
    )

    source = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    stats = run_applier(source, pg_target, migration="my", batch_changes=4)
    assert stats.caught_up and stats.batches >= 3
    assert stats.per_table[f"{mysql_db}.film_actor"]["T"] == 1
    assert source_rows(my, "film", "film_id") == target_rows(pg_target, "film", "film_id")
    assert source_rows(my, "film_actor", "actor_id, film_id") == target_rows(
        pg_target, "film_actor", "actor_id, film_id"
    )
    assert stats.lag_bytes == 0

    # resume from the checkpoint: only the new changes are applied
    run(my, "UPDATE film SET length = 7 WHERE film_id = 100", "DELETE FROM film WHERE film_id = 1")
    again = run_applier(
        MySQLSource(mariadb_server.connect_kwargs(), schemas=[mysql_db]), pg_target, migration="my"
    )
    assert again.changes == 2
    assert source_rows(my, "film", "film_id") == target_rows(pg_target, "film", "film_id")
    (pos,) = rows(pg_target, "SELECT position FROM roachlift_cdc_checkpoint WHERE migration = 'my'")[0]
    assert pos == master_status(mariadb_server.connect_kwargs())


def test_ddl_mid_stream_stops(
    mariadb_server: MariaDBServer, mysql_db: str, my: pymysql.connections.Connection[Any], pg_target: str
) -> None:
    execute(pg_target, *PG_DDL)
    start = master_status(mariadb_server.connect_kwargs())
    run(
        my,
        "INSERT INTO film (film_id, title) VALUES (1, 'a')",
        "ALTER TABLE film ADD COLUMN extra INT",
        "INSERT INTO film (film_id, title, extra) VALUES (2, 'b', 3)",
    )
    source = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    with pytest.raises(SchemaChangedError, match=rf"{mysql_db}\.film changed mid-stream \(ALTER"):
        run_applier(source, pg_target, migration="my")
    assert rows(pg_target, "SELECT film_id FROM film") == [(1,)]


def test_without_row_metadata_names_come_from_information_schema(
    mariadb_server: MariaDBServer, mysql_db: str, my: pymysql.connections.Connection[Any], pg_target: str
) -> None:
    execute(pg_target, *PG_DDL)
    run(my, "SET GLOBAL binlog_row_metadata = 'NO_LOG'")
    try:
        start = master_status(mariadb_server.connect_kwargs())
        run(
            my,
            "INSERT INTO film_actor VALUES (1, 1, 'x'), (2, 2, 'y')",
            "UPDATE film_actor SET note = 'z', film_id = 5 WHERE actor_id = 1",
            "DELETE FROM film_actor WHERE actor_id = 2",
        )
        source = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
        stats = run_applier(source, pg_target, migration="nometa")
    finally:
        run(my, "SET GLOBAL binlog_row_metadata = 'FULL'")
    assert stats.changes == 4
    assert target_rows(pg_target, "film_actor", "actor_id") == [("1", "5", "z")]


def test_a_row_the_target_rejects_is_named(
    mariadb_server: MariaDBServer, mysql_db: str, my: pymysql.connections.Connection[Any], pg_target: str
) -> None:
    """A JSON value with ``\\u0000`` (valid in MySQL, refused by a jsonb column) in a batch that also
    writes other tables: the stop names the table, the column and the key of that row, not a
    statement parameter number and every table of the batch; nothing of the batch is applied."""
    run(my, "CREATE TABLE doc (id INT PRIMARY KEY, title VARCHAR(20), body JSON)")
    execute(pg_target, *PG_DDL, "CREATE TABLE doc (id int PRIMARY KEY, title text, body jsonb)")
    start = master_status(mariadb_server.connect_kwargs())
    run(
        my,
        "BEGIN",
        "INSERT INTO film (film_id, title) VALUES (1, 'a'), (2, 'b')",
        "INSERT INTO film_actor VALUES (1, 1, 'x')",
        """INSERT INTO doc VALUES (7, 'fine', '{"k": "v"}'), (8, 'bad', '{"k": "a\\\\u0000b"}'),"""
        """ (9, 'fine too', '[1]')""",
        "COMMIT",
    )
    source = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    with pytest.raises(CdcError) as info:
        run_applier(source, pg_target, migration="my", batch_changes=100)
    msg = str(info.value)
    assert msg.startswith("target table doc rejects the row with key id=8, column body (22P05: "), msg
    assert "film" not in msg and "$" not in msg, msg
    assert rows(pg_target, "SELECT count(*) FROM doc") == [(0,)]
    assert rows(pg_target, "SELECT count(*) FROM film") == [(0,)]
