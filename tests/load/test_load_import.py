"""IMPORT INTO / userfile path: exact statements (rendered by a real PostgreSQL connection) and the
job-polling state machine. The live path against a cluster is in test_crdb_live.py."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from load_helpers import write_dump

from roachlift.errors import RoachliftError
from roachlift.load import userfile
from roachlift.load.jobs import (
    JobError,
    JobPhase,
    JobState,
    follow_job,
    follow_job_async,
    interpret_job_row,
    outcome,
)
from roachlift.load.loader import load_table, object_storage_urls
from roachlift.load.manifest import Manifest
from roachlift.target import statements as st
from roachlift.testing import PostgresServer


@pytest.fixture(scope="module")
def conn(pg_server: PostgresServer) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        yield c


URL = "userfile://defaultdb.public.userfiles_root/roachlift/run-1/actor/part-00001.csv.gz"


def test_import_into_statement_pinned(conn: psycopg.Connection) -> None:
    stmt = st.import_into(
        "public.actor", ["actor_id", "first_name"], [URL, URL.replace("00001", "00002")], gzip=True
    )
    assert stmt.as_string(conn) == (
        'IMPORT INTO "public"."actor" ("actor_id", "first_name") CSV DATA ('
        "'userfile://defaultdb.public.userfiles_root/roachlift/run-1/actor/part-00001.csv.gz', "
        "'userfile://defaultdb.public.userfiles_root/roachlift/run-1/actor/part-00002.csv.gz') "
        "WITH nullif = '', decompress = 'gzip', DETACHED"
    )
    plain = st.import_into("t", ["a"], ["s3://b/t/part-00001.csv?AUTH=implicit"], gzip=False, detached=False)
    assert plain.as_string(conn) == (
        'IMPORT INTO "t" ("a") CSV DATA (\'s3://b/t/part-00001.csv?AUTH=implicit\') '
        "WITH nullif = '', decompress = 'none'"
    )
    assert "allow_quoted_null" not in stmt.as_string(conn)  # "" stays the empty string


def test_userfile_statements_pinned(conn: psycopg.Connection) -> None:
    dest = "userfile://defaultdb.public.userfiles_root/roachlift/r/t/part-00001.csv.tmp"
    # cockroach pkg/sql/copy_file_upload.go:
    #   UserFileUploadTable = "user_file_upload"
    #   `COPY %s.%s FROM STDIN WITH destination = %s` (CopyInFileStmt)
    # pkg/sql/conn_executor.go, isCopyToExternalStorage:
    #   stmt.Table.Table() == UserFileUploadTable) && stmt.Table.SchemaName == CrdbInternalName
    assert st.USER_FILE_UPLOAD_TABLE == "user_file_upload"
    assert st.userfile_upload(dest).as_string(conn) == (
        f'COPY "crdb_internal"."user_file_upload" FROM STDIN WITH destination = \'{dest}\''
    )
    # the server reads the name back as schema crdb_internal, table user_file_upload
    parsed = conn.execute(
        "SELECT parse_ident(%s)", (st.userfile_upload(dest).as_string(conn).split()[1],)
    ).fetchone()
    assert parsed == (["crdb_internal", "user_file_upload"],)
    assert (
        st.userfile_upload("userfile:///it's").as_string(conn).endswith("destination = 'userfile:///it''s'")
    )
    prefix = "defaultdb.public.userfiles_root"
    assert st.userfile_rename(prefix).as_string(conn) == (
        'UPDATE "defaultdb"."public"."userfiles_root_upload_files" SET filename = %s WHERE filename = %s'
    )
    assert st.userfile_delete_payload(prefix).as_string(conn) == (
        'DELETE FROM "defaultdb"."public"."userfiles_root_upload_payload" WHERE file_id IN '
        '(SELECT file_id FROM "defaultdb"."public"."userfiles_root_upload_files" WHERE filename = %s)'
    )
    assert st.userfile_delete_file(prefix).as_string(conn) == (
        'DELETE FROM "defaultdb"."public"."userfiles_root_upload_files" WHERE filename = %s'
    )


def test_other_statements_pinned(conn: psycopg.Connection) -> None:
    assert st.copy_from_stdin_csv("public.t", ["a", "B"]).as_string(conn) == (
        'COPY "public"."t" ("a", "B") FROM STDIN WITH CSV'
    )
    assert st.validate_constraint("public.c", "c_fk").as_string(conn) == (
        'ALTER TABLE "public"."c" VALIDATE CONSTRAINT "c_fk"'
    )
    assert st.truncate("public.a", "public.b").as_string(conn) == 'TRUNCATE "public"."a", "public"."b"'
    assert st.drop_table("t").as_string(conn) == 'DROP TABLE IF EXISTS "t" CASCADE'
    # docs show-jobs: "For jobs older than 12 hours, query the crdb_internal.jobs table."
    # pkg/sql/crdb_internal.go: CREATE TABLE crdb_internal.jobs ( job_id INT, job_type STRING, ...
    status = st.job_status().as_string(conn)
    assert "FROM crdb_internal.jobs" in status and "WHERE job_id = %s" in status
    code = [line for line in status.splitlines() if not line.lstrip().startswith("--")]
    assert not any("SHOW JOBS" in line for line in code)
    assert st.orphan_sample("public.c", ["x"], "public.p", ["id"], 5).as_string(conn) == (
        'SELECT DISTINCT "c"."x" FROM "public"."c" AS "c" WHERE "c"."x" IS NOT NULL AND NOT EXISTS '
        '(SELECT 1 FROM "public"."p" AS "p" WHERE "p"."id" = "c"."x") LIMIT 5'
    )


def test_copy_text_escaping_round_trips_through_a_real_copy(conn: psycopg.Connection) -> None:
    """The userfile upload sends chunks as COPY text fields; PostgreSQL decodes COPY text the way
    CockroachDB's DecodeCopy does, so a text column must get the exact chunk back."""
    rnd = random.Random(5)
    alphabet = "ab\\\n\r\t,\"'xé"
    chunks = ["".join(rnd.choice(alphabet) for _ in range(200)) for _ in range(20)] + [
        "\\.",
        "\\N",
        "\\x00ff",
    ]
    conn.execute("CREATE TEMP TABLE esc (n serial, chunk text)")
    with conn.cursor().copy("COPY esc (chunk) FROM STDIN") as copy:
        for c in chunks:
            copy.write(userfile.escape_copy_text(c.encode()) + b"\n")
    got = [r[0] for r in conn.execute("SELECT chunk FROM esc ORDER BY n")]
    assert got == chunks


