"""Convert source DDL to CockroachDB DDL in load phases, with a review report.

``convert_ddl(text, source)`` parses Oracle, MySQL/MariaDB or PostgreSQL DDL with sqlglot, applies
the source's rules (``oracle.py``, ``mysql.py``, ``postgres.py``), checks what the target would
reject at load time, and renders five phases (types, tables, indexes, foreign keys, views) plus
the objects a person must port. ``write_output(result, out_dir)`` writes them as files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from roachlift.config.spec import SourceKind, TargetDialect
from roachlift.convert.checks import finish
from roachlift.convert.dialect import render
from roachlift.convert.engine import Converter
from roachlift.convert.model import (
    PHASES,
    SOURCES,
    TARGETS,
    ConversionResult,
    ConvertOptions,
    ManualItem,
    ReviewItem,
    Sequence,
    TableInfo,
)
from roachlift.convert.mysql import MySQLRules
from roachlift.convert.oracle import OracleRules
from roachlift.convert.phases import render_phases
from roachlift.convert.postgres import PostgresRules
from roachlift.convert.report import Report, summarize
from roachlift.convert.rules import SourceRules
from roachlift.convert.splitting import split_statements
from roachlift.errors import RoachliftError
from roachlift.storage import StoragePath

__all__ = [
    "PHASES",
    "ConversionResult",
    "ConvertOptions",
    "ManualItem",
    "ReviewItem",
    "Sequence",
    "TableInfo",
    "convert_ddl",
    "write_output",
]

log = logging.getLogger(__name__)

_RULES: dict[SourceKind, type[SourceRules]] = {
    SourceKind.ORACLE: OracleRules,
    SourceKind.MYSQL: MySQLRules,
    SourceKind.POSTGRES: PostgresRules,
}


def convert_ddl(
    text: str,
    source: SourceKind | str,
    target: TargetDialect | str = TargetDialect.COCKROACHDB,
    options: ConvertOptions | None = None,
) -> ConversionResult:
    """Convert a DDL script written for ``source`` into load phases for ``target``.

    Statements that cannot be converted become ``error`` review items naming their line; the
    rest is still converted. Raises :class:`RoachliftError` only for an unknown source/target.
    """
    if source not in SOURCES:
        raise RoachliftError(f"unknown source dialect {source!r}: use one of {', '.join(SOURCES)}")
    if target not in TARGETS:
        raise RoachliftError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    kind, dialect = SourceKind(source), TargetDialect(target)
    source, target = kind.value, dialect.value  # the result and report carry plain strings
    options = options or ConvertOptions()
    conv = Converter(_RULES[kind](options), dialect, options)
    for stmt in split_statements(text, kind):
        conv.add(stmt)
    conv.replay_pending()
    views = finish(conv)
    phases = render_phases(conv, views)
    tables = [
        TableInfo(
            name=t.name,
            source_name=t.source_name,
            columns=[
                {
                    "name": c.name,
                    "source_name": c.source_name,
                    "type": render(c.type, target),
                    "source_type": c.source_type,
                    "nullable": c.nullable,
                    "computed": c.computed is not None,
                }
                for c in t.columns
            ],
            primary_key=list(t.primary_key),
        )
        for t in conv.tables.values()
    ]
    counts = {
        "tables": len(conv.tables),
        "columns": sum(len(t.columns) for t in conv.tables.values()),
        "indexes": len(conv.indexes),
        "foreign_keys": len(conv.fks),
        "views": len(views),
        "enum_types": len(conv.enums),
        "sequences": len(conv.sequences),
    }
    summary = summarize(counts, conv.records, conv.review_items, conv.manual)
    summary["naming"] = options.naming  # the rule every target name in the phases follows
    report = Report(
        source, target, summary, conv.records, conv.review_items, conv.manual, conv.target_differences
    )
    log.info(
        "converted %s DDL: %d tables, %d indexes, %d foreign keys, %d views, %d error(s)",
        source,
        counts["tables"],
        counts["indexes"],
        counts["foreign_keys"],
        counts["views"],
        summary["review"]["error"],
    )
    return ConversionResult(
        source=source,
        target=target,
        phases=phases,
        manual_review=conv.manual,
        review=conv.review_items,
        tables=tables,
        sequences=[s for s in conv.sequences.values()],
        records=conv.records,
        report=report,
        indexes=[
            {
                "name": i.name,
                "table": i.table,
                "unique": i.unique,
                "constraint": i.constraint,
                "columns": i.column_names(),
            }
            for i in conv.indexes
        ],
        foreign_keys=[
            {
                "name": f.name,
                "table": f.table,
                "columns": f.columns,
                "ref_table": f.ref_table,
                "ref_columns": f.ref_columns,
            }
            for f in conv.fks
        ],
        views=[v.name for v in views],
        enum_types=list(conv.enums),
    )


def write_output(result: ConversionResult, out_dir: StoragePath) -> list[StoragePath]:
    """Write ``01_types.sql`` ... ``05_views.sql``, ``manual_review.sql``, ``report.json``, ``report.md``."""
    out_dir = Path(out_dir) if isinstance(out_dir, str) else out_dir  # a Path, or object storage's UPath
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for phase in PHASES:
        path = out_dir / f"{phase}.sql"
        header = f"-- roachlift convert: {result.source} -> {result.target}, phase {phase}\n\n"
        path.write_text(header + result.phase_sql(phase), encoding="utf-8")
        written.append(path)
    path = out_dir / "manual_review.sql"
    path.write_text(
        "-- roachlift convert: objects to port by hand (not run by the loader)\n\n"
        + result.manual_review_sql(),
        encoding="utf-8",
    )
    written.append(path)
    for name, text in (("report.json", result.report.to_json()), ("report.md", result.report.to_markdown())):
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
