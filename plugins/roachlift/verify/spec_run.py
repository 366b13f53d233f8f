"""Verify as a spec asks it: the tables it includes, its value rules, the rows its dump rejected.

The DAG's verify steps and ``roachlift verify`` both call these, so they compare the same tables
the same way; only the re-check delay, the live change stream and the output differ.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from roachlift.config.connections import ConnInfo, resolve_connection
from roachlift.config.spec import MigrationSpec
from roachlift.naming import Naming
from roachlift.storage import StoragePath
from roachlift.values import ValueRules, read_rejects
from roachlift.verify.compare import TableRef, list_source_tables, verify_tables
from roachlift.verify.report import VerifyResult


def _matches(ref: TableRef, patterns: list[str]) -> bool:
    names = {ref.source_table.lower(), str(ref).lower()}
    return any(fnmatch.fnmatchcase(n, p.lower()) for p in patterns for n in names)


def select_tables(spec: MigrationSpec, pattern: str | None, source: ConnInfo | None = None) -> list[TableRef]:
    """The source tables the spec includes, narrowed by ``pattern`` (comma-separated globs);
    ``source`` defaults to the spec's connection from ``AIRFLOW_CONN_<ID>``."""
    source = source or resolve_connection(spec.source.conn_id)
    refs = list_source_tables(source, spec.source.schemas)
    refs = [r for r in refs if spec.source.wants(str(r))]
    if pattern:
        patterns = [p.strip() for p in pattern.split(",") if p.strip()]
        refs = [r for r in refs if _matches(r, patterns)]
    naming = Naming.from_spec(spec)
    return [
        TableRef(r.source_table, r.source_schema, naming.name(r.source_table), spec.target.schema_, naming)
        for r in refs
    ]


def default_recheck_delay(spec: MigrationSpec) -> float | None:
    """Seconds to wait before re-reading a difference: twice the CDC lag threshold while a change
    stream may still be catching up (CDC on), else none."""
    return 2 * spec.cdc.lag_threshold_seconds if spec.cdc.enabled else None


def verify_spec_tables(
    spec: MigrationSpec,
    source: ConnInfo,
    target: ConnInfo,
    tables: list[TableRef],
    *,
    dump_dir: StoragePath | None,
    recheck_delay_s: float | None = None,
    **tuning: Any,
) -> VerifyResult:
    """Compare ``tables`` under the spec's value rules, counting the rows listed in ``dump_dir``'s
    ``rejects.csv`` files as rejected rather than missing; ``tuning``: chunk rows, sample size,
    parallel tables, workers (see :func:`roachlift.verify.compare.verify_tables`)."""
    rejects = read_rejects(dump_dir) if dump_dir is not None else {}  # none where no dump folder is
    return verify_tables(
        source,
        target,
        tables,
        recheck_delay_s=recheck_delay_s,
        rules=ValueRules.from_spec(spec),
        rejects=rejects,
        **tuning,
    )
