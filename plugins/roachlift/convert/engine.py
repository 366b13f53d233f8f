"""The conversion engine: statements in, schema model out, the same for every source dialect.

Each statement is classified (skip, manual, table, index, sequence, type, domain, view, alter),
parsed with sqlglot in the source dialect after the rules module's text rewrites, and turned into
model objects (:mod:`roachlift.convert.model`). A statement that fails becomes an ``error`` review
item naming its line; the rest goes on. ``finish()`` then runs the load-time checks and advice
(:mod:`roachlift.convert.checks`) and the phases are rendered (:mod:`roachlift.convert.phases`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError, UnsupportedError

from roachlift.config.spec import TargetDialect
from roachlift.convert.dialect import fit_identifier, identifier
from roachlift.convert.model import (
    Column,
    CompositeType,
    ConvertOptions,
    EnumType,
    ForeignKey,
    Index,
    ManualItem,
    ReviewItem,
    Sequence,
    Severity,
    StatementError,
    StatementRecord,
    Table,
    View,
)
from roachlift.convert.rules import ColumnContext, SourceRules, close_paren
from roachlift.convert.splitting import Statement
from roachlift.naming import SourceObject

log = logging.getLogger(__name__)


#: what a bad statement raises (roachlift's own verdict, or sqlglot failing to read or write it);
#: anything else is a bug in roachlift and propagates instead of becoming a review item
_STATEMENT_ERRORS = (StatementError, ParseError, TokenError, UnsupportedError)

_COMMON_SKIP: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^\s*SET\b", re.I), "session setting"),
    (re.compile(r"^\s*(GRANT|REVOKE)\b", re.I), "privileges are not migrated"),
    (re.compile(r"^\s*COMMENT\s+ON\b", re.I), "comment"),
    (re.compile(r"^\s*ALTER\s+\w+(\s+\w+)?\s+\S+.*\bOWNER\s+TO\b", re.I | re.S), "ownership"),
    (re.compile(r"^\s*DROP\b", re.I), "DROP statement in a schema script"),
    (re.compile(r"^\s*USE\b", re.I), "USE database"),
    (re.compile(r"^\s*(CREATE|DROP)\s+(SCHEMA|DATABASE|USER)\b", re.I), "schemas map to the target schema"),
    (re.compile(r"^\s*(LOCK|UNLOCK)\s+TABLES?\b", re.I), "table locks"),
    (re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY|SELECT)\b", re.I), "data statement in a schema script"),
    (re.compile(r"^\s*(BEGIN|COMMIT|START\s+TRANSACTION|ROLLBACK)\b", re.I), "transaction control"),
]

_CLASSIFY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^\s*CREATE\s+(GLOBAL\s+TEMPORARY\s+|TEMPORARY\s+|UNLOGGED\s+)?TABLE\b", re.I), "table"),
    (
        re.compile(r"^\s*CREATE\s+(UNIQUE\s+|BITMAP\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b", re.I),
        "index",
    ),
    (re.compile(r"^\s*CREATE\s+SEQUENCE\b", re.I), "sequence"),
    (re.compile(r"^\s*ALTER\s+SEQUENCE\b", re.I), "alter_sequence"),
    (re.compile(r"^\s*CREATE\s+TYPE\s+\S+\s+AS\s+ENUM\b", re.I), "enum"),
    (re.compile(r"^\s*CREATE\s+TYPE\s+\S+\s+AS\s*\(", re.I), "composite"),
    (re.compile(r"^\s*CREATE\s+DOMAIN\b", re.I), "domain"),
    (
        re.compile(
            r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(ALGORITHM\s*=\s*\w+\s+)?(DEFINER\s*=\s*\S+\s+)?"
            r"(SQL\s+SECURITY\s+\w+\s+)?((NO\s+)?FORCE\s+)?((NON)?EDITIONABLE\s+)?(TEMP(ORARY)?\s+)?VIEW\b",
            re.I,
        ),
        "view",
    ),
    (re.compile(r"^\s*ALTER\s+TABLE\b", re.I), "alter"),
]

_MANUAL_COMMON: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(
            r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(DEFINER\s*=\s*\S+\s+)?((NON)?EDITIONABLE\s+)?"
            r"(CONSTRAINT\s+)?TRIGGER\b",
            re.I,
        ),
        "trigger",
        "Triggers are not converted: port the logic to the application, a computed column, "
        "an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).",
    ),
    (
        re.compile(
            r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(DEFINER\s*=\s*\S+\s+)?((NON)?EDITIONABLE\s+)?PROCEDURE\b", re.I
        ),
        "procedure",
        "Stored procedures are not converted: port by hand (CockroachDB supports PL/pgSQL procedures).",
    ),
    (
        re.compile(
            r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(DEFINER\s*=\s*\S+\s+)?((NON)?EDITIONABLE\s+)?FUNCTION\b", re.I
        ),
        "function",
        "Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).",
    ),
    (
        re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?((NON)?EDITIONABLE\s+)?PACKAGE\b", re.I),
        "package",
        "PL/SQL packages have no CockroachDB equivalent: port each routine by hand.",
    ),
    (
        re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?AGGREGATE\b", re.I),
        "aggregate",
        "User-defined aggregates are not supported by CockroachDB: rewrite the queries using them.",
    ),
    (
        re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?RULE\b", re.I),
        "rule",
        "PostgreSQL rules are not supported by CockroachDB: port to the application or a trigger.",
    ),
    (
        re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(PUBLIC\s+)?SYNONYM\b", re.I),
        "synonym",
        "Synonyms have no CockroachDB equivalent: use the object's name, or a view.",
    ),
    (
        re.compile(
            r"^\s*CREATE\s+(OR\s+REPLACE\s+)?((NON)?EDITIONABLE\s+)?TYPE\b(?!\s+\S+\s+AS\s+(ENUM\b|\())", re.I
        ),
        "type",
        "Only enum and composite types are converted: port this type by hand.",
    ),
    (
        re.compile(r"^\s*CREATE\s+(DEFINER\s*=\s*\S+\s+)?EVENT\b", re.I),
        "event",
        "Scheduled events are not converted: use a CockroachDB scheduled job or Airflow.",
    ),
    (
        re.compile(r"^\s*CREATE\s+MATERIALIZED\s+VIEW\b", re.I),
        "materialized view",
        "Materialized views are kept for review: CockroachDB supports CREATE MATERIALIZED VIEW.",
    ),
    (re.compile(r"^\s*ALTER\s+TRIGGER\b", re.I), "trigger", "Trigger state change; see the trigger."),
    (
        re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(TRUSTED\s+)?(PROCEDURAL\s+)?LANGUAGE\b", re.I),
        "language",
        "Procedural languages are built into CockroachDB; nothing to create.",
    ),
    (
        re.compile(r"^\s*CREATE\s+EXTENSION\b", re.I),
        "extension",
        "Extensions are not installed by roachlift: check that CockroachDB has what it provides.",
    ),
]

_OBJECT_NAME = re.compile(
    r"\b(TRIGGER|PROCEDURE|FUNCTION|PACKAGE(?:\s+BODY)?|AGGREGATE|RULE|SYNONYM|TYPE(?:\s+BODY)?|EVENT|VIEW|"
    r"LANGUAGE|EXTENSION)\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:[`\"]?[\w$#]+[`\"]?\.)?[`\"]?[\w$#]+[`\"]?)",
    re.I,
)


_COMMENT = re.compile(
    r"^\s*COMMENT\s+ON\s+(TABLE|COLUMN)\s+((?:\"[^\"]*\"|[\w$#]+)(?:\s*\.\s*(?:\"[^\"]*\"|[\w$#]+))*)\s+IS\s+"
    r"('(?:[^']|'')*')\s*$",
    re.I | re.S,
)
_NAME_PART = re.compile(r'"[^"]*"|[\w$#]+')
_ALTER_HEAD = r'^\s*ALTER\s+TABLE\s+((?:"[^"]*"|[\w$#`]+)(?:\s*\.\s*(?:"[^"]*"|[\w$#`]+))?)'
_MODIFY_DEFAULT = r"\bDEFAULT\s+(.+?)(?=\s+(NOT\s+NULL|NULL|CONSTRAINT|CHECK)\b|$)"


class Converter:
    """Builds the schema model from statements for one source and one target."""

    def __init__(self, rules: SourceRules, target: TargetDialect, options: ConvertOptions) -> None:
        self.rules = rules
        rules.converter = self
        self.target = target
        self.options = options
        self.records: list[StatementRecord] = []
        self.review_items: list[ReviewItem] = []
        self.tables: dict[str, Table] = {}
        self.indexes: list[Index] = []
        self.fks: list[ForeignKey] = []
        self.sequences: dict[str, Sequence] = {}
        self.enums: dict[str, EnumType] = {}
        self.domains: dict[str, dict[str, Any]] = {}
        self.views: dict[str, View] = {}
        self.manual: list[ManualItem] = []
        self.manual_functions: set[str] = set()
        self.manual_tables: set[str] = set()
        #: every named object as the source defines it, for the naming checks (roachlift.naming)
        self.defined: list[SourceObject] = []
        #: (table, column) -> sequence name filled by a trigger or a nextval() default
        self.serial_hints: dict[tuple[str, str], tuple[str, StatementRecord]] = {}
        self.target_differences: list[str] = []
        self._shortened: set[str] = set()
        #: (table, column) -> START WITH / INCREMENT BY of an identity column
        self.identity_options: dict[tuple[str, str], tuple[int | None, int | None]] = {}
        #: ALTER TABLE statements met before their CREATE TABLE, replayed by :meth:`replay_pending`
        self._pending: list[tuple[str, StatementRecord]] = []
        #: COMMENT ON TABLE/COLUMN kept (sources whose rules set KEEP_COMMENTS): table, column, text
        self.comments: list[tuple[str, str | None, str, StatementRecord]] = []
        self._replaying = False
        self.composites: dict[str, CompositeType] = {}

    # --- reporting helpers ---------------------------------------------------------------
    def review(
        self, severity: Severity, code: str, obj: str, message: str, record: StatementRecord | None
    ) -> ReviewItem:
        """Add a review item (and attach it to the statement's record)."""
        item = ReviewItem(severity, code, obj, message, record.line if record else None)
        self.review_items.append(item)
        if record is not None:
            record.review.append(item)
        return item

    def difference(self, text: str) -> None:
        """Record a construct that differs between the CockroachDB and PostgreSQL outputs."""
        if text not in self.target_differences:
            self.target_differences.append(text)

    # --- names ---------------------------------------------------------------------------
    def source_name(self, node: exp.Expression) -> str:
        """The exact source name of an identifier, column or table node (schema kept when given)."""
        if isinstance(node, exp.Table):
            parts = [p for p in (node.args.get("catalog"), node.args.get("db"), node.this) if p is not None]
            return ".".join(self.source_name(p) for p in parts)
        ident = node.this if isinstance(node, exp.Column) else node
        if isinstance(ident, exp.Identifier):
            return self.rules.source_name(ident.name, bool(ident.args.get("quoted")))
        return node.name

    def define(
        self, kind: str, scope: str, node: exp.Expression | str, record: StatementRecord, display: str = ""
    ) -> str:
        """Record a source object for the naming checks; returns its exact source name."""
        exact = node if isinstance(node, str) else self.source_name(node)
        short = exact.rpartition(".")[2] if kind == "table" else exact
        self.defined.append(SourceObject(kind, scope, short, display or exact, record.line))
        return exact

    def name(self, node: exp.Expression | str, record: StatementRecord | None = None) -> str:
        """The converted name of an identifier, column or table node (schema dropped)."""
        if isinstance(node, str):
            raw, quoted = node, False
        elif isinstance(node, exp.Identifier):
            raw, quoted = node.name, bool(node.args.get("quoted"))
        elif isinstance(node, (exp.Table, exp.Column)):
            ident = node.this
            if not isinstance(ident, exp.Identifier):
                raise StatementError(f"unexpected name {node.sql()}")
            raw, quoted = ident.name, bool(ident.args.get("quoted"))
        else:
            raise StatementError(f"unexpected name {node.sql()}")
        name = self.rules.normalize(raw, quoted)
        fitted = fit_identifier(name)
        if fitted != name and name not in self._shortened:
            self._shortened.add(name)
            self.review(
                "warning",
                "identifier_shortened",
                name,
                f"identifier longer than 63 bytes shortened to {fitted} (PostgreSQL would truncate it)",
                record,
            )
        return fitted

    def normalize_tree(self, node: exp.Expression, record: StatementRecord | None = None) -> exp.Expression:
        """Convert every identifier in an expression and drop schema qualifiers of tables."""
        node = self.rules.fix_expression(node)
        for dt in list(node.find_all(exp.DataType)):
            kind = dt.args.get("kind")
            if dt.this == exp.DataType.Type.USERDEFINED and isinstance(kind, exp.Dot):
                dt.set("kind", kind.expression)
                if record is not None:
                    _rule(record, "schema qualifier of a type dropped")
        for ident in list(node.find_all(exp.Identifier)):
            name = self.name(ident, record)
            ident.set("this", name)
            ident.set("quoted", identifier(name).args["quoted"])
        for table in list(node.find_all(exp.Table)):
            if table.args.get("db") is not None or table.args.get("catalog") is not None:
                table.set("db", None)
                table.set("catalog", None)
                if record is not None:
                    _rule(record, "schema qualifier dropped (objects go to the target schema)")
        return node

    # --- statements ----------------------------------------------------------------------
    def add(self, stmt: Statement) -> StatementRecord:
        """Convert one statement into the model; a bad statement becomes an error item, a bug raises."""
        record = StatementRecord(line=stmt.line, source=stmt.raw)
        self.records.append(record)
        self._guarded(stmt.text, record)
        return record

    def replay_pending(self) -> None:
        """Convert the ALTER TABLE statements that came before their table's CREATE TABLE."""
        self._replaying = True
        pending, self._pending = self._pending, []
        for text, record in pending:
            record.status = "converted"
            self._guarded(text, record)

    def _guarded(self, text: str, record: StatementRecord) -> None:
        try:
            self._dispatch(text, record)
        except _STATEMENT_ERRORS as exc:
            record.status = "error"
            first = " ".join(text.split())[:160]
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.review(
                "error", "statement_failed", record.object or first, f"{message} -- in: {first}", record
            )
            log.debug("statement at line %d failed", record.line, exc_info=True)

    def _dispatch(self, text: str, record: StatementRecord) -> None:
        for pattern, kind, note in [*self.rules.MANUAL, *_MANUAL_COMMON]:
            if pattern.search(text):
                self.manual_object(kind, text, record, note)
                return
        if self.rules.KEEP_COMMENTS and _COMMENT.match(text):
            self._comment(text, record)
            return
        for pattern, reason in [*self.rules.SKIP, *_COMMON_SKIP]:
            if pattern.search(text):
                record.status = "skipped"
                record.kind = "skipped"
                record.rules.append(f"removed: {reason}")
                return
        for pattern, kind in _CLASSIFY:
            if pattern.search(text):
                record.kind = kind
                getattr(self, f"_{kind}")(text, record)
                return
        raise StatementError("statement not recognised as DDL roachlift converts")

    def manual_object(
        self, kind: str, text: str, record: StatementRecord, note: str, name: str | None = None
    ) -> None:
        m = _OBJECT_NAME.search(text) if name is None else None
        if name is None:
            name = "?"
            if m is not None:
                raw = m.group(2).split(".")[-1]
                name = self.rules.normalize(raw.strip('`"'), raw.startswith('"'))
        record.kind = kind
        record.object = name
        record.status = "manual"
        if kind == "inherited table":
            m2 = re.match(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w\".$]+)", text, re.I)
            if m2:
                raw = m2.group(1).split(".")[-1]
                name = self.rules.normalize(raw.strip('"'), raw.startswith('"'))
                self.manual_tables.add(name)
                record.object = name
        if kind in ("function", "aggregate", "procedure"):
            self.manual_functions.add(name.lower())

        self.manual.append(ManualItem(kind, name, record.source, record.line, note))
        severity: Severity = "info" if kind in ("language", "extension") else "warning"
        self.review(severity, f"manual_{kind.replace(' ', '_')}", name, note, record)
        if kind == "trigger":
            self._trigger_hints(text, record)

    def _trigger_hints(self, text: str, record: StatementRecord) -> None:
        """A BEFORE INSERT trigger that fills a column from a sequence means 'default nextval'."""
        m = re.search(r"\bBEFORE\s+INSERT\s+ON\s+((?:\"?\w+\"?\.)?\"?\w+\"?)", text, re.I)
        if not m:
            return
        table_raw = m.group(1).split(".")[-1]
        table = self.rules.normalize(table_raw.strip('"'), table_raw.startswith('"'))
        patterns = [
            r"(\"?\w+\"?)\s*\.\s*NEXTVAL\s+INTO\s+:NEW\.(\"?\w+\"?)",
            r":NEW\.(\"?\w+\"?)\s*:=\s*(\"?\w+\"?)\s*\.\s*NEXTVAL",
        ]
        for i, pat in enumerate(patterns):
            for hit in re.finditer(pat, text, re.I):
                seq_raw, col_raw = (hit.group(1), hit.group(2)) if i == 0 else (hit.group(2), hit.group(1))
                seq = self.rules.normalize(seq_raw.strip('"'), seq_raw.startswith('"'))
                col = self.rules.normalize(col_raw.strip('"'), col_raw.startswith('"'))
                self.serial_hints.setdefault((table, col), (seq, record))

    def _parse(self, text: str) -> exp.Expression:
        # sqlglot logs a warning before falling back to an opaque Command; we report it ourselves
        sqlglot_log = logging.getLogger("sqlglot")
        level = sqlglot_log.level
        sqlglot_log.setLevel(logging.ERROR)
        try:
            parsed = sqlglot.parse(text, read=self.rules.read)
        finally:
            sqlglot_log.setLevel(level)
        stmts = [p for p in parsed if p is not None]
        if len(stmts) != 1:
            raise StatementError("expected one statement")
        node = stmts[0]
        if isinstance(node, exp.Command) or not isinstance(node, exp.Expression):
            raise StatementError(f"sqlglot could not parse this {self.rules.name} statement")
        return node

    # --- tables ----------------------------------------------------------------------------
    def _table(self, text: str, record: StatementRecord) -> None:
        text = self.rules.preprocess("table", text, record)
        if record.status == "manual":
            return
        node = self._parse(text)
        if not isinstance(node, exp.Create) or not isinstance(node.this, exp.Schema):
            raise StatementError("CREATE TABLE without a column list (CREATE TABLE AS is not converted)")
        schema = node.this
        name = self.name(schema.this, record)
        record.object = name
        exact = self.define("table", "", schema.this, record)
        if name in self.tables:
            if self.tables[name].source_name != exact:
                record.status = "error"  # two source tables, one target name: check_names reports it
                return
            raise StatementError(f"table {name} defined twice")
        props = node.args.get("properties")
        for prop in props.expressions if props is not None else []:
            if isinstance(prop, exp.SchemaCommentProperty) and isinstance(prop.this, exp.Literal):
                # MySQL COMMENT='...': kept as COMMENT ON TABLE (docs comment-on)
                text = _sql_string(prop.this.name)
                self.comments.append((name, None, text, record))
        _strip_properties(node, record)
        table = Table(name=name, source_name=exact, line=record.line, record=record)
        self.tables[name] = table
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                self._column(table, item, record)
        for item in schema.expressions:
            if not isinstance(item, exp.ColumnDef):
                self._table_constraint(table, item, record)

    def _column(self, table: Table, cd: exp.ColumnDef, record: StatementRecord) -> None:
        name = self.name(cd.this, record)
        exact = self.define(
            "column", table.name, cd.this, record, f"{table.source_name}.{self.source_name(cd.this)}"
        )
        if table.column(name) is not None:
            record.status = "error"  # two source columns, one target name: check_names reports it
            return
        kind = cd.args.get("kind")
        if not isinstance(kind, exp.DataType):
            raise StatementError(f"column {name} has no type")
        ctx = ColumnContext(table=table.name, column=name, record=record, converter=self, source=cd)
        domain = self._domain_for(kind)
        if domain is not None:
            target_type: exp.DataType = domain["type"].copy()
            _rule(record, f"{table.name}.{name}: domain {kind.sql()} folded into {target_type.sql()} + CHECK")
        else:
            target_type = self.rules.map_type(kind, ctx)
        col = Column(
            name=name,
            source_name=exact,
            source_type=kind.sql(self.rules.read),
            type=target_type,
        )
        if domain is not None:
            col.nullable = not domain["not_null"]
            if domain["default"] is not None:
                col.default = domain["default"].copy()
            for chk in domain["checks"]:
                replaced = chk.copy()
                for c in list(replaced.find_all(exp.Column)):
                    if c.name.lower() == "value":
                        c.replace(exp.column(name, quoted=identifier(name).args["quoted"]))
                col.checks.append(replaced)
        build = _ColumnBuild(table, col, record, serial=ctx.serial)
        for cons in cd.constraints:
            k = cons.args.get("kind")
            handler = _COLUMN_CLAUSES.get(type(k))
            if handler is not None:
                handler(self, build, k, cons)
            elif k is None and cons.args.get("this") is not None and isinstance(cons.this, exp.Identifier):
                continue
            else:
                self.review(
                    "warning",
                    "column_clause_dropped",
                    f"{table.name}.{name}",
                    f"column clause not converted and dropped: {cons.sql(self.rules.read)}",
                    record,
                )
        serial = build.serial
        if isinstance(target_type, exp.DataType) and target_type.this == exp.DataType.Type.UNKNOWN:
            raise StatementError(f"column {name}: no target type")
        col.checks.extend(ctx.checks)
        if ctx.default is not None:
            col.default = ctx.default
        if col.default is not None:
            col.default = self._fix_default(table, col, record)
        if serial:
            self.serial_hints[(table.name, name)] = (fit_identifier(f"{table.name}_{name}_seq"), record)
        self.rules.fix_column(table.name, col, record)
        table.columns.append(col)

    def _computed(
        self, table: Table, name: str, expr: exp.Expression, record: StatementRecord
    ) -> exp.Expression:
        self.review(
            "info",
            "computed_column",
            f"{table.name}.{name}",
            "computed column created as GENERATED ALWAYS AS (...) STORED: leave it out of the "
            "loaded columns (the target computes it)",
            record,
        )
        return self.normalize_tree(expr.copy(), record)

    def _fix_default(self, table: Table, col: Column, record: StatementRecord) -> exp.Expression | None:
        default = col.default
        assert default is not None
        seq = _nextval_sequence(default)
        if seq is not None:
            seq_name = self.rules.normalize(seq, seq != seq.lower())
            self.serial_hints[(table.name, col.name)] = (seq_name, record)
            return None
        if isinstance(default, exp.Null) and col.nullable:
            return None
        if (
            col.type.this == exp.DataType.Type.BOOLEAN
            and isinstance(default, (exp.Literal, exp.BitString))
            and default.name in ("0", "1")
        ):
            _rule(record, f"{table.name}.{col.name}: default {default.name} -> {default.name == '1'}")
            return exp.Boolean(this=default.name == "1")
        ctx = ColumnContext(table=table.name, column=col.name, record=record, converter=self)
        fixed = self.rules.fix_default(default, ctx)
        if ctx.force_nullable and not col.nullable:
            col.nullable = True
            self.review(
                "warning",
                "not_null_dropped",
                f"{table.name}.{col.name}",
                "NOT NULL dropped: zero dates in this column load as NULL",
                record,
            )
        return fixed

    def _domain_for(self, dt: exp.DataType) -> dict[str, Any] | None:
        if dt.this != exp.DataType.Type.USERDEFINED or not self.domains:
            return None
        kind = dt.args.get("kind")
        raw = kind.name if isinstance(kind, exp.Expression) else str(kind or "")
        return self.domains.get(self.rules.normalize(raw, False))

    def _table_constraint(self, table: Table, item: exp.Expression, record: StatementRecord) -> None:
        cname: str | None = None
        inner = item
        if isinstance(item, exp.Constraint):
            cname = self.name(item.this, record)
            if len(item.expressions) != 1:
                raise StatementError(f"constraint {cname}: unexpected form")
            inner = item.expressions[0]
        if isinstance(inner, exp.PrimaryKey):
            table.primary_key = [self.name(_ident(e), record) for e in inner.expressions]
            table.pk_name = cname
        elif isinstance(inner, exp.ForeignKey):
            cols = [self.name(e, record) for e in inner.expressions]
            ref = inner.args.get("reference")
            if not isinstance(ref, exp.Reference):
                raise StatementError("foreign key without REFERENCES")
            self._add_fk(table.name, cname or f"{table.name}_{'_'.join(cols)}_fkey", cols, ref, record)
        elif isinstance(inner, exp.UniqueColumnConstraint):
            sch = inner.this
            cols_nodes = sch.expressions if isinstance(sch, exp.Schema) else []
            if isinstance(sch, exp.Schema) and isinstance(sch.this, exp.Identifier) and cname is None:
                cname = self.name(sch.this, record)
            cols = [self.name(_ident(e), record) for e in cols_nodes]
            self._add_index(
                table.name,
                cname or f"{table.name}_{'_'.join(cols)}_key",
                [_col(c) for c in cols],
                record,
                unique=True,
                constraint=True,
            )
        elif isinstance(inner, exp.CheckColumnConstraint):
            table.checks.append((cname, self.normalize_tree(inner.this.copy(), record)))
        elif isinstance(inner, exp.IndexColumnConstraint):
            self._inline_index(table, inner, record)
        elif isinstance(inner, exp.ExcludeColumnConstraint):
            self.review(
                "warning",
                "exclusion_constraint",
                table.name,
                f"exclusion constraint not supported by CockroachDB, dropped: {inner.sql(self.rules.read)}",
                record,
            )
        else:
            raise StatementError(
                f"table {table.name}: unsupported table element {inner.sql(self.rules.read)}"
            )

    def _inline_index(self, table: Table, inner: exp.IndexColumnConstraint, record: StatementRecord) -> None:
        kind = (inner.args.get("kind") or "").upper()
        name = self.name(inner.this, record) if inner.this else None
        cols = [self._index_column(e, record) for e in inner.expressions]
        if kind == "FULLTEXT":
            self.review(
                "warning",
                "fulltext_index",
                f"{table.name}.{name}",
                "FULLTEXT index not converted: CockroachDB full-text search uses a TSVECTOR column "
                "with a GIN index (to_tsvector(...)); add one if queries need it",
                record,
            )
            return
        using = None
        if kind == "SPATIAL":
            using = "gist"
            _rule(record, f"{table.name}.{name}: SPATIAL KEY -> spatial index USING GIST")
        self._add_index(
            table.name, name or f"{table.name}_{'_'.join(_key_names(cols))}_idx", cols, record, using=using
        )

    def _index_column(self, e: exp.Expression, record: StatementRecord) -> exp.Expression:
        node = e.copy()
        for prefix in list(node.find_all(exp.ColumnPrefix)):
            whole = exp.column(prefix.this.copy() if isinstance(prefix.this, exp.Identifier) else prefix.name)
            if prefix is node:
                node = whole
            else:
                prefix.replace(whole)
            _rule(record, "index prefix length removed (the whole column is indexed)")
        for opclass in list(node.find_all(exp.Opclass)):
            opname = opclass.expression.name.lower() if opclass.expression is not None else ""
            if opname.endswith("_trgm_ops"):
                continue  # https://www.cockroachlabs.com/docs/stable/trigram-indexes
            _rule(record, f"operator class {opname} removed (CockroachDB uses its default)")
            if opclass is node:
                node = opclass.this
            else:
                opclass.replace(opclass.this)
        if isinstance(node, exp.Identifier):
            node = exp.column(node)
        node = self.normalize_tree(node, record)
        if isinstance(node, exp.Ordered) and not node.args.get("desc"):
            node = node.this
        return node

    def _add_index(
        self,
        table: str,
        name: str,
        cols: list[exp.Expression],
        record: StatementRecord,
        *,
        unique: bool = False,
        constraint: bool = False,
        using: str | None = None,
        where: exp.Expression | None = None,
    ) -> Index:
        idx = Index(
            name=fit_identifier(name),
            table=table,
            columns=cols,
            line=record.line,
            record=record,
            unique=unique,
            constraint=constraint,
            using=using,
            where=where,
        )
        self.indexes.append(idx)
        return idx

    def _add_fk(
        self, table: str, name: str, cols: list[str], ref: exp.Reference, record: StatementRecord
    ) -> None:
        target = ref.this
        if isinstance(target, exp.Schema):
            ref_table = self.name(target.this, record)
            ref_cols = [self.name(_ident(e), record) for e in target.expressions]
        else:
            ref_table = self.name(target, record)
            ref_cols = []
        on_delete = on_update = match = None
        for opt in ref.args.get("options") or []:
            text = opt if isinstance(opt, str) else opt.sql()
            mm = re.match(r"MATCH\s+(FULL|PARTIAL)\b", text.strip(), re.I)
            if mm:  # MATCH SIMPLE is the default: nothing to keep
                match = mm.group(1).upper()
            m = re.match(r"ON\s+(DELETE|UPDATE)\s+(.+)", text.strip(), re.I)
            if m:
                action = " ".join(m.group(2).upper().split())
                if m.group(1).upper() == "DELETE":
                    on_delete = action
                else:
                    on_update = action
        self.fks.append(
            ForeignKey(
                name=fit_identifier(name),
                table=table,
                columns=cols,
                ref_table=ref_table,
                ref_columns=ref_cols,
                line=record.line,
                record=record,
                on_delete=on_delete,
                on_update=on_update,
                match=match,
            )
        )

    # --- other statements ------------------------------------------------------------------
    def _index(self, text: str, record: StatementRecord) -> None:
        text = self.rules.preprocess("index", text, record)
        if re.match(r"^\s*CREATE\s+FULLTEXT\b", text, re.I):
            self.review("warning", "fulltext_index", "?", "FULLTEXT index not converted", record)
            record.status = "skipped"
            return
        text = re.sub(
            r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?)(?:[`\"]?[\w$#]+[`\"]?\.)",
            r"\1",
            text,
            flags=re.I,
        )
        text = re.sub(r"\bON\s+ONLY\s+", "ON ", text, count=1, flags=re.I)
        spatial = bool(re.match(r"^\s*CREATE\s+SPATIAL\b", text, re.I))
        text = re.sub(r"^\s*CREATE\s+SPATIAL\s+", "CREATE ", text, flags=re.I)
        node = self._parse(text)
        if not isinstance(node, exp.Create) or not isinstance(node.this, exp.Index):
            raise StatementError("could not read the index definition")
        ix = node.this
        table_node = ix.args.get("table")
        if table_node is None:
            raise StatementError("index without a table")
        table = self.name(table_node, record)
        params = ix.args.get("params")
        cols_raw = params.args.get("columns") if params is not None else None
        cols = [self._index_column(c, record) for c in (cols_raw or [])]
        using_node = params.args.get("using") if params is not None else None
        using = using_node.name.lower() if using_node is not None else None
        if spatial:
            using = "gist"
        if using in ("btree",):
            using = None
        if using == "hash":
            _rule(record, "USING HASH index -> ordinary index")
            using = None
        where = params.args.get("where") if params is not None else None
        if where is not None:
            where = self.normalize_tree(
                where.this.copy() if isinstance(where, exp.Where) else where.copy(), record
            )
        name = self.name(ix.this, record) if ix.this else f"{table}_{'_'.join(_key_names(cols))}_idx"
        record.object = name
        idx = self._add_index(
            table, name, cols, record, unique=bool(node.args.get("unique")), using=using, where=where
        )
        if params is not None:
            idx.storing = [self.name(i, record) for i in params.args.get("include") or []]
            for key in ("with_storage", "tablespace"):
                if params.args.get(key):
                    _rule(record, f"removed index storage option ({key})")
        if node.args.get("concurrently"):
            _rule(record, "CONCURRENTLY removed (the index is built before the table is used)")

    def _sequence(self, text: str, record: StatementRecord) -> None:
        m = re.match(
            r"^\s*CREATE\s+SEQUENCE\s+(IF\s+NOT\s+EXISTS\s+)?((?:[`\"]?[\w$#]+[`\"]?\.)?[`\"]?[\w$#]+[`\"]?)(.*)$",
            text,
            re.I | re.S,
        )
        if not m:
            raise StatementError("could not read the sequence name")
        raw = m.group(2).split(".")[-1]
        name = fit_identifier(self.rules.normalize(raw.strip('"`'), raw.startswith('"')))
        record.object = name
        self.define("sequence", "", self.rules.source_name(raw.strip('"`'), raw.startswith('"')), record)
        opts = m.group(3)
        seq = Sequence(name=name, line=record.line, record=record)

        def num(pattern: str) -> int | None:
            hit = re.search(pattern, opts, re.I)
            return int(hit.group(1)) if hit else None

        seq.start = num(r"\bSTART\s+(?:WITH\s+)?(-?\d+)")
        seq.increment = num(r"\bINCREMENT\s+(?:BY\s+)?(-?\d+)")
        seq.minvalue = num(r"(?<!NO )\bMINVALUE\s+(-?\d+)")
        seq.maxvalue = num(r"(?<!NO )\bMAXVALUE\s+(-?\d+)")
        seq.cache = num(r"\bCACHE\s+(\d+)")
        seq.cycle = bool(re.search(r"(?<!NO)\bCYCLE\b", opts, re.I))
        if seq.maxvalue is not None and seq.maxvalue > 2**63 - 1:
            _rule(record, f"sequence {name}: MAXVALUE {seq.maxvalue} above INT8 range removed")
            seq.maxvalue = None
        if seq.cache is not None and seq.cache <= 1:
            seq.cache = None
        dropped = re.findall(
            r"\b(NOORDER|ORDER|NOKEEP|KEEP|NOSCALE|SCALE|GLOBAL|SESSION|NOCACHE)\b", opts, re.I
        )
        if dropped:
            _rule(record, f"sequence {name}: removed {' '.join(d.upper() for d in dropped)}")
        owned = re.search(r"\bOWNED\s+BY\s+([\w\"]+)\.([\w\"]+)", opts, re.I)
        if owned:
            seq.table = self.rules.normalize(owned.group(1).strip('"'), owned.group(1).startswith('"'))
            seq.column = self.rules.normalize(owned.group(2).strip('"'), owned.group(2).startswith('"'))
        self.sequences[name] = seq

    def _alter_sequence(self, text: str, record: StatementRecord) -> None:
        m = re.match(r"^\s*ALTER\s+SEQUENCE\s+([\w\".]+)\s+OWNED\s+BY\s+([\w\".]+)\s*$", text, re.I | re.S)
        if not m:
            raise StatementError("only ALTER SEQUENCE ... OWNED BY is converted")
        seq = self.rules.normalize(m.group(1).split(".")[-1].strip('"'), '"' in m.group(1))
        parts = m.group(2).split(".")
        record.object = seq
        record.status = "folded"
        if len(parts) >= 2:
            table = self.rules.normalize(parts[-2].strip('"'), parts[-2].startswith('"'))
            column = self.rules.normalize(parts[-1].strip('"'), parts[-1].startswith('"'))
            if seq in self.sequences:
                self.sequences[seq].table, self.sequences[seq].column = table, column

    def _enum(self, text: str, record: StatementRecord) -> None:
        node = self._parse(text)
        if not isinstance(node, exp.Create) or not isinstance(node.expression, exp.DataType):
            raise StatementError("could not read the enum type")
        name = self.name(node.this, record)
        record.object = name
        self.define("type", "", node.this, record)
        values = [v.name for v in node.expression.expressions]
        self.enums[name] = EnumType(name, values, record.line, record)

    def _composite(self, text: str, record: StatementRecord) -> None:
        """``CREATE TYPE name AS (field type, ...)``: each field's type converted like a column's."""
        m = re.match(r"^\s*CREATE\s+TYPE\s+(\S+)\s+AS\s*(\(.*\))\s*$", text, re.I | re.S)
        if not m:
            raise StatementError("could not read the composite type")
        raw = m.group(1).split(".")[-1]
        name = fit_identifier(self.rules.normalize(raw.strip('"'), raw.startswith('"')))
        record.object = name
        node = self._parse(f"CREATE TABLE {_TYPE_PLACEHOLDER} {m.group(2)}")
        if not isinstance(node, exp.Create) or not isinstance(node.this, exp.Schema):
            raise StatementError("could not read the composite type's fields")
        fields: list[tuple[str, exp.DataType]] = []
        for cd in node.this.expressions:
            kind = cd.args.get("kind") if isinstance(cd, exp.ColumnDef) else None
            if not isinstance(kind, exp.DataType):
                raise StatementError(f"composite type {name}: field without a type")
            field_name = self.name(cd.this, record)
            ctx = ColumnContext(table=name, column=field_name, record=record, converter=self)
            fields.append((field_name, self.rules.map_type(kind, ctx)))
        self.composites[name] = CompositeType(name, fields, record.line, record)

    def add_enum(self, name: str, values: list[str], record: StatementRecord) -> str:
        """Create (or reuse) an enum type for a MySQL ENUM column; returns its name."""
        name = fit_identifier(name)
        existing = self.enums.get(name)
        if existing is not None and existing.values != values:
            name = fit_identifier(f"{name}_{len(self.enums)}")
        self.enums.setdefault(name, EnumType(name, values, record.line, record))
        return name

    def _domain(self, text: str, record: StatementRecord) -> None:
        m = re.match(r"^\s*CREATE\s+DOMAIN\s+([\w\".]+)\s+(?:AS\s+)?(.*)$", text, re.I | re.S)
        if not m:
            raise StatementError("could not read the domain")
        raw = m.group(1).split(".")[-1]
        name = self.rules.normalize(raw.strip('"'), raw.startswith('"'))
        record.object = name
        rest = m.group(2)
        cut = re.search(r"\b(CONSTRAINT|CHECK|DEFAULT|NOT\s+NULL|NULL|COLLATE)\b", rest, re.I)
        type_text = rest[: cut.start()] if cut else rest
        clauses = rest[cut.start() :] if cut else ""
        base = exp.DataType.build(type_text.strip(), dialect=self.rules.read)
        ctx = ColumnContext(table=name, column="VALUE", record=record, converter=self)
        target = self.rules.map_type(base, ctx)
        checks = []
        for chk in re.finditer(r"\bCHECK\s*\(", clauses, re.I):
            start = chk.end() - 1
            end = close_paren(clauses, start)
            checks.append(sqlglot.parse_one(clauses[start : end + 1], read=self.rules.read))
        default = None
        dm = re.search(
            r"\bDEFAULT\s+(.+?)(?=\s+(CONSTRAINT|CHECK|NOT\s+NULL|NULL)\b|$)", clauses, re.I | re.S
        )
        if dm:
            default = sqlglot.parse_one(dm.group(1), read=self.rules.read)
        self.domains[name] = {
            "type": target,
            "checks": checks,
            "not_null": bool(re.search(r"\bNOT\s+NULL\b", clauses, re.I)),
            "default": default,
        }
        record.status = "folded"
        record.rules.append(f"domain {name} folded into its columns: base type + CHECK")

    def _view(self, text: str, record: StatementRecord) -> None:
        text = self.rules.preprocess("view", text, record)
        node = self._parse(text)
        if not isinstance(node, exp.Create) or (node.args.get("kind") or "").upper() != "VIEW":
            raise StatementError("could not read the view")
        target = node.this
        columns: list[str] = []
        if isinstance(target, exp.Schema):
            columns = [self.name(_ident(e), record) for e in target.expressions]
            target = target.this
        name = self.name(target, record)
        record.object = name
        self.define("view", "", target, record)
        query = node.expression
        if query is None:
            raise StatementError("view without a query")
        query = self.normalize_tree(query.copy(), record)
        query = self.rules.fix_view(query, record)
        ctes = {c.alias_or_name for c in query.find_all(exp.CTE)}
        depends = {t.name for t in query.find_all(exp.Table) if t.name and t.name not in ctes}
        self.views[name] = View(
            name=name, query=query, line=record.line, record=record, columns=columns, depends=depends
        )

    def _comment(self, text: str, record: StatementRecord) -> None:
        """``COMMENT ON TABLE t IS '...'`` / ``COMMENT ON COLUMN t.c IS '...'``, kept for phase 02."""
        m = _COMMENT.match(text)
        assert m is not None
        names = [
            self.rules.normalize(n.strip('"'), n.startswith('"')) for n in _NAME_PART.findall(m.group(2))
        ]
        literal = m.group(3).strip()
        record.kind = "comment"
        record.status = "folded"
        if m.group(1).upper() == "TABLE":
            table, column = names[-1], None
        else:
            if len(names) < 2:
                raise StatementError("COMMENT ON COLUMN needs table.column")
            table, column = names[-2], names[-1]
        record.object = f"{table}.{column}" if column else table
        self.comments.append((table, column, literal, record))

    def _modify(self, raw_table: str, rest: str, record: StatementRecord) -> None:
        """``ALTER TABLE t MODIFY (c type [DEFAULT x] [NOT NULL], ...)``: folded into the columns."""
        last = _NAME_PART.findall(raw_table)[-1]
        table_name = self.rules.normalize(last.strip('"'), last.startswith('"'))
        record.object = table_name
        table = self.tables.get(table_name)
        if table is None:
            raise StatementError(_undefined(table_name))
        rest = rest.strip()
        body = rest[1 : close_paren(rest, 0)] if rest.startswith("(") else rest
        items = [x for x in _top_level_split(body) if x.strip()]
        for item in items:
            m = re.match(r'\s*("[^"]*"|[\w$#]+)\s*(.*)$', item, re.S)
            if not m:
                raise StatementError(f"could not read MODIFY {item.strip()}")
            col = table.column(self.rules.normalize(m.group(1).strip('"'), m.group(1).startswith('"')))
            if col is None:
                raise StatementError(f"column {m.group(1)} not found in {table_name}")
            clause = m.group(2)
            if clause and not re.match(r"(NOT\s+NULL|NULL|DEFAULT|CONSTRAINT|CHECK)\b", clause, re.I):
                probe = Table(name=table_name, source_name=table.source_name, line=record.line, record=record)
                node = self._parse(f"CREATE TABLE x ({m.group(1)} {clause})")
                assert isinstance(node, exp.Create) and isinstance(node.this, exp.Schema)
                cd = node.this.expressions[0]
                if not isinstance(cd, exp.ColumnDef):
                    raise StatementError(f"could not read MODIFY {item.strip()}")
                self._column(probe, cd, record)
                new = probe.columns[0]
                col.type, col.source_type = new.type, new.source_type
                if re.search(r"\bNULL\b", clause, re.I):
                    col.nullable = new.nullable
                if new.default is not None:
                    col.default = new.default
            else:
                if re.search(r"\bNOT\s+NULL\b", clause, re.I):
                    col.nullable = False
                elif re.search(r"\bNULL\b", clause, re.I):
                    col.nullable = True
                dm = re.search(_MODIFY_DEFAULT, clause, re.I | re.S)
                if dm:
                    default = sqlglot.parse_one(dm.group(1), read=self.rules.read)
                    assert isinstance(default, exp.Expression)
                    col.default = self.normalize_tree(default, record)
                    col.default = self._fix_default(table, col, record)
            _rule(record, f"{table_name}.{col.name}: MODIFY folded into the column definition")
        record.status = "folded"

    def _alter(self, text: str, record: StatementRecord) -> None:
        source_text = text
        head = re.match(_ALTER_HEAD, text, re.I)
        if head is not None:
            raw = re.findall(r'"[^"]*"|`[^`]*`|[^."`\s]+', head.group(1))[-1]
            early = self.rules.normalize(raw.strip('"`'), raw[0] in '"`')
            record.object = early
            if not self._replaying and early not in self.tables and early not in self.manual_tables:
                # statements in any order: wait for the CREATE TABLE further down the file
                self._pending.append((source_text, record))
                record.status = "folded"
                record.object = early
                return
        text = self.rules.preprocess("alter", text, record)
        if not text.strip():
            record.status = "manual"
            return
        modify = re.match(r"^\s*ALTER\s+TABLE\s+(\S+)\s+MODIFY\b\s*(.*)$", text, re.I | re.S)
        if modify is not None and self.rules.FOLD_MODIFY:
            self._modify(modify.group(1), modify.group(2), record)
            return
        node = self._parse(text)
        if not isinstance(node, exp.Alter):
            raise StatementError("could not read the ALTER TABLE")
        table_name = self.name(node.this, record)
        record.object = table_name
        table = self.tables.get(table_name)
        if table is None and table_name in self.manual_tables:
            self.manual_object(
                "alter table", text, record, f"table {table_name} is left for manual porting", table_name
            )
            return
        actions: list[exp.Expression] = []
        for action in node.args.get("actions") or []:
            # Oracle's parenthesised list: ADD (CONSTRAINT a ..., CONSTRAINT b ..., col type)
            actions.extend(action.expressions if isinstance(action, exp.Schema) else [action])
        for action in actions:
            if isinstance(action, exp.Constraint):
                if table is None:
                    raise StatementError(_undefined(table_name))
                record.status = "folded"
                self._table_constraint(table, action, record)
            elif isinstance(action, exp.AddConstraint):
                if table is None:
                    raise StatementError(_undefined(table_name))
                record.status = "folded"
                for cons in action.expressions:
                    self._table_constraint(table, cons, record)
            elif isinstance(action, exp.ColumnDef):
                if table is None:
                    raise StatementError(_undefined(table_name))
                self._column(table, action, record)
                record.status = "folded"
            elif isinstance(action, exp.AlterColumn) and action.args.get("default") is not None:
                if table is None:
                    raise StatementError(_undefined(table_name))
                col = table.column(self.name(action.this, record))
                if col is None:
                    raise StatementError(f"column {action.this.sql()} not found in {table_name}")
                col.default = self.normalize_tree(action.args["default"].copy(), record)
                col.default = self._fix_default(table, col, record)
                record.status = "folded"
            else:
                raise StatementError(f"ALTER TABLE action not converted: {action.sql(self.rules.read)}")
        record.rules.append(f"folded into the definition of {table_name}")


@dataclass
class _ColumnBuild:
    """The column a CREATE TABLE / ALTER TABLE ADD is building, handed to each clause handler."""

    table: Table
    col: Column
    record: StatementRecord
    #: True once a clause makes the column take its values from a sequence (serial_as)
    serial: bool = False

    @property
    def where(self) -> str:
        """``table.column``, for rule notes."""
        return f"{self.table.name}.{self.col.name}"


#: ``handler(converter, column, clause kind, clause)`` for one kind of column clause
_ClauseHandler = Callable[["Converter", _ColumnBuild, Any, exp.ColumnConstraint], None]


def _not_null(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    b.col.nullable = bool(k.args.get("allow_null"))


def _default(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    b.col.default = conv.normalize_tree(k.this.copy(), b.record)


def _auto_increment(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    b.serial = True
    _rule(b.record, f"{b.where}: AUTO_INCREMENT -> sequence default (serial_as)")


def _generated(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    """``GENERATED ALWAYS AS (expr)`` is a computed column; ``GENERATED ... AS IDENTITY`` a serial."""
    if k.args.get("expression") is not None:
        b.col.computed = conv._computed(b.table, b.col.name, k.args["expression"], b.record)
        return
    b.serial = True
    start, incr = k.args.get("start"), k.args.get("increment")
    conv.identity_options[(b.table.name, b.col.name)] = (_integer(start, b), _integer(incr, b))
    _rule(b.record, f"{b.where}: identity column -> sequence default (serial_as)")


def _integer(node: Any, b: _ColumnBuild) -> int | None:
    """The integer of an identity option literal (None when absent or not a literal)."""
    if not isinstance(node, exp.Literal):
        return None
    try:
        return int(node.name)
    except ValueError:
        raise StatementError(f"column {b.where}: identity option {node.sql()} is not an integer") from None


def _on_update(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    b.col.on_update = conv.normalize_tree(k.this.copy(), b.record)
    if isinstance(b.col.on_update, exp.CurrentTimestamp):
        b.col.on_update = exp.Anonymous(this="now", expressions=[])
        _rule(b.record, f"{b.where}: ON UPDATE CURRENT_TIMESTAMP -> ON UPDATE now()")


def _primary_key(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    b.table.primary_key = [b.col.name]


def _unique(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    name = b.col.name
    conv._add_index(
        b.table.name, f"{b.table.name}_{name}_key", [_col(name)], b.record, unique=True, constraint=True
    )


def _references(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    conv._add_fk(b.table.name, f"{b.table.name}_{b.col.name}_fkey", [b.col.name], k, b.record)


def _check(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    b.col.checks.append(conv.normalize_tree(k.this.copy(), b.record))


def _computed_clause(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    b.col.computed = conv._computed(b.table, b.col.name, k.this, b.record)


def _comment(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    if isinstance(k.this, exp.Literal):
        # MySQL COMMENT '...': kept as COMMENT ON COLUMN (docs comment-on)
        conv.comments.append((b.table.name, b.col.name, _sql_string(k.this.name), b.record))
    else:
        _removed(conv, b, k, cons)


def _removed(conv: Converter, b: _ColumnBuild, k: Any, cons: exp.ColumnConstraint) -> None:
    _rule(b.record, f"{b.where}: removed {cons.sql(conv.rules.read)}")


#: column clause kind -> handler, looked up by exact class (as sqlglot's generator does with
#: TRANSFORMS); a kind missing here is dropped with a ``column_clause_dropped`` warning
_COLUMN_CLAUSES: dict[type[Any], _ClauseHandler] = {
    exp.NotNullColumnConstraint: _not_null,
    exp.DefaultColumnConstraint: _default,
    exp.AutoIncrementColumnConstraint: _auto_increment,
    exp.GeneratedAsIdentityColumnConstraint: _generated,
    exp.OnUpdateColumnConstraint: _on_update,
    exp.PrimaryKeyColumnConstraint: _primary_key,
    exp.UniqueColumnConstraint: _unique,
    exp.Reference: _references,
    exp.CheckColumnConstraint: _check,
    exp.ComputedColumnConstraint: _computed_clause,
    exp.CommentColumnConstraint: _comment,
    exp.CharacterSetColumnConstraint: _removed,
    exp.CollateColumnConstraint: _removed,
    exp.BinaryColumnConstraint: _removed,
    exp.ZeroFillColumnConstraint: _removed,
}


def _undefined(table: str) -> str:
    return f"ALTER TABLE on table {table}, which is not defined in this file"


def _top_level_split(text: str) -> list[str]:
    """``text`` split at commas outside parentheses and quotes."""
    out, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


_TYPE_PLACEHOLDER = "roachlift_composite_fields"


def _sql_string(text: str) -> str:
    """A standard SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def _rule(record: StatementRecord, text: str) -> None:
    if text not in record.rules:
        record.rules.append(text)


def _col(name: str) -> exp.Column:
    """A column reference to a converted name, quoted only where needed."""
    return exp.Column(this=identifier(name))


def _ident(e: exp.Expression) -> exp.Expression:
    """The identifier inside a key element (``Ordered``/``Column``/``Identifier``)."""
    if isinstance(e, exp.Ordered):
        e = e.this
    if isinstance(e, exp.Column):
        return e.this
    return e


def _key_names(cols: list[exp.Expression]) -> list[str]:
    out = []
    for c in cols:
        inner = c.this if isinstance(c, exp.Ordered) else c
        out.append(inner.name if isinstance(inner, exp.Column) else "expr")
    return out


def _nextval_sequence(node: exp.Expression) -> str | None:
    """``seq`` when ``node`` is ``nextval('seq')`` / ``nextval('seq'::regclass)``."""
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "nextval" and node.expressions:
        arg = node.expressions[0]
        if isinstance(arg, exp.Cast):
            arg = arg.this
        if isinstance(arg, exp.Literal) and arg.is_string:
            return arg.name.split(".")[-1].strip('"')
    return None


def _strip_properties(node: exp.Create, record: StatementRecord) -> None:
    """Drop table properties (ENGINE=, CHARSET, COLLATE, AUTO_INCREMENT=N, COMMENT, ...)."""
    props = node.args.get("properties")
    if props is None:
        return
    for prop in props.expressions:
        _rule(record, f"removed table option {prop.sql('mysql') if prop else ''}".strip())
    node.set("properties", None)


__all__ = ["Converter", "StatementError"]
