"""``roachlift convert --from {oracle,mysql,postgres} INPUT.sql --out DIR [--target ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import get_args

from roachlift.config.spec import BareNumberAs, SerialAs, SourceKind, TargetDialect
from roachlift.convert import convert_ddl, write_output
from roachlift.convert.model import SOURCES, TARGETS, ConvertOptions
from roachlift.errors import RoachliftError
from roachlift.naming import NAMING_RULES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``convert`` sub-command."""
    p = subparsers.add_parser(
        "convert",
        help="convert source DDL into CockroachDB phase files plus a review report",
        description="Convert Oracle, MySQL or PostgreSQL DDL into 01_types.sql .. 05_views.sql, "
        "manual_review.sql, report.json and report.md. Exit code 1 if any statement failed.",
    )
    p.add_argument("input", type=Path, help="DDL script (pg_dump -s, mysqldump -d, DBMS_METADATA output)")
    p.add_argument(
        "--from", dest="source", required=True, choices=[k.value for k in SOURCES], help="source dialect"
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument(
        "--target",
        default=TargetDialect.COCKROACHDB.value,
        choices=[t.value for t in TARGETS],
        help="target dialect",
    )
    p.add_argument("--schema", default=None, help="target schema for every object (default: none)")
    p.add_argument("--no-tinyint1-bool", action="store_true", help="MySQL TINYINT(1) stays SMALLINT")
    p.add_argument("--bare-number-as", choices=get_args(BareNumberAs), default="decimal")
    p.add_argument("--serial-as", choices=get_args(SerialAs), default="keep")
    p.add_argument(
        "--naming",
        choices=NAMING_RULES,
        default="lower",
        help="target names: lower-case unquoted (default), or the exact source names quoted",
    )
    p.add_argument(
        "--target-version",
        default=None,
        help="CockroachDB release to write for, e.g. 25.3 (default: current)",
    )
    p.set_defaults(handler=_convert)


def _convert(args: argparse.Namespace) -> int:
    try:
        text = args.input.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise RoachliftError(f"cannot read {args.input}: {exc.strerror}") from exc
    options = ConvertOptions(
        tinyint1_as_bool=not args.no_tinyint1_bool,
        bare_number_as=args.bare_number_as,
        serial_as=args.serial_as,
        target_schema=args.schema,
        naming=args.naming,
        target_version=args.target_version,
    )
    result = convert_ddl(text, SourceKind(args.source), TargetDialect(args.target), options)
    write_output(result, args.out)
    s = result.report.summary
    print(
        f"{args.input}: {s['tables']} tables, {s['indexes']} indexes, {s['foreign_keys']} foreign keys, "
        f"{s['views']} views, {s['manual_review']} for manual review; review items: "
        f"{s['review']['error']} error, {s['review']['warning']} warning, {s['review']['info']} info "
        f"-> {args.out}"
    )
    for err in result.errors:
        print(f"  error line {err.line}: {err.object}: {err.message}", file=sys.stderr)
    return 1 if result.errors else 0
