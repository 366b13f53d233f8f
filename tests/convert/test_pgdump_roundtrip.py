"""Real ``pg_dump -s`` output (today's format: ``public.``-qualified names, ``\\restrict`` lines,
``nextval('public.seq'::regclass)``) converts, runs on PostgreSQL, and keeps every column type."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg

from roachlift.convert import convert_ddl, write_output
from roachlift.convert.splitting import split_statements
from roachlift.paths import sql_text
from roachlift.testing import PostgresServer
from roachlift.testing.servers import PG_BIN

from .test_corpus_postgres import _check_catalog, _run_phases


def test_pg_dump_schema_roundtrip(
    corpus: Path, pg_server: PostgresServer, pg_db: str, tmp_path: Path
) -> None:
    source_dsn = pg_server.create_database(f"{Path(pg_db).name}_src")
    text = (corpus / "sakila/postgres/sakila-schema.sql").read_text(encoding="utf-8")
    with psycopg.connect(source_dsn, autocommit=True) as conn:
        for stmt in split_statements(text, "postgres"):
            conn.execute(stmt.text.encode())
    dump = subprocess.run(
        [str(PG_BIN / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges", source_dsn],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout

    result = convert_ddl(dump, "postgres", "postgres")
    assert result.errors == [], [e.message for e in result.errors]
    assert len(result.tables) == 15 and len(result.foreign_keys) == 22 and len(result.sequences) == 13
    write_output(result, tmp_path)
    _run_phases(pg_db, tmp_path)
    _check_catalog(pg_db, result)

    def column_types(dsn: str) -> dict[tuple[str, str], str]:
        with psycopg.connect(dsn) as conn:
            rows = conn.execute(sql_text("convert/catalog_columns.sql")).fetchall()
        return {(t, c): typ for t, c, typ, _ in rows}

    before, after = column_types(source_dsn), column_types(pg_db)
    converted = {t.name for t in result.tables}
    expected = {k: v for k, v in before.items() if k[0] in converted}
    expected[("film", "release_year")] = "integer"  # the domain "year" folded into its base type
    assert after == expected
