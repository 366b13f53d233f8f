"""PostgreSQL dump streaming: ctid-range splitting gives exactly the rows (and bytes) of one stream,
and part files are cut on row boundaries (rows with embedded newlines included), by rows or MB."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import logging
import re
from pathlib import Path
from typing import Any

import psycopg
import pytest
from dump_helpers import pg_conninfo

from roachlift.dump import manifest, postgres
from roachlift.dump.manifest import TableManifest, read_manifest, table_dir_name
from roachlift.dump.snapshot import Snapshot, open_postgres_snapshot
from roachlift.errors import RoachliftError
from roachlift.testing import PostgresServer

#: Rows of the test table: text with newlines, quotes, commas, CR, empty strings and NULLs.
ROWS = 6000

FILL = f"""
CREATE TABLE t (id int PRIMARY KEY, txt text, b bytea, pad text);
INSERT INTO t SELECT g,
    CASE g % 7 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'two' || chr(10) || 'lines, "quoted"'
                WHEN 3 THEN 'cr' || chr(13) || chr(10) || 'lf' ELSE 'row ' || g END,
    decode(lpad(to_hex(g), 8, '0'), 'hex'),
    repeat('x', 150)
FROM generate_series(1, {ROWS}) g;
DELETE FROM t WHERE id % 97 = 0;
UPDATE t SET txt = 'moved' || chr(10) || 'row' WHERE id % 89 = 0;
"""


def _parts(out: Path, m: TableManifest) -> list[bytes]:
    """Each part's uncompressed CSV bytes, in manifest order."""
    folder = out / table_dir_name("public.t")
    return [
        gzip.decompress(data) if f.path.endswith(".gz") else data
        for f in m.files
        for data in [(folder / f.path).read_bytes()]
    ]


def _check_parts(out: Path, m: TableManifest) -> list[bytes]:
    """Parts are numbered 1..n, sizes and checksums match the disk, and each part is whole CSV rows."""
    folder = out / table_dir_name("public.t")
    assert [f.path.split(".")[0] for f in m.files] == [f"part-{n:05d}" for n in range(1, len(m.files) + 1)]
    assert sorted(p.name for p in folder.glob("*.csv*")) == sorted(f.path for f in m.files)
    parts = _parts(out, m)
    for f, raw in zip(m.files, parts, strict=True):
        data = (folder / f.path).read_bytes()
        assert len(data) == f.bytes and hashlib.sha256(data).hexdigest() == f.sha256
        records = list(csv.reader(io.StringIO(raw.decode(), newline="")))
        assert len(records) == f.rows == len(_row_ends(raw)) and all(len(r) == 4 for r in records)
        assert f.rows == 0 or _row_ends(raw)[-1] == len(raw)
    assert sum(f.rows for f in m.files) == m.rows
    return parts


def _dump(
    conn: psycopg.Connection[Any],
    snap: Snapshot,
    out: Path,
    split: int,
    chunk_rows: int = 10**9,
    chunk_mb: int = 1000,
    compression: str = "none",
) -> TableManifest:
    return postgres.dump_table(
        conn, "public.t", out, snapshot=snap, target_table="public.t", split=split,
        chunk_rows=chunk_rows, chunk_mb=chunk_mb, compression=compression,
    )  # fmt: skip


def _row_ends(raw: bytes) -> list[int]:
    """Offsets just after each row's newline (newlines inside quotes are not row ends)."""
    ends, quoted = [], False
    for i, c in enumerate(raw):
        if c == 34:
            quoted = not quoted
        elif c == 10 and not quoted:
            ends.append(i + 1)
    return ends


