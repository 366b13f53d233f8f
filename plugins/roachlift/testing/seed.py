"""Seed the harness servers with the sample databases of ../shared/corpus (tests and the demo)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from roachlift.errors import MissingBinaryError, RoachliftError
from roachlift.testing.servers import MariaDBServer, PostgresServer

CORPUS_ENV = "ROACHLIFT_CORPUS"


def corpus_dir() -> Path:
    """``$ROACHLIFT_CORPUS`` or ``../shared/corpus`` beside the repository."""
    env = os.environ.get(CORPUS_ENV)
    path = Path(env) if env else Path(__file__).resolve().parents[4] / "shared" / "corpus"
    if not path.is_dir():
        raise RoachliftError(f"sample corpus not found at {path}: set {CORPUS_ENV}")
    return path


def _client(*names: str, package: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise MissingBinaryError(f"{names[0]} not found: install the Debian package {package}")


def seed_pagila(server: PostgresServer, database: str, corpus: Path | None = None) -> str:
    """Create ``database`` holding the Pagila-like Sakila schema and data; return its DSN."""
    folder = (corpus or corpus_dir()) / "sakila" / "postgres"
    dsn = server.create_database(database)
    psql = _client("psql", package="postgresql-client")
    for name in ("sakila-schema.sql", "sakila-data-copy.sql"):
        proc = subprocess.run(
            [psql, dsn, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", str(folder / name)],
            capture_output=True,
            text=True,
            env={**os.environ, "PGOPTIONS": "-c client_min_messages=error"},
        )
        if proc.returncode != 0:
            raise RoachliftError(f"loading {name} into {database} failed:\n{proc.stderr[-2000:]}")
    return dsn


def seed_sakila(server: MariaDBServer, database: str, corpus: Path | None = None) -> None:
    """Create ``database`` holding MySQL's Sakila schema and data (the ``sakila`` name rewritten)."""
    folder = (corpus or corpus_dir()) / "sakila" / "mysql"
    server.create_database(database)
    client = _client("mariadb", "mysql", package="mariadb-client")
    for name in ("sakila-schema.sql", "sakila-data.sql"):
        text = (folder / name).read_text(encoding="utf-8")
        text = re.sub(
            r"(?im)^(DROP SCHEMA IF EXISTS sakila;|CREATE SCHEMA sakila;|USE sakila;)\r?$", "", text
        )
        text = re.sub(r"\bsakila\.", f"{database}.", text)
        proc = subprocess.run(
            [client, "-h", "127.0.0.1", "-P", str(server.port), "-u", "root", database],
            input=text.encode(),
            capture_output=True,
        )
        if proc.returncode != 0:
            raise RoachliftError(f"loading {name} into {database} failed:\n{proc.stderr.decode()[-2000:]}")
