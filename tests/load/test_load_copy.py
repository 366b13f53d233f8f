"""COPY-mode load path against the real PostgreSQL test server as the target.

Phases in order, COPY FROM streamed from (gzipped) CSV in batches, deferred indexes, foreign keys
NOT VALID + VALIDATE CONSTRAINT, sequences past max, row-count check, rerun modes, orphan report.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import psycopg
import pytest
from load_helpers import SAKILA_KEYS, SAKILA_PHASES, SAKILA_TABLES, table_digest, write_dump, write_phases

from roachlift.errors import RoachliftError
from roachlift.load.constraints import ForeignKeyValidationError, validate_foreign_keys
from roachlift.load.copy import RowCutter, copy_files
from roachlift.load.loader import RowCountMismatch, load_table
from roachlift.load.phases import (
    apply_phase,
    create_statement_for,
    not_valid,
    phase_statements,
    reset_sequences,
    sequence_columns,
)
from roachlift.load.pipeline import run_load


def _connect(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True)


def _scalar(dsn: str, query: str) -> object:
    with _connect(dsn) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


# --- row cutting -----------------------------------------------------------------------------
def _random_csv(seed: int, rows: int) -> bytes:
    rnd = random.Random(seed)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    pieces = ["a", "b,c", 'q"uote', "line\nbreak", "", 'cr\r"x', '""', "\n", "plain text"]
    for i in range(rows):
        writer.writerow([i, *(rnd.choice(pieces) for _ in range(3))])
    return out.getvalue().encode()


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 4096])
def test_row_cutter_batches_end_on_row_boundaries(chunk: int) -> None:
    data = _random_csv(seed=chunk, rows=300)
    want_rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    batch = 17
    cutter = RowCutter()
    batches: list[bytes] = []
    current = bytearray()
    in_batch = 0
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        pos = 0
        while pos < len(piece):
            found, end = cutter.cut(piece, pos, batch - in_batch)
            current += piece[pos:end]
            in_batch += found
            pos = end
            if in_batch == batch:
                batches.append(bytes(current))
                current, in_batch = bytearray(), 0
    if current:
        batches.append(bytes(current))
    assert b"".join(batches) == data
    parsed = [list(csv.reader(io.StringIO(b.decode(), newline=""))) for b in batches]
    assert [len(p) for p in parsed[:-1]] == [batch] * (len(parsed) - 1)
    assert [r for p in parsed for r in p] == want_rows


def test_row_cutter_ignores_newlines_inside_quotes() -> None:
    data = b'1,"a\nb\nc"\n2,"x""\ny"\n3,z\n'
    assert RowCutter().cut(data, 0, 10) == (3, len(data))
    found, end = RowCutter().cut(data, 0, 1)
    assert (found, data[:end]) == (1, b'1,"a\nb\nc"\n')


# --- the whole path on Sakila ----------------------------------------------------------------
def test_sakila_copy_load_full_path(
    sakila_src: str, sakila_dump: Path, sakila_phase_dir: Path, pg_db: str
) -> None:
    with _connect(pg_db) as conn:
        report = run_load(
            conn, sakila_dump, sakila_phase_dir, method="copy", batch_rows=50, target_dialect="postgres"
        )
    # every table equal to the source, row for row
    for table in SAKILA_TABLES:
        assert table_digest(pg_db, table, SAKILA_KEYS[table]) == table_digest(
            sakila_src, table, SAKILA_KEYS[table]
        )
        assert report.tables[f"public.{table}"].rows == table_digest(sakila_src, table, SAKILA_KEYS[table])[0]
    assert report.phases == {"types": 0, "tables": 12, "indexes": 3, "foreign_keys": 2, "views": 1}
    # deferred indexes exist, foreign keys were added and are validated
    idx = _scalar(pg_db, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'idx_%'")
    assert idx == 3
    with _connect(pg_db) as conn:
        fks = dict(
            conn.execute("SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f'").fetchall()
        )
    assert fks == {"city_country_id_fkey": True, "address_city_id_fkey": True}
    assert sorted(v.constraint for v in report.validations) == [
        "address_city_id_fkey",
        "city_country_id_fkey",
    ]
    assert all(v.ok for v in report.validations)
    # sequences continue past the loaded keys
    assert report.sequences["actor_actor_id_seq"] == 200
    assert _scalar(pg_db, "SELECT nextval('actor_actor_id_seq')") == 201
    assert _scalar(pg_db, "SELECT nextval('address_address_id_seq')") == 606
    assert _scalar(pg_db, "SELECT count(*) FROM city_list") == 600


def test_copy_commits_each_batch_and_reports_the_failing_one(tmp_path: Path, pg_db: str) -> None:
    rows = [f"{i},name {i}\n".encode() for i in range(1, 46)]
    rows[24] = b"25,\n"  # NULL into a NOT NULL column: batch 3 (rows 21..30) fails
    manifest = write_dump(tmp_path, "t", "public.t", ["id", "name"], [b"".join(rows)], gzip_files=True)
    with _connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL)")
        with pytest.raises(
            RoachliftError, match=r"public\.t: COPY failed in batch 3 \(after 20 committed rows\)"
        ):
            load_table(conn, manifest, "copy", "fail-if-not-empty", 10, "postgres")
        # batches 1 and 2 were committed, batch 3 rolled back
        assert conn.execute("SELECT count(*), max(id) FROM t").fetchone() == (20, 20)


def test_copy_stats_count_batches_and_multiline_rows(tmp_path: Path, pg_db: str) -> None:
    part1 = b'1,"two\nlines",\\x00ff\n2,"",\n'
    part2 = b'3,,\\x\n4,"a,b ""q""",\\x0a0d'  # no final newline: the reader adds one
    manifest = write_dump(tmp_path, "c", "public.c", ["id", "note", "blob"], [part1, part2], rows=4)
    with _connect(pg_db) as conn:
        conn.execute("CREATE TABLE c (id int PRIMARY KEY, note text, blob bytea)")
        stats = copy_files(
            conn, "public.c", ["id", "note", "blob"], [p for p in sorted(manifest.parent.glob("*.csv"))], 3
        )
        assert (stats.rows, stats.batches) == (4, 2)
        got = conn.execute("SELECT id, note, blob FROM c ORDER BY id").fetchall()
    # the CSV convention: unquoted empty = NULL, "" = empty string, bytes as \x hex
    assert got == [
        (1, "two\nlines", b"\x00\xff"),
        (2, "", None),
        (3, None, b""),
        (4, 'a,b "q"', b"\n\r"),
    ]


