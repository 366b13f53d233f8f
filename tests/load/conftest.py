"""Fixtures for the load tests: the Sakila sample in a source database, dumped and phased."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from load_helpers import SAKILA_KEYS, SAKILA_PHASES, SAKILA_TABLES, dump_from_pg, write_phases

from roachlift.testing import PostgresServer


@pytest.fixture(scope="session")
def sakila_src(pg_server: PostgresServer, corpus: Path) -> str:
    """DSN of a PostgreSQL database holding the Sakila sample (schema + data) from the corpus."""
    psql = shutil.which("psql")
    if psql is None:
        pytest.fail("psql not found: install the Debian package postgresql-client")
    dsn = pg_server.create_database("load_sakila_src")
    folder = corpus / "sakila" / "postgres"
    for name in ("sakila-schema.sql", "sakila-data-copy.sql"):
        res = subprocess.run(
            [psql, dsn, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", str(folder / name)],
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, f"loading {name} failed:\n{res.stderr[-2000:]}"
    return dsn


@pytest.fixture(scope="session")
def sakila_dump(sakila_src: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six Sakila tables dumped as gzip CSV (address and city in several parts)."""
    out = tmp_path_factory.mktemp("sakila_dump")
    for table in SAKILA_TABLES:
        parts = 3 if table in ("address", "city") else 1
        dump_from_pg(sakila_src, out, table, SAKILA_KEYS[table], parts=parts, gzip_files=True)
    return out


@pytest.fixture(scope="session")
def sakila_phase_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Phase files 01..05 for the six Sakila tables."""
    return write_phases(tmp_path_factory.mktemp("sakila_phases"), SAKILA_PHASES)
