"""The full load path against a real CockroachDB cluster: userfile upload over SQL, IMPORT INTO
DETACHED followed to its end, COPY mode, foreign keys NOT VALID + VALIDATE CONSTRAINT, sequences.

Runs only when ``ROACHLIFT_TEST_CRDB_URL`` names a cluster (e.g.
``postgresql://root@127.0.0.1:26257/defaultdb?sslmode=disable``); skipped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from load_helpers import write_dump, write_phases
from psycopg import sql

from roachlift.load import userfile
from roachlift.load.constraints import ForeignKeyValidationError
from roachlift.load.pipeline import run_load

CRDB_URL = os.environ.get("ROACHLIFT_TEST_CRDB_URL")

pytestmark = [
    pytest.mark.crdb,
    pytest.mark.skipif(
        not CRDB_URL,
        reason="no CockroachDB cluster: set ROACHLIFT_TEST_CRDB_URL=postgresql://root@host:26257/defaultdb"
        "?sslmode=disable to run the live IMPORT/userfile suite",
    ),
]

PHASES = {
    "02_tables.sql": (
        "CREATE TABLE parent (id INT8 PRIMARY KEY, name STRING NOT NULL);\n"
        "CREATE SEQUENCE child_id_seq;\n"
        "CREATE TABLE child (id INT8 PRIMARY KEY DEFAULT nextval('child_id_seq'),"
        " parent_id INT8, note STRING,"
        " blob BYTES);\n"
    ),
    "03_indexes.sql": "CREATE INDEX child_parent_idx ON child (parent_id);\n",
    "04_foreign_keys.sql": (
        "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);\n"
    ),
    "05_views.sql": (
        "CREATE VIEW child_names AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id;\n"
    ),
}


def _with_db(url: str, db: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


@pytest.fixture
def crdb_db() -> Iterator[str]:
    assert CRDB_URL
    name = f"roachlift_live_{os.getpid()}"
    with psycopg.connect(CRDB_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} CASCADE").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_db(CRDB_URL, name)
    with psycopg.connect(CRDB_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def _dump(tmp_path: Path, orphan: bool = False) -> Path:
    out = tmp_path / "dump"
    parents = b"".join(f'{i},"name, {i}"\n'.encode() for i in range(1, 51))
    kids = [f"{i},{i % 50 + 1},note {i},\\x{i:04x}\n".encode() for i in range(1, 201)]
    kids.append(b'201,,"",\n202,1,,\\x\n203,2,"multi\nline",\n')
    if orphan:
        kids.append(b"204,999,orphan,\n")
    write_dump(out, "parent", "public.parent", ["id", "name"], [parents], gzip_files=True)
    halves = [b"".join(kids[:100]), b"".join(kids[100:])]
    write_dump(out, "child", "public.child", ["id", "parent_id", "note", "blob"], halves, gzip_files=True)
    return out


@pytest.mark.parametrize("method", ["import", "copy"])
def test_full_load_path_on_cockroachdb(method: str, crdb_db: str, tmp_path: Path) -> None:
    dump = _dump(tmp_path)
    phases = write_phases(tmp_path / "phases", PHASES)
    run_id = f"live-{os.getpid()}-{method}"
    with psycopg.connect(crdb_db, autocommit=True) as conn:
        report = run_load(conn, dump, phases, method=method, batch_rows=40, run_id=run_id)  # type: ignore[arg-type]
        assert report.tables["public.child"].rows == 203
        assert report.tables["public.parent"].rows == 50
        assert all(v.ok for v in report.validations)
        assert conn.execute("SELECT note, blob FROM child WHERE id = 201").fetchone() == ("", None)
        assert conn.execute("SELECT note, blob FROM child WHERE id = 202").fetchone() == (None, b"")
        assert conn.execute("SELECT note FROM child WHERE id = 203").fetchone() == ("multi\nline",)
        assert conn.execute("SELECT blob FROM child WHERE id = 5").fetchone() == (b"\x00\x05",)
        assert conn.execute("SELECT count(*) FROM child_names").fetchone() == (202,)
        assert conn.execute("SELECT nextval('child_id_seq')").fetchone() == (204,)
        validated = conn.execute(
            "SELECT convalidated FROM pg_catalog.pg_constraint WHERE conname = 'child_parent_fk'"
        ).fetchone()
        assert validated == (True,)
        if method == "import":  # uploaded files were cleaned up
            user = conn.execute("SELECT current_user").fetchone()
            assert user is not None
            *schema, prefix = userfile.default_prefix(str(user[0])).split(".")
            files = sql.Identifier(*schema, prefix + "_upload_files")
            left = conn.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE filename LIKE %s").format(files),
                (f"/roachlift/{run_id}/%",),
            ).fetchone()
            assert left == (0,)
        # a rerun with truncate never duplicates rows
        again = run_load(
            conn,
            dump,
            phases,
            method=method,  # type: ignore[arg-type]
            batch_rows=40,
            run_id=run_id + "b",
            table_handling="truncate",
        )
        assert again.tables["public.child"].rows == 203


def test_orphans_reported_on_cockroachdb(crdb_db: str, tmp_path: Path) -> None:
    dump = _dump(tmp_path, orphan=True)
    phases = write_phases(tmp_path / "phases", PHASES)
    with psycopg.connect(crdb_db, autocommit=True) as conn, pytest.raises(ForeignKeyValidationError) as info:
        run_load(conn, dump, phases, method="import", run_id=f"live-orphan-{os.getpid()}")
    (failure,) = info.value.results
    assert failure.constraint == "child_parent_fk"
    assert failure.orphans == [(999,)]


def test_import_groups_are_recorded_and_a_resume_starts_no_new_job(crdb_db: str, tmp_path: Path) -> None:
    """IMPORT ... DETACHED and the progress row in one transaction, one job per file (group of 1);
    a resumed rerun of the same dump finds every group done and imports nothing again."""
    from roachlift.load import progress
    from roachlift.load.manifest import Manifest

    dump = _dump(tmp_path)
    phases = write_phases(tmp_path / "phases", PHASES)
    run_id = f"live-groups-{os.getpid()}"
    with psycopg.connect(crdb_db, autocommit=True) as conn:
        run_load(conn, dump, phases, method="import", run_id=run_id, group_files=1)
        child = Manifest.read(dump / "child" / "manifest.json")
        recorded = progress.read(conn, child.identity, "public.child")
        assert sorted(recorded) == [1, 2] and all(p.done and p.job_id for p in recorded.values())
        again = run_load(
            conn, dump, phases, method="import", run_id=run_id + "b", group_files=1, table_handling="resume"
        )
        assert again.tables["public.child"].rows == 203
        assert progress.read(conn, child.identity, "public.child") == recorded  # the same jobs, no new one


def test_estimate_load_sample_on_cockroachdb(crdb_db: str) -> None:
    """The estimate's load sample (CREATE TABLE of TEXT columns, COPY, DROP) on a real cluster."""
    from roachlift.config.connections import parse_uri
    from roachlift.estimate import sample_target

    data = b'1,"a, ""quoted""",\n2,"two\nlines",x\n'
    seconds = sample_target(parse_uri(crdb_db), data, 3)
    assert seconds > 0
    with psycopg.connect(crdb_db) as conn:
        left = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'roachlift_estimate%'"
        ).fetchone()
    assert left == (0,)


def test_cutover_sequence_statements_on_cockroachdb(crdb_db: str) -> None:
    """The cutover's reset after the drain: ``pg_sequence_last_value`` and ``setval(...::REGCLASS)``."""
    from roachlift.target import statements as st

    with psycopg.connect(crdb_db, autocommit=True) as conn:
        conn.execute("CREATE SEQUENCE cut_seq")
        conn.execute("SELECT nextval('cut_seq')")
        assert conn.execute(st.SEQUENCE_LAST_VALUE, ("cut_seq",)).fetchone() == (1,)
        conn.execute(st.SETVAL_REGCLASS, ("cut_seq", 41))
        assert conn.execute("SELECT nextval('cut_seq')").fetchone() == (42,)
