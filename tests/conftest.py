"""Shared fixtures: real PostgreSQL (logical WAL, wal2json) and MariaDB (ROW binlog) servers.

The servers are started once per test session by roachlift's own harness, in temporary folders
on free ports, and stopped at the end.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from roachlift.testing import MariaDBServer, PostgresServer, S3Server  # noqa: E402

CORPUS = Path(os.environ.get("ROACHLIFT_CORPUS", REPO.parent / "shared" / "corpus"))
_counter = itertools.count()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared sample schemas (Sakila for MySQL, Pagila-like for PostgreSQL, Oracle DDL)."""
    if not CORPUS.is_dir():
        pytest.fail(f"sample corpus not found at {CORPUS}: set ROACHLIFT_CORPUS")
    return CORPUS


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 server with wal_level=logical, started for this test session."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDBServer]:
    """A MariaDB server with a ROW binlog, started for this test session."""
    server = MariaDBServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3 API server (moto) on 127.0.0.1 that enforces its one access key."""
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket; its credentials are the connection ``roachlift_s3`` (``AIRFLOW_CONN_ROACHLIFT_S3``).
    Returns ``s3://<bucket>``."""
    monkeypatch.setenv("AIRFLOW_CONN_ROACHLIFT_S3", s3_server.conn_uri())
    return s3_server.create_bucket(f"b{os.getpid()}-{next(_counter)}")


@pytest.fixture
def pg_db(pg_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database; returns its DSN."""
    return pg_server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture
def mysql_db(mariadb_server: MariaDBServer) -> str:
    """A fresh, empty MariaDB database; returns its name."""
    name = f"t{os.getpid()}_{next(_counter)}"
    mariadb_server.create_database(name)
    return name
