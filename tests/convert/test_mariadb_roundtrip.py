"""The DDL a live MariaDB hands back (``SHOW CREATE TABLE`` / ``SHOW CREATE VIEW``, what an
extractor reads) converts and runs on PostgreSQL: backticks, ``current_timestamp()``, MariaDB's
JSON-as-LONGTEXT, display widths, ``utf8mb3`` charsets and fully qualified view text included."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pymysql
import pytest

from roachlift.convert import convert_ddl, write_output
from roachlift.convert.splitting import split_statements
from roachlift.testing import MariaDBServer

from .test_corpus_postgres import _check_catalog, _run_phases

_SKIP = re.compile(r"^\s*(DROP\s+SCHEMA|CREATE\s+SCHEMA|USE)\b", re.I)


def _load_into_mariadb(server: MariaDBServer, db: str, text: str) -> None:
    """Run a MySQL script (DELIMITER blocks and all) statement by statement."""
    conn = pymysql.connect(**server.connect_kwargs(db), autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            for stmt in split_statements(text, "mysql"):
                if not _SKIP.match(stmt.text):
                    cur.execute(stmt.text)
    finally:
        conn.close()


def _show_create(server: MariaDBServer, db: str) -> str:
    conn = pymysql.connect(**server.connect_kwargs(db))  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW FULL TABLES")
            parts = []
            for name, kind in cur.fetchall():
                what = "VIEW" if kind == "VIEW" else "TABLE"
                cur.execute(f"SHOW CREATE {what} `{name}`")  # name comes from the server itself
                parts.append(cur.fetchone()[1] + ";")
    finally:
        conn.close()
    return "\n\n".join(parts)


@pytest.mark.parametrize("path", ["sakila", "edge"])
def test_show_create_output_converts_and_runs_on_postgres(
    path: str, corpus: Path, mariadb_server: MariaDBServer, mysql_db: str, pg_db: str, tmp_path: Path
) -> None:
    if path == "sakila":
        text = (corpus / "sakila/mysql/sakila-schema.sql").read_text(encoding="utf-8").replace("sakila.", "")
    else:
        text = (Path(__file__).parent / "cases/mysql_edge.sql").read_text(encoding="utf-8")
    _load_into_mariadb(mariadb_server, mysql_db, text)
    ddl = _show_create(mariadb_server, mysql_db)
    assert "current_timestamp()" in ddl or "json_valid" in ddl  # really the server's own spelling

    result = convert_ddl(ddl, "mysql", "postgres")
    assert result.errors == [], [e.message for e in result.errors]
    write_output(result, tmp_path)
    _run_phases(pg_db, tmp_path)
    _check_catalog(pg_db, result)
    with psycopg.connect(pg_db) as conn:
        if path == "sakila":
            assert len(result.tables) == 16 and len(result.foreign_keys) == 22
            assert set(result.views) >= {"customer_list", "film_list", "staff_list"}
            row = conn.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'customer' AND column_name = 'active'"
            ).fetchone()
            assert row == ("boolean",)
        else:
            types = dict(
                conn.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'parent'"
                ).fetchall()
            )
            assert types["doc"] == "jsonb" and types["flag"] == "boolean" and types["kind"] == "USER-DEFINED"
            assert types["yr"] == "smallint" and types["big"] == "numeric"
            conn.execute("INSERT INTO parent (\"order\", price) VALUES ('o1', 2.50)")
            assert conn.execute("SELECT id, doubled, flag, zero FROM parent").fetchone() == (1, 5, True, None)
