"""The ``roachlift`` command line: one sub-command per step of the chain, over the core.

Each concern adds its sub-commands in its own ``cli`` module (``roachlift.<concern>.cli``) with a
``register(subparsers)`` function; this module only wires them together and turns
:class:`~roachlift.errors.RoachliftError` into a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from roachlift import __version__
from roachlift.config.spec import load_spec, spec_files, validate_spec_file
from roachlift.errors import RoachliftError

#: Concern modules that contribute sub-commands, in the order of the chain.
COMMAND_MODULES = (
    "roachlift.extract.cli",
    "roachlift.convert.cli",
    "roachlift.dump.cli",
    "roachlift.load.cli",
    "roachlift.cdc.cli",
    "roachlift.verify.cli",
    "roachlift.estimate",
    "roachlift.cutover_cli",
)

Handler = Callable[[argparse.Namespace], int]


def _validate_spec(args: argparse.Namespace) -> int:
    """Print every problem of each spec with its key path; exit 1 if any."""
    paths: list[Path] = [Path(p) for p in args.files] or spec_files()
    if not paths:
        print("no spec files given and none found in the migrations folder", file=sys.stderr)
        return 1
    bad = 0
    for path in paths:
        problems = validate_spec_file(path)
        if problems:
            bad += 1
            print(f"{path}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  {problem}")
        else:
            spec = load_spec(path)
            print(f"{path}: ok ({spec.source.kind} -> {spec.target.dialect}, DAG {spec.dag_id})")
    return 1 if bad else 0


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full argument parser, with every concern's sub-commands (or only those of the concern
    module ``only``: a command then starts without importing the other concerns)."""
    parser = argparse.ArgumentParser(
        prog="roachlift",
        description="Migrate Oracle, MySQL/MariaDB and PostgreSQL databases onto CockroachDB.",
    )
    parser.add_argument("--version", action="version", version=f"roachlift {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("validate-spec", help="check migration spec files and print every problem")
    p.add_argument("files", nargs="*", help="spec files (default: every spec in the migrations folder)")
    p.set_defaults(handler=_validate_spec)
    for name in COMMAND_MODULES:
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    parser.set_defaults(_commands=frozenset(sub.choices))
    return parser


def _parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser for ``argv``: only the guessed concern's commands (``load-phase`` → load) when
    the command is among them, else every command."""
    command = next((a for a in argv if not a.startswith("-")), "")
    owner = f"roachlift.{command.split('-')[0]}.cli"
    if owner in COMMAND_MODULES:
        parser = build_parser(owner)
        if command in parser.get_default("_commands"):
            return parser
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m roachlift``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser_for(argv).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except RoachliftError as exc:
        print(f"roachlift {args.command}: error: {exc}", file=sys.stderr)
        return 2
