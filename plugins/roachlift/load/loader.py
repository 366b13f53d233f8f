"""Load one dumped table: prepare it (rerun handling), COPY or IMPORT INTO, then check the row count.

COPY mode records each committed batch's position in the progress table (:mod:`.progress`), so
``resume`` continues after the last committed batch. IMPORT INTO runs one job per group of files
(:mod:`.importgroups`): :func:`import_plan` finds the first step, :func:`stage_files` uploads a
group (userfile) or names its object-storage URLs, :func:`importgroups.start_group` starts its job
with its progress record, and :func:`finish_import` checks the count and cleans up, so an Airflow
operator can defer while a trigger follows each job; :func:`load_table` chains them for the CLI
with :func:`jobs.wait_for_job`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg

from roachlift.config.spec import LoadMethod, TableHandling, TargetDialect
from roachlift.errors import RoachliftError
from roachlift.load import importgroups, jobs, progress, userfile
from roachlift.load.copy import CopyPosition, CopyStats, copy_files
from roachlift.load.manifest import Manifest
from roachlift.load.phases import count_rows, ensure_autocommit, prepare_table
from roachlift.load.storage_urls import ClusterAccess, cluster_url
from roachlift.storage import StoragePath
from roachlift.target import statements as st
from roachlift.target.targets import target_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    """What a table load did: rows now in the target, bytes read from the dump, wall seconds;
    ``resumed_rows`` of ``rows`` were committed by an earlier try this one continued."""

    rows: int
    bytes: int
    seconds: float
    resumed_rows: int = 0


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


def object_storage_urls(storage: str, manifest: Manifest, files: Sequence[int] | None = None) -> list[str]:
    """URLs of the manifest's files (or of the ``files`` indexes) under an object-storage prefix the
    cluster reads (``s3://bucket/dump?AUTH=implicit`` → ``s3://bucket/dump/<table>/part-00001.csv.gz?AUTH=implicit``)."""
    parts = urlsplit(storage)
    folder = manifest.path.parent.name
    base = parts.path.rstrip("/")
    chosen = manifest.files if files is None else [manifest.files[i] for i in files]
    return [
        urlunsplit((parts.scheme, parts.netloc, f"{base}/{folder}/{f.path.name}", parts.query, ""))
        for f in chosen
    ]


#: ``load.storage`` value: IMPORT INTO reads the parts where the dump wrote them (object storage).
FROM_DUMP = "dump"


def dump_urls(
    manifest: Manifest, access: ClusterAccess | None = None, files: Sequence[int] | None = None
) -> list[str]:
    """URLs of the manifest's files (or of the ``files`` indexes) where the dump wrote them, as the
    cluster reads them (:mod:`.storage_urls`)."""
    chosen = manifest.files if files is None else [manifest.files[i] for i in files]
    return [cluster_url(f.path, access or ClusterAccess()) for f in chosen]


def stage_files(
    conn: psycopg.Connection,
    manifest: Manifest,
    storage: str = "userfile",
    run_id: str = "manual",
    files: Sequence[int] | None = None,
    access: ClusterAccess | None = None,
) -> tuple[list[str], bool]:
    """URLs IMPORT INTO will read (of every file, or of the ``files`` indexes), and whether they
    were uploaded to userfile (to clean up). ``storage`` ``dump``: the parts where the dump wrote
    them, read with ``access``."""
    if storage == FROM_DUMP:
        return dump_urls(manifest, access, files), False
    if storage != "userfile":
        return object_storage_urls(storage, manifest, files), False
    if manifest.bytes > userfile.LARGE_TABLE_BYTES:
        log.warning(
            "%s: %d MB through userfile storage; userfile is meant for small files, set load.storage "
            "to an object-storage URL the cluster can read for large tables",
            manifest.target_table,
            manifest.bytes >> 20,
        )
    folder = manifest.path.parent.name
    chosen = manifest.files if files is None else [manifest.files[i] for i in files]
    urls = [
        userfile.upload_file(conn, f.path, userfile.run_path(run_id, folder, f.path.name)) for f in chosen
    ]
    return urls, True


def start_import(conn: psycopg.Connection, manifest: Manifest, urls: list[str]) -> int:
    """Run ``IMPORT INTO ... DETACHED``; return the job id."""
    stmt = st.import_into(manifest.target_table, manifest.columns, urls, gzip=manifest.gzip)
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


def fallback_handling(table_handling: TableHandling) -> TableHandling:
    """The handling used when there is nothing to resume (``resume`` alone: fail-if-not-empty)."""
    return TableHandling.FAIL_IF_NOT_EMPTY if table_handling == TableHandling.RESUME else table_handling


def resume_point(
    conn: psycopg.Connection, manifest: Manifest, table_handling: TableHandling, *, resume: bool = False
) -> CopyPosition | None:
    """The position this dump's COPY load of the table reached before, when resuming; ``None``
    to start from the first row. Checks that the table holds exactly the recorded rows (nothing
    else touched it since), so continuing can neither lose nor duplicate a row."""
    table = manifest.target_table
    progress.ensure_table(conn, table)
    if not (resume or table_handling == TableHandling.RESUME):
        return None
    pos = progress.read(conn, manifest.identity, table).get(progress.COPY_UNIT)
    if pos is None:
        return None
    names = [f.path.name for f in manifest.files]
    if pos.file_index >= len(names) or names[pos.file_index] != pos.file_name:
        raise RoachliftError(
            f"{table}: recorded load position names file {pos.file_name!r} (#{pos.file_index + 1}) "
            f"which this dump does not have at that place; reload the table with truncate"
        )
    actual = count_rows(conn, table)
    if actual != pos.rows:
        raise RoachliftError(
            f"{table}: cannot resume: the target holds {actual} row(s) but {pos.rows} were recorded as "
            f"committed for this dump; something else changed the table, reload it with truncate"
        )
    return CopyPosition(pos.file_index, pos.byte_offset, pos.rows, pos.batches)


def import_plan(
    conn: psycopg.Connection,
    manifest: Manifest,
    table_handling: TableHandling,
    group_files: int,
    *,
    create_sql: str | None = None,
    resume: bool = False,
    lookup: importgroups.JobLookup | None = None,
) -> tuple[list[list[int]], importgroups.Step]:
    """The table's file groups and the first step: continue this dump's recorded groups when
    resuming, else prepare the table per ``table_handling`` and start at group 1."""
    table = manifest.target_table
    progress.ensure_table(conn, table)
    groups = importgroups.plan_groups(manifest, group_files)
    if (resume or table_handling == TableHandling.RESUME) and progress.read(conn, manifest.identity, table):
        step = importgroups.next_step(conn, manifest, groups, lookup or importgroups.job_lookup(conn))
        log.info(
            "%s: resuming the import at group %d of %d (%s)", table, step.group, len(groups), step.action
        )
        return groups, step
    prepare_table(conn, table, fallback_handling(table_handling), create_sql)
    progress.forget(conn, table)
    return groups, importgroups.Step(importgroups.START, 1)


def run_import_groups(
    conn: psycopg.Connection,
    manifest: Manifest,
    groups: list[list[int]],
    step: importgroups.Step,
    *,
    storage: str = "userfile",
    run_id: str = "manual",
    poll_seconds: float = 2.0,
    access: ClusterAccess | None = None,
) -> list[str]:
    """Import group after group from ``step`` (start or follow each job, wait, record it done);
    return the userfile URLs uploaded (to delete afterwards)."""
    uploaded: list[str] = []
    lookup = importgroups.job_lookup(conn)
    while step.action != importgroups.DONE:
        job_id = step.job_id
        if step.action == importgroups.START or job_id is None:
            urls, up = stage_files(conn, manifest, storage, run_id, groups[step.group - 1], access)
            uploaded += urls if up else []
            job_id = importgroups.start_group(conn, manifest, groups, step.group, urls)
        jobs.wait_for_job(conn, job_id, poll_seconds=poll_seconds)
        importgroups.mark_done(conn, manifest, groups, step.group, job_id)
        step = importgroups.next_step(conn, manifest, groups, lookup)
    return uploaded


def copy_load(
    conn: psycopg.Connection,
    manifest: Manifest,
    table_handling: TableHandling,
    batch_rows: int,
    *,
    create_sql: str | None = None,
    resume: bool = False,
) -> CopyStats:
    """COPY one table, recording its position in the progress table with every batch; continue
    from this dump's recorded position when resuming, else prepare the table per ``table_handling``."""
    table = manifest.target_table
    start = resume_point(conn, manifest, table_handling, resume=resume)
    if start is None:
        prepare_table(conn, table, fallback_handling(table_handling), create_sql)
        progress.forget(conn, table)
    else:
        log.info(
            "%s: resuming after %d committed rows, at byte %d of %s",
            table,
            start.rows,
            start.offset,
            manifest.files[start.file_index].path.name,
        )
    names = [f.path.name for f in manifest.files]

    def record(pos: CopyPosition, done: bool = False) -> None:
        progress.write(
            conn,
            manifest.identity,
            table,
            progress.Position(
                progress.COPY_UNIT,
                pos.file_index,
                names[pos.file_index],
                pos.offset,
                pos.rows,
                pos.batches,
                None,
                done,
            ),
        )

    stats = copy_files(
        conn,
        table,
        manifest.columns,
        [f.path for f in manifest.files],
        batch_rows,
        start=start,
        on_commit=record,
        total_rows=manifest.rows,
    )
    return stats


def load_table(
    conn: psycopg.Connection,
    manifest_path: StoragePath,
    method: LoadMethod = LoadMethod.COPY,
    table_handling: TableHandling = TableHandling.FAIL_IF_NOT_EMPTY,
    batch_rows: int = 100_000,
    target_dialect: TargetDialect = TargetDialect.COCKROACHDB,
    *,
    create_sql: str | None = None,
    storage: str = "userfile",
    run_id: str = "manual",
    keep_uploaded_files: bool = False,
    poll_seconds: float = 2.0,
    resume: bool = False,
    group_files: int = 8,
    access: ClusterAccess | None = None,
) -> LoadResult:
    """Load one dumped table and check its row count against the manifest.

    ``method='copy'`` streams the CSV files with COPY FROM STDIN, ``batch_rows`` rows per
    transaction (CockroachDB or PostgreSQL), recording each batch's position; ``method='import'``
    uploads to userfile (or uses ``storage`` URLs) and runs IMPORT INTO (CockroachDB only), one job
    per ``group_files`` files, each recorded. ``table_handling`` decides what a rerun does with
    existing rows (``resume``, or ``resume=True`` with another handling as the fallback, continues
    from this dump's recorded progress); ``create_sql`` is the table's CREATE TABLE for
    drop-and-recreate; ``access`` says how the cluster reads object storage (``storage`` ``dump``).
    Raises :class:`RowCountMismatch` with both numbers on a count difference.
    """
    ensure_autocommit(conn)
    manifest = Manifest.read(manifest_path)
    table = manifest.target_table
    started = time.monotonic()
    if method == LoadMethod.COPY:
        stats = copy_load(conn, manifest, table_handling, batch_rows, create_sql=create_sql, resume=resume)
        rows = check_row_count(conn, table, manifest.rows)
        log.info(
            "%s: %d rows in %d batch(es), %.1fs%s",
            table,
            rows,
            stats.batches,
            stats.seconds,
            f" (continued after {stats.resumed_rows} committed rows)" if stats.resumed_rows else "",
        )
        return LoadResult(
            rows=rows, bytes=stats.bytes, seconds=time.monotonic() - started, resumed_rows=stats.resumed_rows
        )
    if method != LoadMethod.IMPORT:
        raise RoachliftError(f"{table}: unknown load method {method!r}; use 'copy' or 'import'")
    target_for(target_dialect).require_import_into(f"{table}: IMPORT INTO")
    groups, step = import_plan(
        conn, manifest, table_handling, group_files, create_sql=create_sql, resume=resume
    )
    uploaded = run_import_groups(
        conn,
        manifest,
        groups,
        step,
        storage=storage,
        run_id=run_id,
        poll_seconds=poll_seconds,
        access=access,
    )
    rows = finish_import(conn, manifest, uploaded, keep_uploaded_files)
    return LoadResult(rows=rows, bytes=manifest.bytes, seconds=time.monotonic() - started)
