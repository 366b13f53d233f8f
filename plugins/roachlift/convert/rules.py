"""What every source dialect's rules module provides, and helpers they share.

A rules module (``oracle.py``, ``mysql.py``, ``postgres.py``) is data first: regular expressions
for statements to skip or hand to a person, a type table, and text rewrites for clauses sqlglot
cannot parse. The engine (``engine.py``) stays the same for every source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from sqlglot import exp

from roachlift.config.spec import SourceKind, TargetDialect
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
)
from roachlift.naming import Naming

DT = exp.DataType.Type


class ConversionState(Protocol):
    """What a rules module may read and add to while a statement is converted.

    The engine's converter provides it; rules (and ``crdb_compat``) are typed against this
    protocol, so they never import the engine and the dependency runs one way: engine -> rules.
    """

    options: ConvertOptions
    target: TargetDialect
    rules: SourceRules
    tables: dict[str, Table]
    enums: dict[str, EnumType]
    composites: dict[str, CompositeType]
    indexes: list[Index]
    fks: list[ForeignKey]
    sequences: dict[str, Sequence]
    serial_hints: dict[tuple[str, str], tuple[str, StatementRecord]]
    review_items: list[ReviewItem]
    manual: list[ManualItem]

    def review(
        self, severity: Severity, code: str, obj: str, message: str, record: StatementRecord | None
    ) -> ReviewItem:
        """Add a review item (and attach it to the statement's record)."""
        ...

    def add_enum(self, name: str, values: list[str], record: StatementRecord) -> str:
        """Create (or reuse) an enum type; returns its name."""
        ...

    def manual_object(
        self, kind: str, text: str, record: StatementRecord, note: str, name: str | None = None
    ) -> None:
        """Put a statement in manual review (kept verbatim for a person to port)."""
        ...


def dtype(text: str) -> exp.DataType:
    """A target type from its PostgreSQL spelling."""
    return _dtype(text).copy()


@lru_cache(maxsize=512)
def _dtype(text: str) -> exp.DataType:
    return exp.DataType.build(text, dialect="postgres")


def type_params(dt: exp.DataType) -> list[int | None]:
    """The numeric parameters of a type (``VARCHAR(10)`` -> [10]); ``*`` or odd ones -> None."""
    out: list[int | None] = []
    for p in dt.expressions:
        node = p.this if isinstance(p, exp.DataTypeParam) else p
        try:
            out.append(int(node.name))
        except (TypeError, ValueError):
            out.append(None)
    return out


def with_params(base: str, dt: exp.DataType) -> exp.DataType:
    """``base`` carrying the parameters of ``dt`` (``VARCHAR2(10)`` -> ``VARCHAR(10)``)."""
    params = [str(p) for p in type_params(dt) if p is not None]
    return dtype(f"{base}({', '.join(params)})" if params else base)


@dataclass
class ColumnContext:
    """Lets a type rule add a CHECK, note a rule or raise a review item for one column."""

    table: str
    column: str
    record: StatementRecord
    converter: ConversionState
    checks: list[exp.Expression] = field(default_factory=list)
    serial: bool = False
    default: exp.Expression | None = None
    source: exp.Expression | None = None
    #: set by a rule when the column must accept NULL (e.g. MySQL zero dates load as NULL)
    force_nullable: bool = False

    def rule(self, text: str) -> None:
        """Record a rule applied to this column."""
        self.record.rules.append(f"{self.table}.{self.column}: {text}")

    def review(self, severity: Severity, code: str, message: str) -> None:
        """Raise a review item about this column."""
        self.converter.review(severity, code, f"{self.table}.{self.column}", message, self.record)

    def check_non_negative(self) -> None:
        """Add ``CHECK (col >= 0)`` (for an UNSIGNED source column)."""
        from roachlift.convert.dialect import identifier

        col = exp.Column(this=identifier(self.column))
        self.checks.append(exp.GTE(this=col, expression=exp.Literal.number(0)))


TypeRule = Callable[[exp.DataType, ColumnContext], exp.DataType]


def plain_type(name: str, note: str | None = None) -> TypeRule:
    """A type rule giving ``name`` without the source type's parameters (``note``: a rule noted)."""

    def rule(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        if note:
            ctx.rule(note)
        return dtype(name)

    return rule


def same_type(name: str, note: str | None = None) -> TypeRule:
    """A type rule giving ``name`` with the source type's parameters (``note``: a rule noted)."""

    def rule(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        if note:
            ctx.rule(note)
        return with_params(name, dt)

    return rule


class SourceRules:
    """Base class of the per-source rules; subclasses fill in the tables and hooks."""

    #: the source kind (a :class:`SourceKind`; empty on this base class)
    name: str = ""
    read = ""
    #: (pattern, reason): statements dropped and logged in the report.
    SKIP: list[tuple[re.Pattern[str], str]] = []
    #: (pattern, kind, note): objects kept verbatim for a person to port.
    MANUAL: list[tuple[re.Pattern[str], str, str]] = []
    #: source type -> rule producing the target type.
    TYPES: dict[Any, TypeRule] = {}
    #: True: a type missing from TYPES is an error (its source spelling would leak into the output)
    STRICT_TYPES = False
    #: True: COMMENT ON TABLE/COLUMN are carried to the target (phase 02) instead of dropped
    KEEP_COMMENTS = False
    #: True: ``ALTER TABLE t MODIFY (col ...)`` (Oracle) is folded into the column definitions
    FOLD_MODIFY = False

    def __init__(self, options: ConvertOptions) -> None:
        self.options = options
        self._converter: ConversionState | None = None
        #: the one naming rule (roachlift.naming); the source kind tells how DDL text folds names
        self.naming = Naming(rule=options.naming, source_kind=self.name or SourceKind.POSTGRES)

    @property
    def converter(self) -> ConversionState:
        """The converter these rules work for (set by the converter)."""
        assert self._converter is not None
        return self._converter

    @converter.setter
    def converter(self, value: ConversionState) -> None:
        self._converter = value

    # --- names -----------------------------------------------------------------------------
    def normalize(self, name: str, quoted: bool) -> str:
        """The target name of an identifier as the source DDL writes it (before length fitting)."""
        return self.naming.name(self.naming.source_name(name, quoted))

    def source_name(self, name: str, quoted: bool) -> str:
        """The exact name the source catalog stores for an identifier as its DDL writes it."""
        return self.naming.source_name(name, quoted)

    # --- text rewrites ---------------------------------------------------------------------
    def preprocess(self, kind: str, text: str, record: StatementRecord) -> str:
        """Rewrite what sqlglot cannot parse; log each rewrite in ``record.rules``."""
        return text

    # --- types -----------------------------------------------------------------------------
    def map_type(self, dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        """The target type of a source column type (via :attr:`TYPES`)."""
        rule = self.TYPES.get(dt.this)
        if rule is not None:
            return rule(dt, ctx)
        if self.STRICT_TYPES:
            raise StatementError(
                f"column {ctx.column}: {self.name} type {dt.sql(self.read)} is not converted"
            )
        return dt.copy()

    def fix_expression(self, node: exp.Expression) -> exp.Expression:
        """Rewrite source functions in defaults, checks and views (SYSDATE, _utf8'x', ...)."""
        return node

    def fix_view(self, query: exp.Expression, record: StatementRecord) -> exp.Expression:
        """Source-specific rewrites of a view's (already normalized) query."""
        return query

    def fix_column(self, table: str, column: Column, record: StatementRecord) -> None:
        """Source-specific fixes of a finished column (its type, checks, default)."""

    def finish(self) -> None:
        """Source-specific passes once every statement is read (before the common checks)."""

    def fix_default(self, default: exp.Expression, ctx: ColumnContext) -> exp.Expression | None:
        """A source default rewritten for the target (None drops it)."""
        return default


def sub_outside_quotes(
    pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str], text: str
) -> str:
    """``pattern.sub`` applied only to the parts of ``text`` outside quotes."""
    parts = re.split(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`)", text)
    for i in range(0, len(parts), 2):
        parts[i] = pattern.sub(repl, parts[i])
    return "".join(parts)


def close_paren(text: str, open_at: int) -> int:
    """Index of the parenthesis closing the one at ``open_at`` (quotes respected); -1 if none."""
    depth = 0
    i = open_at
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            j = text.find(ch, i + 1)
            while j != -1 and j + 1 < n and text[j + 1] == ch:
                j = text.find(ch, j + 2)
            if j == -1:
                return -1
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


_STRING_TYPES = {DT.CHAR, DT.VARCHAR, DT.TEXT, DT.NCHAR, DT.NVARCHAR}


def coerce_comparisons(
    query: exp.Expression,
    converter: ConversionState,
    record: StatementRecord,
    *,
    booleans: bool,
    strings: bool,
) -> None:
    """Fix comparisons the source converts implicitly and the target rejects: a string column
    against a number (Oracle: ``active = 1`` -> ``active = '1'``), a boolean column against 0/1
    (MySQL TINYINT(1) -> BOOL: ``flag = 1`` -> ``flag = TRUE``). Each fix is a review item."""
    for select in query.find_all(exp.Select):
        aliases = {
            t.alias_or_name: t.name
            for t in select.find_all(exp.Table)
            if t.find_ancestor(exp.Select) is select
        }
        pairs: list[tuple[exp.Expression, exp.Expression]] = []
        for cmp in select.find_all(exp.EQ, exp.NEQ):
            pairs += [(cmp.this, cmp.expression), (cmp.expression, cmp.this)]
        for dec in select.find_all(exp.DecodeCase):
            subject, rest = dec.expressions[0], dec.expressions[1:]
            pairs += [(subject, rest[i]) for i in range(0, len(rest) - len(rest) % 2, 2)]
        for col, lit in pairs:
            if not isinstance(lit, exp.Literal) or lit.is_string or not isinstance(col, exp.Column):
                continue
            ctype = _column_type(col, aliases, converter)
            if strings and ctype in _STRING_TYPES:
                new: exp.Expression = exp.Literal.string(lit.name)
            elif booleans and ctype == DT.BOOLEAN and lit.name in ("0", "1"):
                new = exp.Boolean(this=lit.name == "1")
            else:
                continue
            lit.replace(new)
            converter.review(
                "warning",
                "implicit_conversion",
                record.object or "view",
                f"{col.sql()} compared with the number {lit.name}: the source converts implicitly, "
                f"the target does not; compared with {new.sql()} instead",
                record,
            )


def _column_type(col: exp.Column, aliases: dict[str, str], converter: ConversionState) -> Any:
    """The target type (``DataType.Type``) of a view column, when its table is known."""
    tables = list(aliases.values()) if not col.table else [aliases[col.table]] if col.table in aliases else []
    for name in tables:
        table = converter.tables.get(name)
        c = table.column(col.name) if table else None
        if c is not None:
            return c.type.this
    return None
