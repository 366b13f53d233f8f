"""Helpers for the dump tests: load the sample corpus, build specs, load CSV parts back with COPY."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from roachlift.config.connections import ConnInfo, parse_uri
from roachlift.config.spec import MigrationSpec, parse_spec
from roachlift.dump.manifest import read_manifest, table_dir_name
from roachlift.testing import MariaDBServer, PostgresServer
from roachlift.testing.seed import seed_sakila


def make_spec(
    name: str, kind: str, schemas: list[str], values: dict[str, Any] | None = None, **dump: Any
) -> MigrationSpec:
    """A minimal valid spec for ``kind`` with dump options (and ``values`` rules)."""
    data: dict[str, Any] = {
        "name": name,
        "source": {"kind": kind, "conn_id": "src", "schemas": schemas},
        "target": {"conn_id": "dst", "database": "t"},
        "dump": {"compression": "none", "parallelism": 2, **dump},
        "values": values or {},
    }
    return parse_spec(data)


def pg_conninfo(server: PostgresServer, dsn: str) -> ConnInfo:
    """ConnInfo of a harness database DSN."""
    return parse_uri(server.uri(dsn.rsplit("/", 1)[1]))


def psql_file(server: PostgresServer, db: str, path: Path) -> None:
    """Run an SQL file with psql (the corpus uses COPY ... FROM stdin)."""
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql client is not installed")
    subprocess.run(
        [
            psql,
            "-q",
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "postgres",
            "-d",
            db,
            "-f",
            str(path),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=error"},
    )


def load_mysql_sakila(server: MariaDBServer, db: str, corpus: Path) -> None:
    """Load the MySQL Sakila schema and data into database ``db`` with the mysql client."""
    seed_sakila(server, db, corpus)


def copy_back(dsn: str, out_dir: Path, table: str, target: str, *, replica: bool = True) -> int:
    """COPY every part of ``table`` from its manifest into ``target`` (schema.name); return rows."""
    manifest = read_manifest(out_dir / table_dir_name(table))
    schema, name = target.split(".")
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in manifest.columns)
    stmt = sql.SQL("COPY {}.{} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(schema), sql.Identifier(name), cols
    )
    total = 0
    with psycopg.connect(dsn) as conn:
        if replica:
            conn.execute("SET session_replication_role = replica")
        for part in manifest.files:
            path = out_dir / table_dir_name(table) / part.path
            opener: Any = __import__("gzip").open if path.suffix == ".gz" else open
            with conn.cursor() as cur, cur.copy(stmt) as copy, opener(path, "rb") as fh:
                while data := fh.read(1 << 20):
                    copy.write(data)
            total += part.rows
    return total


def drop_slots(dsn: str) -> None:
    """Drop every inactive replication slot of the test server (they hold WAL back)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active")
