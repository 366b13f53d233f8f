"""PostgreSQL rules: most types carry over; the rest is what CockroachDB lacks.

SERIAL/BIGSERIAL and identity columns -> a sequence default (or ``unique_rowid()`` / UUID by option);
domains folded into base type + CHECK; MONEY -> DECIMAL(19,2); inheritance children, rules and
exclusion constraints -> review items; ``OWNER TO``, ``SET``, ``GRANT``, ``COMMENT ON`` removed.
"""

from __future__ import annotations

import re

from sqlglot import exp

from roachlift.config.spec import SourceKind, TargetDialect
from roachlift.convert.crdb_compat import REJECTED_NAMES, has_citext
from roachlift.convert.dialect import identifier
from roachlift.convert.model import StatementRecord
from roachlift.convert.rules import DT, ColumnContext, SourceRules, close_paren, dtype

_INHERITS = re.compile(r"\)\s*INHERITS\s*\(|\bPARTITION\s+OF\b", re.I)
_PARTITION_BY = re.compile(r"\)\s*PARTITION\s+BY\b", re.I)
#: ``bit varying`` (format_type's and pg_dump's spelling) is no type sqlglot parses: it is written
#: ``varbit``, the alias both PostgreSQL and CockroachDB accept (cockroachdb/docs src/current/v26.1/bit.md:
#: "The name BIT VARYING is an alias for VARBIT")
_BIT_VARYING = re.compile(r"\bbit\s+varying\b", re.I)
#: quoted names and string literals, which a type rewrite must leave alone
_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'")