def test_userfile_names() -> None:
    assert userfile.default_prefix("root") == "defaultdb.public.userfiles_root"
    assert userfile.default_prefix("Jane-Doe") == "defaultdb.public.userfilesx_" + b"Jane-Doe".hex()
    assert userfile.run_path("2026-11-26T19:00 run", "public.actor", "part-00001.csv.gz") == (
        "userfile:///roachlift/2026-11-26T19_00_run/public.actor/part-00001.csv.gz"
    )


def test_userfile_upload_refuses_bad_uris(conn: psycopg.Connection, tmp_path: Path) -> None:
    with pytest.raises(RoachliftError, match="not a userfile"):
        userfile.upload_file(conn, tmp_path / "x", "s3://bucket/x")
    with pytest.raises(RoachliftError, match="absolute and free of"):
        userfile.upload_file(conn, tmp_path / "x", "userfile:///a/../b")


def test_object_storage_urls_keep_the_query(tmp_path: Path) -> None:
    path = write_dump(tmp_path, "actor", "public.actor", ["id"], [b"1\n", b"2\n"], gzip_files=True)
    urls = object_storage_urls("s3://bucket/dumps/run1?AUTH=implicit", Manifest.read(path))
    assert urls == [
        "s3://bucket/dumps/run1/actor/part-00001.csv.gz?AUTH=implicit",
        "s3://bucket/dumps/run1/actor/part-00002.csv.gz?AUTH=implicit",
    ]


def test_import_refused_on_a_postgres_target(tmp_path: Path, pg_db: str) -> None:
    path = write_dump(tmp_path, "t", "public.t", ["id"], [b"1\n"])
    with psycopg.connect(pg_db, autocommit=True) as c:
        c.execute("CREATE TABLE t (id int)")
        with pytest.raises(RoachliftError, match="IMPORT INTO needs a CockroachDB target"):
            load_table(c, path, "import", "fail-if-not-empty", 10, "postgres")


# --- job state machine -----------------------------------------------------------------------
def _row(status: str, fraction: float | None = None, error: str | None = None) -> tuple[object, ...]:
    return (42, "IMPORT", status, fraction, error)


