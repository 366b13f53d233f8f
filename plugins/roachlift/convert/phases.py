"""Render the schema model as the five load phases for CockroachDB or PostgreSQL.

Statements (each checked against the CockroachDB docs):
- ``CREATE SCHEMA IF NOT EXISTS`` https://www.cockroachlabs.com/docs/stable/create-schema
- ``CREATE TYPE ... AS ENUM`` https://www.cockroachlabs.com/docs/stable/create-type
- ``CREATE SEQUENCE`` https://www.cockroachlabs.com/docs/stable/create-sequence
- ``CREATE TABLE`` with ``DEFAULT``, ``ON UPDATE``, ``CHECK``, ``PRIMARY KEY``
  https://www.cockroachlabs.com/docs/stable/create-table
- ``CREATE [UNIQUE] INDEX ... [USING GIN|GIST] ... [WHERE]`` https://www.cockroachlabs.com/docs/stable/create-index
  (GIN for TSVECTOR/JSONB/arrays: https://www.cockroachlabs.com/docs/stable/inverted-indexes; GIST for
  GEOMETRY: https://www.cockroachlabs.com/docs/stable/spatial-indexes)
- ``ALTER TABLE ... ADD CONSTRAINT ... UNIQUE / FOREIGN KEY``
  https://www.cockroachlabs.com/docs/stable/alter-table#add-constraint
- ``CREATE VIEW`` https://www.cockroachlabs.com/docs/stable/create-view
- ``COMMENT ON TABLE t IS '...'`` / ``COMMENT ON COLUMN t.c IS '...'``
  https://www.cockroachlabs.com/docs/stable/comment-on
- ``CREATE TYPE ... AS (...)`` https://www.cockroachlabs.com/docs/stable/create-type
- ``FOREIGN KEY ... MATCH FULL`` https://www.cockroachlabs.com/docs/stable/foreign-key
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from roachlift.config.spec import TargetDialect
from roachlift.convert.dialect import quote_ident, render
from roachlift.convert.engine import Converter
from roachlift.convert.model import PHASES, Column, Index, Sequence, StatementRecord, Table, View


def render_phases(conv: Converter, views: list[View]) -> dict[str, list[str]]:
    """The statements of each phase, in order; each is also attached to its source record."""
    target = conv.target
    q = _qualifier(conv.options.target_schema)
    phases: dict[str, list[str]] = {p: [] for p in PHASES}

    def emit(phase: str, sql: str, record: StatementRecord | None) -> None:
        phases[phase].append(sql)
        if record is not None:
            record.converted.append(sql)

    if conv.options.target_schema:
        emit("01_types", f"CREATE SCHEMA IF NOT EXISTS {quote_ident(conv.options.target_schema)}", None)
    for enum in conv.enums.values():
        values = ", ".join(exp.Literal.string(v).sql() for v in enum.values)
        emit("01_types", f"CREATE TYPE {q(enum.name)} AS ENUM ({values})", enum.record)
    for comp in conv.composites.values():
        fields = ", ".join(f"{quote_ident(n)} {render(t, target)}" for n, t in comp.fields)
        emit("01_types", f"CREATE TYPE {q(comp.name)} AS ({fields})", comp.record)
    for seq in conv.sequences.values():
        emit("01_types", _sequence_sql(seq, q), seq.record)
    for table in conv.tables.values():
        if conv.options.target_schema:
            table = _qualified_table(table, conv)
        emit("02_tables", _table_sql(table, target, q), table.record)
    for table_name, column, literal, record in conv.comments:
        known = conv.tables.get(table_name)
        if known is None or (column is not None and known.column(column) is None):
            conv.review(
                "info",
                "comment_dropped",
                record.object,
                "comment on an object not converted: dropped",
                record,
            )
            continue
        what = f"COLUMN {q(table_name)}.{quote_ident(column)}" if column else f"TABLE {q(table_name)}"
        emit("02_tables", f"COMMENT ON {what} IS {literal}", record)
    for idx in conv.indexes:
        emit("03_indexes", _index_sql(idx, target, q), idx.record)
    for fk in conv.fks:
        sql = (
            f"ALTER TABLE {q(fk.table)} ADD CONSTRAINT {quote_ident(fk.name)} FOREIGN KEY "
            f"({_names(fk.columns)}) REFERENCES {q(fk.ref_table)} ({_names(fk.ref_columns)})"
        )
        if fk.match:  # MATCH FULL: pkg/sql/sem/tree/create.go (compositeKeyMatchMethodName)
            sql += f" MATCH {fk.match}"
        if fk.on_delete:
            sql += f" ON DELETE {fk.on_delete}"
        if fk.on_update:
            sql += f" ON UPDATE {fk.on_update}"
        emit("04_foreign_keys", sql, fk.record)
    for view in views:
        cols = f" ({_names(view.columns)})" if view.columns else ""
        query = _qualify_tables(view.query, conv) if conv.options.target_schema else view.query
        emit("05_views", f"CREATE VIEW {q(view.name)}{cols} AS\n{render(query, target)}", view.record)
    return phases


def _qualifier(schema: str | None):  # type: ignore[no-untyped-def]
    def q(name: str) -> str:
        return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)

    return q


def _names(names: list[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)


def _sequence_sql(seq: Sequence, q) -> str:  # type: ignore[no-untyped-def]
    parts = [f"CREATE SEQUENCE {q(seq.name)}"]
    if seq.increment is not None and seq.increment != 1:
        parts.append(f"INCREMENT BY {seq.increment}")
    if seq.minvalue is not None:
        parts.append(f"MINVALUE {seq.minvalue}")
    if seq.maxvalue is not None:
        parts.append(f"MAXVALUE {seq.maxvalue}")
    if seq.start is not None and seq.start != 1:
        parts.append(f"START WITH {seq.start}")
    if seq.cache is not None:
        parts.append(f"CACHE {seq.cache}")
    if seq.cycle:
        parts.append("CYCLE")
    return " ".join(parts)


def column_sql(col: Column, target: str) -> str:
    """One column definition."""
    parts = [quote_ident(col.name), render(col.type, target)]
    if col.collate:
        parts.append(f"COLLATE {quote_ident(col.collate)}")
    if col.computed is not None:
        # https://www.cockroachlabs.com/docs/stable/computed-columns
        parts.append(f"GENERATED ALWAYS AS ({render(_unparen(col.computed), target)}) STORED")
    if not col.nullable:
        parts.append("NOT NULL")
    if col.default is not None:
        parts.append(f"DEFAULT {render(col.default, target)}")
    if col.on_update is not None and target == TargetDialect.COCKROACHDB:
        # https://www.cockroachlabs.com/docs/stable/create-table#on-update-expressions
        parts.append(f"ON UPDATE {render(col.on_update, target)}")
    for chk in col.checks:
        parts.append(f"CHECK ({render(_unparen(chk), target)})")
    return " ".join(parts)


def _table_sql(table: Table, target: str, q) -> str:  # type: ignore[no-untyped-def]
    lines = [f"  {column_sql(c, target)}" for c in table.columns]
    if table.primary_key:
        name = f"CONSTRAINT {quote_ident(table.pk_name)} " if table.pk_name else ""
        lines.append(f"  {name}PRIMARY KEY ({_names(table.primary_key)})")
    for cname, chk in table.checks:
        name = f"CONSTRAINT {quote_ident(cname)} " if cname else ""
        lines.append(f"  {name}CHECK ({render(_unparen(chk), target)})")
    return f"CREATE TABLE {q(table.name)} (\n" + ",\n".join(lines) + "\n)"


def _index_sql(idx: Index, target: str, q) -> str:  # type: ignore[no-untyped-def]
    cols = ", ".join(render(_default_nulls(c, target), target) for c in idx.columns)
    if idx.constraint:
        return f"ALTER TABLE {q(idx.table)} ADD CONSTRAINT {quote_ident(idx.name)} UNIQUE ({cols})"
    unique = "UNIQUE " if idx.unique else ""
    using = f" USING {idx.using.upper()}" if idx.using else ""
    sql = f"CREATE {unique}INDEX {quote_ident(idx.name)} ON {q(idx.table)}{using} ({cols})"
    if idx.storing:
        # CockroachDB accepts PostgreSQL's INCLUDE as a synonym of STORING (create-index synopsis)
        sql += f" INCLUDE ({_names(idx.storing)})"
    if idx.where is not None:
        sql += f" WHERE {render(idx.where, target)}"
    return sql


def _qualified_table(table: Table, conv: Converter) -> Table:
    """A copy of ``table`` whose enum types and sequence defaults name the target schema."""
    schema = conv.options.target_schema
    assert schema
    prefix = quote_ident(schema) + "."

    def fix(node: exp.Expression) -> exp.Expression:
        for dt in list(node.find_all(exp.DataType)):
            kind = dt.args.get("kind")
            if (
                dt.this == exp.DataType.Type.USERDEFINED
                and isinstance(kind, exp.Identifier)
                and kind.name in conv.enums
            ):
                qualified = exp.DataType.build(prefix + quote_ident(kind.name), dialect="postgres", udt=True)
                if dt is node:
                    return qualified
                dt.replace(qualified)
        for fn in node.find_all(exp.Anonymous):
            if (
                str(fn.this).lower() == "nextval"
                and fn.expressions
                and isinstance(fn.expressions[0], exp.Literal)
            ):
                seq = fn.expressions[0].name
                fn.set(
                    "expressions",
                    [exp.Literal.string(prefix + (seq if seq.startswith('"') else quote_ident(seq)))],
                )
        return node

    columns = []
    for col in table.columns:
        fixed_type = fix(col.type.copy())
        assert isinstance(fixed_type, exp.DataType)
        new = replace(col, type=fixed_type)
        new.default = fix(col.default.copy()) if col.default is not None else None
        columns.append(new)
    return replace(table, columns=columns)


def _qualify_tables(query: exp.Expression, conv: Converter) -> exp.Expression:
    query = query.copy()
    schema = conv.options.target_schema
    known = set(conv.tables) | set(conv.views)
    for t in query.find_all(exp.Table):
        if t.name in known and schema:
            t.set("db", exp.Identifier(this=schema, quoted=quote_ident(schema) != schema))
    return query


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _default_nulls(node: exp.Expression, target: str) -> exp.Expression:
    """An index key keeps the target's own NULL placement (no NULLS FIRST/LAST in index DDL)."""
    if not isinstance(node, exp.Ordered):
        return node
    node = node.copy()
    desc = bool(node.args.get("desc"))
    node.set("nulls_first", not desc if target == TargetDialect.COCKROACHDB else desc)
    return node
