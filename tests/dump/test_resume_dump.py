"""A dump cut off mid-table resumes by finished part while its snapshot is held (issue 20).

The source session reading a table is really killed on the server (``pg_terminate_backend`` /
``KILL CONNECTION``) right after a part file was finished; the next try under the same snapshot must
leave the finished part files untouched (same inode, same mtime), redo the part that was cut off,
and end with exactly the files of a clean dump. Once the snapshot is closed, nothing is resumed: the
table is dumped again from scratch and the log says so.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
from dump_helpers import pg_conninfo

from roachlift import dump
from roachlift.config.connections import ConnInfo, parse_uri
from roachlift.config.spec import MigrationSpec, parse_spec
from roachlift.dump import manifest, postgres
from roachlift.dump.manifest import TableManifest, table_dir_name
from roachlift.dump.runner import DumpInterrupted
from roachlift.testing import MariaDBServer, PostgresServer

PG_ROWS = 200_000
MY_ROWS = 100_000
CHUNK = 5_000


def _spec(kind: str, schema: str, parallelism: int = 1) -> MigrationSpec:
    return parse_spec(
        {
            "name": f"resume_{kind}",
            "source": {"kind": kind, "conn_id": "src", "schemas": [schema]},
            "target": {"conn_id": "dst", "database": "t"},
            "dump": {"compression": "gzip", "parallelism": parallelism, "chunk_rows": CHUNK},
            "cdc": {"enabled": False},
        }
    )


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """name -> (inode, mtime_ns) of the folder's part files."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if ".csv" in p.name}


def _content(folder: Path, m: TableManifest) -> list[tuple[str, int, str]]:
    """(name, rows, sha256 of the CSV bytes) of each part, checked against the manifest and disk."""
    out = []
    for f in m.files:
        data = (folder / f.path).read_bytes()
        assert len(data) == f.bytes and hashlib.sha256(data).hexdigest() == f.sha256
        out.append((f.path, f.rows, hashlib.sha256(manifest.DEFLATE.decompress(data, 47)).hexdigest()))
    return out


@contextmanager
def _kill_after_part(n: int, kill: Callable[[], None], prefix: str = "") -> Iterator[dict[str, Any]]:
    """Kill the reading session (really, on the server) once, right after the ``n``-th part file
    whose name starts with ``prefix`` is finished; yields ``finished``: (inode, mtime_ns) of every
    part finished before the kill, by name."""
    seen: dict[str, Any] = {"paths": [], "finished": None}
    names: dict[int, Path] = {}
    open_part, finish = manifest.open_part, manifest.finish_part
    lock = threading.Lock()

    def opening(folder: Path, name: str) -> Any:
        fh = open_part(folder, name)
        names[id(fh)] = folder / name
        return fh

    def finishing(fh: Any) -> None:
        finish(fh)
        with lock:
            seen["paths"].append(names.pop(id(fh)))
            if seen["finished"] is None and sum(p.name.startswith(prefix) for p in seen["paths"]) == n:
                seen["finished"] = {
                    p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in seen["paths"] if p.exists()
                }
                kill()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(manifest, "open_part", opening)
        mp.setattr(manifest, "finish_part", finishing)
        yield seen


def _pg_fill(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id int PRIMARY KEY, txt text, n numeric); "
            f"INSERT INTO big SELECT g, 'row ' || g || repeat('x', 200 + g % 50), g / 7.0 "
            f"FROM generate_series(1, {PG_ROWS}) g; ANALYZE big"
        )


def _pg_killer(dsn: str) -> Callable[[], None]:
    def kill() -> None:
        with psycopg.connect(dsn, autocommit=True) as admin:
            n = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY%%'"
            ).fetchone()
            assert n is not None and n[0] >= 1

    return kill


def _clean_dump(spec: MigrationSpec, conninfo: ConnInfo, out: Path) -> list[tuple[str, int, str]]:
    result = dump.dump_database(spec, conninfo, out)
    (m,) = result.tables
    return _content(out / table_dir_name(m.table), m)


