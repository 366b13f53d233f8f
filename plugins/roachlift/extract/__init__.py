"""Extract DDL and table lists from the source database (PostgreSQL, MySQL/MariaDB, Oracle).

:func:`extract_schema` returns the DDL text in the source dialect (what the converter reads), the
tables with row estimates, columns and primary keys (largest first, for per-table fan-out), and the
objects a person must review (triggers, functions, procedures). No client binary is needed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from roachlift.config.connections import ConnInfo
from roachlift.config.spec import MigrationSpec, SourceSpec
from roachlift.sources import adapter_for


@dataclass
class ColumnInfo:
    """One column: name, source type text, nullability, default expression."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None


@dataclass
class TableInfo:
    """One table: where it is, how big it is estimated to be, its columns and primary key."""

    schema: str
    name: str
    estimated_rows: int = 0
    columns: list[ColumnInfo] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    total_bytes: int = 0

    @property
    def qualified_name(self) -> str:
        """``schema.name`` (the name the dump and manifests use)."""
        return f"{self.schema}.{self.name}"


@dataclass
class ReviewItem:
    """An object the converter cannot carry over automatically (trigger, function, procedure...)."""

    kind: str
    schema: str
    name: str
    definition: str
    table: str | None = None


@dataclass
class ExtractResult:
    """The extracted schema of one source."""

    kind: str
    ddl: str
    tables: list[TableInfo] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Tables and review items as a JSON-ready dict (the DDL is written separately)."""
        return {
            "kind": self.kind,
            "tables": [{**asdict(t), "qualified_name": t.qualified_name} for t in self.tables],
            "review": [asdict(r) for r in self.review],
        }


def sort_tables(tables: list[TableInfo]) -> list[TableInfo]:
    """Largest first (estimated rows, then size), ties by name: a stable fan-out order."""
    return sorted(tables, key=lambda t: (-t.estimated_rows, -t.total_bytes, t.schema, t.name))


def _source(spec_source: MigrationSpec | SourceSpec) -> SourceSpec:
    return spec_source.source if isinstance(spec_source, MigrationSpec) else spec_source


def extract_schema(spec_source: MigrationSpec | SourceSpec, conninfo: ConnInfo) -> ExtractResult:
    """DDL text, tables (largest first) and review items of the spec's schemas and tables."""
    source = _source(spec_source)
    return adapter_for(source.kind).extract(source, conninfo)


def list_tables(spec_source: MigrationSpec | SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
    """Only the tables (cheaper than :func:`extract_schema`), largest first."""
    source = _source(spec_source)
    return adapter_for(source.kind).list_tables(source, conninfo)
