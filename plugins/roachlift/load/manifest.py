"""Read a dump table's ``manifest.json`` (the dump → load contract in DEVELOPERS-CONTEXT.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roachlift.dump.manifest import TableManifest
from roachlift.errors import RoachliftError
from roachlift.load.progress import dump_identity


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
    #: target column names in file order
    columns: list[str]
    files: list[DataFile]
    rows: int
    bytes: int
    compression: str
    #: The dump's identity (:func:`roachlift.load.progress.dump_identity`): keys load progress.
    identity: str = ""

    @property
    def gzip(self) -> bool:
        """True when the parts are gzip files."""
        return self.compression == "gzip" or any(f.path.suffix == ".gz" for f in self.files)


def read_manifest(path: Path) -> Manifest:
    """Parse ``<dir>/<table>/manifest.json`` (written by :mod:`roachlift.dump.manifest`) into the
    loader's view: absolute part paths, each checked to exist. A missing key or file is a
    :class:`RoachliftError` naming the manifest."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RoachliftError(f"{path}: cannot read the dump manifest: {exc}") from exc
    try:
        dumped = TableManifest.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise RoachliftError(f"{path}: manifest lacks or mistypes a key ({exc})") from exc
    files = [DataFile(path=path.parent / f.path, rows=f.rows, bytes=f.bytes) for f in dumped.files]
    manifest = Manifest(
        path=path,
        table=dumped.table,
        target_table=dumped.target_table or dumped.table,
        # the target's names (roachlift.naming); manifests older than target_columns: as dumped
        columns=list(dumped.target_columns or dumped.columns),
        files=files,
        rows=dumped.rows,
        bytes=dumped.bytes or sum(f.bytes for f in files),
        compression=dumped.compression,
        identity=dump_identity(data),
    )
    missing = [str(f.path) for f in manifest.files if not f.path.is_file()]
    if missing:
        raise RoachliftError(f"{path}: data file(s) missing: {', '.join(missing)}")
    return manifest


def find_manifests(dump_dir: Path) -> list[Path]:
    """Every ``<dump_dir>/<table>/manifest.json``, sorted by table folder."""
    return sorted(dump_dir.glob("*/manifest.json"))
