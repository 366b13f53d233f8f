"""Load one dumped table: prepare it (rerun handling), COPY or IMPORT INTO, then check the row count.

IMPORT INTO is split into :func:`stage_files` (upload to userfile, or object-storage URLs),
:func:`start_import` (returns the job id at once, ``DETACHED``) and :func:`finish_import` (count
check, cleanup), so an Airflow operator can defer between start and finish while a trigger
follows the job; :func:`load_table` chains them for the CLI with :func:`jobs.wait_for_job`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import psycopg

from roachlift.errors import RoachliftError
from roachlift.load import crdb, jobs, userfile
from roachlift.load.copy import copy_files
from roachlift.load.manifest import Manifest, read_manifest
from roachlift.load.phases import count_rows, ensure_autocommit, prepare_table

log = logging.getLogger(__name__)

Method = Literal["copy", "import"]


@dataclass(frozen=True)
class LoadResult:
    """What a table load did: rows now in the target, bytes read from the dump, wall seconds."""

    rows: int
    bytes: int
    seconds: float


class RowCountMismatch(RoachliftError):
    """The target's row count differs from the manifest's."""

    def __init__(self, table: str, target_rows: int, manifest_rows: int) -> None:
        self.table, self.target_rows, self.manifest_rows = table, target_rows, manifest_rows
        super().__init__(
            f"{table}: target has {target_rows} row(s) but the dump manifest says {manifest_rows}"
        )


def check_row_count(conn: psycopg.Connection, table: str, expected: int) -> int:
    """``count(*)`` of ``table``; raise :class:`RowCountMismatch` (both numbers) if not ``expected``."""
    actual = count_rows(conn, table)
    if actual != expected:
        raise RowCountMismatch(table, actual, expected)
    return actual


def object_storage_urls(storage: str, manifest: Manifest) -> list[str]:
    """URLs of the manifest's files under an object-storage prefix the cluster reads
    (``s3://bucket/dump?AUTH=implicit`` → ``s3://bucket/dump/<table>/part-00001.csv.gz?AUTH=implicit``)."""
    parts = urlsplit(storage)
    folder = manifest.path.parent.name
    base = parts.path.rstrip("/")
    return [
        urlunsplit((parts.scheme, parts.netloc, f"{base}/{folder}/{f.path.name}", parts.query, ""))
        for f in manifest.files
    ]


def planned_urls(manifest: Manifest, storage: str = "userfile", run_id: str = "manual") -> list[str]:
    """The URLs :func:`stage_files` will hand to IMPORT INTO, before any upload (userfile ones
    without a host): what :func:`jobs.find_unfinished_import` looks for."""
    if storage != "userfile":
        return object_storage_urls(storage, manifest)
    folder = manifest.path.parent.name
    return [userfile.run_path(run_id, folder, f.path.name) for f in manifest.files]


def stage_files(
    conn: psycopg.Connection, manifest: Manifest, storage: str = "userfile", run_id: str = "manual"
) -> tuple[list[str], bool]:
    """URLs IMPORT INTO will read, and whether they were uploaded to userfile (to clean up)."""
    if storage != "userfile":
        return object_storage_urls(storage, manifest), False
    if manifest.bytes > userfile.LARGE_TABLE_BYTES:
        log.warning(
            "%s: %d MB through userfile storage; userfile is meant for small files, set load.storage "
            "to an object-storage URL the cluster can read for large tables",
            manifest.target_table,
            manifest.bytes >> 20,
        )
    folder = manifest.path.parent.name
    urls = [
        userfile.upload_file(conn, f.path, userfile.run_path(run_id, folder, f.path.name))
        for f in manifest.files
    ]
    return urls, True


def start_import(conn: psycopg.Connection, manifest: Manifest, urls: list[str]) -> int:
    """Run ``IMPORT INTO ... DETACHED``; return the job id."""
    stmt = crdb.import_into(manifest.target_table, manifest.columns, urls, gzip=manifest.gzip)
    try:
        with conn.transaction():
            row = conn.execute(stmt).fetchone()
    except psycopg.Error as exc:
        raise RoachliftError(f"{manifest.target_table}: IMPORT INTO could not start: {exc}") from exc
    if row is None:
        raise RoachliftError(f"{manifest.target_table}: IMPORT INTO returned no job id")
    job_id = int(row[0])
    log.info("%s: IMPORT job %d started from %d file(s)", manifest.target_table, job_id, len(urls))
    return job_id


def finish_import(
    conn: psycopg.Connection, manifest: Manifest, uploaded: list[str], keep_uploaded_files: bool = False
) -> int:
    """After the job succeeded: check the row count, then delete the uploaded files (unless kept)."""
    rows = check_row_count(conn, manifest.target_table, manifest.rows)
    if uploaded and not keep_uploaded_files:
        userfile.delete_files(conn, uploaded)
    return rows


def load_table(
    conn: psycopg.Connection,
    manifest_path: Path,
    method: Method = "copy",
    table_handling: str = "fail-if-not-empty",
    batch_rows: int = 100_000,
    target_dialect: str = "cockroachdb",
    *,
    create_sql: str | None = None,
    storage: str = "userfile",
    run_id: str = "manual",
    keep_uploaded_files: bool = False,
    poll_seconds: float = 2.0,
) -> LoadResult:
    """Load one dumped table and check its row count against the manifest.

    ``method='copy'`` streams the CSV files with COPY FROM STDIN, ``batch_rows`` rows per
    transaction (CockroachDB or PostgreSQL); ``method='import'`` uploads to userfile (or uses
    ``storage`` URLs) and runs IMPORT INTO (CockroachDB only). ``table_handling`` decides what a
    rerun does with existing rows; ``create_sql`` is the table's CREATE TABLE for
    drop-and-recreate. Raises :class:`RowCountMismatch` with both numbers on a count difference.
    """
    ensure_autocommit(conn)
    manifest = read_manifest(manifest_path)
    table = manifest.target_table
    started = time.monotonic()
    prepare_table(conn, table, table_handling, create_sql)
    if method == "copy":
        stats = copy_files(conn, table, manifest.columns, [f.path for f in manifest.files], batch_rows)
        rows = check_row_count(conn, table, manifest.rows)
        log.info("%s: %d rows in %d batch(es), %.1fs", table, rows, stats.batches, stats.seconds)
        return LoadResult(rows=rows, bytes=stats.bytes, seconds=time.monotonic() - started)
    if method != "import":
        raise RoachliftError(f"{table}: unknown load method {method!r}; use 'copy' or 'import'")
    if target_dialect != "cockroachdb":
        raise RoachliftError(
            f"{table}: IMPORT INTO needs a CockroachDB target; use load.method copy for {target_dialect}"
        )
    urls, uploaded = stage_files(conn, manifest, storage, run_id)
    job_id = start_import(conn, manifest, urls)
    jobs.wait_for_job(conn, job_id, poll_seconds=poll_seconds)
    rows = finish_import(conn, manifest, urls if uploaded else [], keep_uploaded_files)
    return LoadResult(rows=rows, bytes=manifest.bytes, seconds=time.monotonic() - started)
