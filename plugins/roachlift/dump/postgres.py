"""PostgreSQL table dump: ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` under the exported snapshot.

PostgreSQL sends one CopyData message per row, so each message read is a whole row: the writer
counts rows exactly and cuts part files on row boundaries without parsing the CSV.

A large plain table may be split into ``split`` ctid ranges (PostgreSQL 14+ reads each with a TID
Range Scan) dumped in parallel by connections that all import the dump's snapshot. The ranges cover
the whole tid space (the first has no lower bound, the last no upper bound), so every row is in
exactly one range; each range writes its own part files, renamed ``part-00001...`` in range order,
so the parts read in order hold the same rows in the same order as one sequential scan.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq, sql
from psycopg.conninfo import make_conninfo

from roachlift.config.connections import ConnInfo
from roachlift.config.spec import Compression
from roachlift.dump.manifest import ChunkedWriter, TableManifest, finish_table, start_table
from roachlift.dump.runner import Connections, PartSettings, dump_error, resume_plan, run_ranges
from roachlift.dump.snapshot import Snapshot
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text
from roachlift.storage import StoragePath

log = logging.getLogger(__name__)

#: Session settings that make COPY print values in the csvfmt convention.
SESSION_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "bytea_output": "hex",
    "extra_float_digits": "1",
    "client_encoding": "UTF8",
}
#: Types whose text output depends on locale or is not read back: cast in the SELECT.
_CASTS = {"money": "numeric"}
#: Bytes gathered before one write (hash, gzip, file) of whole rows.
_BLOCK_BYTES = 1 << 20
#: Smallest ctid range worth its own connection, in 8 kB heap pages (16 MB).
MIN_RANGE_PAGES = 2048
#: Relation kinds with a heap of their own (ctid ranges make sense): table, materialized view.
_SPLITTABLE = {"r", "m"}
#: Block ranges ``[first, end)``; ``None`` is unbounded.
BlockRange = tuple[int | None, int | None]


def split_table(table: str) -> tuple[str, str]:
    """``schema.name`` → (schema, name); a bare name is in ``public``."""
    schema, _, name = table.rpartition(".")
    return (schema or "public"), name


def worker_connection(conninfo: ConnInfo, snapshot: Snapshot) -> psycopg.Connection[Any]:
    """A connection inside a REPEATABLE READ transaction that imported the dump's snapshot."""
    return _snapshot_connection(conninfo.postgres_conninfo(), snapshot)


def _snapshot_connection(dsn: str, snapshot: Snapshot) -> psycopg.Connection[Any]:
    conn = psycopg.connect(dsn)
    try:
        for key, value in SESSION_SETTINGS.items():
            conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(key), sql.Literal(value)))
        conn.commit()
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute(
            sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot.position["snapshot"]))
        )
    except BaseException:
        conn.close()
        raise
    return conn


def _clone_connection(conn: psycopg.Connection[Any], snapshot: Snapshot) -> psycopg.Connection[Any]:
    """Another connection with ``conn``'s parameters, inside the same snapshot."""
    password = conn.info.password
    dsn = make_conninfo(conn.info.dsn, **({"password": password} if password else {}))
    return _snapshot_connection(dsn, snapshot)


def table_columns(conn: psycopg.Connection[Any], table: str) -> list[tuple[str, str, str, bool]]:
    """(name, type, type name, generated) of each column of ``table`` in order."""
    schema, name = split_table(table)
    rows = conn.execute(sql_text("dump/postgres_columns.sql"), {"schema": schema, "name": name}).fetchall()
    if not rows:
        raise RoachliftError(f"table {table} not found (or has no columns) in the source database")
    return [(r[0], r[1], r[2], bool(r[3])) for r in rows]


@dataclass(frozen=True)
class RelationInfo:
    """What decides how a table is read: its kind, inheritance children and size in pages."""

    kind: str
    has_children: bool
    pages: int

    @property
    def plain(self) -> bool:
        """A plain table without children: ``COPY table TO`` reads exactly ``SELECT * FROM table``."""
        return self.kind == "r" and not self.has_children


def relation_info(conn: psycopg.Connection[Any], table: str) -> RelationInfo | None:
    """Kind, children and size of ``table`` (``None`` when the catalog does not have it)."""
    schema, name = split_table(table)
    row = conn.execute(sql_text("dump/postgres_table_pages.sql"), {"schema": schema, "name": name}).fetchone()
    return None if row is None else RelationInfo(str(row[0]), bool(row[1]), int(row[2]))


