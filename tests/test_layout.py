"""Project layout rules: only roachlift.airflow imports Airflow; the CLI wires every concern."""

from __future__ import annotations

import ast
from pathlib import Path

from roachlift.cli import build_parser

PKG = Path(__file__).resolve().parents[1] / "plugins" / "roachlift"
CORE = ("config", "extract", "convert", "dump", "load", "cdc", "verify", "target")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_packages_exist() -> None:
    for name in (*CORE, "airflow"):
        assert (PKG / name / "__init__.py").is_file(), name


def test_no_airflow_import_outside_roachlift_airflow() -> None:
    offenders = []
    for path in PKG.rglob("*.py"):
        if (PKG / "airflow") in path.parents or (PKG / "testing") in path.parents:
            continue  # the Airflow layer, and the harness that drives Airflow in tests and the demo
        bad = {m for m in _imports(path) if m == "airflow" or m.startswith("airflow.")}
        if bad:
            offenders.append(f"{path.relative_to(PKG)}: {sorted(bad)}")
    assert offenders == []


def test_cli_has_validate_spec() -> None:
    parser = build_parser()
    args = parser.parse_args(["validate-spec", "x.yaml"])
    assert args.command == "validate-spec" and args.files == ["x.yaml"]


def test_cli_builds_only_the_commands_concern_and_falls_back_to_all() -> None:
    from roachlift.cli import _parser_for

    verify = _parser_for(["verify", "--spec", "s.yaml"])
    assert "verify" in verify.get_default("_commands")
    assert "convert" not in verify.get_default("_commands")  # sqlglot etc. not imported for it
    assert _parser_for(["load-phase", "x.sql"]).parse_args(["load-phase", "x.sql"]).command == "load-phase"
    everything = _parser_for(["validate-spec"]).get_default("_commands")
    assert {"validate-spec", "verify", "convert", "dump", "load"} <= everything
