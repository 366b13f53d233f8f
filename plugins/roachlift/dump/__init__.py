"""Dump table data to CSV files from one consistent snapshot.

``dump_database`` takes the snapshot, records the change-stream start in ``<out>/snapshot.json``
and dumps every table with parallel workers sharing that snapshot. The lower-level pieces
(:func:`open_snapshot`, :func:`dump_table`) let a caller map tables itself while the snapshot is
held open — for PostgreSQL any process may import it by name while the holder is open; MySQL
worker transactions live inside the process that opened them.
"""

from __future__ import annotations

import fnmatch
import logging
import queue
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from roachlift import storage
from roachlift.config.connections import ConnInfo
from roachlift.config.spec import MigrationSpec
from roachlift.dump.manifest import (
    ResumeMismatch,
    TableManifest,
    read_manifest,
    table_dir_name,
    write_snapshot_json,
)
from roachlift.dump.runner import DumpInterrupted
from roachlift.dump.snapshot import Snapshot, SnapshotError
from roachlift.errors import RoachliftError
from roachlift.naming import Naming
from roachlift.sources import adapter_for
from roachlift.storage import StoragePath

__all__ = [
    "DumpResult",
    "Snapshot",
    "SnapshotError",
    "TableManifest",
    "dump_database",
    "dump_table",
    "open_snapshot",
    "read_manifest",
    "select_tables",
    "target_table_name",
]

log = logging.getLogger(__name__)


@dataclass
class DumpResult:
    """What one dump wrote: the snapshot position and each table's manifest."""

    out_dir: StoragePath
    snapshot: dict[str, Any]
    tables: list[TableManifest] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def rows(self) -> int:
        """Rows dumped over all tables."""
        return sum(t.rows for t in self.tables)


def target_table_name(spec: MigrationSpec, table: str) -> str:
    """``<target schema>.<name>`` of a source table, by the spec's naming rule (roachlift.naming)."""
    return Naming.from_spec(spec).table(table)


def oracle_connect(conninfo: ConnInfo) -> Any:
    """An oracledb (thin) connection; ``database`` is the service name."""
    import oracledb

    try:
        return oracledb.connect(user=conninfo.user, password=conninfo.password, dsn=conninfo.oracle_dsn())
    except oracledb.Error as exc:
        raise RoachliftError(f"{conninfo.redacted()}: cannot connect: {exc}") from None


def open_snapshot(spec: MigrationSpec, conninfo: ConnInfo, workers: int | None = None) -> Snapshot:
    """Take the dump's consistent snapshot (PostgreSQL: create the CDC slot first).

    ``workers`` is the number of MySQL worker transactions (default ``spec.dump.parallelism``).
    Use it as a context manager; keep it open until every table is dumped.
    """
    return adapter_for(spec.source.kind).open_snapshot(spec, conninfo, workers or spec.dump.parallelism)


def _dump_one(
    spec: MigrationSpec,
    conninfo: ConnInfo,
    snapshot: Snapshot,
    table: str,
    out_dir: StoragePath,
    conn: Any,
    split: int = 1,
    dump_id: str = "",
) -> TableManifest:
    """Dump one table with its source's writer, then give its manifest the target's column names
    (roachlift.naming) and the dump run's id."""
    d = spec.dump
    common: dict[str, Any] = {
        "snapshot": snapshot,
        "target_table": target_table_name(spec, table),
        "chunk_rows": d.chunk_rows,
        "chunk_mb": d.chunk_mb,
        "compression": d.compression,
    }
    manifest = adapter_for(spec.source.kind).dump_table(spec, conninfo, conn, table, out_dir, split, common)
    manifest.dump_id = dump_id
    return with_target_names(spec, manifest, out_dir)


def with_target_names(spec: MigrationSpec, manifest: TableManifest, out_dir: StoragePath) -> TableManifest:
    """The manifest with the target's column names (roachlift.naming), rewritten in place."""
    manifest.target_columns = Naming.from_spec(spec).columns(manifest.columns)
    manifest.write(out_dir / table_dir_name(manifest.table))
    return manifest


def _worker_connection(spec: MigrationSpec, conninfo: ConnInfo, snapshot: Snapshot) -> Any:
    return adapter_for(spec.source.kind).worker_connection(conninfo, snapshot)


def _release(spec: MigrationSpec, snapshot: Snapshot, conn: Any) -> None:
    adapter_for(spec.source.kind).release_worker(snapshot, conn)


def _replace(spec: MigrationSpec, conninfo: ConnInfo, snapshot: Snapshot, conn: Any) -> Any:
    """A connection inside the same snapshot for the next try of a table; ``conn``, whose try was
    interrupted, is closed and never trusted again (a MySQL transaction cannot be re-entered and a
    killed session may still answer a ping for a moment: it is replaced by a free worker transaction
    of the snapshot, when there is one)."""
    try:
        conn.close()
    except Exception:
        log.debug("closing a broken dump connection failed", exc_info=True)
    return _worker_connection(spec, conninfo, snapshot)


#: Tries of one table under the dump's snapshot when its source connection is lost: a new try keeps
#: the parts the earlier ones finished (roachlift.dump.runner).
TABLE_TRIES = 3