def test_row_count_mismatch_names_both_numbers(tmp_path: Path, pg_db: str) -> None:
    manifest = write_dump(tmp_path, "m", "public.m", ["id"], [b"1\n2\n3\n4\n"], rows=5)
    with _connect(pg_db) as conn:
        conn.execute("CREATE TABLE m (id int PRIMARY KEY)")
        with pytest.raises(
            RowCountMismatch, match=r"public\.m: target has 4 row\(s\) but the dump manifest says 5"
        ):
            load_table(conn, manifest, "copy", "fail-if-not-empty", 100, "postgres")


# --- reruns ----------------------------------------------------------------------------------
DDL = "CREATE TABLE r (id int PRIMARY KEY, v text)"


def _rerun_setup(tmp_path: Path, pg_db: str, bad: bool) -> tuple[Path, psycopg.Connection]:
    body = b"".join(f"{i},v{i}\n".encode() for i in range(1, 31))
    if bad:
        body += b"not-a-number,x\n"
    manifest = write_dump(tmp_path, "r", "public.r", ["id", "v"], [body], rows=30)
    conn = _connect(pg_db)
    conn.execute(DDL)
    return manifest, conn


def _fix(manifest: Path) -> None:
    part = manifest.parent / "part-00001.csv"
    part.write_bytes(part.read_bytes().replace(b"not-a-number,x\n", b""))


def test_rerun_fail_if_not_empty_refuses_after_a_failed_load(tmp_path: Path, pg_db: str) -> None:
    manifest, conn = _rerun_setup(tmp_path, pg_db, bad=True)
    with conn:
        with pytest.raises(RoachliftError, match="COPY failed in batch 4"):
            load_table(conn, manifest, "copy", "fail-if-not-empty", 10, "postgres")
        _fix(manifest)
        with pytest.raises(
            RoachliftError, match=r"public\.r: target already holds 30 row\(s\).*fail-if-not-empty"
        ):
            load_table(conn, manifest, "copy", "fail-if-not-empty", 10, "postgres")
        assert conn.execute("SELECT count(*) FROM r").fetchone() == (30,)


def test_rerun_truncate_never_duplicates(tmp_path: Path, pg_db: str) -> None:
    manifest, conn = _rerun_setup(tmp_path, pg_db, bad=True)
    with conn:
        with pytest.raises(RoachliftError):
            load_table(conn, manifest, "copy", "truncate", 10, "postgres")
        _fix(manifest)
        for _ in range(2):  # the retry, then one more rerun
            result = load_table(conn, manifest, "copy", "truncate", 10, "postgres")
            assert result.rows == 30
        assert conn.execute("SELECT count(*), count(DISTINCT id) FROM r").fetchone() == (30, 30)


