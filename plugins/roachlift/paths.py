"""Where the project's non-Python files live (``include/sql``, ``include/migrations``)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

INCLUDE_DIR_ENV = "ROACHLIFT_INCLUDE_DIR"


def include_dir() -> Path:
    """``$ROACHLIFT_INCLUDE_DIR`` or the repository's ``include/`` next to ``plugins/``."""
    env = os.environ.get(INCLUDE_DIR_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "include"


@cache
def sql_text(name: str) -> str:
    """The text of ``include/sql/<name>`` (e.g. ``postgres/tables.sql``)."""
    return (include_dir() / "sql" / name).read_text(encoding="utf-8")
