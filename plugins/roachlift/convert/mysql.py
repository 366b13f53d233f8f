"""MySQL / MariaDB rules: type table, clauses removed, expressions rewritten.

Types (pgloader's choices users rely on): TINYINT(1) -> BOOL (option ``tinyint1_as_bool``),
UNSIGNED -> the next wider signed type plus ``CHECK (col >= 0)``, BIGINT UNSIGNED -> DECIMAL(20),
DATETIME -> TIMESTAMP, TIMESTAMP -> TIMESTAMPTZ, YEAR -> SMALLINT, JSON -> JSONB, *TEXT -> TEXT,
*BLOB/BINARY/VARBINARY -> BYTEA, DOUBLE -> DOUBLE PRECISION, ENUM -> a named enum type, SET -> TEXT
(review), spatial types -> GEOMETRY, BIT(1) -> BOOL. Zero-date defaults are removed (review).
"""

from __future__ import annotations

import re

from sqlglot import exp

from roachlift.config.spec import SourceKind
from roachlift.convert.model import Column, StatementRecord
from roachlift.convert.rules import (
    DT,
    ColumnContext,
    SourceRules,
    close_paren,
    coerce_comparisons,
    dtype,
    plain_type,
    same_type,
    sub_outside_quotes,
    type_params,
    with_params,
)

_SPATIAL = re.compile(
    r"\b(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION|GEOMCOLLECTION)\b"
    r"(?!\s*\()",
    re.I,
)
_VIEW_NOISE = re.compile(
    r"\b(ALGORITHM\s*=\s*\w+|DEFINER\s*=\s*(`[^`]*`@`[^`]*`|\S+)|SQL\s+SECURITY\s+\w+)\s*", re.I
)
_FLOAT_UNSIGNED = re.compile(r"\b(FLOAT|REAL)(\s*\(\s*\d+\s*(?:,\s*\d+\s*)?\))?\s+UNSIGNED\b", re.I)
_ZERO_DATE = re.compile(r"^0000-00-00")


