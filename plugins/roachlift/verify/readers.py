"""Readers for verify: catalog discovery and PK-ordered row streams, per kind of database.

One reader holds one connection. PostgreSQL and CockroachDB are read through psycopg with a
server-side (named) cursor, MySQL/MariaDB through PyMySQL's unbuffered ``SSCursor``; both fetch in
batches, so memory stays flat whatever the table size.

Both sides must deliver rows in the order Python compares the keys in: text keys are ordered by
code point (PostgreSQL ``COLLATE "C"``, MySQL ``CAST(... AS BINARY)`` on utf8mb4, CockroachDB's
default byte order), and every session runs in UTC.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
import pymysql
import pymysql.cursors
from psycopg import sql
from psycopg.types.string import TextLoader

from roachlift.config.connections import ConnInfo, parse_uri
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text
from roachlift.quoting import mysql_ident as _mq

log = logging.getLogger(__name__)


def batches(cur: Any, size: int) -> Iterator[Sequence[Any]]:
    """``cur.fetchmany(size)`` until the result is exhausted."""
    while rows := cur.fetchmany(size):
        yield rows


_cursor_ids = itertools.count(1)

PG_INTEGER_TYPES = {"smallint", "integer", "bigint"}
PG_TEXT_TYPES = {"text", "character varying", "character", "name", "citext"}
MYSQL_INTEGER_TYPES = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
MYSQL_TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"}


@dataclass(frozen=True)
class Column:
    """One column from the catalog: name, ``DATA_TYPE`` (lower case) and detail.

    ``detail`` is PostgreSQL's ``udt_name`` or MySQL's full ``COLUMN_TYPE`` (``tinyint(1)``).
    """

    name: str
    data_type: str
    detail: str = ""


@dataclass(frozen=True)
class TableShape:
    """A table as the catalog describes it."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @property
    def qualified(self) -> str:
        """``schema.name``."""
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column:
        """The column called ``name`` (exact match)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


Bounds = tuple[int, int] | None
"""A half-open range ``[lo, hi)`` on the first key column, or ``None`` for the whole table."""


class Reader(Protocol):
    """What verify needs from one side: catalogs, ordered streams and lookups by key."""

    kind: str
    default_schema: str

    def describe(self, schema: str, table: str) -> TableShape | None:
        """The table's columns and primary key, or ``None`` when it does not exist."""

    def list_tables(self, schema: str) -> list[str]:
        """Base tables of ``schema``."""

    def is_integer(self, column: Column) -> bool:
        """True when ``column`` holds integers (its range can be split into chunks)."""

    def key_range(self, shape: TableShape, column: str) -> tuple[int | None, int | None]:
        """``min`` and ``max`` of an integer column."""

    def stream(
        self, shape: TableShape, columns: Sequence[str], order_by: Sequence[str], bounds: Bounds, batch: int
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of ``columns`` ordered by ``order_by`` (none: any order), within ``bounds``."""

    def fetch(
        self, shape: TableShape, columns: Sequence[str], key: Sequence[str], keys: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """The rows whose ``key`` columns equal one of ``keys``."""

    def close(self) -> None:
        """Close the connection."""


def as_conninfo(conn: ConnInfo | str) -> ConnInfo:
    """A :class:`ConnInfo` from itself or from a URI (``postgresql://…``, ``mysql://…``)."""
    return conn if isinstance(conn, ConnInfo) else parse_uri(conn)


def open_reader(conn: ConnInfo | str) -> Reader:
    """Connect to one side (source or target: the reader of the server's protocol, by its adapter)."""
    from roachlift.sources import adapter_for

    info = as_conninfo(conn)
    return adapter_for(info.kind).verify_reader(info)


class PostgresReader:
    """PostgreSQL or CockroachDB through psycopg, in UTC, with server-side cursors."""

    kind = "postgres"
    default_schema = "public"

    def __init__(self, info: ConnInfo) -> None:
        self.info = info
        try:
            self.conn = psycopg.connect(info.postgres_conninfo(), autocommit=True)
        except psycopg.Error as exc:
            raise RoachliftError(f"cannot connect to {info.redacted()}: {exc}") from None
        # JSON as its text, as MySQL and the dump give it: psycopg's parsed value cannot tell the
        # JSON string "{}" (a str) from the text of the object {} (normalize.KIND_JSON parses both)
        for name in ("json", "jsonb"):
            self.conn.adapters.register_loader(name, TextLoader)
        # https://www.cockroachlabs.com/docs/stable/set-vars (SET TIME ZONE; same in PostgreSQL)
        self.conn.execute("SET TIME ZONE 'UTC'")
        version = self.conn.execute("SELECT version()").fetchone()
        self.cockroach = bool(version and "cockroachdb" in str(version[0]).lower())

    def describe(self, schema: str, table: str) -> TableShape | None:
        """Columns from ``information_schema.columns``, key from ``key_column_usage``."""
        params = {"schema": schema, "table": table}
        query = sql_text("verify/crdb_columns.sql" if self.cockroach else "verify/pg_columns.sql")
        rows = self.conn.execute(query, params).fetchall()
        if not rows:
            return None
        cols = tuple(Column(r[0], str(r[1]).lower(), str(r[2] or "").lower()) for r in rows)
        pk_rows = self.conn.execute(sql_text("verify/pg_primary_key.sql"), params).fetchall()
        pk = tuple(str(r[0]) for r in pk_rows)
        if self.cockroach and pk == ("rowid",) and all(c.name != "rowid" for c in cols):
            pk = ()  # the implicit key of a table created without one
        return TableShape(schema, table, cols, pk)

    def list_tables(self, schema: str) -> list[str]:
        """Base tables of ``schema`` (a PostgreSQL server's partitions left out: their root holds them)."""
        query = "verify/pg_tables.sql" if self.cockroach else "verify/pg_source_tables.sql"
        rows = self.conn.execute(sql_text(query), {"schema": schema}).fetchall()
        return [str(r[0]) for r in rows]

    def is_integer(self, column: Column) -> bool:
        """``smallint``, ``integer``, ``bigint``."""
        return column.data_type in PG_INTEGER_TYPES

    def _order_term(self, shape: TableShape, name: str) -> sql.Composable:
        ident = sql.Identifier(name)
        col = shape.column(name)
        if not self.cockroach and (col.data_type in PG_TEXT_TYPES or col.detail in PG_TEXT_TYPES):
            # code-point order whatever the database collation (CockroachDB strings sort by bytes)
            return sql.SQL('{} COLLATE "C"').format(ident)
        return ident

    def key_range(self, shape: TableShape, column: str) -> tuple[int | None, int | None]:
        """``min`` and ``max`` of ``column``."""
        query = sql.SQL("SELECT min({c}), max({c}) FROM {t}").format(
            c=sql.Identifier(column), t=sql.Identifier(shape.schema, shape.name)
        )
        row = self.conn.execute(query).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def stream(
        self, shape: TableShape, columns: Sequence[str], order_by: Sequence[str], bounds: Bounds, batch: int
    ) -> Iterator[tuple[Any, ...]]:
        """A named cursor over ``SELECT … ORDER BY key``, fetched ``batch`` rows at a time."""
        query: sql.Composed = sql.SQL("SELECT {cols} FROM {t}").format(
            cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            t=sql.Identifier(shape.schema, shape.name),
        )
        params: list[Any] = []
        if bounds is not None:
            query += sql.SQL(" WHERE {c} >= %s AND {c} < %s").format(c=sql.Identifier(order_by[0]))
            params = [bounds[0], bounds[1]]
        if order_by:
            query += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(self._order_term(shape, c) for c in order_by)
        # A named cursor is DECLARE … CURSOR inside a transaction, then FETCH FORWARD n:
        # https://www.cockroachlabs.com/docs/stable/cursors (CockroachDB >= 22.1.2 also answers the
        # pgwire Describe psycopg sends for the cursor: cockroachdb/cockroach#82567). Cursor names
        # are plain identifiers (quoted names were not found by Describe: cockroachdb/cockroach#84261).
        with self.conn.transaction(), self.conn.cursor(name=f"roachlift_verify_{next(_cursor_ids)}") as cur:
            cur.execute(query, params)
            for rows in batches(cur, batch):
                yield from rows

    def fetch(
        self, shape: TableShape, columns: Sequence[str], key: Sequence[str], keys: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """``SELECT … WHERE (key) IN ((…), …)`` in batches of 500 keys."""
        out: list[tuple[Any, ...]] = []
        base = sql.SQL("SELECT {cols} FROM {t} WHERE ({k}) IN ").format(
            cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            t=sql.Identifier(shape.schema, shape.name),
            k=sql.SQL(", ").join(sql.Identifier(c) for c in key),
        )
        one = sql.SQL("(") + sql.SQL(", ").join(sql.Placeholder() for _ in key) + sql.SQL(")")
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            query = base + sql.SQL("(") + sql.SQL(", ").join(one for _ in part) + sql.SQL(")")
            params = [v for k in part for v in k]
            out.extend(self.conn.execute(query, params).fetchall())
        return out

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(psycopg.Error):
            self.conn.close()


class MySQLReader:
    """MySQL/MariaDB through PyMySQL, ``time_zone = '+00:00'``, unbuffered cursors."""

    kind = "mysql"

    def __init__(self, info: ConnInfo) -> None:
        self.info = info
        self.default_schema = info.database or ""
        try:
            self.conn = pymysql.connect(**info.mysql_kwargs(), charset="utf8mb4", autocommit=True)
        except pymysql.MySQLError as exc:
            raise RoachliftError(f"cannot connect to {info.redacted()}: {exc}") from None
        with self.conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")

    def _query(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return list(cur.fetchall())

    def describe(self, schema: str, table: str) -> TableShape | None:
        """Columns and key from ``information_schema`` (MySQL's schema is the database)."""
        params = {"schema": schema, "table": table}
        rows = self._query(sql_text("verify/mysql_columns.sql"), params)
        if not rows:
            return None
        cols = tuple(Column(str(r[0]), str(r[1]).lower(), str(r[2]).lower()) for r in rows)
        pk = tuple(str(r[0]) for r in self._query(sql_text("verify/mysql_primary_key.sql"), params))
        return TableShape(schema, table, cols, pk)

    def list_tables(self, schema: str) -> list[str]:
        """Base tables of database ``schema``."""
        return [str(r[0]) for r in self._query(sql_text("verify/mysql_tables.sql"), {"schema": schema})]

    def is_integer(self, column: Column) -> bool:
        """Integer types except ``tinyint(1)`` (a boolean on the target)."""
        return column.data_type in MYSQL_INTEGER_TYPES and not column.detail.startswith("tinyint(1)")

    def _table(self, shape: TableShape) -> str:
        return f"{_mq(shape.schema)}.{_mq(shape.name)}"

    def _select_term(self, shape: TableShape, name: str) -> str:
        if shape.column(name).data_type == "float":
            # the exact float32 (the text protocol sends FLOAT rounded to 6 digits), as the dump reads it
            return f"CAST({_mq(name)} AS DOUBLE)"
        return _mq(name)

    def _order_term(self, shape: TableShape, name: str) -> str:
        if shape.column(name).data_type in MYSQL_TEXT_TYPES:
            return f"CAST({_mq(name)} AS BINARY)"  # code-point order on utf8mb4
        return _mq(name)

    def key_range(self, shape: TableShape, column: str) -> tuple[int | None, int | None]:
        """``min`` and ``max`` of ``column``."""
        rows = self._query(f"SELECT MIN({_mq(column)}), MAX({_mq(column)}) FROM {self._table(shape)}")
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def stream(
        self, shape: TableShape, columns: Sequence[str], order_by: Sequence[str], bounds: Bounds, batch: int
    ) -> Iterator[tuple[Any, ...]]:
        """An unbuffered ``SSCursor`` over ``SELECT … ORDER BY key``."""
        query = f"SELECT {', '.join(self._select_term(shape, c) for c in columns)} FROM {self._table(shape)}"
        params: list[Any] = []
        if bounds is not None:
            query += f" WHERE {_mq(order_by[0])} >= %s AND {_mq(order_by[0])} < %s"
            params = [bounds[0], bounds[1]]
        if order_by:
            query += " ORDER BY " + ", ".join(self._order_term(shape, c) for c in order_by)
        cur = self.conn.cursor(pymysql.cursors.SSCursor)
        try:
            cur.execute(query, params)
            for rows in batches(cur, batch):
                yield from rows
        finally:
            cur.close()

    def fetch(
        self, shape: TableShape, columns: Sequence[str], key: Sequence[str], keys: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """``SELECT … WHERE (key) IN ((…), …)`` in batches of 500 keys."""
        out: list[tuple[Any, ...]] = []
        one = "(" + ", ".join("%s" for _ in key) + ")"
        base = (
            f"SELECT {', '.join(self._select_term(shape, c) for c in columns)} FROM {self._table(shape)} "
            f"WHERE ({', '.join(_mq(c) for c in key)}) IN "
        )
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            query = base + "(" + ", ".join(one for _ in part) + ")"
            out.extend(self._query(query, [v for k in part for v in k]))
        return out

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(pymysql.MySQLError):
            self.conn.close()
