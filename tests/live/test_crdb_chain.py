"""The whole chain against a real CockroachDB cluster, one test per step (see conftest.py).

Skipped, saying why, unless ``ROACHLIFT_TEST_CRDB_URL`` is set. Every statement these steps send
comes from ``roachlift.target.statements``; nothing here fakes a result: each step asserts what the
cluster answered. The MariaDB source of the CDC, verify and geometry steps is the test harness's.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest
from live_env import CRDB_URL, SKIP_REASON

from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.dump.manifest import table_dir_name
from roachlift.load import jobs, userfile
from roachlift.load.constraints import ForeignKeyValidationError, check_constraints
from roachlift.load.loader import load_table
from roachlift.load.pipeline import run_load
from roachlift.target import statements as st
from roachlift.testing import MariaDBServer

pytestmark = [pytest.mark.crdb, pytest.mark.skipif(not CRDB_URL, reason=SKIP_REASON)]
Step = Callable[[str], None]


def _connect(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True)


def _write_dump(out: Path, folder: str, table: str, columns: list[str], data: bytes) -> None:
    """One table's dump in the layout the dump step writes (part file + manifest.json)."""
    tdir = out / folder
    tdir.mkdir(parents=True, exist_ok=True)
    (tdir / "part-00001.csv.gz").write_bytes(gzip.compress(data))
    manifest = {
        "table": f"src.{folder}",
        "target_table": table,
        "columns": columns,
        "files": [{"path": "part-00001.csv.gz", "rows": data.count(b"\n"), "bytes": len(data), "sha256": ""}],
        "rows": data.count(b"\n"),
        "bytes": len(data),
        "compression": "gzip",
        "snapshot": {},
        "elapsed_s": 0.0,
        "rows_per_s": 0.0,
    }
    (tdir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


PHASES = {
    "02_tables.sql": (
        "CREATE TABLE parent (id INT8 PRIMARY KEY, name STRING NOT NULL);\n"
        "CREATE SEQUENCE item_id_seq;\n"
        "CREATE TABLE item (id INT8 PRIMARY KEY DEFAULT nextval('item_id_seq'), parent_id INT8,"
        " qty INT4 CONSTRAINT qty_positive CHECK (qty > 0));\n"
    ),
    "04_foreign_keys.sql": (
        "ALTER TABLE item ADD CONSTRAINT item_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);\n"
    ),
}


def _phases(tmp_path: Path) -> Path:
    d = tmp_path / "phases"
    d.mkdir(exist_ok=True)
    for name, text in PHASES.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def _dump(tmp_path: Path, *, bad_qty: bool = False) -> Path:
    out = tmp_path / ("dump_bad" if bad_qty else "dump")
    _write_dump(
        out, "parent", "public.parent", ["id", "name"], b"".join(b"%d,p%d\n" % (i, i) for i in range(1, 11))
    )
    items = b"".join(b"%d,%d,%d\n" % (i, i % 10 + 1, -1 if bad_qty and i == 7 else i) for i in range(1, 51))
    _write_dump(out, "item", "public.item", ["id", "parent_id", "qty"], items)
    return out


def test_url_is_a_cockroachdb_cluster(step: Step) -> None:
    with _connect(CRDB_URL) as conn:
        row = conn.execute("SELECT version()").fetchone()
    assert row is not None and "CockroachDB" in str(row[0]), row
    host = urlsplit(CRDB_URL).hostname
    step(f"{host}: {str(row[0])[:80]}")


def test_userfile_upload_retry_after_a_failed_import(crdb_db: str, tmp_path: Path, step: Step) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(b"1,x\n2,y\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"1,x\nnot-a-number,y\n")
    dest = "userfile:///roachlift/live/up/part-00001.csv"
    with _connect(crdb_db) as conn:
        conn.execute("CREATE TABLE up (id INT8 PRIMARY KEY, v STRING)")
        bad_uri = userfile.upload_file(conn, bad, dest)
        job = conn.execute(st.import_into("up", ["id", "v"], [bad_uri], gzip=False)).fetchone()
        assert job is not None
        with pytest.raises(jobs.JobError, match="failed"):
            jobs.wait_for_job(conn, int(job[0]), poll_seconds=0.5, timeout=300)
        # the retry: same destination; the server refuses an existing file, so the stale one goes first
        uri = userfile.upload_file(conn, good, dest)
        assert uri == bad_uri
        job = conn.execute(st.import_into("up", ["id", "v"], [uri], gzip=False)).fetchone()
        assert job is not None
        state = jobs.wait_for_job(conn, int(job[0]), poll_seconds=0.5, timeout=300)
        assert conn.execute("SELECT count(*) FROM up").fetchone() == (2,)
        # the job is still found by id through crdb_internal.jobs
        assert (
            jobs.interpret_job_row(jobs.fetch_job_row(conn, state.job_id), state.job_id).phase.value
            == "succeeded"
        )
        # host-less URIs are resolved before the DELETEs name the file tables
        assert userfile.delete_files(conn, [dest]) == 1
    step(f"failed IMPORT, re-upload to the same name, IMPORT job {state.job_id} ok, file deleted")


def test_paused_import_is_found_before_a_second_one_starts(crdb_db: str, tmp_path: Path, step: Step) -> None:
    data = b"".join(b"%d,%s\n" % (i, b"v" * 200) for i in range(200_000))
    f = tmp_path / "big.csv"
    f.write_bytes(data)
    with _connect(crdb_db) as conn:
        conn.execute("CREATE TABLE big (id INT8 PRIMARY KEY, v STRING)")
        uri = userfile.upload_file(conn, f, "userfile:///roachlift/live/big/part-00001.csv")
        (job_id,) = conn.execute(st.import_into("big", ["id", "v"], [uri], gzip=False)).fetchone()  # type: ignore[misc]
        with contextlib.suppress(psycopg.Error):  # already finished: nothing to find
            conn.execute(st.PAUSE_JOB, (job_id,))
        state = jobs.interpret_job_row(jobs.fetch_job_row(conn, int(job_id)), int(job_id))
        found = jobs.find_unfinished_import(conn, [userfile.run_path("live", "big", "part-00001.csv")])
        if state.phase.value == "succeeded":
            pytest.skip(f"IMPORT job {job_id} finished before it could be paused")
        assert found == int(job_id), state.describe()
        conn.execute(st.CANCEL_JOB, (job_id,))
    step(f"IMPORT job {job_id} paused, found by its file path in crdb_internal.jobs, canceled")


@pytest.mark.parametrize("storage", ["userfile", "nodelocal"])
def test_import_then_fk_and_check_validation_and_setval(
    storage: str, crdb_db: str, tmp_path: Path, step: Step
) -> None:
    dump = _dump(tmp_path)
    location = "userfile"
    with _connect(crdb_db) as conn:
        if storage == "nodelocal":  # object storage the cluster reads: nodelocal://1/...
            location = f"nodelocal://1/roachlift-live-{os.getpid()}"
            for folder in ("parent", "item"):
                part = dump / folder / "part-00001.csv.gz"
                dest = f"{location}/{folder}/part-00001.csv.gz"
                with conn.transaction(), conn.cursor().copy(st.nodelocal_upload(dest)) as copy:
                    copy.write(userfile.escape_copy_text(part.read_bytes()) + b"\n")
        report = run_load(
            conn,
            dump,
            _phases(tmp_path),
            method="import",
            storage=location,
            run_id=f"live-{storage}",
            table_handling="truncate",  # the second storage reloads the same tables
        )
        assert report.tables["public.item"].rows == 50
        validated = {r.constraint: r.ok for r in report.validations}
        # IMPORT INTO left both unvalidated (pkg/sql/importer/import_job.go); both validated now
        assert validated.get("item_parent_fk") is True and validated.get("qty_positive") is True, validated
        assert all(c.validated for c in check_constraints(conn, "public"))
        assert conn.execute("SELECT nextval('item_id_seq')").fetchone() == (51,)  # setval(%s::REGCLASS)
    step(f"IMPORT from {storage}: 60 rows, FK + CHECK validated after IMPORT, setval -> nextval 51")


def test_check_violation_after_import_is_named(crdb_db: str, tmp_path: Path, step: Step) -> None:
    with _connect(crdb_db) as conn:
        conn.execute("DROP TABLE IF EXISTS item, parent CASCADE")
        conn.execute("DROP SEQUENCE IF EXISTS item_id_seq")
        with pytest.raises(ForeignKeyValidationError) as info:
            run_load(
                conn, _dump(tmp_path, bad_qty=True), _phases(tmp_path), method="import", run_id="live-bad"
            )
    (failure,) = info.value.results
    assert failure.kind == "check" and failure.constraint == "qty_positive"
    assert any(7 in row for row in failure.orphans), failure.describe()
    step(f"IMPORT accepted qty = -1; VALIDATE CONSTRAINT refused it: {failure.describe()[:120]}")


def _my(mariadb_server: MariaDBServer, db: str) -> Any:
    return pymysql.connect(**mariadb_server.connect_kwargs(db), autocommit=True)  # type: ignore[arg-type]


def test_cdc_apply_upsert_delete_truncate_then_verify(
    crdb_db: str, mariadb_server: MariaDBServer, mysql_db: str, step: Step
) -> None:
    from roachlift.cdc.apply import run_applier
    from roachlift.cdc.mysql import MySQLSource, master_status
    from roachlift.verify.compare import TableRef, verify_tables

    my = _my(mariadb_server, mysql_db)
    with my.cursor() as cur:
        cur.execute("CREATE TABLE film (film_id INT PRIMARY KEY, title VARCHAR(50), rate DECIMAL(4,2))")
        cur.execute("CREATE TABLE tag (id INT PRIMARY KEY, name VARCHAR(20))")
    with _connect(crdb_db) as conn:
        conn.execute("CREATE TABLE film (film_id INT4 PRIMARY KEY, title STRING, rate DECIMAL(4,2))")
        conn.execute("CREATE TABLE tag (id INT4 PRIMARY KEY, name STRING)")
    start = master_status(mariadb_server.connect_kwargs())
    with my.cursor() as cur:
        cur.execute("INSERT INTO film VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 2)")
        cur.execute("UPDATE film SET title = 'b2' WHERE film_id = 2")
        cur.execute("UPDATE film SET film_id = 30 WHERE film_id = 3")
        cur.execute("DELETE FROM film WHERE film_id = 1")
        cur.execute("INSERT INTO tag VALUES (1, 'x'), (2, 'y')")
        cur.execute("TRUNCATE TABLE tag")
        cur.execute("INSERT INTO tag VALUES (3, 'after')")
    my.close()
    source = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    stats = run_applier(source, crdb_db, migration="live", dialect="cockroachdb")
    assert stats.caught_up
    with _connect(crdb_db) as conn:
        assert conn.execute("SELECT film_id, title, rate::STRING FROM film ORDER BY 1").fetchall() == [
            (2, "b2", None),
            (30, "c", "2.00"),
        ]
        assert conn.execute("SELECT id, name FROM tag").fetchall() == [(3, "after")]
    target = parse_uri(crdb_db.replace("postgresql://", "postgres://", 1))
    result = verify_tables(
        parse_uri(mariadb_server.uri(mysql_db)),
        target,
        [TableRef("film", mysql_db), TableRef("tag", mysql_db)],
    )
    assert result.ok, result.to_json()
    step(f"{stats.changes} binlog changes applied with UPSERT/DELETE/DELETE-for-truncate; verify equal")


def test_rehearsal_database_life_cycle(crdb_db: str, step: Step) -> None:
    name = f"roachlift_live_rehearsal_{os.getpid()}"
    with _connect(CRDB_URL) as conn:
        conn.execute(st.drop_database(name))
        assert conn.execute(st.DATABASE_EXISTS, (name,)).fetchone() is None
        conn.execute(st.create_database(name))
        assert conn.execute(st.DATABASE_EXISTS, (name,)).fetchone() == (1,)
        listed = [r[0] for r in conn.execute(st.REHEARSAL_DATABASES, ("roachlift_live_rehearsal_%",))]
        assert name in listed
        conn.execute(st.drop_database(name))
        assert conn.execute(st.DATABASE_EXISTS, (name,)).fetchone() is None
    step(f"{name}: created, listed by pattern, dropped with CASCADE")


def test_changefeed_into_a_null_sink_from_a_cursor(crdb_db: str, step: Step) -> None:
    from roachlift.pipeline import changefeed_cursor, ensure_rangefeeds

    with _connect(crdb_db) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS feed (id INT8 PRIMARY KEY)")
        try:
            turned_on = ensure_rangefeeds(conn)
        except Exception as exc:  # a tenant that may not set it says so
            pytest.skip(f"kv.rangefeed.enabled cannot be checked or set here: {exc}")
        assert conn.execute(st.SHOW_RANGEFEED).fetchone() == (True,)
        cursor = changefeed_cursor(conn)
        stmt = st.create_changefeed(["public.feed"], "", sink="null://", cursor=cursor)
        try:
            row = conn.execute(stmt).fetchone()
        except psycopg.Error as exc:
            pytest.skip(f"the cluster refused a changefeed into null:// ({exc.diag.message_primary})")
        assert row is not None
        conn.execute(st.CANCEL_JOB, (row[0],))
    step(f"changefeed job {row[0]} from cursor {cursor} (rangefeeds turned on: {turned_on}), canceled")


def test_sakila_geometry_loads_as_geometry(
    crdb_db: str, mariadb_server: MariaDBServer, mysql_db: str, tmp_path: Path, step: Step
) -> None:
    from roachlift.dump import dump_database

    my = _my(mariadb_server, mysql_db)
    with my.cursor() as cur:
        cur.execute(
            "CREATE TABLE address (address_id SMALLINT UNSIGNED PRIMARY KEY, address VARCHAR(50) NOT NULL,"
            " location GEOMETRY NOT NULL)"
        )
        cur.execute(
            "INSERT INTO address VALUES"
            " (1, '47 MySakila Drive', ST_GeomFromText('POINT(-112.8185647 49.6999986)')),"
            " (2, '1913 Hanoi Way', ST_GeomFromText('POINT(139.731 35.6895)', 4326)),"
            " (3, 'Square', ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))', 3857))"
        )
        cur.execute("SELECT address_id, ST_AsText(location), ST_SRID(location) FROM address ORDER BY 1")
        expected = [(int(a), str(w).replace(" ", ""), int(s)) for a, w, s in cur.fetchall()]
    my.close()
    spec = parse_spec(
        {
            "name": "live_geo",
            "source": {"kind": "mysql", "conn_id": "src", "schemas": [mysql_db]},
            "target": {"conn_id": "dst", "database": "t"},
            "dump": {"compression": "gzip"},
        }
    )
    result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path / "dump")
    (manifest,) = result.tables
    with _connect(crdb_db) as conn:
        for method in ("copy", "import"):
            conn.execute("DROP TABLE IF EXISTS address")
            conn.execute(
                "CREATE TABLE address (address_id INT4 PRIMARY KEY, address STRING NOT NULL,"
                " location GEOMETRY NOT NULL)"
            )
            manifest_path = tmp_path / "dump" / table_dir_name(manifest.table) / "manifest.json"
            loaded = load_table(conn, manifest_path, method, run_id=f"live-geo-{method}")  # type: ignore[arg-type]
            assert loaded.rows == 3
            got = conn.execute(
                "SELECT address_id, replace(ST_AsText(location), ' ', ''), ST_SRID(location)"
                " FROM address ORDER BY 1"
            ).fetchall()
            assert [(int(a), str(w), int(s)) for a, w, s in got] == expected, method
    step("address.location (SRID 0, 4326, 3857) loaded by COPY and IMPORT as GEOMETRY, same WKT and SRID")
