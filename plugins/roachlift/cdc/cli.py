"""``roachlift cdc --spec SPEC [--until-caught-up]``: apply source changes to the target."""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from roachlift import storage
from roachlift.cdc.lag import measure_lag
from roachlift.cdc.model import CdcError
from roachlift.config.connections import ConnInfo, resolve_connection
from roachlift.config.spec import MigrationSpec, SourceKind, load_spec

log = logging.getLogger(__name__)


def snapshot_position(spec: MigrationSpec, path: str | None = None) -> dict[str, Any]:
    """The dump's ``snapshot.json`` (``--snapshot``, else ``<dump.out_dir>/snapshot.json``; either
    may be on object storage, read with ``dump.storage_conn_id``)."""
    conn_id = spec.dump.storage_conn_id
    if path:
        file = storage.resolve(path, conn_id)
    else:
        file = storage.resolve(spec.dump.out_dir or f"./dump-{spec.name}", conn_id) / "snapshot.json"
    try:
        data: dict[str, Any] = json.loads(storage.read_text(file))
    except OSError:
        raise CdcError(
            f"{storage.describe(file)}: cannot read the dump's snapshot position; run the dump first or "
            "pass --snapshot"
        ) from None
    return data


def _cdc(args: argparse.Namespace) -> int:
    """The DAG's CDC step on the spec's own database (no rehearsal copy), checkpointed under the
    migration's name: the change source, values rules and applier settings of
    :func:`roachlift.pipeline.change_source_at` and :func:`roachlift.pipeline.apply_changes`."""
    spec = load_spec(args.spec)
    source = resolve_connection(spec.source.conn_id)
    if args.oracle_setup_sql:
        return _print_oracle_setup(spec, source)
    from roachlift import pipeline

    stream = pipeline.change_source_at(spec, source, lambda: snapshot_position(spec, args.snapshot))
    target = resolve_connection(spec.target.conn_id).with_database(spec.target.database)
    if args.lag:
        lag = measure_lag(
            stream, target.postgres_conninfo(), migration=spec.name, target_schema=spec.target.schema_
        )
        print(lag.summary())
        return 0
    stats = pipeline.apply_changes(
        spec,
        stream,
        target,
        migration=spec.name,
        max_seconds=args.max_seconds,
        until_caught_up=args.until_caught_up,
        batch_changes=args.batch_changes,
    )
    print(stats.summary())
    return 0


def _print_oracle_setup(spec: MigrationSpec, source: ConnInfo) -> int:
    """Print the staging table, sequence and triggers the dump installs on an Oracle source."""
    if spec.source.kind != SourceKind.ORACLE:
        raise CdcError("--oracle-setup-sql is for Oracle sources only")
    from roachlift.cdc import oracle_setup
    from roachlift.cdc.oracle import capture_sql

    stream = oracle_setup.change_source(spec, source)
    for statement in capture_sql(stream.owner, list(stream.tables.values())):
        print(statement + "\n/")
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
