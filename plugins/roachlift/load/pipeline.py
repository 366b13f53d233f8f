"""The whole load step for one migration, in the design's phase order.

types → tables (PK only) → load each table (COPY or IMPORT INTO) → indexes → foreign keys
``NOT VALID`` → ``VALIDATE CONSTRAINT`` (every unvalidated foreign key of the schema) → views →
sequences set past the max of their column. Phase statements that hit "already exists" are
skipped, so a rerun goes through; table data follow ``table_handling``, table by table.

Each step is one function here, called by the DAG's tasks (:mod:`roachlift.pipeline`) and, in the
same order on one connection, by :func:`run_load` (``roachlift load``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg

from roachlift.config.spec import LoadMethod, TableHandling, TargetDialect
from roachlift.errors import RoachliftError
from roachlift.load.constraints import (
    ForeignKey,
    ValidationResult,
    drop_foreign_keys,
    raise_for_failures,
    restore_foreign_keys,
    validate_constraints,
)
from roachlift.load.loader import LoadResult, load_table
from roachlift.load.manifest import Manifest, find_manifests
from roachlift.load.phases import (
    PHASE_FILES,
    apply_phases,
    create_statement_for,
    ensure_autocommit,
    reset_sequences,
    sequence_columns,
    table_exists,
)
from roachlift.load.storage_urls import ClusterAccess
from roachlift.storage import StoragePath, describe

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


def create_tables(
    conn: psycopg.Connection,
    phase_dir: StoragePath,
    schema: str,
    tables: Sequence[str],
    *,
    new_database: bool = False,
) -> tuple[dict[str, int], list[ForeignKey]]:
    """Drop the foreign keys from or to ``tables`` that a rerun finds (phase 04 and
    :func:`add_foreign_keys` put them back after the load), then apply phases 01 and 02 (statements
    hitting "already exists" are skipped). Returns the statements applied and the keys dropped."""
    existing = [] if new_database else [t for t in tables if table_exists(conn, t)]
    dropped = drop_foreign_keys(conn, schema, existing) if existing else []
    return apply_phases(conn, phase_dir, ["types", "tables"], if_exists_ok=True), dropped


def create_sql_for(phase_dir: StoragePath, table: str, table_handling: TableHandling) -> str | None:
    """The table's CREATE TABLE from phase 02, which ``drop-and-recreate`` needs (else None)."""
    if table_handling != TableHandling.DROP_AND_RECREATE:
        return None
    path = phase_dir / PHASE_FILES["tables"]
    return create_statement_for(path.read_text(encoding="utf-8"), table) if path.is_file() else None


def add_indexes(conn: psycopg.Connection, phase_dir: StoragePath) -> dict[str, int]:
    """Phase 03, after the data: building an index over loaded rows beats updating it per row."""
    return apply_phases(conn, phase_dir, ["indexes"], if_exists_ok=True)


@dataclass
class ConstraintsDone:
    """What :func:`add_foreign_keys` did."""

    phases: dict[str, int]
    restored: int
    validations: list[ValidationResult]

    @property
    def added(self) -> int:
        """Foreign keys phase 04 added."""
        return self.phases.get("foreign_keys", 0)


def add_foreign_keys(
    conn: psycopg.Connection, phase_dir: StoragePath, schema: str, dropped: Sequence[ForeignKey]
) -> ConstraintsDone:
    """Add phase 04's foreign keys ``NOT VALID`` and restore those :func:`create_tables` dropped,
    then ``VALIDATE CONSTRAINT`` every unvalidated foreign key and CHECK of the schema (IMPORT INTO
    leaves both); raise naming each one that fails, with sample orphan keys."""
    added = apply_phases(conn, phase_dir, ["foreign_keys"], if_exists_ok=True)
    restored = restore_foreign_keys(conn, schema, dropped)
    results = validate_constraints(conn, schema)
    for r in results:
        log.info("%s", r.describe())
    raise_for_failures(results)
    return ConstraintsDone(added, restored, results)


def add_views_and_sequences(
    conn: psycopg.Connection, phase_dir: StoragePath, schema: str, *, sequences: bool = True
) -> tuple[dict[str, int], dict[str, int]]:
    """Phase 05 (views), then every sequence of the schema set past the max of its column."""
    views = apply_phases(conn, phase_dir, ["views"], if_exists_ok=True)
    return views, reset_sequences(conn, sequence_columns(conn, schema)) if sequences else {}


def run_load(
    conn: psycopg.Connection,
    dump_dir: StoragePath,
    phase_dir: StoragePath,
    *,
    method: LoadMethod = LoadMethod.COPY,
    table_handling: TableHandling = TableHandling.FAIL_IF_NOT_EMPTY,
    batch_rows: int = 100_000,
    target_dialect: TargetDialect = TargetDialect.COCKROACHDB,
    schema: str = "public",
    storage: str = "userfile",
    run_id: str = "manual",
    keep_uploaded_files: bool = False,
    group_files: int = 8,
    access: ClusterAccess | None = None,
) -> LoadReport:
    """The DAG's load steps in its order, on one connection: :func:`create_tables`, each table of
    ``dump_dir`` (a folder or object storage), :func:`add_indexes`, :func:`add_foreign_keys`
    (raises when one fails, as the DAG's task does), :func:`add_views_and_sequences`."""
    ensure_autocommit(conn)
    report = LoadReport()
    manifests = [Manifest.read(p) for p in find_manifests(dump_dir)]
    if not manifests:
        raise RoachliftError(f"{describe(dump_dir)}: no <table>/manifest.json found; run the dump first")
    qualified = [m.target_table if "." in m.target_table else f"{schema}.{m.target_table}" for m in manifests]
    phases, dropped = create_tables(conn, phase_dir, schema, qualified)
    report.phases.update(phases)
    for m in manifests:
        report.tables[m.target_table] = load_table(
            conn,
            m.path,
            method,
            table_handling,
            batch_rows,
            target_dialect,
            create_sql=create_sql_for(phase_dir, m.target_table, table_handling),
            storage=storage,
            run_id=run_id,
            keep_uploaded_files=keep_uploaded_files,
            group_files=group_files,
            access=access,
        )
    report.phases.update(add_indexes(conn, phase_dir))
    constraints = add_foreign_keys(conn, phase_dir, schema, dropped)
    report.phases.update(constraints.phases)
    report.validations = constraints.validations
    views, report.sequences = add_views_and_sequences(conn, phase_dir, schema)
    report.phases.update(views)
    log.info("load finished:\n%s", report.summary())
    return report
