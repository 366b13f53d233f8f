"""``roachlift dump --spec SPEC [--tables PATTERN] --out DIR``: dump tables to CSV from one snapshot."""

from __future__ import annotations

import argparse

from roachlift import storage
from roachlift.config.connections import resolve_connection
from roachlift.config.spec import RunMode, load_spec


def _dump(args: argparse.Namespace) -> int:
    """The DAG's dump (:func:`roachlift.pipeline.dump_source`: change capture, slot ledger,
    snapshot) into ``--out``, as run ``--run-id`` with the spec's own slot and database."""
    from roachlift.pipeline import dump_source, migration_dir

    spec = load_spec(args.spec)
    out = storage.resolve(args.out or spec.dump.out_dir or f"./dump-{spec.name}", spec.dump.storage_conn_id)
    patterns = [p for arg in args.tables or [] for p in arg.split(",") if p]
    result = dump_source(
        spec,
        resolve_connection(spec.source.conn_id),
        out,
        patterns or None,
        ledger=migration_dir(spec),
        run_id=args.run_id,
        mode=RunMode.CUTOVER,
    )
    for m in result.tables:
        size = f"{len(m.files)} file(s), {m.bytes / 1e6:.1f} MB"
        extra = f", {m.rejected} row(s) rejected (see its rejects.csv)" if m.rejected else ""
        extra += "".join(f", {n} value(s): {what}" for what, n in m.changed.items())
        print(f"{m.table}: {m.rows} rows, {size}, {m.rows_per_s:.0f} rows/s{extra}")
    print(
        f"{storage.describe(out)}: {len(result.tables)} tables, {result.rows} rows in {result.elapsed_s:.1f}s"
    )
    print(f"snapshot: {result.snapshot}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``dump`` sub-command."""
    p = subparsers.add_parser("dump", help="dump tables to CSV files from one consistent snapshot")
    p.add_argument("--spec", required=True, help="migration spec file")
    p.add_argument(
        "--tables",
        action="append",
        metavar="PATTERN",
        help="only tables matching (glob, comma-separated, repeatable)",
    )
    p.add_argument(
        "--out",
        help="output folder or object-storage URL, e.g. s3://bucket/prefix (default: dump.out_dir of "
        "the spec; credentials: its dump.storage_conn_id)",
    )
    p.add_argument(
        "--run-id",
        default="manual",
        help="the run that owns the replication slot this dump creates, in the slot ledger (default manual)",
    )
    p.set_defaults(handler=_dump)