def copy_statement(
    table: str,
    columns: list[tuple[str, str, str, bool]],
    block_range: BlockRange = (None, None),
    *,
    plain: bool = False,
) -> sql.Composed:
    """The COPY statement of ``table``'s non-generated columns in CSV.

    ``COPY (SELECT cols FROM schema.table [WHERE ctid range]) TO STDOUT (FORMAT csv)``, casting
    where needed; ``block_range`` ``(first, end)`` keeps rows in heap pages ``first <= page < end``.
    For a ``plain`` table read whole with no cast, ``COPY schema.table (cols) TO STDOUT (FORMAT
    csv)``: the same rows in the same order (a sequential scan), but the server skips the executor.
    COPY table TO "copies the same rows as SELECT * FROM ONLY table"
    (https://www.postgresql.org/docs/current/sql-copy.html), hence plain = no inheritance children.
    """
    schema, name = split_table(table)
    exprs: list[sql.Composable] = []
    casts = False
    for col, _type, type_name, generated in columns:
        if generated:
            continue
        if type_name in _CASTS:
            casts = True
            exprs.append(
                sql.SQL("{}::{} AS {}").format(
                    sql.Identifier(col), sql.SQL(_CASTS[type_name]), sql.Identifier(col)
                )
            )
        else:
            exprs.append(sql.Identifier(col))
    first, end = block_range
    if plain and not casts and first is None and end is None:
        return sql.SQL("COPY {}.{} ({}) TO STDOUT (FORMAT csv)").format(
            sql.Identifier(schema), sql.Identifier(name), sql.SQL(", ").join(exprs)
        )
    conds: list[sql.Composable] = []
    if first is not None:
        conds.append(sql.SQL("ctid >= {}::tid").format(sql.Literal(f"({first},0)")))
    if end is not None:
        conds.append(sql.SQL("ctid < {}::tid").format(sql.Literal(f"({end},0)")))
    where = sql.SQL(" WHERE {}").format(sql.SQL(" AND ").join(conds)) if conds else sql.SQL("")
    return sql.SQL("COPY (SELECT {} FROM {}.{}{}) TO STDOUT (FORMAT csv)").format(
        sql.SQL(", ").join(exprs), sql.Identifier(schema), sql.Identifier(name), where
    )