@pytest.mark.parametrize(
    ("status", "phase"),
    [
        ("pending", JobPhase.RUNNING),
        ("running", JobPhase.RUNNING),
        ("retry-running", JobPhase.RUNNING),
        ("reverting", JobPhase.RUNNING),
        ("succeeded", JobPhase.SUCCEEDED),
        ("failed", JobPhase.FAILED),
        ("revert-failed", JobPhase.FAILED),
        ("paused", JobPhase.PAUSED),
        ("canceled", JobPhase.CANCELED),
        ("some-future-status", JobPhase.RUNNING),
    ],
)
def test_interpret_job_row(status: str, phase: JobPhase) -> None:
    state = interpret_job_row(_row(status, 0.25, None), 42)
    assert state.phase is phase
    assert state.fraction_completed == 0.25


def test_interpret_job_row_mapping_and_missing() -> None:
    state = interpret_job_row({"status": "failed", "fraction_completed": None, "error": "boom"}, 7)
    assert (state.job_id, state.phase, state.error) == (7, JobPhase.FAILED, "boom")
    missing = interpret_job_row(None, 9)
    assert missing.phase is JobPhase.MISSING and missing.terminal
    assert JobState.from_dict(state.to_dict()) == state


def test_follow_job_running_to_succeeded() -> None:
    sleeps: list[float] = []
    rows = iter([_row("pending"), _row("running", 0.1), _row("running", 0.9), _row("succeeded", 1.0)])
    seen: list[JobState] = []
    state = follow_job(lambda: next(rows), 42, poll_seconds=0.5, sleep=sleeps.append, on_progress=seen.append)
    assert state.phase is JobPhase.SUCCEEDED
    assert sleeps == [0.5, 0.5, 0.5]
    assert [s.fraction_completed for s in seen] == [None, 0.1, 0.9, 1.0]


@pytest.mark.parametrize(
    ("last", "message"),
    [
        (
            _row("failed", 0.4, 'row 12: parse "id" as INT8: could not parse "x"'),
            r"job 42 failed 40%: row 12: parse",
        ),
        (_row("canceled", 0.2), r"job 42 canceled 20%; the table was rolled back"),
        (
            _row("paused", 0.5),
            r"job 42 paused 50%; resume it with RESUME JOB 42 or cancel it with CANCEL JOB 42",
        ),
        (None, r"job 42 missing: job not found; it is not in crdb_internal.jobs"),
    ],
)
def test_follow_job_surfaces_the_end(last: tuple[object, ...] | None, message: str) -> None:
    rows = iter([_row("running", 0.1), last])
    with pytest.raises(JobError, match=message) as info:
        follow_job(lambda: next(rows), 42, sleep=lambda _: None)
    assert info.value.state.terminal or info.value.state.phase is JobPhase.PAUSED


def test_paused_can_be_waited_through_and_timeout_gives_up() -> None:
    assert outcome(interpret_job_row(_row("paused"), 1), fail_on_paused=False) is False
    rows = iter([_row("paused"), _row("running"), _row("succeeded")])
    assert (
        follow_job(lambda: next(rows), 1, fail_on_paused=False, sleep=lambda _: None).phase
        is JobPhase.SUCCEEDED
    )
    with pytest.raises(RoachliftError, match="gave up waiting after 0s: job 1 running"):
        follow_job(lambda: _row("running"), 1, timeout=0.0, sleep=lambda _: None)


def test_follow_job_async_does_not_block() -> None:
    rows = iter([_row("running", 0.5), _row("failed", 0.5, "disk full")])

    async def fetch() -> tuple[object, ...] | None:
        await asyncio.sleep(0)
        return next(rows)

    async def main() -> None:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        with pytest.raises(JobError, match="disk full"):
            await follow_job_async(fetch, 42, poll_seconds=0.05)
        task.cancel()
        assert ticks > 3  # the event loop kept running while the poll slept

    asyncio.run(main())


def test_cli_upload_needs_the_binary(tmp_path: Path) -> None:
    from roachlift.errors import MissingBinaryError

    with pytest.raises(MissingBinaryError, match="no-such-cockroach not found"):
        userfile.upload_file_cli(
            "postgresql://x", tmp_path / "f", "userfile:///f", binary="no-such-cockroach"
        )