def test_rerun_drop_and_recreate_rebuilds_the_table(tmp_path: Path, pg_db: str) -> None:
    manifest, conn = _rerun_setup(tmp_path, pg_db, bad=False)
    with conn:
        load_table(conn, manifest, "copy", "fail-if-not-empty", 7, "postgres")
        conn.execute("ALTER TABLE r ADD COLUMN stray int")
        result = load_table(conn, manifest, "copy", "drop-and-recreate", 7, "postgres", create_sql=DDL)
        assert result.rows == 30
        cols = [
            r[0]
            for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'r'")
        ]
        assert cols == ["id", "v"]
        with pytest.raises(RoachliftError, match="drop-and-recreate needs the table's CREATE TABLE"):
            load_table(conn, manifest, "copy", "drop-and-recreate", 7, "postgres")


def test_pipeline_rerun_with_truncate_keeps_counts(
    sakila_src: str, sakila_dump: Path, sakila_phase_dir: Path, pg_db: str
) -> None:
    with _connect(pg_db) as conn:
        run_load(
            conn, sakila_dump, sakila_phase_dir, method="copy", batch_rows=500, target_dialect="postgres"
        )
        # second run: FKs exist; they are dropped, each table truncated, then re-added (as the DAG does)
        report = run_load(
            conn,
            sakila_dump,
            sakila_phase_dir,
            method="copy",
            batch_rows=500,
            target_dialect="postgres",
            table_handling="truncate",
        )
    assert report.tables["public.address"].rows == 603
    assert table_digest(pg_db, "city", "city_id") == table_digest(sakila_src, "city", "city_id")


# --- foreign keys ----------------------------------------------------------------------------
def test_orphan_keys_reported_with_constraint_table_and_sample(tmp_path: Path, pg_db: str) -> None:
    dump = tmp_path / "dump"
    write_dump(dump, "parent", "public.parent", ["id"], [b"1\n2\n3\n"])
    write_dump(dump, "child", "public.child", ["id", "parent_id"], [b"10,1\n11,7\n12,9\n13,7\n14,\n15,3\n"])
    phases = write_phases(
        tmp_path / "phases",
        {
            "02_tables.sql": "CREATE TABLE parent (id int PRIMARY KEY);\n"
            "CREATE TABLE child (id int PRIMARY KEY, parent_id int);\n",
            "04_foreign_keys.sql": "ALTER TABLE child ADD CONSTRAINT child_parent_fk "
            "FOREIGN KEY (parent_id) REFERENCES parent (id);\n",
        },
    )
    with _connect(pg_db) as conn:
        with pytest.raises(ForeignKeyValidationError) as info:
            run_load(conn, dump, phases, method="copy", target_dialect="postgres")
        (failure,) = info.value.results
        assert (failure.constraint, failure.table, failure.ref_table) == (
            "child_parent_fk",
            "public.child",
            "public.parent",
        )
        assert sorted(failure.orphans) == [(7,), (9,)]  # distinct, NULL keys are not orphans
        assert "child_parent_fk" in str(info.value) and "sample orphan keys: " in str(info.value)
        # the constraint is there but still NOT VALID; fixing the data lets it validate
        assert conn.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = 'child_parent_fk'"
        ).fetchone() == (False,)
        conn.execute("INSERT INTO parent VALUES (7), (9)")
        (again,) = validate_foreign_keys(conn, "public")
        assert again.ok and again.orphans == []
        assert validate_foreign_keys(conn, "public") == []


def test_multi_column_orphans(pg_db: str) -> None:
    with _connect(pg_db) as conn:
        apply_phase(
            conn,
            "CREATE TABLE p (a int, b text, PRIMARY KEY (a, b));\n"
            "CREATE TABLE c (id int PRIMARY KEY, x int, y text);\n"
            "INSERT INTO p VALUES (1, 'one');\n"
            "INSERT INTO c VALUES (1, 1, 'one'), (2, 1, 'two'), (3, 2, 'one');\n"
            "ALTER TABLE c ADD CONSTRAINT c_xy_fk FOREIGN KEY (x, y) REFERENCES p (a, b);\n",
            foreign_keys_not_valid=True,
        )
        (result,) = validate_foreign_keys(conn, "public")
    assert not result.ok
    assert result.columns == ["x", "y"]
    assert sorted(result.orphans) == [(1, "two"), (2, "one")]
    assert "(1, two)" in result.describe() and "c_xy_fk (x, y) -> public.p" in result.describe()


# --- phases and sequences --------------------------------------------------------------------
def test_phase_statements_respect_quotes_comments_and_dollar_bodies() -> None:
    text = (
        "CREATE TABLE a (s text DEFAULT 'x;y');\n"
        "-- comment; with semicolon\n"
        'CREATE TABLE "b;c" (i int); /* block; comment */\n'
        "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\n"
        "\n;\n"
    )
    assert phase_statements(text) == [
        "CREATE TABLE a (s text DEFAULT 'x;y')",
        'CREATE TABLE "b;c" (i int)',
        "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql",
    ]


