"""The converter's data model: options, the converted schema objects, review items, the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlglot import exp

from roachlift.config.spec import BareNumberAs, ConvertSpec, SerialAs, SourceKind, TargetDialect
from roachlift.naming import NamingRule

Severity = Literal["info", "warning", "error"]
PHASES = ("01_types", "02_tables", "03_indexes", "04_foreign_keys", "05_views")
SOURCES: tuple[SourceKind, ...] = (SourceKind.ORACLE, SourceKind.MYSQL, SourceKind.POSTGRES)
TARGETS: tuple[TargetDialect, ...] = tuple(TargetDialect)


class StatementError(Exception):
    """A statement could not be converted; the message says why (it becomes an ``error`` review item)."""


@dataclass
class ConvertOptions:
    """Converter options; mirrors ``spec.convert`` (plus the optional target schema)."""

    tinyint1_as_bool: bool = True
    bare_number_as: BareNumberAs = "decimal"
    serial_as: SerialAs = "keep"
    target_schema: str | None = None
    #: the spec's naming rule (roachlift.naming): "lower" or "preserve"
    naming: NamingRule = "lower"
    #: CockroachDB release written for (``target.version``), e.g. "25.3"; None: the current stable
    target_version: str | None = None

    @classmethod
    def from_spec(
        cls,
        spec: ConvertSpec,
        target_schema: str | None = None,
        *,
        naming: NamingRule = "lower",
        target_version: str | None = None,
    ) -> ConvertOptions:
        """Build from a spec's ``convert`` section plus the spec's naming rule and target release."""
        return cls(
            tinyint1_as_bool=spec.tinyint1_as_bool,
            bare_number_as=spec.bare_number_as,
            serial_as=spec.serial_as,
            target_schema=target_schema,
            naming=naming,
            target_version=target_version,
        )


@dataclass
class ReviewItem:
    """Something a person should look at, with a severity and the source line it comes from."""

    severity: Severity
    code: str
    object: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "severity": self.severity,
            "code": self.code,
            "object": self.object,
            "message": self.message,
            "line": self.line,
        }


@dataclass
class StatementRecord:
    """One source statement: where it was, what it became, which rules touched it."""

    line: int
    source: str
    kind: str = "unknown"
    object: str = ""
    status: Literal["converted", "folded", "skipped", "manual", "error"] = "converted"
    converted: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "line": self.line,
            "kind": self.kind,
            "object": self.object,
            "status": self.status,
            "source": self.source,
            "converted": self.converted,
            "rules": self.rules,
            "review": [r.to_dict() for r in self.review],
        }


@dataclass
class Column:
    """A converted column. ``type`` is the target type (CockroachDB spelling)."""

    name: str
    source_name: str
    source_type: str
    type: exp.DataType
    nullable: bool = True
    default: exp.Expression | None = None
    on_update: exp.Expression | None = None
    checks: list[exp.Expression] = field(default_factory=list)
    collate: str | None = None
    computed: exp.Expression | None = None


@dataclass
class Table:
    """A converted table: columns, primary key and checks (phase 02)."""

    name: str
    source_name: str
    line: int
    record: StatementRecord
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    pk_name: str | None = None
    checks: list[tuple[str | None, exp.Expression]] = field(default_factory=list)

    def column(self, name: str) -> Column | None:
        """The column called ``name`` (converted name), if any."""
        for c in self.columns:
            if c.name == name:
                return c
        return None


@dataclass
class Index:
    """A secondary index or unique constraint (phase 03)."""

    name: str
    table: str
    columns: list[exp.Expression]
    line: int
    record: StatementRecord
    unique: bool = False
    constraint: bool = False
    using: str | None = None
    where: exp.Expression | None = None
    storing: list[str] = field(default_factory=list)

    def column_names(self) -> list[str]:
        """Plain column names of the key (expressions give their SQL)."""
        out = []
        for c in self.columns:
            inner = c.this if isinstance(c, exp.Ordered) else c
            out.append(inner.name if isinstance(inner, exp.Column) else inner.sql())
        return out


@dataclass
class ForeignKey:
    """A foreign key, added after the load (phase 04)."""

    name: str
    table: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    line: int
    record: StatementRecord
    on_delete: str | None = None
    on_update: str | None = None
    #: "FULL" (kept: CockroachDB supports MATCH FULL) or "PARTIAL"; None is MATCH SIMPLE
    match: str | None = None


@dataclass
class Sequence:
    """A sequence (phase 01); ``table``/``column`` name its owner when known."""

    name: str
    line: int
    record: StatementRecord | None
    start: int | None = None
    increment: int | None = None
    minvalue: int | None = None
    maxvalue: int | None = None
    cache: int | None = None
    cycle: bool = False
    table: str | None = None
    column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the load step resets each owned sequence past the column's max)."""
        return {"name": self.name, "table": self.table, "column": self.column, "start": self.start}


@dataclass
class EnumType:
    """An enum type (phase 01)."""

    name: str
    values: list[str]
    line: int
    record: StatementRecord


@dataclass
class View:
    """A view (phase 05), its query already in the target dialect's tree form."""

    name: str
    query: exp.Expression
    line: int
    record: StatementRecord
    columns: list[str] = field(default_factory=list)
    depends: set[str] = field(default_factory=set)


@dataclass
class ManualItem:
    """An object a person must port by hand, kept verbatim."""

    kind: str
    name: str
    text: str
    line: int
    note: str


@dataclass
class TableInfo:
    """What load/verify need to know about a converted table."""

    name: str
    source_name: str
    columns: list[dict[str, Any]]
    primary_key: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "source_name": self.source_name,
            "columns": self.columns,
            "primary_key": self.primary_key,
        }


@dataclass
class ConversionResult:
    """Everything :func:`roachlift.convert.convert_ddl` produces."""

    source: str
    target: str
    phases: dict[str, list[str]]
    manual_review: list[ManualItem]
    review: list[ReviewItem]
    tables: list[TableInfo]
    sequences: list[Sequence]
    records: list[StatementRecord]
    report: Any = None
    indexes: list[dict[str, Any]] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
    views: list[str] = field(default_factory=list)
    enum_types: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[ReviewItem]:
        """Review items of severity ``error`` (statements that failed, checks that would fail)."""
        return [r for r in self.review if r.severity == "error"]

    def phase_sql(self, phase: str) -> str:
        """The text of one phase file."""
        stmts = self.phases.get(phase, [])
        return "".join(s.rstrip().rstrip(";") + ";\n\n" for s in stmts)

    def manual_review_sql(self) -> str:
        """The text of ``manual_review.sql``: each object commented with its note, kept verbatim."""
        parts = []
        for m in self.manual_review:
            note = "\n".join(f"-- {line}" for line in m.note.splitlines())
            parts.append(f"-- {m.kind} {m.name} (source line {m.line})\n{note}\n{m.text.rstrip()}\n")
        return "\n".join(parts)


@dataclass
class CompositeType:
    """``CREATE TYPE name AS (field type, ...)`` (phase 01); CockroachDB has composite types
    (https://www.cockroachlabs.com/docs/stable/create-type#create-a-composite-data-type)."""

    name: str
    fields: list[tuple[str, exp.DataType]]
    line: int
    record: StatementRecord