def _unsigned(base: str, wider: str):  # type: ignore[no-untyped-def]
    def rule(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        ctx.check_non_negative()
        ctx.rule(f"{base} UNSIGNED -> {wider} + CHECK (>= 0)")
        return dtype(wider)

    return rule


def _tinyint(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    if type_params(dt) == [1] and ctx.converter.options.tinyint1_as_bool:
        ctx.rule("TINYINT(1) -> BOOL")
        return dtype("BOOLEAN")
    return dtype("SMALLINT")


def _udecimal(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    ctx.check_non_negative()
    ctx.rule("DECIMAL UNSIGNED -> DECIMAL + CHECK (>= 0)")
    return with_params("DECIMAL", dt)


def _ubigint(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    ctx.check_non_negative()
    ctx.rule("BIGINT UNSIGNED -> DECIMAL(20) + CHECK (>= 0)")
    return dtype("DECIMAL(20)")


def _bit(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    params = type_params(dt)
    if not params or params == [1]:
        ctx.rule("BIT(1) -> BOOL")
        return dtype("BOOLEAN")
    return with_params("BIT", dt)


def _enum(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    values = [e.name for e in dt.expressions]
    if any(v == "" or len(v.encode("utf-8")) > 63 for v in values):
        # enum labels must be 1..63 bytes in PostgreSQL: keep the values with a CHECK instead
        from roachlift.convert.dialect import identifier

        col = exp.Column(this=identifier(ctx.column))
        ctx.checks.append(exp.In(this=col, expressions=[exp.Literal.string(v) for v in values]))
        ctx.review(
            "info", "enum_as_check", "ENUM with an empty or long label: VARCHAR + CHECK (... IN (...))"
        )
        return dtype(f"VARCHAR({max(1, *(len(v) for v in values))})")
    name = ctx.converter.add_enum(f"{ctx.table}_{ctx.column}", values, ctx.record)
    ctx.rule(f"ENUM -> enum type {name}")
    from roachlift.convert.dialect import identifier

    return exp.DataType(this=DT.USERDEFINED, kind=identifier(name))


def _set(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    values = ", ".join(e.name for e in dt.expressions)
    ctx.review(
        "warning",
        "mysql_set",
        f"SET({values}) converted to TEXT holding the comma-separated members; consider TEXT[] "
        "or a child table",
    )
    return dtype("TEXT")


def _time(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    from roachlift.convert.crdb_compat import mysql_time_review

    mysql_time_review(ctx.table, ctx.column, ctx.record, ctx.converter)
    return with_params("TIME", dt)


def _timestamp(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    ctx.rule("TIMESTAMP -> TIMESTAMPTZ (MySQL TIMESTAMP is stored in UTC)")
    return with_params("TIMESTAMPTZ", dt)


def _datetime(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    ctx.rule("DATETIME -> TIMESTAMP")
    return with_params("TIMESTAMP", dt)


class MySQLRules(SourceRules):
    """MySQL and MariaDB DDL (``mysqldump -d``, ``SHOW CREATE TABLE``)."""

    name = SourceKind.MYSQL
    read = "mysql"
    STRICT_TYPES = True
    SKIP = [
        (
            re.compile(
                r"^\s*ALTER\s+TABLE\s+\S+\s+(ENGINE\s*=|AUTO_INCREMENT\s*=|DEFAULT\s+CHARSET|CHARSET|"
                r"COLLATE|CONVERT\s+TO|DISABLE\s+KEYS|ENABLE\s+KEYS)",
                re.I,
            ),
            "storage engine / charset / key maintenance option",
        ),
    ]
    TYPES = {
        DT.TINYINT: _tinyint,
        DT.UTINYINT: _unsigned("TINYINT", "SMALLINT"),
        DT.SMALLINT: plain_type("SMALLINT"),
        DT.USMALLINT: _unsigned("SMALLINT", "INT"),
        DT.MEDIUMINT: plain_type("INT", "MEDIUMINT -> INT"),
        DT.UMEDIUMINT: _unsigned("MEDIUMINT", "INT"),
        DT.INT: plain_type("INT"),
        DT.UINT: _unsigned("INT", "BIGINT"),
        DT.BIGINT: plain_type("BIGINT"),
        DT.UBIGINT: _ubigint,
        DT.DECIMAL: same_type("DECIMAL"),
        DT.UDECIMAL: _udecimal,
        DT.FLOAT: plain_type("REAL"),
        DT.DOUBLE: plain_type("DOUBLE PRECISION"),
        DT.UDOUBLE: _unsigned("DOUBLE", "DOUBLE PRECISION"),
        DT.BIT: _bit,
        DT.BOOLEAN: plain_type("BOOLEAN"),
        DT.CHAR: same_type("CHAR"),
        DT.VARCHAR: same_type("VARCHAR"),
        DT.NCHAR: same_type("CHAR"),
        DT.NVARCHAR: same_type("VARCHAR"),
        DT.TEXT: plain_type("TEXT"),
        DT.TINYTEXT: plain_type("TEXT", "TINYTEXT -> TEXT"),
        DT.MEDIUMTEXT: plain_type("TEXT", "MEDIUMTEXT -> TEXT"),
        DT.LONGTEXT: plain_type("TEXT", "LONGTEXT -> TEXT"),
        DT.BLOB: plain_type("BYTEA", "BLOB -> BYTEA"),
        DT.TINYBLOB: plain_type("BYTEA", "TINYBLOB -> BYTEA"),
        DT.MEDIUMBLOB: plain_type("BYTEA", "MEDIUMBLOB -> BYTEA"),
        DT.LONGBLOB: plain_type("BYTEA", "LONGBLOB -> BYTEA"),
        DT.BINARY: plain_type("BYTEA", "BINARY -> BYTEA"),
        DT.VARBINARY: plain_type("BYTEA", "VARBINARY -> BYTEA"),
        DT.DATE: plain_type("DATE"),
        DT.DATETIME: _datetime,
        DT.TIMESTAMPTZ: _timestamp,
        DT.TIMESTAMP: _datetime,
        DT.TIME: _time,
        DT.YEAR: plain_type("SMALLINT", "YEAR -> SMALLINT"),
        DT.JSON: plain_type("JSONB", "JSON -> JSONB"),
        DT.ENUM: _enum,
        DT.SET: _set,
        DT.GEOMETRY: plain_type("GEOMETRY", "spatial type -> GEOMETRY"),
    }

    def preprocess(self, kind: str, text: str, record: StatementRecord) -> str:
        """Spatial subtypes -> GEOMETRY; DEFINER/ALGORITHM/SQL SECURITY removed from views."""
        if kind == "table":
            new = sub_outside_quotes(_SPATIAL, "GEOMETRY", text)
            if new != text:
                record.rules.append("spatial subtype -> GEOMETRY")
            unsigned_float = sub_outside_quotes(_FLOAT_UNSIGNED, r"\1\2", new)
            if unsigned_float != new:
                record.rules.append("FLOAT UNSIGNED -> REAL (UNSIGNED on FLOAT is deprecated in MySQL)")
                new = unsigned_float
            open_at = new.find("(")
            end = close_paren(new, open_at) if open_at >= 0 else -1
            part = re.search(r"\bPARTITION\s+BY\b", new[end + 1 :], re.I) if end > 0 else None
            if part is not None:
                new = new[: end + 1 + part.start()]
                self.converter.review(
                    "warning",
                    "mysql_partitioning",
                    record.object or "table",
                    "PARTITION BY removed: CockroachDB splits and distributes ranges itself",
                    record,
                )
            return new
        if kind == "view":
            new = _VIEW_NOISE.sub("", text)
            if new != text:
                record.rules.append("removed DEFINER / ALGORITHM / SQL SECURITY")
            return new
        return text

    def fix_view(self, query: exp.Expression, record: StatementRecord) -> exp.Expression:
        """TINYINT(1) columns became BOOL: ``flag = 1`` becomes ``flag = TRUE``."""
        coerce_comparisons(query, self.converter, record, booleans=True, strings=False)
        return query

    def fix_column(self, table: str, column: Column, record: StatementRecord) -> None:
        """MariaDB's JSON is LONGTEXT CHECK (json_valid(col)): back to JSONB, check dropped."""
        for chk in list(column.checks):
            inner = chk.this if isinstance(chk, exp.Paren) else chk
            if isinstance(inner, exp.Anonymous) and str(inner.this).lower() == "json_valid":
                column.checks.remove(chk)
                column.type = dtype("JSONB")
                record.rules.append(f"{table}.{column.name}: LONGTEXT CHECK (json_valid(...)) -> JSONB")

    def fix_default(self, default: exp.Expression, ctx: ColumnContext) -> exp.Expression | None:
        """Zero dates (``'0000-00-00'``) have no target value: the default is removed."""
        if isinstance(default, exp.Literal) and default.is_string and _ZERO_DATE.match(default.name):
            ctx.review("warning", "zero_date_default", f"zero-date default '{default.name}' removed")
            ctx.force_nullable = True
            return None
        return default

    def fix_expression(self, node: exp.Expression) -> exp.Expression:
        """``_utf8'x'`` -> ``'x'``; ``CURRENT_TIMESTAMP`` in ON UPDATE -> ``now()``."""
        for intro in list(node.find_all(exp.Introducer)):
            intro.replace(intro.expression)
        if isinstance(node, exp.Introducer):
            node = node.expression
        return node
