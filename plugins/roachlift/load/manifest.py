"""Read a dump table's ``manifest.json`` (the dump → load contract in DEVELOPERS-CONTEXT.md)."""

from __future__ import annotations

from dataclasses import dataclass

from roachlift import storage
from roachlift.dump.manifest import read_manifest
from roachlift.errors import RoachliftError
from roachlift.load.progress import dump_identity
from roachlift.storage import StoragePath


@dataclass(frozen=True)
class DataFile:
    """One CSV part of a table: absolute path (a folder's or object storage's), rows and bytes as
    the dump wrote them."""

    path: StoragePath
    rows: int
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """What the dump wrote for one table."""

    path: StoragePath
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

    @classmethod
    def read(cls, path: StoragePath) -> Manifest:
        """The loader's view of ``<dir>/<table>/manifest.json`` (read by
        :func:`roachlift.dump.manifest.read_manifest`): absolute part paths, each checked to exist.
        A missing key or file is a :class:`RoachliftError` naming the manifest."""
        dumped = read_manifest(path)
        files = [DataFile(path=path.parent / f.path, rows=f.rows, bytes=f.bytes) for f in dumped.files]
        manifest = cls(
            path=path,
            table=dumped.table,
            target_table=dumped.target_table or dumped.table,
            # the target's names (roachlift.naming); manifests older than target_columns: as dumped
            columns=list(dumped.target_columns or dumped.columns),
            files=files,
            rows=dumped.rows,
            bytes=dumped.bytes or sum(f.bytes for f in files),
            compression=dumped.compression,
            identity=dump_identity(dumped.to_json()),
        )
        present = {p.name for p in storage.files(path.parent, "*")}  # one listing, not one per part
        missing = [storage.describe(f.path) for f in manifest.files if f.path.name not in present]
        if missing:
            raise RoachliftError(f"{storage.describe(path)}: data file(s) missing: {', '.join(missing)}")
        return manifest


def find_manifests(dump_dir: StoragePath) -> list[StoragePath]:
    """Every ``<dump_dir>/<table>/manifest.json``, sorted by table folder."""
    return storage.files(dump_dir, "*/manifest.json")