def _rewrite_types(text: str) -> str:
    """``bit varying`` -> ``varbit`` outside quoted names and string literals."""
    out, last = [], 0
    for m in _QUOTED.finditer(text):
        out.append(_BIT_VARYING.sub("varbit", text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_BIT_VARYING.sub("varbit", text[last:]))
    return "".join(out)


def _serial(base: str):  # type: ignore[no-untyped-def]
    def rule(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        ctx.serial = True
        ctx.rule(f"{dt.this.value} -> {base} + sequence default (serial_as)")
        return dtype(base)

    return rule


def _money(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    ctx.review("info", "money", "MONEY converted to DECIMAL(19,2)")
    return dtype("DECIMAL(19, 2)")


def _xml(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    ctx.review("warning", "xml", "XML converted to TEXT (CockroachDB has no XML type)")
    return dtype("TEXT")


def _userdefined(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    kind = dt.args.get("kind")
    if isinstance(kind, exp.Dot):  # public."Mood": the type's own (possibly quoted) name
        kind = kind.expression
    raw = kind.name if isinstance(kind, exp.Expression) else str(kind or "")
    quoted = bool(isinstance(kind, exp.Identifier) and kind.args.get("quoted"))
    name = ctx.converter.rules.normalize(raw, quoted)
    if name in ctx.converter.enums:
        return exp.DataType(this=DT.USERDEFINED, kind=identifier(name))
    if name == "varbit":  # kept with its length: cockroachdb/docs src/current/v26.1/bit.md
        return exp.DataType(this=DT.USERDEFINED, kind=identifier(name), expressions=dt.expressions)
    if name in ("tsvector", "tsquery"):
        # https://www.cockroachlabs.com/docs/stable/tsvector
        return exp.DataType(this=DT.USERDEFINED, kind=identifier(name))
    if name in ctx.converter.composites or name in REJECTED_NAMES:
        # PostgreSQL built-ins CockroachDB lacks are reported by crdb_compat (CockroachDB target)
        return exp.DataType(this=DT.USERDEFINED, kind=identifier(name))
    if name in ("citext",):
        version = ctx.converter.options.target_version
        if ctx.converter.target == TargetDialect.COCKROACHDB and has_citext(version):
            # CITEXT from v25.3: cockroachdb/docs src/current/v25.3/citext.md
            ctx.rule("CITEXT kept (CockroachDB 25.3+)")
            return exp.DataType(this=DT.USERDEFINED, kind=identifier("citext"))
        ctx.review(
            "warning",
            "citext",
            "CITEXT converted to TEXT (CITEXT exists from CockroachDB 25.3; target.version "
            f"{version or 'default'}): comparisons and uniqueness become case-sensitive",
        )
        return dtype("TEXT")
    ctx.review("warning", "unknown_type", f"type {name} kept as is: create it on the target first")
    return exp.DataType(this=DT.USERDEFINED, kind=identifier(name))


class PostgresRules(SourceRules):
    """PostgreSQL DDL (``pg_dump -s``)."""

    name = SourceKind.POSTGRES
    read = "postgres"
    #: pg_dump's COMMENT ON TABLE/COLUMN are kept: CockroachDB stores them (docs comment-on)
    KEEP_COMMENTS = True
    SKIP = [
        (re.compile(r"^\s*SELECT\s+pg_catalog\.", re.I), "pg_dump session setup"),
        (re.compile(r"^\s*\\"), "psql meta-command"),
        (
            re.compile(r"^\s*ALTER\s+(DEFAULT\s+PRIVILEGES|SCHEMA|DATABASE|ROLE)\b", re.I),
            "privileges / ownership",
        ),
    ]
    TYPES = {
        DT.SERIAL: _serial("INT"),
        DT.BIGSERIAL: _serial("BIGINT"),
        DT.SMALLSERIAL: _serial("SMALLINT"),
        DT.MONEY: _money,
        DT.XML: _xml,
        DT.USERDEFINED: _userdefined,
    }

    def preprocess(self, kind: str, text: str, record: StatementRecord) -> str:
        """``bit varying`` -> ``varbit``; inheritance children go to review; partitioned parents lose
        PARTITION BY (review)."""
        if kind in ("table", "alter"):
            text = _rewrite_types(text)
        if kind != "table":
            return text
        if _INHERITS.search(text):
            self.converter.manual_object(
                "inherited table",
                text,
                record,
                "Table inheritance / partitions are not supported by CockroachDB: merge the rows "
                "into the parent table or create this table with all its columns.",
            )
            return text
        m = _PARTITION_BY.search(text)
        if m:
            open_at = text.find("(")
            end = close_paren(text, open_at)
            text = text[: end + 1]
            self.converter.review(
                "warning",
                "postgres_partitioning",
                record.object or "table",
                "PARTITION BY removed: the partitions' rows load into this table; the partitions are not "
                "migrated as tables of their own (dump, load, CDC and verify go through this table; a "
                "TRUNCATE of one partition deletes only the rows inside its bounds)",
                record,
            )
        return text

    def fix_view(self, query: exp.Expression, record: StatementRecord) -> exp.Expression:
        """``group_concat`` is no PostgreSQL built-in: sqlglot turns it into ``string_agg(x, ',')``,
        whose separator may differ from the user-defined aggregate's. Flag it."""
        if query.find(exp.GroupConcat) is not None:
            self.converter.review(
                "warning",
                "user_aggregate_group_concat",
                record.object or "view",
                "group_concat is a user-defined aggregate in PostgreSQL: converted to string_agg(..., ','); "
                "check the separator the source aggregate used",
                record,
            )
        return query

    def fix_expression(self, node: exp.Expression) -> exp.Expression:
        """``'now'::date`` -> CURRENT_DATE, ``'now'::timestamp`` -> CURRENT_TIMESTAMP."""
        for cast in list(node.find_all(exp.Cast)):
            inner = cast.this
            while isinstance(inner, (exp.Cast, exp.Paren)):
                inner = inner.this
            if isinstance(inner, exp.Literal) and inner.is_string and inner.name.lower() == "now":
                to = cast.args.get("to")
                if isinstance(to, exp.DataType) and to.this == DT.DATE:
                    new: exp.Expression = exp.CurrentDate()
                elif isinstance(to, exp.DataType) and to.this in (DT.TIMESTAMP, DT.TIMESTAMPTZ):
                    new = exp.CurrentTimestamp()
                else:
                    continue
                if cast is node:
                    return new
                cast.replace(new)
        return node
