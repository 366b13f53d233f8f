"""Rows written while a dump runs are in the CSV or in the change stream after the recorded position,
never in both and never in neither (PostgreSQL slot, MariaDB binlog)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pymysql
from dump_helpers import drop_slots, make_spec, pg_conninfo
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.row_event import WriteRowsEvent

from roachlift.config.connections import parse_uri
from roachlift.dump import dump_database
from roachlift.dump.manifest import TableManifest, table_dir_name
from roachlift.testing import MariaDBServer, PostgresServer

BASE_ROWS = 40_000


@contextmanager
def _writer(insert: Callable[[int], None]) -> Iterator[list[int]]:
    """Insert rows with ids from 1,000,000 up, one per commit, until the block ends."""
    committed: list[int] = []
    stop = threading.Event()

    def run() -> None:
        i = 1_000_000
        while not stop.is_set():
            insert(i)
            committed.append(i)
            i += 1

    thread = threading.Thread(target=run)
    thread.start()
    try:
        while len(committed) < 20:  # some rows land before the snapshot
            time.sleep(0.01)
        yield committed
    finally:
        time.sleep(0.1)
        stop.set()
        thread.join()


def _csv_ids(out: Path, m: TableManifest) -> set[int]:
    ids: set[int] = set()
    for f in m.files:
        with (out / table_dir_name(m.table) / f.path).open() as fh:
            ids |= {int(line.split(",", 1)[0]) for line in fh}
    return ids


def _check(csv_ids: set[int], stream_ids: set[int], committed: list[int]) -> None:
    written = set(committed)
    assert set(range(BASE_ROWS)) <= csv_ids
    assert csv_ids & stream_ids == set(), "a row is both in the dump and in the change stream"
    assert written <= csv_ids | stream_ids, "a row written during the dump is lost"
    assert written & csv_ids and written & stream_ids, "the writer did not overlap the snapshot"
    assert csv_ids | stream_ids == set(range(BASE_ROWS)) | written


def test_postgres_dump_and_slot_meet_exactly(pg_server: PostgresServer, pg_db: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_db) as conn:
        conn.execute("CREATE TABLE ev (id int PRIMARY KEY, payload text)")
        conn.execute(
            "INSERT INTO ev SELECT g, repeat('x', 50) FROM generate_series(0, %s) g", (BASE_ROWS - 1,)
        )
    wconn = psycopg.connect(pg_db, autocommit=True)

    def insert(i: int) -> None:
        wconn.execute("INSERT INTO ev VALUES (%s, 'during')", (i,))

    spec = make_spec("snap_pg", "postgres", ["public"], chunk_rows=7000)
    try:
        with _writer(insert) as committed:
            result = dump_database(spec, pg_conninfo(pg_server, pg_db), tmp_path)
        slot = json.loads((tmp_path / "snapshot.json").read_text())["slot"]
        with psycopg.connect(pg_db) as conn:
            changes = conn.execute(
                "SELECT data FROM pg_logical_slot_peek_changes(%s, NULL, NULL, 'format-version', '2')",
                (slot,),
            ).fetchall()
    finally:
        wconn.close()
        drop_slots(pg_db)
    stream_ids = set()
    for (data,) in changes:
        change = json.loads(data)
        if change.get("action") == "I" and change.get("table") == "ev":
            stream_ids.add(next(c["value"] for c in change["columns"] if c["name"] == "id"))
    (m,) = result.tables
    _check(_csv_ids(tmp_path, m), stream_ids, committed)


def test_mysql_dump_and_binlog_meet_exactly(
    mariadb_server: MariaDBServer, mysql_db: str, tmp_path: Path
) -> None:
    kw = mariadb_server.connect_kwargs(mysql_db)
    setup = pymysql.connect(**kw)  # type: ignore[arg-type]
    with setup.cursor() as cur:
        cur.execute("CREATE TABLE ev (id INT PRIMARY KEY, payload VARCHAR(60))")
        for start in range(0, BASE_ROWS, 5000):
            cur.executemany("INSERT INTO ev VALUES (%s, 'base')", [(i,) for i in range(start, start + 5000)])
    setup.commit()
    setup.close()
    wconn = pymysql.connect(**kw, autocommit=True)  # type: ignore[arg-type]

    def insert(i: int) -> None:
        with wconn.cursor() as cur:
            cur.execute("INSERT INTO ev VALUES (%s, 'during')", (i,))

    spec = make_spec("snap_my", "mysql", [mysql_db], chunk_rows=7000)
    try:
        with _writer(insert) as committed:
            result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    finally:
        wconn.close()
    pos = result.snapshot
    stream = BinLogStreamReader(
        connection_settings={k: v for k, v in kw.items() if k != "database"},
        server_id=4242,
        log_file=pos["binlog_file"],
        log_pos=pos["binlog_pos"],
        resume_stream=True,
        blocking=False,
        only_events=[WriteRowsEvent],
        only_schemas=[mysql_db],
    )
    stream_ids = set()
    try:
        for event in stream:
            for row in event.rows:
                stream_ids.add(int(next(iter(row["values"].values()))))
    finally:
        stream.close()
    (m,) = result.tables
    _check(_csv_ids(tmp_path, m), stream_ids, committed)