def block_ranges(pages: int, split: int, min_pages: int | None = None) -> list[BlockRange]:
    """At most ``split`` contiguous ranges of at least ``min_pages`` pages covering every tid.

    The first range has no lower bound and the last no upper bound, so rows in pages added after
    the size was read (invisible to the snapshot anyway) or in inheritance children are never lost.
    """
    count = max(1, min(split, pages // max(MIN_RANGE_PAGES if min_pages is None else min_pages, 1)))
    if count == 1:
        return [(None, None)]
    bounds: list[int | None] = [None, *(pages * i // count for i in range(1, count)), None]
    return [(bounds[i], bounds[i + 1]) for i in range(count)]


def plan_ranges(conn: psycopg.Connection[Any], info: RelationInfo | None, split: int) -> list[BlockRange]:
    """The ctid ranges to dump a table in: one (the whole table) unless ``split`` > 1 and it is a
    large table or materialized view on PostgreSQL 14+ (TID Range Scan)."""
    if split <= 1 or info is None or info.kind not in _SPLITTABLE or conn.info.server_version < 140000:
        return [(None, None)]
    return block_ranges(info.pages, split)


def _stream_copy(conn: psycopg.Connection[Any], stmt: sql.Composed, writer: ChunkedWriter) -> None:
    """Run ``COPY ... TO STDOUT`` and hand whole rows to ``writer`` in blocks of about 1 MB.

    One CopyData message is one row, so rows are counted per message, never by parsing the CSV (a
    quoted field may hold newlines). Messages are appended to one ``bytearray`` (cheap for the
    ``memoryview`` libpq hands back) and given to ``writer`` when the block is full, when the part
    file reaches ``chunk_rows``, or when it reaches ``chunk_mb`` — so parts end exactly after the row
    that reaches a limit, and hashing, compression and file writes run per block, not per row.
    libpq's copy buffer is read non-blocking, waiting on the socket with ``select`` (which releases
    the GIL for other workers).
    """
    pgconn = conn.pgconn
    with conn.lock:
        pgconn.send_query(stmt.as_bytes(conn))
        res = pgconn.get_result()
        if res is None or res.status != pq.ExecStatus.COPY_OUT:
            _drain(pgconn)
            raise _copy_error(res, "COPY did not start")
        get = pgconn.get_copy_data
        wait = select.select
        sock = [pgconn.socket]
        consume = pgconn.consume_input
        buf = bytearray()
        count = 0
        row_limit = writer.rows_left
        byte_limit = min(_BLOCK_BYTES, writer.bytes_left)
        while True:
            n, data = get(1)
            if n > 0:
                buf += data
                count += 1
                if count == row_limit or len(buf) >= byte_limit:
                    writer.write(buf, count)
                    buf.clear()
                    count = 0
                    row_limit = writer.rows_left
                    byte_limit = min(_BLOCK_BYTES, writer.bytes_left)
            elif n == 0:
                wait(sock, [], [])
                consume()
            elif n == -1:
                break
            else:
                raise psycopg.OperationalError(str(pgconn.get_error_message()))
        if count:
            writer.write(buf, count)
        res = pgconn.get_result()
        _drain(pgconn)
        if res is None or res.status != pq.ExecStatus.COMMAND_OK:
            raise _copy_error(res, "COPY failed")


def _copy_error(res: Any, default: str) -> psycopg.Error:
    """The error of a failed COPY result, as psycopg's class for its SQLSTATE (e.g. QueryCanceled)."""
    text = (res.error_message if res is not None else b"").decode(errors="replace").strip()
    state = res.error_field(pq.DiagnosticField.SQLSTATE) if res is not None else None
    cls: type[psycopg.Error] = psycopg.DataError
    if state:
        with contextlib.suppress(KeyError):
            cls = psycopg.errors.lookup(state.decode())
    return cls(text or default)


def _drain(pgconn: Any) -> None:
    while pgconn.get_result() is not None:
        pass


def range_text(block_range: BlockRange) -> str:
    """The rows a ctid range reads, for error messages."""
    first, end = block_range
    if first is None and end is None:
        return "the whole table"
    low = "" if first is None else f"from heap page {first}"
    high = "" if end is None else f"before heap page {end}"
    return "rows " + " ".join(t for t in (low, high) if t)


def dump_table(
    conn: psycopg.Connection[Any],
    table: str,
    out_dir: StoragePath,
    *,
    snapshot: Snapshot,
    target_table: str,
    chunk_rows: int,
    chunk_mb: int,
    compression: Compression,
    split: int = 1,
) -> TableManifest:
    """Stream one table into part files on ``conn`` (already inside the snapshot).

    ``split`` > 1 lets a large plain table be dumped as up to ``split`` ctid ranges in parallel, on
    as many extra connections importing the same snapshot (``conn`` then only reads the catalog).
    A try interrupted while the snapshot is held is resumed by finished part (roachlift.dump.runner).
    """
    started = time.monotonic()
    folder = start_table(out_dir, table)
    settings = PartSettings(chunk_rows, chunk_mb, compression)
    try:
        columns = table_columns(conn, table)
        info = relation_info(conn, table)
        ranges = list(resume_plan(snapshot, table, settings) or plan_ranges(conn, info, split))
    except psycopg.Error as exc:
        raise dump_error(exc, table) from None
    plain = info is not None and info.plain
    stmts = [copy_statement(table, columns, r, plain=plain) for r in ranges]
    if len(ranges) > 1:
        log.info("dumping %s as %d ctid ranges in parallel", table, len(ranges))

    def take() -> psycopg.Connection[Any]:
        return conn if len(ranges) == 1 else _clone_connection(conn, snapshot)

    def give(worker: psycopg.Connection[Any]) -> None:
        if worker is not conn:
            worker.close()

    def stream(worker: psycopg.Connection[Any], i: int, writer: ChunkedWriter, stop: threading.Event) -> None:
        _stream_copy(worker, stmts[i], writer)

    files = run_ranges(
        table, folder, snapshot, ranges, [range_text(r) for r in ranges], settings, stream,
        Connections(len(ranges), take, give, lambda c: c.cancel_safe()),
    )  # fmt: skip
    manifest = TableManifest(
        table=table,
        target_table=target_table,
        columns=[c[0] for c in columns if not c[3]],
        files=files,
        compression=compression,
        snapshot=dict(snapshot.position),
    )
    return finish_table(folder, manifest, started)
