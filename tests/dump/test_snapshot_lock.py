"""The MySQL snapshot's global read lock never stalls the source for long: behind a long write it
gives up after ``FTWRL_WAIT_S`` (writes flow again), names what it waited for, retries with back-off,
and on MariaDB falls back to one worker at the lock-free consistent-snapshot position."""

from __future__ import annotations

import logging
import threading
import time

import pymysql
import pytest

from roachlift.config.connections import parse_uri
from roachlift.dump import snapshot
from roachlift.dump.snapshot import open_mysql_snapshot
from roachlift.testing import MariaDBServer


def test_read_lock_behind_a_long_write_gives_up_quickly_and_names_it(
    mariadb_server: MariaDBServer,
    mysql_db: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    kw = {**mariadb_server.connect_kwargs(mysql_db), "autocommit": True}
    setup = pymysql.connect(**kw)  # type: ignore[arg-type]
    with setup.cursor() as cur:
        cur.execute("CREATE TABLE slow (id INT PRIMARY KEY)")
        cur.execute("INSERT INTO slow VALUES (1)")
        cur.execute("CREATE TABLE w (id INT AUTO_INCREMENT PRIMARY KEY, n INT)")
    long_write = pymysql.connect(**kw)  # type: ignore[arg-type]
    writer = pymysql.connect(**kw)  # type: ignore[arg-type]
    blocker_id = long_write.thread_id()
    slow = threading.Thread(target=lambda: long_write.cursor().execute("UPDATE slow SET id = id + SLEEP(6)"))
    latencies: list[float] = []
    stop = threading.Event()

    def write() -> None:
        with writer.cursor() as cur:
            while not stop.is_set():
                t0 = time.monotonic()
                cur.execute("INSERT INTO w (n) VALUES (1)")
                latencies.append(time.monotonic() - t0)
                time.sleep(0.02)

    monkeypatch.setattr(snapshot, "FTWRL_TRIES", 2)
    monkeypatch.setattr(snapshot, "FTWRL_BACKOFF_S", 0.2)
    conninfo = parse_uri(mariadb_server.uri(mysql_db))
    slow.start()
    time.sleep(1.2)  # the UPDATE is running (and shows up for a second or more)
    writes = threading.Thread(target=write)
    writes.start()
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="roachlift.dump.snapshot"):
            snap = open_mysql_snapshot(conninfo, 3)
        elapsed = time.monotonic() - started
        with snap:
            assert snap.worker_count == 1 and snap.position["binlog_file"]  # MariaDB's lock-free position
    finally:
        stop.set()
        writes.join()
        slow.join()
    assert elapsed < 4.5  # two tries of 1 s and a pause, not the 6 s of the UPDATE
    assert max(latencies) < 1.8  # writes stalled at most about FTWRL_WAIT_S, then flowed again
    assert caplog.text.count("FLUSH TABLES WITH READ LOCK waited 1s") == 2
    assert f"session {blocker_id} (user root, database {mysql_db}, Query for" in caplog.text
    assert "SLEEP" not in caplog.text  # the blocking statement's text is never logged
    assert "dumping with one worker" in caplog.text
    with open_mysql_snapshot(conninfo, 3) as snap:  # nothing running any more: the lock is taken
        assert snap.worker_count == 3
    for conn in (setup, long_write, writer):
        conn.close()
