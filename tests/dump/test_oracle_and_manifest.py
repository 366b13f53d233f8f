"""Oracle dump query/encoding (no server here) and the chunked writer's sizes and checksums."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from roachlift import csvfmt
from roachlift.dump import manifest
from roachlift.dump.manifest import ChunkedWriter
from roachlift.dump.oracle import encode_rows, select_statement


def test_oracle_flashback_query_and_utc_columns() -> None:
    query, utc = select_statement(
        "SHOP",
        "ORDERS",
        [("ORDER_ID", "NUMBER"), ("ORDERED_AT", "TIMESTAMP(6) WITH TIME ZONE"), ("N", "CLOB")],
    )
    assert query == (
        'SELECT "ORDER_ID", SYS_EXTRACT_UTC("ORDERED_AT"), "N" FROM "SHOP"."ORDERS" AS OF SCN :scn'
    )
    assert utc == [None, "utc", "lob"]


def test_oracle_rows_encode_to_the_csv_convention() -> None:
    rows = [
        (
            Decimal("10"),
            dt.datetime(2024, 1, 2, 3, 4, 5, 600000),
            dt.datetime(2024, 1, 2, 3, 4, 5),
            'a,"b"',
            None,
        ),
        (Decimal("-0.5"), dt.datetime(2024, 1, 2), None, "", b"\x01\xff"),
    ]
    text = encode_rows(rows, [False, False, True, False, False]).decode()
    assert text == (
        '10,2024-01-02 03:04:05.6,2024-01-02 03:04:05+00,"a,""b""",\n-0.5,2024-01-02 00:00:00,,"",\\x01ff\n'
    )
    assert [csvfmt.parse_line_fields(line) for line in text.splitlines()][1][2] is None


@pytest.mark.parametrize("deflate", ["zlib", "isal.isal_zlib"])
def test_chunked_writer_rotates_by_rows_and_megabytes_with_checksums(
    tmp_path: Path, deflate: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manifest, "DEFLATE", pytest.importorskip(deflate))
    row = b"x" * 1023 + b"\n"
    writer = ChunkedWriter(tmp_path / "t", "t", chunk_rows=1500, chunk_mb=1, compression="gzip")
    for _ in range(40):
        writer.write(row * 100, 100)
    files = writer.finish()
    assert sum(f.rows for f in files) == 4000 == writer.rows
    assert all(f.rows <= 1500 for f in files) and files[0].rows == 1100  # 1 MB reached first
    for f in files:
        data = (tmp_path / "t" / f.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256 and len(data) == f.bytes
        assert gzip.decompress(data).count(b"\n") == f.rows


def test_empty_table_gets_one_empty_part(tmp_path: Path) -> None:
    writer = ChunkedWriter(tmp_path / "e", "e", chunk_rows=10, chunk_mb=1)
    (part,) = writer.finish()
    assert part.rows == 0 and part.bytes == 0 and (tmp_path / "e" / part.path).exists()


def test_chunked_writer_exact_cuts_and_range_prefix(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "part-00009.csv").write_bytes(b"stale\n")
    (folder / "range002-00001.csv").write_bytes(b"stale\n")
    (folder / "keep.txt").write_bytes(b"")
    writer = ChunkedWriter(folder, "w", chunk_rows=3, chunk_mb=1)  # cleans old parts only
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    assert (writer.rows_left, writer.bytes_left) == (3, 1024 * 1024)
    writer.write(b"a\n", 1)
    assert (writer.rows_left, writer.bytes_left) == (2, 1024 * 1024 - 2)
    writer.write(b"b\nc\n", 2)  # third row: the part closes
    assert (writer.rows_left, writer.bytes_left) == (3, 1024 * 1024)
    ranged = ChunkedWriter(folder, "w", 10, 1, prefix="range001", clean=False, progress=writer.progress)
    ranged.write(bytearray(b"d\n"), 1)
    assert [f.path for f in writer.finish()] == ["part-00001.csv"]
    assert [(f.path, f.rows) for f in ranged.finish()] == [("range001-00001.csv", 1)]
    assert writer.progress.rows == 4 and writer.progress.raw_bytes == 8
