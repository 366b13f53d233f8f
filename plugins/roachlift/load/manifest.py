"""Read a dump table's ``manifest.json`` (the dump → load contract in DEVELOPERS-CONTEXT.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roachlift.errors import RoachliftError


@dataclass(frozen=True)
class DataFile:
    """One CSV part of a table: absolute path, rows and bytes as the dump wrote them."""

    path: Path
    rows: int
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """What the dump wrote for one table."""

    path: Path
    table: str
    target_table: str
    columns: list[str]
    files: list[DataFile]
    rows: int
    bytes: int
    compression: str

    @property
    def gzip(self) -> bool:
        """True when the parts are gzip files."""
        return self.compression == "gzip" or any(f.path.suffix == ".gz" for f in self.files)


def read_manifest(path: Path) -> Manifest:
    """Parse ``<dir>/<table>/manifest.json``; a missing key or file is a :class:`RoachliftError`."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RoachliftError(f"{path}: cannot read the dump manifest: {exc}") from exc
    try:
        files = [
            DataFile(path=path.parent / f["path"], rows=int(f.get("rows", 0)), bytes=int(f.get("bytes", 0)))
            for f in data["files"]
        ]
        manifest = Manifest(
            path=path,
            table=str(data["table"]),
            target_table=str(data.get("target_table") or data["table"]),
            columns=[str(c) for c in data["columns"]],
            files=files,
            rows=int(data["rows"]),
            bytes=int(data.get("bytes", sum(f.bytes for f in files))),
            compression=str(data.get("compression", "none")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RoachliftError(f"{path}: manifest lacks or mistypes key {exc}") from exc
    missing = [str(f.path) for f in manifest.files if not f.path.is_file()]
    if missing:
        raise RoachliftError(f"{path}: data file(s) missing: {', '.join(missing)}")
    return manifest


def find_manifests(dump_dir: Path) -> list[Path]:
    """Every ``<dump_dir>/<table>/manifest.json``, sorted by table folder."""
    return sorted(dump_dir.glob("*/manifest.json"))
