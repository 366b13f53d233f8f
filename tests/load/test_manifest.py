"""The loader reads the dump's manifest.json through the dump's own model, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roachlift.dump.manifest import PartFile, TableManifest
from roachlift.errors import RoachliftError
from roachlift.load.manifest import Manifest


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "part-00001.csv").write_text("1,a\n2,b\n")
    manifest = TableManifest(
        table="sakila.actor",
        target_table="public.actor",
        columns=["id", "name"],
        files=[PartFile("part-00001.csv", 2, 8, "0" * 64)],
        rows=2,
        bytes=8,
    )
    return manifest.write(folder)


def test_dump_manifest_reads_back_as_the_loader_view(tmp_path: Path) -> None:
    path = _write(tmp_path / "sakila.actor")
    m = Manifest.read(path)
    assert (m.table, m.target_table, m.columns, m.rows, m.bytes) == (
        "sakila.actor",
        "public.actor",
        ["id", "name"],
        2,
        8,
    )
    assert m.files[0].path == tmp_path / "sakila.actor" / "part-00001.csv" and not m.gzip


def test_missing_key_and_missing_file_name_the_manifest(tmp_path: Path) -> None:
    path = _write(tmp_path / "t")
    data = json.loads(path.read_text())
    del data["columns"]
    path.write_text(json.dumps(data))
    with pytest.raises(RoachliftError, match=r"t/manifest.json: manifest lacks or mistypes a key"):
        Manifest.read(path)
    path = _write(tmp_path / "u")
    (tmp_path / "u" / "part-00001.csv").unlink()
    with pytest.raises(RoachliftError, match=r"data file\(s\) missing: .*part-00001.csv"):
        Manifest.read(path)
