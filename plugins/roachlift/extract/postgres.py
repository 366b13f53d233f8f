"""PostgreSQL extract: DDL rebuilt from the catalog (``include/sql/extract/postgres/*.sql``).

Order of the DDL text: enum types, domains, sequences, tables (columns, primary key, unique and
check constraints), sequence ownership and current values, indexes, foreign keys, views. Triggers
and functions are review items, not DDL.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from roachlift.config.connections import ConnInfo
from roachlift.config.spec import SourceSpec
from roachlift.errors import RoachliftError
from roachlift.extract import ColumnInfo, ExtractResult, ReviewItem, TableInfo, sort_tables
from roachlift.paths import sql_text

Row = dict[str, Any]


def _schemas(source: SourceSpec) -> list[str]:
    return list(source.schemas) or ["public"]


def _connect(conninfo: ConnInfo) -> psycopg.Connection[Row]:
    try:
        return psycopg.connect(conninfo.postgres_conninfo(), row_factory=dict_row, autocommit=True)
    except psycopg.OperationalError as exc:
        raise RoachliftError(f"{conninfo.redacted()}: cannot connect: {exc}") from None


def _query(conn: psycopg.Connection[Row], name: str, schemas: list[str]) -> list[Row]:
    return conn.execute(sql_text(f"extract/postgres/{name}.sql"), {"schemas": schemas}).fetchall()


def _tables(conn: psycopg.Connection[Row], source: SourceSpec) -> list[TableInfo]:
    schemas = _schemas(source)
    tables = {
        (r["schema"], r["name"]): TableInfo(
            r["schema"], r["name"], int(r["estimated_rows"]), total_bytes=r["total_bytes"]
        )
        for r in _query(conn, "tables", schemas)
        if source.wants(f"{r['schema']}.{r['name']}")
    }
    for r in _query(conn, "columns", schemas):
        t = tables.get((r["schema"], r["table_name"]))
        if t is not None:
            t.columns.append(ColumnInfo(r["name"], r["type"], not r["not_null"], r["default_expr"]))
    for r in _query(conn, "constraints", schemas):
        t = tables.get((r["schema"], r["table_name"]))
        if t is not None and r["type"] == "p":
            t.primary_key = list(r["columns"])
    return sort_tables(list(tables.values()))


def list_tables(source: SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
    """Wanted tables with estimates, columns and primary keys, largest first."""
    with _connect(conninfo) as conn:
        return _tables(conn, source)


class _Ddl:
    """Builds DDL text with identifiers quoted by psycopg."""

    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self.conn = conn
        self.out: list[str] = []

    def ident(self, *parts: str) -> str:
        return ".".join(sql.Identifier(p).as_string(self.conn) for p in parts)

    def literal(self, value: Any) -> str:
        return sql.Literal(value).as_string(self.conn)

    def emit(self, text: str) -> None:
        self.out.append(text.rstrip().rstrip(";") + ";")

    def section(self, title: str) -> None:
        self.out.append(f"\n-- {title}")


def _column_ddl(d: _Ddl, r: Row) -> str:
    text = f"    {d.ident(r['name'])} {r['type']}"
    if r["collation"]:
        text += f" COLLATE {r['collation']}"
    if r["identity"] in ("a", "d"):
        text += " GENERATED " + ("ALWAYS" if r["identity"] == "a" else "BY DEFAULT") + " AS IDENTITY"
    elif r["generated"] == "s":
        text += f" GENERATED ALWAYS AS ({r['default_expr']}) STORED"
    elif r["default_expr"] is not None:
        text += f" DEFAULT {r['default_expr']}"
    if r["not_null"]:
        text += " NOT NULL"
    return text


def extract(source: SourceSpec, conninfo: ConnInfo) -> ExtractResult:
    """DDL, tables and review items of the spec's PostgreSQL schemas."""
    schemas = _schemas(source)
    with _connect(conninfo) as conn:
        tables = _tables(conn, source)
        wanted = {(t.schema, t.name) for t in tables}
        d = _Ddl(conn)
        d.out.append(f"-- roachlift extract: PostgreSQL schemas {', '.join(schemas)}")

        enums = _query(conn, "enums", schemas)
        if enums:
            d.section("enum types")
        for r in enums:
            labels = ", ".join(d.literal(lbl) for lbl in r["labels"])
            d.emit(f"CREATE TYPE {d.ident(r['schema'], r['name'])} AS ENUM ({labels})")

        domains = _query(conn, "domains", schemas)
        if domains:
            d.section("domains")
        for r in domains:
            text = f"CREATE DOMAIN {d.ident(r['schema'], r['name'])} AS {r['base_type']}"
            if r["default_expr"] is not None:
                text += f" DEFAULT {r['default_expr']}"
            if r["not_null"]:
                text += " NOT NULL"
            for check in r["checks"]:
                text += f" {check}"
            d.emit(text)

        sequences = _query(conn, "sequences", schemas)
        if sequences:
            d.section("sequences")
        for r in sequences:
            d.emit(
                f"CREATE SEQUENCE {d.ident(r['schema'], r['name'])} AS {r['data_type']} "
                f"INCREMENT BY {r['increment_by']} MINVALUE {r['min_value']} MAXVALUE {r['max_value']} "
                f"START WITH {r['start_value']} CACHE {r['cache_size']}"
                + (" CYCLE" if r["cycle"] else " NO CYCLE")
            )

        columns: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for r in _query(conn, "columns", schemas):
            columns[(r["schema"], r["table_name"])].append(r)
        constraints: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for r in _query(conn, "constraints", schemas):
            constraints[(r["schema"], r["table_name"])].append(r)

        d.section("tables")
        for t in sorted(tables, key=lambda t: (t.schema, t.name)):
            key = (t.schema, t.name)
            lines = [_column_ddl(d, r) for r in columns[key]]
            for con in constraints[key]:
                if con["type"] in ("p", "u", "c", "x"):
                    lines.append(f"    CONSTRAINT {d.ident(con['name'])} {con['definition']}")
            d.emit(f"CREATE TABLE {d.ident(t.schema, t.name)} (\n" + ",\n".join(lines) + "\n)")

        owned = [r for r in sequences if r["owned_by"]]
        if sequences:
            d.section("sequence ownership and current values")
        for r in owned:
            d.emit(f"ALTER SEQUENCE {d.ident(r['schema'], r['name'])} OWNED BY {r['owned_by']}")
        for r in sequences:
            if r["last_value"] is not None:
                name = d.literal(d.ident(r["schema"], r["name"]))
                d.emit(f"SELECT pg_catalog.setval({name}, {r['last_value']}, true)")

        indexes = [r for r in _query(conn, "indexes", schemas) if (r["schema"], r["table_name"]) in wanted]
        if indexes:
            d.section("indexes")
        for r in indexes:
            d.emit(r["definition"])

        fks = [(key, con) for key in sorted(wanted) for con in constraints[key] if con["type"] == "f"]
        if fks:
            d.section("foreign keys")
        for (schema, name), con in fks:
            d.emit(
                f"ALTER TABLE {d.ident(schema, name)} "
                f"ADD CONSTRAINT {d.ident(con['name'])} {con['definition']}"
            )

        views = [r for r in _query(conn, "views", schemas) if source.wants(f"{r['schema']}.{r['name']}")]
        if views:
            d.section("views")
        for r in views:
            what = "MATERIALIZED VIEW" if r["kind"] == "m" else "VIEW"
            d.emit(f"CREATE {what} {d.ident(r['schema'], r['name'])} AS\n{r['definition']}")

        review = [
            ReviewItem("trigger", r["schema"], r["name"], r["definition"], f"{r['schema']}.{r['table_name']}")
            for r in _query(conn, "triggers", schemas)
            if (r["schema"], r["table_name"]) in wanted
        ]
        kinds = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}
        review += [
            ReviewItem(kinds.get(r["kind"], "function"), r["schema"], r["name"], r["definition"])
            for r in _query(conn, "functions", schemas)
        ]
    return ExtractResult("postgres", "\n".join(d.out) + "\n", tables, review)
