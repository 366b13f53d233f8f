"""The converter's dependency runs one way: the engine imports the rules, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import roachlift.convert

CONVERT = Path(roachlift.convert.__file__).parent
#: modules the engine imports (directly or through a rules module): none may import the engine back
RULES_SIDE = ["rules.py", "oracle.py", "mysql.py", "postgres.py", "crdb_compat.py", "model.py", "dialect.py"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", RULES_SIDE)
def test_rules_side_never_imports_the_engine(module: str) -> None:
    imported = _imports(CONVERT / module)
    assert "roachlift.convert.engine" not in imported, f"{module} imports the engine (a cycle)"


def test_the_engine_imports_the_rules() -> None:
    # the check above is only meaningful while this direction holds
    assert "roachlift.convert.rules" in _imports(CONVERT / "engine.py")