def test_postgres_killed_mid_table_resumes_by_finished_part(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _pg_fill(pg_db)
    conninfo = pg_conninfo(pg_server, pg_db)
    spec = _spec("postgres", "public")
    folder = tmp_path / "resumed" / table_dir_name("public.big")
    caplog.set_level(logging.INFO)
    with _kill_after_part(3, _pg_killer(pg_db)) as seen:
        result = dump.dump_database(spec, conninfo, tmp_path / "resumed")
    before = seen["finished"]
    assert sorted(before) == ["part-00001.csv.gz", "part-00002.csv.gz", "part-00003.csv.gz"]
    after = _files(folder)
    assert {name: after[name] for name in before} == before  # not written again: same inode and mtime
    # rows already in the client's buffers may finish a few more parts before the kill is seen
    kept = re.search(r"resuming under the same snapshot: (\d+) finished part\(s\) kept", caplog.text)
    assert kept is not None and 3 <= int(kept.group(1)) < PG_ROWS // CHUNK
    assert "try 2 of 3 of public.big → public.big resumes under the same snapshot" in caplog.text
    (m,) = result.tables
    assert m.rows == PG_ROWS and len(m.files) == PG_ROWS // CHUNK
    assert _content(folder, m) == _clean_dump(spec, conninfo, tmp_path / "clean")


def test_postgres_ranges_resume_and_a_finished_range_is_not_read_again(
    pg_server: PostgresServer,
    pg_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _pg_fill(pg_db)
    monkeypatch.setattr(postgres, "MIN_RANGE_PAGES", 64)
    conninfo = pg_conninfo(pg_server, pg_db)
    spec = _spec("postgres", "public", parallelism=4)
    folder = tmp_path / "resumed" / table_dir_name("public.big")
    copies: list[str] = []
    first_done = threading.Event()
    stream = postgres._stream_copy

    def ordered(conn: Any, stmt: Any, writer: Any) -> None:
        """The first range runs alone and ends before the others start (then one of them is killed)."""
        text = stmt.as_string(conn)
        copies.append(text)
        if "ctid >=" not in text:
            stream(conn, stmt, writer)
            first_done.set()
        else:
            assert first_done.wait(60)
            stream(conn, stmt, writer)

    monkeypatch.setattr(postgres, "_stream_copy", ordered)
    caplog.set_level(logging.INFO)
    with _kill_after_part(1, _pg_killer(pg_db), prefix="range002") as seen:
        result = dump.dump_database(spec, conninfo, tmp_path / "resumed")
    (m,) = result.tables
    assert m.rows == PG_ROWS
    first = [c for c in copies if "ctid >=" not in c]
    assert len(first) == 1 and len(copies) == 4 + 3  # the finished first range was not read again
    before = {k: v for k, v in seen["finished"].items() if k.startswith(("range001", "range002"))}
    assert sum(k.startswith("range002") for k in before) == 1 and len(before) > 1
    # The parts finished before the kill are the renamed files now: same inodes, same mtimes.
    after = {ino: mtime for ino, mtime in _files(folder).values()}
    assert all(after.get(ino) == mtime for ino, mtime in before.values())
    assert "3 of 4 range(s)" not in caplog.text and "1 of 4 range(s) done" in caplog.text
    monkeypatch.setattr(postgres, "_stream_copy", stream)
    clean = _clean_dump(spec, conninfo, tmp_path / "clean")
    assert _content(folder, m) == clean


def test_explicit_rerun_resumes_and_a_closed_snapshot_means_from_scratch(
    pg_server: PostgresServer,
    pg_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _pg_fill(pg_db)
    conninfo = pg_conninfo(pg_server, pg_db)
    spec = _spec("postgres", "public")
    monkeypatch.setattr(dump, "TABLE_TRIES", 1)  # the first try's failure reaches the caller
    folder = tmp_path / table_dir_name("public.big")
    caplog.set_level(logging.INFO)
    with dump.open_snapshot(spec, conninfo) as snap:
        with _kill_after_part(2, _pg_killer(pg_db)), pytest.raises(DumpInterrupted) as failed:
            dump.dump_table(spec, conninfo, snap, "public.big", tmp_path)
        assert "dump of public.big failed" in str(failed.value)
        found = re.search(
            r"(\d+) finished part\(s\) kept for a new try while the snapshot is held", str(failed.value)
        )
        assert found is not None and int(found.group(1)) >= 2
        kept = _files(folder)
        # only finished parts are left: the one cut off mid-write is gone
        assert sorted(kept) == [f"part-{n:05d}.csv.gz" for n in range(1, int(found.group(1)) + 1)]
        # part 2 is damaged meanwhile: only part 1 is kept, part 2 is written again
        (folder / "part-00002.csv.gz").write_bytes(b"damaged")
        again = dump.dump_table(spec, conninfo, snap, "public.big", tmp_path)
        now = _files(folder)
        assert now["part-00001.csv.gz"] == kept["part-00001.csv.gz"]
        assert now["part-00002.csv.gz"] != kept["part-00002.csv.gz"]
        assert "part-00002.csv.gz changed since it was finished: dumped again" in caplog.text
        resumed = _content(folder, again)
        # interrupted again, then the snapshot is closed: the next dump starts from scratch
        with _kill_after_part(2, _pg_killer(pg_db)), pytest.raises(DumpInterrupted):
            dump.dump_table(spec, conninfo, snap, "public.big", tmp_path)
        kept = _files(folder)
    caplog.clear()
    assert not snap.held and snap.dump_records == {}
    with dump.open_snapshot(spec, conninfo) as other:
        fresh = dump.dump_table(spec, conninfo, other, "public.big", tmp_path)
    assert "not under this snapshot (it is no longer held): dumping the table again from scratch" in (
        caplog.text
    )
    now = _files(folder)
    assert all(now[name] != kept[name] for name in kept)  # every part written again
    assert _content(folder, fresh) == resumed


def _my_fill(server: MariaDBServer, db: str) -> None:
    conn = pymysql.connect(**server.connect_kwargs(db))
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE big (id INT PRIMARY KEY, txt VARCHAR(80), body TEXT) ENGINE=InnoDB")
        for start in range(0, MY_ROWS, 10_000):
            cur.executemany(
                "INSERT INTO big VALUES (%s, %s, %s)",
                [(i, f"row {i}", "y" * (100 + i % 90)) for i in range(start, start + 10_000)],
            )
    conn.commit()
    conn.close()


def test_mysql_killed_mid_table_resumes_on_a_worker_of_the_same_snapshot(
    mariadb_server: MariaDBServer, mysql_db: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _my_fill(mariadb_server, mysql_db)
    conninfo = parse_uri(mariadb_server.uri(mysql_db))
    spec = _spec("mysql", mysql_db, parallelism=2)  # one table: two worker transactions, one spare
    folder = tmp_path / "resumed" / table_dir_name(f"{mysql_db}.big")

    def kill() -> None:
        admin = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db))
        with admin.cursor() as cur:
            cur.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND INFO LIKE 'SELECT%%big%%'"
                " AND ID <> CONNECTION_ID()",
                (mysql_db,),
            )
            ids = [r[0] for r in cur.fetchall()]
            assert ids
            for i in ids:
                cur.execute(f"KILL CONNECTION {int(i)}")
        admin.close()

    caplog.set_level(logging.INFO)
    with _kill_after_part(4, kill) as seen:
        result = dump.dump_database(spec, conninfo, tmp_path / "resumed")
    before = seen["finished"]
    assert len(before) == 4
    after = _files(folder)
    assert {name: after[name] for name in before} == before
    kept = re.search(r"resuming under the same snapshot: (\d+) finished part\(s\) kept", caplog.text)
    assert kept is not None and 4 <= int(kept.group(1)) < MY_ROWS // CHUNK
    (m,) = result.tables
    assert m.rows == MY_ROWS and m.rejected == 0
    assert _content(folder, m) == _clean_dump(spec, conninfo, tmp_path / "clean")


def test_without_a_spare_mysql_worker_the_dump_fails_naming_the_snapshot(
    mariadb_server: MariaDBServer, mysql_db: str, tmp_path: Path
) -> None:
    """A lost MySQL transaction cannot be re-entered: with no free worker of the snapshot left the
    table cannot continue under it, and the error says so (no second snapshot is mixed in)."""
    _my_fill(mariadb_server, mysql_db)
    conninfo = parse_uri(mariadb_server.uri(mysql_db))
    spec = _spec("mysql", mysql_db, parallelism=1)

    def kill() -> None:
        admin = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db))
        with admin.cursor() as cur:
            cur.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND INFO LIKE 'SELECT%%big%%'",
                (mysql_db,),
            )
            for (i,) in cur.fetchall():
                cur.execute(f"KILL CONNECTION {int(i)}")
        admin.close()

    with _kill_after_part(2, kill), pytest.raises(dump.SnapshotError, match="no MySQL worker transaction"):
        dump.dump_database(spec, conninfo, tmp_path)
    assert os.listdir(tmp_path / table_dir_name(f"{mysql_db}.big")) != []  # finished parts were kept


def test_postgres_snapshot_lost_with_its_exporting_session_fails_naming_it(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path
) -> None:
    """When the session that exported the snapshot is gone too, no new try can import it: the dump
    fails saying the table cannot continue under its snapshot (never a second snapshot mixed in)."""
    _pg_fill(pg_db)
    conninfo = pg_conninfo(pg_server, pg_db)
    spec = _spec("postgres", "public")

    def kill_all() -> None:
        with psycopg.connect(pg_db, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND (query LIKE 'COPY%%' OR query LIKE '%%pg_export_snapshot%%')"
            )

    with (
        _kill_after_part(2, kill_all),
        pytest.raises(dump.SnapshotError, match=r"public\.big cannot continue under the dump's snapshot"),
    ):
        dump.dump_database(spec, conninfo, tmp_path)
