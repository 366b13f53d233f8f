"""``roachlift verify``: compare every table of a spec's source with the target, row by row."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from roachlift import storage
from roachlift.config.connections import resolve_connection
from roachlift.config.spec import load_spec
from roachlift.errors import RoachliftError
from roachlift.verify.report import render
from roachlift.verify.spec_run import default_recheck_delay, select_tables, verify_spec_tables


def _verify(args: argparse.Namespace) -> int:
    """Run the comparison, print the table, write the JSON file; 1 on any difference."""
    spec = load_spec(args.spec)
    tables = select_tables(spec, args.tables)
    if not tables:
        raise RoachliftError(f"no source table matches (spec {args.spec}, --tables {args.tables or '*'})")
    source = resolve_connection(spec.source.conn_id)
    target = resolve_connection(spec.target.conn_id).with_database(spec.target.database)
    delay: float | None = args.recheck_delay
    if args.no_recheck:
        delay = None
    elif delay is None:
        delay = default_recheck_delay(spec)
    dump_dir = args.dump_dir or spec.dump.out_dir
    result = verify_spec_tables(
        spec,
        source,
        target,
        tables,
        dump_dir=storage.resolve(dump_dir, spec.dump.storage_conn_id) if dump_dir else None,
        recheck_delay_s=delay,
        chunk_rows=args.chunk_rows,
        sample_size=args.sample_size,
        parallel_tables=args.parallel,
        workers=args.workers,
    )
    print(render(result))
    out = Path(args.json or f"verify-{spec.name}.json")
    out.write_text(result.to_json() + "\n", encoding="utf-8")
    print(f"result written to {out}", file=sys.stderr)
    return 0 if result.ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``verify``."""
    p = subparsers.add_parser(
        "verify",
        help="compare source and target row by row; exit 1 on any difference",
        description="Stream both sides ordered by primary key, compare normalized values and report "
        "missing, extra and mismatched rows (tables without a key: full-row hash).",
    )
    p.add_argument("--spec", required=True, help="migration spec file")
    p.add_argument("--tables", metavar="PATTERN", help="only tables matching these globs (comma-separated)")
    p.add_argument("--json", metavar="FILE", help="result file (default: verify-<spec name>.json)")
    p.add_argument("--chunk-rows", type=int, default=100_000, help="keys per range chunk (default 100000)")
    p.add_argument(
        "--sample-size", type=int, default=10, help="keys listed per kind of difference (default 10)"
    )
    p.add_argument(
        "--recheck-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="re-read differences after this delay (default: 2 x cdc.lag_threshold_seconds when CDC is on)",
    )
    p.add_argument(
        "--dump-dir",
        metavar="DIR",
        help="the dump whose rejects.csv files name the rows it rejected (default: dump.out_dir of the spec)",
    )
    p.add_argument("--no-recheck", action="store_true", help="report differences without re-reading them")
    p.add_argument("--parallel", type=int, default=4, help="tables compared at a time (default 4)")
    p.add_argument(
        "--workers", type=int, default=2, help="key ranges compared at a time per table (default 2)"
    )
    p.set_defaults(handler=_verify)
