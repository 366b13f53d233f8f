"""Each corpus schema, converted with --target postgres, runs phase by phase on a real PostgreSQL
server, and the catalog then holds every table, column type, index, foreign key and view."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from roachlift.convert import PHASES, ConversionResult, convert_ddl, write_output
from roachlift.paths import sql_text

CASES = [
    ("mysql", "sakila/mysql/sakila-schema.sql", 16),
    ("postgres", "sakila/postgres/sakila-schema.sql", 15),
    ("oracle", "sakila/oracle/sakila-schema.sql", 16),
    ("oracle", "oracle-export/shop-dbms-metadata.sql", 5),
    ("mysql", "cases/mysql_edge.sql", 2),
    ("mysql", "cases/mysql_dump_variants.sql", 1),
    ("oracle", "cases/oracle_edge.sql", 2),
    ("oracle", "cases/oracle_dba_script.sql", 5),
    ("oracle", "cases/oracle_get_ddl.sql", 3),
    ("postgres", "cases/postgres_edge.sql", 2),
]
CASES_DIR = Path(__file__).parent


def _run_phases(dsn: str, out: Path) -> None:
    """Run the phase files in order, one statement at a time, as a loader would."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for phase in PHASES:
            text = (out / f"{phase}.sql").read_text(encoding="utf-8")
            for stmt in _statements(text):
                try:
                    conn.execute(stmt.encode())
                except psycopg.Error as exc:
                    raise AssertionError(f"{phase}: {exc}\n{stmt}") from exc


def _statements(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";\n\n") if s.strip()]


def _canonical_types(conn: psycopg.Connection, types: set[str]) -> dict[str, str]:
    """How PostgreSQL itself prints each expected type (via a scratch temp table)."""
    ordered = sorted(types)
    cols = sql.SQL(", ").join(sql.SQL(f"c{i} {t}") for i, t in enumerate(ordered))  # type: ignore[arg-type]
    conn.execute(sql.SQL("CREATE TEMP TABLE roachlift_types ({})").format(cols))
    rows = conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'roachlift_types'::regclass AND attnum > 0"
    ).fetchall()
    by_col = dict(rows)
    return {t: by_col[f"c{i}"] for i, t in enumerate(ordered)}


def _check_catalog(dsn: str, result: ConversionResult) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cols = conn.execute(sql_text("convert/catalog_columns.sql")).fetchall()
        actual = {(t, c): (typ, nn) for t, c, typ, nn in cols}
        expected_types = {c["type"] for t in result.tables for c in t.columns}
        canon = _canonical_types(conn, expected_types)
        for table in result.tables:
            for col in table.columns:
                key = (table.name, col["name"])
                assert key in actual, f"missing column {key}"
                assert actual[key][0] == canon[col["type"]], (key, actual[key], col["type"])
                assert actual[key][1] == (not col["nullable"]) or col["name"] in table.primary_key, key
        assert {t for t, _ in actual} == {t.name for t in result.tables}
        indexes = {
            (t, i): (u, p) for t, i, u, p in conn.execute(sql_text("convert/catalog_indexes.sql")).fetchall()
        }
        for idx in result.indexes:
            assert (idx["table"], idx["name"]) in indexes, idx
            assert indexes[(idx["table"], idx["name"])][0] == idx["unique"]
        for table in result.tables:
            if table.primary_key:
                assert any(t == table.name and p for (t, _), (_, p) in indexes.items()), table.name
        fks = {
            (n, t, r) for n, t, r, _ in conn.execute(sql_text("convert/catalog_foreign_keys.sql")).fetchall()
        }
        assert {(f["name"], f["table"], f["ref_table"]) for f in result.foreign_keys} == fks
        views = {
            r[0] for r in conn.execute("SELECT viewname FROM pg_views WHERE schemaname = current_schema()")
        }
        assert set(result.views) == views


@pytest.mark.parametrize(("source", "path", "n_tables"), CASES, ids=[c[1] for c in CASES])
def test_corpus_runs_on_postgres(
    source: str, path: str, n_tables: int, corpus: Path, pg_db: str, tmp_path: Path
) -> None:
    base = CASES_DIR if path.startswith("cases/") else corpus
    result = convert_ddl((base / path).read_text(encoding="utf-8"), source, target="postgres")
    assert result.errors == [], [e.message for e in result.errors]
    assert len(result.tables) == n_tables
    assert result.foreign_keys and result.indexes
    write_output(result, tmp_path)
    _run_phases(pg_db, tmp_path)
    _check_catalog(pg_db, result)


def test_target_schema_qualifies_every_object(corpus: Path, pg_db: str, tmp_path: Path) -> None:
    from roachlift.convert import ConvertOptions

    text = (corpus / "sakila/mysql/sakila-schema.sql").read_text(encoding="utf-8")
    result = convert_ddl(text, "mysql", "postgres", ConvertOptions(target_schema="Shop Data"))
    write_output(result, tmp_path)
    _run_phases(pg_db, tmp_path)
    with psycopg.connect(pg_db) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            ["Shop Data"],
        ).fetchone()
        assert tables == (16,)
        public = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        ).fetchone()
        assert public == (0,)
        assert conn.execute('SELECT count(*) FROM "Shop Data".customer_list').fetchone() == (0,)
