"""``roachlift cdc --spec SPEC [--until-caught-up]``: apply source changes to the target."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from roachlift.cdc.apply import ChangeSource, run_applier
from roachlift.cdc.lag import measure_lag
from roachlift.cdc.model import CdcError
from roachlift.config.connections import resolve_connection
from roachlift.config.spec import MigrationSpec, load_spec
from roachlift.naming import Naming
from roachlift.sources import adapter_for

log = logging.getLogger(__name__)


def snapshot_position(spec: MigrationSpec, path: str | None = None) -> dict[str, Any]:
    """The dump's ``snapshot.json`` (``--snapshot``, else ``<dump.out_dir>/snapshot.json``)."""
    file = Path(path) if path else Path(spec.dump.out_dir or f"./dump-{spec.name}") / "snapshot.json"
    try:
        data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except OSError:
        raise CdcError(
            f"{file}: cannot read the dump's snapshot position; run the dump first or pass --snapshot"
        ) from None
    return data


def source_for_spec(spec: MigrationSpec, snapshot: str | None = None) -> ChangeSource:
    """The change source of ``spec``, starting where the dump's snapshot ended."""
    conn = resolve_connection(spec.source.conn_id)
    return adapter_for(spec.source.kind).change_source(spec, conn, lambda: snapshot_position(spec, snapshot))


def _target(spec: MigrationSpec) -> str:
    return resolve_connection(spec.target.conn_id).with_database(spec.target.database).postgres_conninfo()


def _cdc(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    source = source_for_spec(spec, args.snapshot)
    if args.oracle_setup_sql:
        from roachlift.cdc.oracle import OracleSource, capture_sql

        if not isinstance(source, OracleSource):
            raise CdcError("--oracle-setup-sql is for Oracle sources only")
        for statement in capture_sql(source.owner, list(source.tables.values())):
            print(statement + "\n/")
        return 0
    if args.lag:
        lag = measure_lag(source, _target(spec), migration=spec.name, target_schema=spec.target.schema_)
        print(lag.summary())
        return 0
    stats = run_applier(
        source,
        _target(spec),
        migration=spec.name,
        until_caught_up=args.until_caught_up,
        max_seconds=args.max_seconds,
        batch_changes=args.batch_changes or spec.cdc.batch_changes,
        dialect=str(spec.target.dialect),
        target_schema=spec.target.schema_,
        lag_threshold_seconds=spec.cdc.lag_threshold_seconds,
        naming=Naming.from_spec(spec),
    )
    print(stats.summary())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``roachlift cdc``."""
    p = subparsers.add_parser(
        "cdc", help="apply source changes (slot / binlog / staging table) to the target"
    )
    p.add_argument("--spec", required=True, help="migration spec file")
    p.add_argument("--until-caught-up", action="store_true", help="stop once no change is left to apply")
    p.add_argument("--max-seconds", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--batch-changes", type=int, default=None, help="changes per target transaction")
    p.add_argument("--snapshot", help="the dump's snapshot.json (default: <dump.out_dir>/snapshot.json)")
    p.add_argument("--lag", action="store_true", help="only print the current lag")
    p.add_argument(
        "--oracle-setup-sql",
        action="store_true",
        help="print the staging table, sequence and triggers to install on an Oracle source",
    )
    p.set_defaults(handler=_cdc)
