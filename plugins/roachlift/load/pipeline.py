"""The whole load step for one migration, in the design's phase order.

types → tables (PK only) → load each table (COPY or IMPORT INTO) → indexes → foreign keys
``NOT VALID`` → ``VALIDATE CONSTRAINT`` (every unvalidated foreign key of the schema) → views →
sequences set past the max of their column. Phase statements that hit "already exists" are
skipped, so a rerun goes through; table data follow ``table_handling``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from roachlift.errors import RoachliftError
from roachlift.load.constraints import (
    ValidationResult,
    drop_foreign_keys,
    raise_for_failures,
    restore_foreign_keys,
    validate_constraints,
)
from roachlift.load.loader import LoadResult, Method, load_table
from roachlift.load.manifest import find_manifests, read_manifest
from roachlift.load.phases import (
    PHASE_FILES,
    apply_phases,
    create_statement_for,
    ensure_autocommit,
    reset_sequences,
    sequence_columns,
    table_exists,
)
from roachlift.target import statements as st

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    """What :func:`run_load` did, per phase and per table."""

    phases: dict[str, int] = field(default_factory=dict)
    tables: dict[str, LoadResult] = field(default_factory=dict)
    validations: list[ValidationResult] = field(default_factory=list)
    sequences: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """A small table: rows, MB, seconds and rows/s per table, then FK and sequence counts."""
        lines = [f"{'table':<40} {'rows':>12} {'MB':>9} {'s':>8} {'rows/s':>10}"]
        for name, r in self.tables.items():
            rate = r.rows / r.seconds if r.seconds > 0 else 0.0
            lines.append(f"{name:<40} {r.rows:>12} {r.bytes / 1e6:>9.1f} {r.seconds:>8.2f} {rate:>10.0f}")
        bad = sum(1 for v in self.validations if not v.ok)
        lines.append(f"constraints validated: {len(self.validations) - bad}, failed: {bad}")
        lines.append(f"sequences set: {len(self.sequences)}")
        return "\n".join(lines)


def run_load(
    conn: psycopg.Connection,
    dump_dir: Path,
    phase_dir: Path,
    *,
    method: Method = "copy",
    table_handling: str = "fail-if-not-empty",
    batch_rows: int = 100_000,
    target_dialect: str = "cockroachdb",
    schema: str = "public",
    storage: str = "userfile",
    run_id: str = "manual",
    keep_uploaded_files: bool = False,
    group_files: int = 8,
) -> LoadReport:
    """Apply phases and load every table of ``dump_dir``; raise at the end if a foreign key failed."""
    ensure_autocommit(conn)
    report = LoadReport()
    manifests = [read_manifest(p) for p in find_manifests(dump_dir)]
    if not manifests:
        raise RoachliftError(f"{dump_dir}: no <table>/manifest.json found; run the dump first")
    tables_path = phase_dir / PHASE_FILES["tables"]
    tables_sql = tables_path.read_text(encoding="utf-8") if tables_path.is_file() else ""
    handling = table_handling
    # Foreign keys come after the load: drop those a rerun finds (phase 04 re-adds them).
    qualified = [m.target_table if "." in m.target_table else f"{schema}.{m.target_table}" for m in manifests]
    dropped = drop_foreign_keys(conn, schema, qualified)
    if table_handling == "truncate":
        existing = [m.target_table for m in manifests if table_exists(conn, m.target_table)]
        if existing:  # one statement: tables referencing each other empty together
            with conn.transaction():
                conn.execute(st.truncate(*existing))
            log.info("truncated %d table(s)", len(existing))
        handling = "fail-if-not-empty"
    report.phases.update(apply_phases(conn, phase_dir, ["types", "tables"], if_exists_ok=True))
    for m in manifests:
        create_sql = (
            create_statement_for(tables_sql, m.target_table) if handling == "drop-and-recreate" else None
        )
        report.tables[m.target_table] = load_table(
            conn,
            m.path,
            method,
            handling,
            batch_rows,
            target_dialect,
            create_sql=create_sql,
            storage=storage,
            run_id=run_id,
            keep_uploaded_files=keep_uploaded_files,
            group_files=group_files,
        )
    report.phases.update(apply_phases(conn, phase_dir, ["indexes", "foreign_keys"], if_exists_ok=True))
    restore_foreign_keys(conn, schema, dropped)
    report.validations = validate_constraints(conn, schema)  # FKs and CHECKs
    report.phases.update(apply_phases(conn, phase_dir, ["views"], if_exists_ok=True))
    report.sequences = reset_sequences(conn, sequence_columns(conn, schema))
    log.info("load finished:\n%s", report.summary())
    raise_for_failures(report.validations)
    return report
