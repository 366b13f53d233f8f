"""MySQL/MariaDB extract: ``SHOW CREATE TABLE`` / ``SHOW CREATE VIEW`` per object; triggers and
routines as review items. Queries in ``include/sql/extract/mysql/*.sql``.
"""

from __future__ import annotations

from typing import Any

from roachlift.config.connections import ConnInfo
from roachlift.config.spec import SourceSpec
from roachlift.errors import RoachliftError
from roachlift.extract import ColumnInfo, ExtractResult, ReviewItem, TableInfo, sort_tables
from roachlift.paths import sql_text
from roachlift.quoting import mysql_ident as quote_ident


def _schemas(source: SourceSpec, conninfo: ConnInfo) -> list[str]:
    schemas = list(source.schemas) or ([conninfo.database] if conninfo.database else [])
    if not schemas:
        raise RoachliftError("source.schemas is empty and the connection names no database")
    return schemas


def connect(conninfo: ConnInfo, database: str | None = None) -> Any:
    """A PyMySQL connection (text values as ``str``)."""
    import pymysql

    try:
        return pymysql.connect(**conninfo.mysql_kwargs(database), charset="utf8mb4")
    except pymysql.Error as exc:
        raise RoachliftError(f"{conninfo.redacted()}: cannot connect: {exc}") from None


def _rows(conn: Any, name: str, schemas: list[str]) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql_text(f"extract/mysql/{name}.sql"), {"schemas": schemas})
        return list(cur.fetchall())


def _tables(conn: Any, source: SourceSpec, schemas: list[str]) -> list[TableInfo]:
    tables = {
        (s, n): TableInfo(s, n, int(rows), total_bytes=int(size))
        for s, n, rows, size in _rows(conn, "tables", schemas)
        if source.wants(f"{s}.{n}")
    }
    for s, t, col, ctype, nullable, default in _rows(conn, "columns", schemas):
        info = tables.get((s, t))
        if info is not None:
            info.columns.append(ColumnInfo(col, ctype, bool(nullable), default))
    for s, t, col in _rows(conn, "primary_keys", schemas):
        info = tables.get((s, t))
        if info is not None:
            info.primary_key.append(col)
    return sort_tables(list(tables.values()))


def list_tables(source: SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
    """Wanted tables with estimates, columns and primary keys, largest first."""
    schemas = _schemas(source, conninfo)
    conn = connect(conninfo)
    try:
        return _tables(conn, source, schemas)
    finally:
        conn.close()


def _show_create(conn: Any, what: str, schema: str, name: str) -> str:
    with conn.cursor() as cur:
        cur.execute(f"SHOW CREATE {what} {quote_ident(schema)}.{quote_ident(name)}")
        row = cur.fetchone()
    return str(row[1])


def extract(source: SourceSpec, conninfo: ConnInfo) -> ExtractResult:
    """``SHOW CREATE`` DDL of the wanted tables and views; triggers and routines to review."""
    schemas = _schemas(source, conninfo)
    conn = connect(conninfo)
    try:
        tables = _tables(conn, source, schemas)
        out = [f"-- roachlift extract: MySQL databases {', '.join(schemas)}"]
        for schema in schemas:
            mine = sorted((t for t in tables if t.schema == schema), key=lambda t: t.name)
            out.append(f"\n-- database {schema}: tables")
            out += [_show_create(conn, "TABLE", schema, t.name) + ";" for t in mine]
            views = [n for s, n in _rows(conn, "views", [schema]) if source.wants(f"{s}.{n}")]
            if views:
                out.append(f"\n-- database {schema}: views")
            for name in views:
                out.append(_show_create(conn, "VIEW", schema, name) + ";")
        wanted = {(t.schema, t.name) for t in tables}
        review = [
            ReviewItem(
                "trigger",
                s,
                name,
                f"CREATE TRIGGER {quote_ident(name)} {timing} {event} ON {quote_ident(table)} "
                f"FOR EACH ROW {body}",
                f"{s}.{table}",
            )
            for s, name, table, timing, event, body in _rows(conn, "triggers", schemas)
            if (s, table) in wanted
        ]
        review += [
            ReviewItem(str(rtype).lower(), s, name, str(body or ""))
            for s, name, rtype, body in _rows(conn, "routines", schemas)
        ]
    finally:
        conn.close()
    return ExtractResult("mysql", "\n".join(out) + "\n", tables, review)
