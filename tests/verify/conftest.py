"""Helpers for the verify tests: a second PostgreSQL database as target, SQL runners."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import pymysql
import pytest

from roachlift.config.connections import ConnInfo, parse_uri
from roachlift.testing import MariaDBServer, PostgresServer

_n = itertools.count()


def pg_run(dsn: str, statements: str | Sequence[str], params: Sequence[Any] | None = None) -> None:
    """Run statements on PostgreSQL in autocommit."""
    if isinstance(statements, str):
        statements = [statements]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for stmt in statements:
            conn.execute(stmt, params)  # type: ignore[arg-type]


@pytest.fixture
def pg_target(pg_server: PostgresServer) -> str:
    """DSN of a second fresh PostgreSQL database: the target."""
    return pg_server.create_database(f"vt{os.getpid()}_{next(_n)}")


@pytest.fixture
def my_run(mariadb_server: MariaDBServer, mysql_db: str) -> Callable[..., None]:
    """Run statements in the fresh MariaDB database."""

    def run(
        statements: str | Sequence[str],
        params: Sequence[Any] | None = None,
        many: tuple[str, Sequence[Sequence[Any]]] | None = None,
    ) -> None:
        if isinstance(statements, str):
            statements = [statements]
        conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
        try:
            with conn.cursor() as cur:
                cur.execute("SET time_zone = '+00:00'")
                for stmt in statements:
                    cur.execute(stmt, params)
                if many:
                    cur.executemany(many[0], many[1])
        finally:
            conn.close()

    return run


@pytest.fixture
def my_source(mariadb_server: MariaDBServer, mysql_db: str) -> ConnInfo:
    """ConnInfo of the fresh MariaDB database."""
    return parse_uri(mariadb_server.uri(mysql_db))
