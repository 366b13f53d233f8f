"""Fixtures of the CDC tests: a source database with a wal2json slot, and a target database."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest

from roachlift.testing import PostgresServer

_n = itertools.count()


@pytest.fixture
def pg_target(pg_server: PostgresServer) -> str:
    """A second fresh PostgreSQL database standing in for CockroachDB."""
    return pg_server.create_database(f"cdc_target_{os.getpid()}_{next(_n)}")


@pytest.fixture
def pg_slot(pg_db: str) -> Iterator[str]:
    """A wal2json slot on the source database (dropped afterwards)."""
    name = f"roachlift_test_{os.getpid()}_{next(_n)}"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (name,))
    yield name
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
            (name,),
        )


def rows(dsn: str, query: str) -> list[tuple[object, ...]]:
    """All rows of ``query``."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def execute(dsn: str, *statements: str) -> None:
    """Run statements, each in its own transaction."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for s in statements:
            conn.execute(s)  # type: ignore[arg-type]
