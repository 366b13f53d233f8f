"""``roachlift extract --spec SPEC --out FILE``: write the source DDL (and a table list next to it)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from roachlift.config.connections import resolve_connection
from roachlift.config.spec import load_spec


def _extract(args: argparse.Namespace) -> int:
    from roachlift.extract import extract_schema

    spec = load_spec(args.spec)
    result = extract_schema(spec, resolve_connection(spec.source.conn_id))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(result.ddl, encoding="utf-8")
    side = out.with_name(out.name + ".json")
    side.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
    print(
        f"{out}: DDL of {len(result.tables)} tables; {side}: tables (largest first) and "
        f"{len(result.review)} review item(s)"
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``extract`` sub-command."""
    p = subparsers.add_parser("extract", help="extract the source schema as DDL text")
    p.add_argument("--spec", required=True, help="migration spec file")
    p.add_argument("--out", required=True, help="DDL file to write (a .json table list is written beside it)")
    p.set_defaults(handler=_extract)