def test_block_ranges_cover_every_tid() -> None:
    assert postgres.block_ranges(100_000, 1) == [(None, None)]
    assert postgres.block_ranges(3000, 4, 2048) == [(None, None)]  # too small for two ranges
    ranges = postgres.block_ranges(10_000, 4, 2048)
    assert ranges == [(None, 2500), (2500, 5000), (5000, 7500), (7500, None)]
    assert postgres.block_ranges(5000, 8, 2048) == [(None, 2500), (2500, None)]
    stmt = postgres.copy_statement("s.t", [("a", "int", "int4", False)], (10, 20))
    assert stmt.as_string() == (
        """COPY (SELECT "a" FROM "s"."t" WHERE ctid >= '(10,0)'::tid AND ctid < '(20,0)'::tid)"""
        " TO STDOUT (FORMAT csv)"
    )


def test_ctid_ranges_give_exactly_the_rows_of_one_stream(
    pg_server: PostgresServer,
    pg_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(FILL)
        pages = conn.execute("SELECT pg_relation_size('t') / 8192").fetchone()[0]  # type: ignore[index]
    monkeypatch.setattr(postgres, "MIN_RANGE_PAGES", max(pages // 8, 1))
    conninfo = pg_conninfo(pg_server, pg_db)
    with open_postgres_snapshot(conninfo, None) as snap:
        with psycopg.connect(pg_db, autocommit=True) as other:  # committed after the snapshot: absent
            other.execute("INSERT INTO t VALUES (900001, 'late', NULL, ''), (900002, 'late', NULL, '')")
            other.execute("DELETE FROM t WHERE id = 5")
        conn = postgres.worker_connection(conninfo, snap)
        try:
            info = postgres.relation_info(conn, "public.t")
            assert info is not None and info.plain and info.pages == pages
            assert len(postgres.plan_ranges(conn, info, 4)) == 4
            one = _dump(conn, snap, tmp_path / "one", 1)
            monkeypatch.setattr(manifest, "PROGRESS_EVERY_S", 0.0)
            with caplog.at_level(logging.INFO, logger="roachlift.dump.manifest"):
                first = len(caplog.records)  # Airflow's logging setup may capture the other dumps' lines too
                split = _dump(conn, snap, tmp_path / "split", 4, chunk_rows=700)
                split_records = caplog.records[first:]
            gz = _dump(conn, snap, tmp_path / "gz", 3, compression="gzip")
        finally:
            conn.close()
    expected = ROWS - ROWS // 97
    assert one.rows == split.rows == gz.rows == expected
    assert len(one.files) == 1 and len(split.files) >= 4 and len(gz.files) == 3
    assert all(f.rows <= 700 for f in split.files)
    whole = b"".join(_check_parts(tmp_path / "one", one))
    assert b"".join(_check_parts(tmp_path / "split", split)) == whole
    assert b"".join(_check_parts(tmp_path / "gz", gz)) == whole
    assert all(f.path.endswith(".csv.gz") for f in gz.files)
    ids = [int(r[0]) for r in csv.reader(io.StringIO(whole.decode(), newline=""))]
    assert len(ids) == len(set(ids)) == expected and 5 in ids and 900001 not in ids
    assert read_manifest(tmp_path / "split" / table_dir_name("public.t")).files == split.files
    # one progress line per write, counting the rows of all ranges together
    counts = [
        int(re.search(r"([\d,]+)(?:/[\d,]+)? rows", r.getMessage()).group(1).replace(",", ""))  # type: ignore[union-attr]
        for r in split_records
        if r.name == "roachlift.dump.manifest"
    ]
    assert len(counts) >= len(split.files) and counts == sorted(counts) and counts[-1] == expected


def test_parts_are_cut_after_the_row_reaching_the_limit(
    pg_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(FILL)
        conn.execute("UPDATE t SET pad = repeat('y' || chr(10), 200) WHERE id % 3 = 0")  # ~1.5 MB
    conninfo = pg_conninfo(pg_server, pg_db)
    with open_postgres_snapshot(conninfo, None) as snap:
        conn = postgres.worker_connection(conninfo, snap)
        try:
            by_rows = _dump(conn, snap, tmp_path / "rows", 1, chunk_rows=7)
            by_mb = _dump(conn, snap, tmp_path / "mb", 1, chunk_mb=1, compression="gzip")
            whole = _dump(conn, snap, tmp_path / "whole", 1)
        finally:
            conn.close()
    all_bytes = b"".join(_check_parts(tmp_path / "whole", whole))
    assert [f.rows for f in by_rows.files[:-1]] == [7] * (len(by_rows.files) - 1)
    assert b"".join(_check_parts(tmp_path / "rows", by_rows)) == all_bytes
    parts = _check_parts(tmp_path / "mb", by_mb)
    assert b"".join(parts) == all_bytes and len(parts) >= 2
    limit = 1024 * 1024
    for raw in parts[:-1]:
        ends = _row_ends(raw)
        assert ends[-1] == len(raw) >= limit > ends[-2]  # the part ends with the row that reached 1 MB
    assert len(parts[-1]) < limit


def test_plain_tables_use_copy_table_and_parents_keep_their_children_rows(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path
) -> None:
    cols = [("a", "int", "int4", False), ("g", "int", "int4", True), ("m", "money", "money", False)]
    assert postgres.copy_statement("s.t", cols[:2], plain=True).as_string() == (
        'COPY "s"."t" ("a") TO STDOUT (FORMAT csv)'
    )
    assert postgres.copy_statement("s.t", cols, plain=True).as_string() == (
        'COPY (SELECT "a", "m"::numeric AS "m" FROM "s"."t") TO STDOUT (FORMAT csv)'
    )
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE parent (id int, note text);"
            "CREATE TABLE child (extra int) INHERITS (parent);"
            "CREATE TABLE part (id int) PARTITION BY RANGE (id);"
            "CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (0) TO (10);"
            "INSERT INTO parent VALUES (1, 'p'); INSERT INTO child VALUES (2, 'c', 9);"
            "INSERT INTO part VALUES (3), (4);"
        )
    conninfo = pg_conninfo(pg_server, pg_db)
    with open_postgres_snapshot(conninfo, None) as snap:
        conn = postgres.worker_connection(conninfo, snap)
        try:
            kinds = {t: postgres.relation_info(conn, f"public.{t}") for t in ("parent", "child", "part")}
            got = {
                t: postgres.dump_table(
                    conn, f"public.{t}", tmp_path, snapshot=snap, target_table=t, chunk_rows=10,
                    chunk_mb=1, compression="none", split=4,
                )
                for t in ("parent", "child", "part")
            }  # fmt: skip
        finally:
            conn.close()
    assert [k.plain if k else None for k in kinds.values()] == [False, True, False]
    assert {t: m.rows for t, m in got.items()} == {"parent": 2, "child": 1, "part": 2}
    assert (tmp_path / table_dir_name("public.parent") / "part-00001.csv").read_text() == "1,p\n2,c\n"
    assert (tmp_path / table_dir_name("public.part") / "part-00001.csv").read_text() == "3\n4\n"


def test_a_failing_range_leaves_no_files_and_names_the_table(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(FILL)
    monkeypatch.setattr(postgres, "MIN_RANGE_PAGES", 1)
    conninfo = pg_conninfo(pg_server, pg_db)
    with open_postgres_snapshot(conninfo, None) as snap:
        conn = postgres.worker_connection(conninfo, snap)
        try:
            good = _dump(conn, snap, tmp_path, 3)
            assert len(good.files) == 3
            # the range connections cannot import this snapshot: every range fails
            gone = Snapshot("postgres", {**snap.position, "snapshot": "00000003-000000FF-1"})
            with pytest.raises(RoachliftError, match=r"dump of public\.t failed: .*snapshot"):
                _dump(conn, gone, tmp_path, 3)
        finally:
            conn.close()
    assert list((tmp_path / table_dir_name("public.t")).iterdir()) == []
