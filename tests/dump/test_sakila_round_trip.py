"""The Sakila sample data dumped from PostgreSQL and MariaDB and loaded back, compared value by value."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import psycopg
import pymysql
from dump_helpers import copy_back, drop_slots, load_mysql_sakila, make_spec, pg_conninfo, psql_file
from psycopg import sql

from roachlift.config.connections import parse_uri
from roachlift.dump import dump_database
from roachlift.testing import MariaDBServer, PostgresServer


def _digest(dsn: str, table: str) -> tuple[int, str]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*), md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM public.{} t"
            ).format(sql.Identifier(table))
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def test_postgres_sakila_round_trip(
    pg_server: PostgresServer, pg_db: str, corpus: Path, tmp_path: Path
) -> None:
    db = pg_db.rsplit("/", 1)[1]
    psql_file(pg_server, db, corpus / "sakila/postgres/sakila-schema.sql")
    psql_file(pg_server, db, corpus / "sakila/postgres/sakila-data-copy.sql")
    spec = make_spec("sakila_rt", "postgres", ["public"], chunk_rows=4000, compression="gzip", parallelism=3)
    spec = spec.model_copy(update={"source": spec.source.model_copy(update={"exclude": ["payment_p*"]})})
    try:
        result = dump_database(spec, pg_conninfo(pg_server, pg_db), tmp_path)
    finally:
        drop_slots(pg_db)
    names = [m.table for m in result.tables]
    assert names[0] == "public.payment" and len(names) == 15  # largest first, partitions excluded
    assert json.loads((tmp_path / "snapshot.json").read_text())["slot"] == "roachlift_sakila_rt"

    back = pg_server.create_database(db + "_back")
    psql_file(pg_server, db + "_back", corpus / "sakila/postgres/sakila-schema.sql")
    for m in result.tables:
        table = m.table.split(".")[1]
        assert copy_back(back, tmp_path, m.table, m.target_table) == m.rows
        assert _digest(back, table) == _digest(pg_db, table), table
    assert sum(m.rows for m in result.tables) == 46273


_PG_TYPES = {
    "tinyint": "bigint", "smallint": "bigint", "mediumint": "bigint", "int": "bigint", "bigint": "numeric",
    "year": "int", "decimal": "numeric", "float": "float8", "double": "float8", "date": "date",
    "datetime": "timestamp", "timestamp": "timestamptz", "time": "interval", "set": "text", "json": "jsonb",
}  # fmt: skip
_BYTES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry"}


def _pg_type(data_type: str, column_type: str) -> str:
    if column_type.startswith("bit(1)"):
        return "boolean"
    if data_type == "bit":
        return "varbit"
    return "bytea" if data_type in _BYTES else _PG_TYPES.get(data_type, "text")


def _norm(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, set):
        return ",".join(sorted(value))
    return value


def test_mysql_sakila_round_trip(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, corpus: Path, tmp_path: Path
) -> None:
    load_mysql_sakila(mariadb_server, mysql_db, corpus)
    spec = make_spec("sakila_my_rt", "mysql", [mysql_db], chunk_rows=5000, parallelism=3)
    result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    assert len(result.tables) == 16 and result.snapshot["binlog_pos"] > 0

    target = pg_server.create_database(mysql_db + "_pg")
    my = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db))  # type: ignore[arg-type]
    with my.cursor() as cur:
        cur.execute("SET time_zone = '+00:00'")
    checked = 0
    for m in result.tables:
        name = m.table.split(".")[1]
        with my.cursor() as cur:
            cur.execute(
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                (mysql_db, name),
            )
            cols = list(cur.fetchall())
            assert [c[0] for c in cols] == m.columns
            cur.execute(f"SELECT * FROM `{name}` ORDER BY 1, 2")
            source_rows = [tuple(_norm(v) for v in r) for r in cur.fetchall()]
        ddl = sql.SQL("CREATE TABLE public.{} ({})").format(
            sql.Identifier(name),
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(d, t))) for c, d, t in cols
            ),
        )
        with psycopg.connect(target) as pg:
            pg.execute(ddl)
        assert copy_back(target, tmp_path, m.table, f"public.{name}") == m.rows == len(source_rows)
        with psycopg.connect(target) as pg:
            back = pg.execute(
                sql.SQL("SELECT * FROM public.{} ORDER BY 1, 2").format(sql.Identifier(name))
            ).fetchall()
        back_rows = [tuple(int(v) if isinstance(v, bool) else _norm(v) for v in r) for r in back]
        assert back_rows == source_rows, name
        checked += len(back_rows)
    assert checked == 47273