def test_not_valid_only_touches_alter_foreign_keys() -> None:
    fk = "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES p (a) ON DELETE CASCADE"
    assert not_valid(fk) == fk + " NOT VALID"
    assert not_valid(fk + " NOT VALID") == fk + " NOT VALID"
    assert not_valid("CREATE INDEX i ON c (x)") == "CREATE INDEX i ON c (x)"


def test_apply_phase_errors_name_the_statement_and_rerun_skips_existing(tmp_path: Path, pg_db: str) -> None:
    phase = tmp_path / "03_indexes.sql"
    phase.write_text("CREATE TABLE z (i int);\nCREATE INDEX z_i ON z (i);\n")
    with _connect(pg_db) as conn:
        assert apply_phase(conn, phase) == 2
        with pytest.raises(
            RoachliftError, match=r"03_indexes\.sql: statement 1 \('CREATE TABLE z \(i int\)'\) failed"
        ):
            apply_phase(conn, phase)
        assert apply_phase(conn, phase, if_exists_ok=True) == 0
        with pytest.raises(RoachliftError, match="statement 1"):
            apply_phase(conn, "SELECT * FROM no_such_table")


def test_create_statement_for_finds_qualified_and_quoted_names() -> None:
    text = SAKILA_PHASES["02_tables.sql"] + '\nCREATE TABLE IF NOT EXISTS public."Mixed" (i int);\n'
    stmt = create_statement_for(text, "public.city")
    assert stmt is not None and stmt.startswith("CREATE TABLE city (")
    assert create_statement_for(text, "public.Mixed") == 'CREATE TABLE IF NOT EXISTS public."Mixed" (i int)'
    assert create_statement_for(text, "nope") is None


def test_reset_sequences_skips_empty_tables_and_handles_identity(pg_db: str) -> None:
    with _connect(pg_db) as conn:
        conn.execute("CREATE TABLE s1 (id serial PRIMARY KEY)")
        conn.execute("CREATE TABLE s2 (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
        conn.execute('CREATE TABLE "Odd" (id serial PRIMARY KEY)')
        conn.execute("INSERT INTO s2 (id) VALUES (41), (42)")
        conn.execute('INSERT INTO "Odd" (id) VALUES (7)')
        seqs = sequence_columns(conn, "public")
        assert sorted((s.table, s.column) for s in seqs) == [
            ("public.Odd", "id"),
            ("public.s1", "id"),
            ("public.s2", "id"),
        ]
        done = reset_sequences(conn, seqs)
        assert sorted(done.values()) == [7, 42]
        assert conn.execute("INSERT INTO s2 DEFAULT VALUES RETURNING id").fetchone() == (43,)
        assert conn.execute('INSERT INTO "Odd" DEFAULT VALUES RETURNING id').fetchone() == (8,)
        assert conn.execute("INSERT INTO s1 DEFAULT VALUES RETURNING id").fetchone() == (1,)


# --- command line ----------------------------------------------------------------------------
def test_cli_load_and_validate(
    sakila_dump: Path,
    sakila_phase_dir: Path,
    pg_db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from roachlift.cli import main

    monkeypatch.delenv("ROACHLIFT_TARGET_URL", raising=False)
    args = ["--target-url", pg_db]
    assert (
        main(
            [
                "load",
                *args,
                "--dump-dir",
                str(sakila_dump),
                "--phase-dir",
                str(sakila_phase_dir),
                "--method",
                "copy",
                "--dialect",
                "postgres",
                "--batch-rows",
                "1000",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "public.address" in out and "603" in out and "constraints validated: 2, failed: 0" in out
    with _connect(pg_db) as conn:
        conn.execute("ALTER TABLE address DROP CONSTRAINT address_city_id_fkey")
        conn.execute("UPDATE address SET city_id = 9999 WHERE address_id IN (1, 2)")
    fk = sakila_phase_dir / "04_foreign_keys.sql"
    assert main(["load-phase", *args, "--not-valid", "--if-exists-ok", str(fk)]) == 0
    assert main(["load-validate-fks", *args]) == 1
    out = capsys.readouterr().out
    assert "address_city_id_fkey (city_id) -> public.city fails" in out and "sample orphan keys: 9999" in out
    assert main(["load", "--dump-dir", "x", "--phase-dir", "y"]) == 2  # no target: a one-line error


def test_apply_phase_passes_percent_signs_and_braces_through(pg_db: str) -> None:
    with _connect(pg_db) as conn:
        apply_phase(conn, "CREATE VIEW pct AS SELECT 'a%b{x}' AS v WHERE 'abc' LIKE 'a%';\n")
        assert conn.execute("SELECT v FROM pct").fetchone() == ("a%b{x}",)
