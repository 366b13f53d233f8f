"""The test harness starts real servers configured for CDC."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pymysql
import pytest

from roachlift.errors import MissingBinaryError
from roachlift.testing import MariaDBServer, PostgresServer, servers


def test_postgres_logical_slot_with_wal2json_returns_an_insert(pg_db: str) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert conn.execute("SHOW wal_level").fetchone() == ("logical",)
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        conn.execute("SELECT pg_create_logical_replication_slot('harness_probe', 'wal2json')")
        try:
            conn.execute("INSERT INTO t VALUES (1, 'hello')")
            rows = conn.execute(
                "SELECT data FROM pg_logical_slot_get_changes("
                "'harness_probe', NULL, NULL, 'format-version', '2')"
            ).fetchall()
        finally:
            conn.execute("SELECT pg_drop_replication_slot('harness_probe')")
    changes = [json.loads(r[0]) for r in rows]
    inserts = [c for c in changes if c["action"] == "I"]
    assert len(inserts) == 1
    assert inserts[0]["table"] == "t"
    assert {c["name"]: c["value"] for c in inserts[0]["columns"]} == {"id": 1, "v": "hello"}


def test_postgres_runs_as_postgres_user_on_its_own_port(pg_server: PostgresServer) -> None:
    assert pg_server.port != 5432
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        owner = conn.execute(
            "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname='postgres'"
        )
        assert owner.fetchone() == ("postgres",)
        data_dir = conn.execute("SHOW data_directory").fetchone()
    assert data_dir is not None and str(pg_server.base_dir) in data_dir[0]


def test_mariadb_binlog_is_on_in_row_format(mariadb_server: MariaDBServer, mysql_db: str) -> None:
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'server_id')"
            )
            settings = dict(cur.fetchall())
            cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")
            cur.execute("INSERT INTO t VALUES (1)")
            conn.commit()
            cur.execute("SHOW BINARY LOGS")
            logs = cur.fetchall()
    finally:
        conn.close()
    assert settings == {"log_bin": "ON", "binlog_format": "ROW", "server_id": "1"}
    assert logs and logs[-1][1] > 0


def test_missing_binary_names_the_debian_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(servers, "PG_BIN", tmp_path / "nowhere")
    with pytest.raises(MissingBinaryError, match="postgresql-15"):
        PostgresServer(base_dir=tmp_path).start()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(servers, "SBIN_DIRS", ())
    with pytest.raises(MissingBinaryError, match="mariadb-server"):
        MariaDBServer(base_dir=tmp_path).start()


def test_harness_stop_removes_its_folder() -> None:
    server = PostgresServer()
    server.start()
    folder = server.base_dir
    assert (folder / "data" / "PG_VERSION").exists()
    server.stop()
    assert not folder.exists()


def test_redis_server_answers_ping_on_its_own_port() -> None:
    from roachlift.testing.redis_server import RedisServer

    with RedisServer() as redis:
        assert redis.port != 6379
        assert redis.ping()
        assert redis.url(1) == f"redis://127.0.0.1:{redis.port}/1"
        proc = redis.proc
    assert proc is not None and proc.poll() is not None  # stopped with the context


def test_a_hidden_folder_is_empty_for_the_command_only(tmp_path: Path) -> None:
    """What keeps one Celery worker from reading another's work folder on the same machine."""
    import subprocess

    from roachlift.testing.celery_cluster import hiding

    other = tmp_path / "w1"
    other.mkdir()
    (other / "manifest.json").write_text("{}")
    seen = subprocess.run(
        hiding([other], ["ls", "-A", str(other)]), capture_output=True, text=True, check=True
    )
    assert seen.stdout == ""
    assert [p.name for p in other.iterdir()] == ["manifest.json"]  # unchanged outside