def _dump_tries(
    spec: MigrationSpec,
    conninfo: ConnInfo,
    snapshot: Snapshot,
    table: str,
    out_dir: StoragePath,
    box: list[Any],
    split: int = 1,
    dump_id: str = "",
) -> TableManifest:
    """:func:`_dump_one` on the connection in ``box``, tried again under the same snapshot (resuming
    by finished part) when a try was interrupted, up to :data:`TABLE_TRIES` tries; ``box`` then holds
    the connection of the last try."""
    for attempt in range(1, TABLE_TRIES + 1):
        try:
            return _dump_one(spec, conninfo, snapshot, table, out_dir, box[0], split, dump_id)
        except (DumpInterrupted, ResumeMismatch) as exc:
            if attempt == TABLE_TRIES or not snapshot.held:
                raise
            log.warning(
                "%s; try %d of %d of %s resumes under the same snapshot",
                exc, attempt + 1, TABLE_TRIES, Naming.from_spec(spec).label(table),
            )  # fmt: skip
            try:
                box[0] = _replace(spec, conninfo, snapshot, box[0])
            except Exception as lost:  # the snapshot is gone (its exporting session, every worker)
                raise SnapshotError(
                    f"{str(lost).strip()}: {table} cannot continue under the dump's snapshot; dump "
                    "again (a new snapshot dumps every table from scratch)"
                ) from None
    raise AssertionError("unreachable")


def dump_table(
    spec: MigrationSpec, conninfo: ConnInfo, snapshot: Snapshot, table: str, out_dir: StoragePath
) -> TableManifest:
    """Dump one table under ``snapshot`` into ``out_dir/<table>/`` and write its manifest.

    Called again for the same table while ``snapshot`` is held, after a try was interrupted, it
    continues after the parts that try finished (roachlift.dump.runner).
    """
    box = [_worker_connection(spec, conninfo, snapshot)]
    try:
        return _dump_tries(spec, conninfo, snapshot, table, out_dir, box)
    finally:
        _release(spec, snapshot, box[0])


def select_tables(spec: MigrationSpec, conninfo: ConnInfo, patterns: list[str] | None = None) -> list[str]:
    """Tables the spec wants (largest first), narrowed to names matching any of ``patterns``."""
    from roachlift.dump.manifest import expect_rows
    from roachlift.extract import list_tables

    infos = list_tables(spec, conninfo)
    expect_rows({t.qualified_name: t.estimated_rows or 0 for t in infos})  # % and ETA in progress lines
    names = [t.qualified_name for t in infos]
    if not patterns:
        return names
    wanted = [p.lower() for p in patterns]
    return [
        n
        for n in names
        if any(fnmatch.fnmatchcase(c, p) for p in wanted for c in (n.lower(), n.lower().rpartition(".")[2]))
    ]


def dump_database(
    spec: MigrationSpec, conninfo: ConnInfo, out_dir: StoragePath, tables: list[str] | None = None
) -> DumpResult:
    """Snapshot, then dump every wanted table (or those matching ``tables``) with parallel workers.

    With fewer tables than ``spec.dump.parallelism``, the idle worker slots split large tables into
    ranges (PostgreSQL ctid, MySQL primary key) dumped in parallel under the same snapshot; MySQL
    opens ``parallelism`` worker transactions for that (one per table thread, the rest shared).
    """
    started = time.monotonic()
    dump_id = uuid.uuid4().hex  # one per dump run: a new dump never reuses an earlier one's load state
    out_dir = storage.location(out_dir)
    storage.ensure_dir(out_dir)  # dumps are data: a local folder is the owner's only (0700)
    storage.check_access(out_dir, write=True)  # a missing bucket or a refused key: before the snapshot
    names = select_tables(spec, conninfo, tables)
    if not names:
        raise RoachliftError(f"no table of {spec.name} matches {tables or spec.source.include}")
    workers = max(1, min(spec.dump.parallelism, len(names)))
    split = max(1, spec.dump.parallelism // len(names))  # idle worker slots split large tables
    # MySQL: one worker transaction per table thread, plus the extra ones a split table borrows.
    pooled = adapter_for(spec.source.kind).workers_in_snapshot
    with open_snapshot(spec, conninfo, workers * split) as snapshot:
        reserved: queue.SimpleQueue[Any] = queue.SimpleQueue()
        if pooled:
            workers = max(1, min(workers, snapshot.worker_count))
            # Each table thread's own transaction is taken now, so the rest are free for splits.
            for _ in range(workers):
                reserved.put(_worker_connection(spec, conninfo, snapshot))
        write_snapshot_json(out_dir, snapshot.position)
        local = threading.local()
        opened: list[Any] = []
        lock = threading.Lock()

        def run(table: str) -> TableManifest:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = reserved.get() if pooled else _worker_connection(spec, conninfo, snapshot)
                with lock:
                    opened.append(conn)
            log.info("dumping %s", Naming.from_spec(spec).label(table))
            box = [conn]
            try:
                return _dump_tries(spec, conninfo, snapshot, table, out_dir, box, split, dump_id)
            finally:
                if box[0] is not conn:  # a try replaced a lost connection
                    local.conn = box[0]
                    with lock:
                        opened[:] = [box[0] if c is conn else c for c in opened]

        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dump") as pool:
                manifests = list(pool.map(run, names))
        finally:
            for conn in opened:
                _release(spec, snapshot, conn)
            while not reserved.empty():
                _release(spec, snapshot, reserved.get())
        position = dict(snapshot.position)
    result = DumpResult(out_dir, position, manifests, round(time.monotonic() - started, 3))
    log.info("dumped %d tables, %d rows in %.1fs", len(manifests), result.rows, result.elapsed_s)
    return result
