"""The text of the statements sent to CockroachDB (the CockroachDB-only ones cannot run in CI)."""

from __future__ import annotations

from psycopg import sql

from roachlift.cdc.apply import chunk_sizes
from roachlift.target import statements as st
from roachlift.target.targets import CockroachTarget, PostgresTarget

T = sql.Identifier("public", "film actor")
CRDB, PG = CockroachTarget(), PostgresTarget()


def text(stmt: sql.Composable) -> str:
    return stmt.as_bytes(None).decode()


def test_upsert_forms() -> None:
    assert text(CRDB.upsert_rows(T, ["a", "b", "c"], ["a"], 2)) == (
        'UPSERT INTO "public"."film actor" ("a", "b", "c") VALUES ($1, $2, $3), ($4, $5, $6)'
    )
    assert text(PG.upsert_rows(T, ["a", "b"], ["a"], 1)) == (
        'INSERT INTO "public"."film actor" ("a", "b") VALUES ($1, $2) ON CONFLICT ("a") '
        'DO UPDATE SET "b" = excluded."b"'
    )
    assert text(PG.upsert_rows(T, ["a", "b"], ["a", "b"], 1)).endswith('ON CONFLICT ("a", "b") DO NOTHING')


def test_a_partial_row_image_never_uses_upsert() -> None:
    """UPSERT would write NULL over the unchanged (TOAST) columns an image lacks: ON CONFLICT sets
    only the columns given, on CockroachDB too."""
    assert text(CRDB.upsert_rows(T, ["a", "b"], ["a"], 1, whole_row=False)) == text(
        PG.upsert_rows(T, ["a", "b"], ["a"], 1)
    )


def test_delete_truncate_and_moved_row() -> None:
    assert text(st.delete_keys(T, ["a"], 3)) == 'DELETE FROM "public"."film actor" WHERE "a" IN ($1, $2, $3)'
    assert text(st.delete_keys(T, ["a", "b"], 2)) == (
        'DELETE FROM "public"."film actor" WHERE ("a", "b") IN (($1, $2), ($3, $4))'
    )
    # TRUNCATE is not transactional on CockroachDB: DELETE keeps it inside the batch's transaction
    assert text(st.delete_all(T)) == 'DELETE FROM "public"."film actor"'
    assert text(st.truncate_in_transaction([T])) == 'TRUNCATE TABLE "public"."film actor"'
    assert text(st.insert_moved_row(T, ["a", "b"], ["big"], ["a"])) == (
        'INSERT INTO "public"."film actor" ("a", "b", "big") SELECT $1, $2, "big" '
        'FROM "public"."film actor" WHERE "a" = $3'
    )


def test_ordered_apply_statements() -> None:
    assert text(st.update_row(T, ["a", "b"], ["a"])) == (
        'UPDATE "public"."film actor" SET "a" = $1, "b" = $2 WHERE "a" = $3'
    )
    child, parent = sql.Identifier("s", "child"), sql.Identifier("s", "parent")
    assert [text(x) for x in PG.truncate_tables([child, parent], True)] == [
        'TRUNCATE TABLE "s"."child", "s"."parent"'
    ]
    # PostgreSQL refuses to truncate a table referenced from outside the set; CockroachDB's TRUNCATE
    # is not transactional: DELETE, children first
    for target, closed in ((PG, False), (CRDB, True)):
        assert [text(x) for x in target.truncate_tables([child, parent], closed)] == [
            'DELETE FROM "s"."child"',
            'DELETE FROM "s"."parent"',
        ]
    assert PG.truncate_tables([], True) == []
    assert text(st.cdc_delete_where(T, "((at IS NOT NULL) AND (at < '2025-01-01'::date))")) == (
        """DELETE FROM "public"."film actor" WHERE ((at IS NOT NULL) AND (at < '2025-01-01'::date))"""
    )
    assert text(st.session_time_zone_utc()) == "SET TIME ZONE 'UTC'"


def test_checkpoint_statements_and_chunks() -> None:
    ddl = text(st.checkpoint_table_ddl(sql.Identifier("s", "roachlift_cdc_checkpoint")))
    assert 'CREATE TABLE IF NOT EXISTS "s"."roachlift_cdc_checkpoint" (' in ddl
    assert "position         JSONB" in ddl
    assert "ON CONFLICT (migration) DO UPDATE" in text(st.checkpoint_write(sql.Identifier("cp")))
    assert list(chunk_sizes(2_500, 1_000)) == [1_000, 1_000, 256, 128, 64, 32, 16, 4]
    assert sum(chunk_sizes(7, 1_000)) == 7 and list(chunk_sizes(0, 10)) == []
