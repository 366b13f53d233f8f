"""CockroachDB facts the load path relies on, each pinned with the source line it comes from.

No CockroachDB runs here: where CockroachDB and PostgreSQL share a statement (setval with a
``::REGCLASS`` cast, VALIDATE CONSTRAINT of a CHECK, the userfile DELETEs over the file tables), the
test runs it for real on the PostgreSQL test server; the CockroachDB-only text is pinned against
the quoted source. The live suite (tests/live) runs all of it on a cluster.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from roachlift.load import userfile
from roachlift.load.constraints import (
    ForeignKeyValidationError,
    check_constraints,
    raise_for_failures,
    validate_check_constraints,
    validate_constraints,
)
from roachlift.load.jobs import JobPhase, JobState, find_unfinished_import
from roachlift.load.phases import SequenceColumn, reset_sequences, sequence_columns
from roachlift.target import statements as st
from roachlift.testing import PostgresServer


@pytest.fixture
def conn(pg_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_db, autocommit=True) as c:
        yield c


# --- item 3: setval --------------------------------------------------------------------------
def test_setval_casts_the_name_to_regclass(conn: psycopg.Connection) -> None:
    # pkg/sql/sem/builtins/builtins.go, "setval": two overloads per arity:
    #   {Name: builtinconstants.SequenceNameArg, Typ: types.String}, {Name: "value", Typ: types.Int}, ...
    #   {Name: builtinconstants.SequenceNameArg, Typ: types.RegClass}, {Name: "value", Typ: types.Int},
    #   {Name: "is_called", Typ: types.Bool}
    # an untyped placeholder matches both, so the name is cast to REGCLASS.
    assert st.SETVAL == "SELECT setval(%s::REGCLASS, %s, true)"
    conn.execute('CREATE SEQUENCE "Mixed Seq"')
    conn.execute('CREATE TABLE "T" (id INT8 PRIMARY KEY DEFAULT nextval(\'"Mixed Seq"\'), v TEXT)')
    conn.execute("CREATE TABLE plain (id SERIAL PRIMARY KEY)")
    conn.execute("""INSERT INTO "T" VALUES (41, 'a'), (7, 'b')""")
    conn.execute("INSERT INTO plain VALUES (1000)")
    seqs = sequence_columns(conn, "public")
    assert {(s.table, s.sequence) for s in seqs} == {
        ("public.T", '"Mixed Seq"'),
        ("public.plain", "plain_id_seq"),
    }
    done = reset_sequences(conn, seqs)
    assert done == {'"Mixed Seq"': 41, "plain_id_seq": 1000}
    assert conn.execute("""SELECT nextval('"Mixed Seq"')""").fetchone() == (42,)
    assert conn.execute("SELECT nextval('plain_id_seq')").fetchone() == (1001,)
    # the cast refuses a name that is not a relation, instead of guessing
    with pytest.raises(Exception, match="does not exist"):
        reset_sequences(conn, [SequenceColumn("public.plain", "id", "no_such_seq")])


# --- item 4: CHECK constraints left unvalidated by IMPORT INTO -------------------------------
def test_unvalidated_checks_are_validated_and_violations_named(conn: psycopg.Connection) -> None:
    # pkg/sql/importer/import_job.go:
    #   // Set CHECK constraints to unvalidated before publishing the table imported into.
    #   for _, c := range newTableDesc.AllActiveAndInactiveChecks() {
    #       c.Validity = descpb.ConstraintValidity_Unvalidated
    # pkg/sql/pg_catalog.go: tree.MakeDBool(tree.DBool(!con.Unvalidated)), // convalidated
    # PostgreSQL's ADD CONSTRAINT ... NOT VALID leaves the same catalog state, with rows in breach.
    conn.execute("CREATE TABLE item (id INT PRIMARY KEY, qty INT, price NUMERIC)")
    conn.execute("INSERT INTO item VALUES (1, 5, 1.5), (2, -3, 2.0), (3, NULL, 3.0), (4, 2, -1)")
    conn.execute("ALTER TABLE item ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID")
    conn.execute("ALTER TABLE item ADD CONSTRAINT price_ok CHECK (price >= 0) NOT VALID")
    conn.execute("ALTER TABLE item ADD CONSTRAINT id_ok CHECK (id < 100) NOT VALID")
    checks = {c.name: c for c in check_constraints(conn, "public")}
    assert {n: c.validated for n, c in checks.items()} == {
        "id_ok": False,
        "price_ok": False,
        "qty_positive": False,
    }
    assert checks["qty_positive"].expression == "((qty > 0))"
    results = {r.constraint: r for r in validate_check_constraints(conn, "public")}
    assert results["id_ok"].ok
    assert not results["qty_positive"].ok and results["qty_positive"].orphans == [(2, -3, 2)]
    assert "violated by some row" in (results["qty_positive"].error or "")
    assert not results["price_ok"].ok and results["price_ok"].orphans == [(4, 2, -1)]
    text = results["qty_positive"].describe()
    assert "public.item: check constraint qty_positive fails" in text and "(2, -3, 2.0)" in text
    assert {c.name: c.validated for c in check_constraints(conn, "public")}["id_ok"] is True
    with pytest.raises(ForeignKeyValidationError, match="2 constraint\\(s\\) failed validation"):
        raise_for_failures(list(results.values()))
    # fixed rows: the next run validates the rest, and a validated CHECK is not touched again
    conn.execute("UPDATE item SET qty = 3 WHERE id = 2")
    conn.execute("UPDATE item SET price = 1 WHERE id = 4")
    again = validate_constraints(conn, "public")
    assert sorted(r.constraint for r in again) == ["price_ok", "qty_positive"] and all(r.ok for r in again)
    assert validate_constraints(conn, "public") == []


# --- item 2: userfile clean-up with host-less URIs -------------------------------------------
FILE_TABLE = (
    # pkg/cloud/userfile/filetable/file_table_read_writer.go, fileTableSchema / payloadTableSchema
    # (STRING -> TEXT, BYTES -> BYTEA for PostgreSQL)
    "CREATE TABLE {p}_upload_files (filename TEXT PRIMARY KEY, file_id UUID UNIQUE NOT NULL DEFAULT"
    " gen_random_uuid(), file_size INT NOT NULL, username TEXT NOT NULL,"
    " upload_time TIMESTAMP DEFAULT now())",
    "CREATE TABLE {p}_upload_payload (file_id UUID, byte_offset INT, payload BYTEA,"
    " PRIMARY KEY (file_id, byte_offset))",
)


@pytest.fixture
def defaultdb(pg_server: PostgresServer) -> Iterator[psycopg.Connection]:
    """A database called ``defaultdb``, so the three-part names userfile uses resolve on PostgreSQL."""
    dsn = pg_server.create_database("defaultdb")
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


def test_hostless_uris_are_resolved_before_deleting(defaultdb: psycopg.Connection) -> None:
    conn = defaultdb
    user = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    prefix = userfile.default_prefix(str(user)).split(".")[-1]
    # no file tables yet (before the first upload): nothing to delete, no error
    assert userfile.delete_files(conn, ["userfile:///roachlift/r/t/part-00001.csv"]) == 0
    for ddl in FILE_TABLE:
        conn.execute(ddl.format(p=prefix))
    for name in ("/roachlift/r/t/part-00001.csv", "/roachlift/r/t/part-00001.csv.tmp", "/keep.csv"):
        fid = conn.execute(
            f"INSERT INTO {prefix}_upload_files (filename, file_size, username) VALUES (%s, 3, %s)"
            " RETURNING file_id",
            (name, user),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(f"INSERT INTO {prefix}_upload_payload VALUES (%s, 0, 'abc')", (fid,))
    # what finish_import_step passes: userfile.run_path(...) without a host
    hostless = userfile.run_path("r", "t", "part-00001.csv")
    assert hostless.startswith("userfile:///")
    deleted = userfile.delete_files(conn, [hostless, hostless + userfile.TMP_SUFFIX])
    assert deleted == 2
    left = conn.execute(f"SELECT filename FROM {prefix}_upload_files").fetchall()
    assert left == [("/keep.csv",)]
    assert conn.execute(f"SELECT count(*) FROM {prefix}_upload_payload").fetchone() == (1,)
    # the rendered DELETE names the resolved table, never a bare "_upload_payload"
    resolved = userfile.resolve_uri(conn, hostless)
    assert resolved.startswith(f"userfile://defaultdb.public.{prefix}/roachlift/")
    stmt = st.userfile_delete_payload(resolved.split("/")[2]).as_string(conn)
    assert f'"defaultdb"."public"."{prefix}_upload_payload"' in stmt


# --- item 6: jobs ----------------------------------------------------------------------------
def test_job_lookup_statements_pinned(conn: psycopg.Connection) -> None:
    # pkg/jobs/jobs.go: func (s Status) Terminal() bool {
    #   return s == StatusFailed || s == StatusSucceeded || s == StatusCanceled || s == StatusRevertFailed
    text = st.unfinished_import_jobs().as_string(conn)
    assert "FROM crdb_internal.jobs" in text and "job_type = 'IMPORT'" in text
    assert "status NOT IN ('succeeded', 'failed', 'canceled', 'revert-failed')" in text
    # pkg/sql/importer/import_planning.go, importJobDescription:
    #   clean, err := cloud.SanitizeExternalStorageURI(file, nil /* extraParams */)
    #   stmt.Files = append(stmt.Files, tree.NewDString(clean))
    assert "strpos(description, %(path)s) > 0" in text


def test_find_unfinished_import_matches_the_file_path(conn: psycopg.Connection) -> None:
    """The lookup's query runs on a stand-in ``crdb_internal.jobs`` with the columns the source
    declares (job_id, job_type, description, status, created), so the filter itself is exercised."""
    conn.execute("CREATE SCHEMA crdb_internal")
    conn.execute(
        "CREATE TABLE crdb_internal.jobs (job_id INT8, job_type TEXT, description TEXT, status TEXT,"
        " created TIMESTAMPTZ, fraction_completed FLOAT8, error TEXT)"
    )
    desc = (
        "IMPORT INTO db.public.actor(actor_id) CSV DATA ('userfile://defaultdb.public.userfiles_root"
        "/roachlift/run-1/actor/part-00001.csv.gz') WITH OPTIONS (detached, nullif = '')"
    )
    conn.execute(
        "INSERT INTO crdb_internal.jobs VALUES (1, 'IMPORT', %s, 'failed', now() - interval '1 h', 0, 'x'),"
        " (2, 'IMPORT', %s, 'running', now(), 0.3, NULL), (3, 'IMPORT', %s, 'succeeded', now(), 1, NULL)",
        (desc, desc, desc.replace("run-1", "run-0")),
    )
    urls = [userfile.run_path("run-1", "actor", "part-00001.csv.gz")]
    assert find_unfinished_import(conn, urls) == 2
    conn.execute("UPDATE crdb_internal.jobs SET status = 'succeeded' WHERE job_id = 2")
    assert find_unfinished_import(conn, urls) is None
    assert find_unfinished_import(conn, [userfile.run_path("run-0", "actor", "part-00001.csv.gz")]) is None
    # and the status query reads any job by id, finished ones included
    from roachlift.load.jobs import fetch_job_row, interpret_job_row

    state = interpret_job_row(fetch_job_row(conn, 1), 1)
    assert state.phase is JobPhase.FAILED and state.error == "x"


def _first_event(trigger: Any) -> Any:
    async def run() -> Any:
        async for event in trigger.run():
            return event.payload
        return None

    return asyncio.run(run())


def test_import_trigger_times_out_and_turns_errors_into_events(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roachlift.airflow import triggers
    from roachlift.config.connections import parse_uri

    info = parse_uri(pg_db.replace("postgresql://", "postgres://"))

    async def fake_conninfo(conn_id: str) -> Any:
        return info

    async def always_running(aconn: psycopg.AsyncConnection, job_id: int) -> JobState:
        return JobState(job_id, JobPhase.RUNNING, "running", 0.5)

    monkeypatch.setattr(triggers, "_conninfo_async", fake_conninfo)
    monkeypatch.setattr(triggers, "poll_job", always_running)
    slow = triggers.ImportJobTrigger("c", info.database or "", 9, "public.t", poll_seconds=0.01, timeout=0.2)
    payload = _first_event(slow)
    assert payload["ok"] is False and payload["retryable"] is True
    assert "still running after 0s" in payload["error"] or "still running after" in payload["error"]

    async def broken(aconn: psycopg.AsyncConnection, job_id: int) -> JobState:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(triggers, "poll_job", broken)
    payload = _first_event(triggers.ImportJobTrigger("c", info.database or "", 9, "public.t"))
    assert payload == {
        "ok": False,
        "retryable": True,
        "error": "IMPORT INTO public.t: following job 9 failed: server closed the connection unexpectedly",
        "state": {"job_id": 9},
    }


# --- item 5: changefeed ----------------------------------------------------------------------
def test_changefeed_statements_pinned(conn: psycopg.Connection) -> None:
    # pkg/kv/kvserver/replica_rangefeed.go: RangefeedEnabled = settings.RegisterBoolSetting(
    #     settings.SystemVisible, "kv.rangefeed.enabled", "if set, rangefeed registration is enabled", false,
    assert st.SHOW_RANGEFEED == "SHOW CLUSTER SETTING kv.rangefeed.enabled"
    assert st.ENABLE_RANGEFEED == "SET CLUSTER SETTING kv.rangefeed.enabled = true"
    # changefeedbase/options.go: OptCursor = `cursor`; docs create-changefeed: "If cursor is not
    # specified, the changefeed starts by doing ... a scan of all the watched rows"
    cursor = "1536242855577149065.0000000000"
    stmt = st.create_changefeed(["public.t"], "kafka:9092", cursor=cursor).as_string(conn)
    assert stmt == (
        'CREATE CHANGEFEED FOR TABLE "public"."t" INTO \'kafka://kafka:9092\' WITH updated, '
        f"resolved = '10s', cursor = '{cursor}'"
    )
    # changefeedbase/options.go: SinkSchemeNull = `null`
    null = st.create_changefeed(["t"], "", sink="null://").as_string(conn)
    assert "INTO 'null://' WITH updated" in null and "cursor" not in null
    # the cursor text: cluster_logical_timestamp() returns types.Decimal (builtins.go)
    assert st.CLUSTER_TIMESTAMP == "SELECT cluster_logical_timestamp()::STRING"


def test_nodelocal_upload_statement_pinned(conn: psycopg.Connection) -> None:
    # pkg/sql/copy_file_upload.go: NodelocalFileUploadTable = "nodelocal_file_upload"
    dest = "nodelocal://1/dumps/t/part-00001.csv.gz"
    assert st.nodelocal_upload(dest).as_string(conn) == (
        f'COPY "crdb_internal"."nodelocal_file_upload" FROM STDIN WITH destination = \'{dest}\''
    )
