"""MySQL dump split into primary-key ranges: worker transactions of one snapshot dump the ranges in
parallel, and the renamed parts hold exactly the bytes of one stream — rows written after the
snapshot absent; a failing range leaves no file behind and the worker transactions usable."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pymysql
import pytest
from dump_helpers import make_spec

from roachlift.config.connections import parse_uri
from roachlift.dump import dump_database, manifest, mysql
from roachlift.dump.manifest import TableManifest, read_manifest, table_dir_name
from roachlift.dump.snapshot import Snapshot, open_mysql_snapshot
from roachlift.errors import RoachliftError
from roachlift.testing import MariaDBServer
from roachlift.values import ValueRules

ROWS = 3000
#: The table holds NUL characters and zero dates: here they are loaded changed (counted).
LOSSY = ValueRules(nul_in_text="strip", zero_dates="null")
LOSSY_SPEC = {"nul_in_text": "strip", "zero_dates": "null"}
TEXTS = [None, "", 'q"uote', "com,ma", "new\nline", "cr\r\n", "ünï ✓", "NULL", "nul\x00char", "\\N"]
DDL = """
CREATE TABLE t (
    id BIGINT PRIMARY KEY, s VARCHAR(50), b VARBINARY(8), ts TIMESTAMP(3) NULL DEFAULT NULL,
    d DATETIME NULL, f DOUBLE, j JSON
) ENGINE=InnoDB
"""


def _row(i: int) -> tuple[Any, ...]:
    return (
        i,
        TEXTS[i % len(TEXTS)],
        None if i % 11 == 0 else bytes([i % 256, 0, 34, 44, 10]),
        "0000-00-00 00:00:00" if i % 13 == 0 else None if i % 17 == 0 else "2021-03-04 05:06:07.125",
        "2020-00-05 00:00:00" if i % 19 == 0 else "1999-12-31 23:59:59",
        i / 7,
        '{"k": "v\\u0000", "n": [1, null]}' if i % 23 == 0 else None,
    )


def _fill(server: MariaDBServer, db: str) -> None:
    """Rows with negative keys, gaps and tricky values; statistics refreshed for TABLE_ROWS."""
    ids = [i * 3 - 2001 for i in range(ROWS)]  # -2001 .. 6996, step 3 (gaps for later inserts)
    conn = pymysql.connect(**server.connect_kwargs(db))  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(DDL)
        cur.executemany("INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s, %s)", [_row(i) for i in ids])
        cur.execute("CREATE TABLE two_keys (a INT, b INT, PRIMARY KEY (a, b))")
        cur.executemany("INSERT INTO two_keys VALUES (%s, %s)", [(i, i) for i in range(500)])
        cur.execute("ANALYZE TABLE t, two_keys")
        cur.fetchall()
    conn.commit()
    conn.close()


def _write_after_snapshot(server: MariaDBServer, db: str) -> None:
    conn = pymysql.connect(**server.connect_kwargs(db))  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO t (id, s) VALUES (%s, 'late')", [(-5000,), (1,), (4000,), (99999,)])
        cur.execute("UPDATE t SET s = 'changed' WHERE id = 999")
        cur.execute("DELETE FROM t WHERE id = 2001")
    conn.commit()
    conn.close()


def _bytes(folder: Path, m: TableManifest) -> bytes:
    """The parts in manifest order, after checking names, sizes and checksums against the disk."""
    assert [f.path for f in m.files] == [f"part-{n:05d}.csv" for n in range(1, len(m.files) + 1)]
    assert sorted(p.name for p in folder.glob("*.csv*")) == [f.path for f in m.files]
    out = b""
    for f in m.files:
        data = (folder / f.path).read_bytes()
        assert len(data) == f.bytes and hashlib.sha256(data).hexdigest() == f.sha256
        assert data.count(b"\n") >= f.rows
        out += data
    assert sum(f.rows for f in m.files) == m.rows and sum(f.bytes for f in m.files) == m.bytes
    return out


def _dump(conn: Any, snap: Snapshot, db: str, out: Path, split: int, table: str = "t") -> TableManifest:
    return mysql.dump_table(
        conn, f"{db}.{table}", out, snapshot=snap, default_schema=db, target_table=f"public.{table}",
        chunk_rows=700, chunk_mb=1000, compression="none", split=split, rules=LOSSY,
    )  # fmt: skip


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges of 500 rows may be split off (the default minimum is far above the test table)."""
    monkeypatch.setattr(mysql, "MIN_RANGE_ROWS", 500)


