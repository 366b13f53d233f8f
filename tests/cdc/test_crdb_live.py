"""The constraint workloads of test_constraints.py applied to a real CockroachDB cluster (UPSERT,
DELETE for truncates, savepoint fallback to source order, computed columns left to the target).

Runs only when ``ROACHLIFT_TEST_CRDB_URL`` names a cluster (e.g.
``postgresql://root@127.0.0.1:26257/defaultdb?sslmode=disable``); skipped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from roachlift.cdc.apply import run_applier
from roachlift.cdc.postgres import PostgresSource
from roachlift.config.spec import TargetDialect
from roachlift.testing import PostgresServer
from roachlift.verify import TableRef, verify_table

from . import test_constraints as workloads
from .conftest import execute

CRDB_URL = os.environ.get("ROACHLIFT_TEST_CRDB_URL")

pytestmark = [
    pytest.mark.crdb,
    pytest.mark.skipif(
        not CRDB_URL,
        reason="no CockroachDB cluster: set ROACHLIFT_TEST_CRDB_URL=postgresql://root@host:26257/defaultdb"
        "?sslmode=disable to run the live CDC suite",
    ),
]


@pytest.fixture
def crdb_target() -> Iterator[str]:
    assert CRDB_URL
    name = f"roachlift_cdc_live_{os.getpid()}"
    with psycopg.connect(CRDB_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} CASCADE").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(CRDB_URL)
    yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    with psycopg.connect(CRDB_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def test_constraint_workloads_on_cockroachdb(pg_server: PostgresServer, crdb_target: str) -> None:
    source = pg_server.create_database(f"crdb_src_{os.getpid()}")
    execute(source, *workloads.SCHEMA, *workloads.SOURCE_ONLY, *workloads.SEED)
    execute(crdb_target, *workloads.SCHEMA, *workloads.TARGET_ONLY, *workloads.SEED)
    slot = f"crdb_{os.getpid()}"
    execute(source, f"SELECT pg_create_logical_replication_slot('{slot}', 'wal2json')")
    try:
        for txns in workloads.WORKLOADS.values():
            workloads.run_transactions(source, txns)
        stats = run_applier(
            PostgresSource(source, slot),
            crdb_target,
            migration="live",
            batch_changes=10_000,
            dialect=TargetDialect.COCKROACHDB,
        )
        assert stats.caught_up and stats.source_order_flushes >= 1
        for table in workloads.TABLES:
            res = verify_table(source, crdb_target, TableRef(table))
            assert res.error is None and res.ok, res.to_dict()
    finally:
        workloads.drop_slot(source, slot)