def test_split_matches_one_stream_under_one_snapshot(
    mariadb_server: MariaDBServer,
    mysql_db: str,
    tmp_path: Path,
    small_ranges: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _fill(mariadb_server, mysql_db)
    conninfo = parse_uri(mariadb_server.uri(mysql_db))
    with open_mysql_snapshot(conninfo, 4) as snap:
        _write_after_snapshot(mariadb_server, mysql_db)
        conn = snap.take_worker()
        one = _dump(conn, snap, mysql_db, tmp_path / "one", split=1)
        with caplog.at_level(logging.INFO, logger="roachlift.dump.mysql"):
            three = _dump(conn, snap, mysql_db, tmp_path / "three", split=3)
        assert "as 3 primary-key ranges" in caplog.text
        assert snap.worker_count == 3  # the borrowed worker transactions were given back
        composite = _dump(conn, snap, mysql_db, tmp_path / "two", split=3, table="two_keys")
        snap.give_back(conn)
    assert "two_keys as" not in caplog.text and composite.rows == 500  # no single integer key: no split
    folder = table_dir_name(f"{mysql_db}.t")
    single = _bytes(tmp_path / "one" / folder, one)
    split = _bytes(tmp_path / "three" / folder, three)
    assert split == single and one.rows == three.rows == ROWS
    assert one.changed == three.changed and one.changed["zero date loaded as NULL"] > 0 and one.rejected == 0
    assert len(three.files) >= 6  # each of 3 ranges of ~1000 rows cut at 700 rows
    assert b"late" not in split and b"changed" not in split
    assert split.startswith(b'-2001,"') and b'\n2001,"",\\xd100222c0a,' in split
    assert b'"nul' + b'char"' in split and b"\x00" not in split
    assert b",0000-00-00" not in split and b"2021-03-04 05:06:07.125+00" in split
    assert read_manifest(tmp_path / "three" / folder).files == three.files


def test_dump_database_splits_and_opens_enough_workers(
    mariadb_server: MariaDBServer, mysql_db: str, tmp_path: Path, small_ranges: None
) -> None:
    _fill(mariadb_server, mysql_db)
    conninfo = parse_uri(mariadb_server.uri(mysql_db))
    one = dump_database(
        make_spec("split1", "mysql", [mysql_db], LOSSY_SPEC, parallelism=1), conninfo, tmp_path / "a", ["t"]
    )
    four = dump_database(
        make_spec("split4", "mysql", [mysql_db], LOSSY_SPEC, parallelism=4), conninfo, tmp_path / "b", ["t"]
    )
    folder = table_dir_name(f"{mysql_db}.t")
    ones = b"".join((tmp_path / "a" / folder / f.path).read_bytes() for f in one.tables[0].files)
    fours = b"".join((tmp_path / "b" / folder / f.path).read_bytes() for f in four.tables[0].files)
    assert ones == fours and four.rows == ROWS
    assert len(four.tables[0].files) == 4  # one part per range (chunk_rows is large by default)


def test_failing_range_cleans_up(
    mariadb_server: MariaDBServer,
    mysql_db: str,
    tmp_path: Path,
    small_ranges: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fill(mariadb_server, mysql_db)
    conninfo = parse_uri(mariadb_server.uri(mysql_db))
    write = manifest.ChunkedWriter.write

    def failing(self: manifest.ChunkedWriter, data: bytes | bytearray, rows: int) -> None:
        if self.prefix == "range002":
            raise OSError(28, "No space left on device", str(self.folder / "range002-00001.csv"))
        write(self, data, rows)

    with open_mysql_snapshot(conninfo, 3) as snap:
        conn = snap.take_worker()
        monkeypatch.setattr(manifest.ChunkedWriter, "write", failing)
        with pytest.raises(RoachliftError, match=rf"dump of {mysql_db}\.t: cannot write .*range002"):
            _dump(conn, snap, mysql_db, tmp_path, split=3)
        folder = tmp_path / table_dir_name(f"{mysql_db}.t")
        assert list(folder.iterdir()) == []  # no part, range file or manifest left
        assert snap.worker_count == 2
        monkeypatch.setattr(manifest.ChunkedWriter, "write", write)
        again = _dump(conn, snap, mysql_db, tmp_path, split=3)  # the transactions are still usable
        snap.give_back(conn)
    assert again.rows == ROWS and len(again.files) >= 6
