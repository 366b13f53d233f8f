"""PostgreSQL table dump: ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` under the exported snapshot.

PostgreSQL sends one CopyData message per row, so each message read is a whole row: the writer
counts rows exactly and cuts part files on row boundaries without parsing the CSV.
"""

from __future__ import annotations

import logging
import select
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq, sql

from roachlift.config.connections import ConnInfo
from roachlift.dump.manifest import ChunkedWriter, TableManifest, table_dir_name
from roachlift.dump.snapshot import Snapshot
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text

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
_BATCH_ROWS = 4096


def split_table(table: str) -> tuple[str, str]:
    """``schema.name`` → (schema, name); a bare name is in ``public``."""
    schema, _, name = table.rpartition(".")
    return (schema or "public"), name


def worker_connection(conninfo: ConnInfo, snapshot: Snapshot) -> psycopg.Connection[Any]:
    """A connection inside a REPEATABLE READ transaction that imported the dump's snapshot."""
    conn = psycopg.connect(conninfo.postgres_conninfo())
    for key, value in SESSION_SETTINGS.items():
        conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(key), sql.Literal(value)))
    conn.commit()
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot.position["snapshot"])))
    return conn


def table_columns(conn: psycopg.Connection[Any], table: str) -> list[tuple[str, str, str, bool]]:
    """(name, type, type name, generated) of each column of ``table`` in order."""
    schema, name = split_table(table)
    rows = conn.execute(sql_text("dump/postgres_columns.sql"), {"schema": schema, "name": name}).fetchall()
    if not rows:
        raise RoachliftError(f"table {table} not found (or has no columns) in the source database")
    return [(r[0], r[1], r[2], bool(r[3])) for r in rows]


def copy_statement(table: str, columns: list[tuple[str, str, str, bool]]) -> sql.Composed:
    """``COPY (SELECT cols FROM schema.table) TO STDOUT (FORMAT csv)`` with casts where needed."""
    schema, name = split_table(table)
    exprs: list[sql.Composable] = []
    for col, _type, type_name, generated in columns:
        if generated:
            continue
        if type_name in _CASTS:
            exprs.append(
                sql.SQL("{}::{} AS {}").format(
                    sql.Identifier(col), sql.SQL(_CASTS[type_name]), sql.Identifier(col)
                )
            )
        else:
            exprs.append(sql.Identifier(col))
    return sql.SQL("COPY (SELECT {} FROM {}.{}) TO STDOUT (FORMAT csv)").format(
        sql.SQL(", ").join(exprs), sql.Identifier(schema), sql.Identifier(name)
    )


def _stream_copy(conn: psycopg.Connection[Any], stmt: sql.Composed, writer: ChunkedWriter) -> None:
    """Run ``COPY ... TO STDOUT`` and hand rows to ``writer`` in batches (one CopyData = one row).

    Reads libpq's copy buffer directly, non-blocking, waiting on the socket with ``select`` (which
    releases the GIL for the other workers): measured about 1.6x faster than psycopg's per-row
    copy iterator, on par with ``psql \\copy``.
    """
    pgconn = conn.pgconn
    with conn.lock:
        pgconn.send_query(stmt.as_bytes(conn))
        res = pgconn.get_result()
        if res is None or res.status != pq.ExecStatus.COPY_OUT:
            _drain(pgconn)
            raise psycopg.DataError(_message(res, "COPY did not start"))
        get = pgconn.get_copy_data
        batch: list[Any] = []
        append = batch.append
        count, limit = 0, min(_BATCH_ROWS, writer.rows_left)
        while True:
            n, data = get(1)
            if n > 0:
                append(data)
                count += 1
                if count == limit:
                    writer.write(b"".join(batch), count)
                    batch.clear()
                    count, limit = 0, min(_BATCH_ROWS, writer.rows_left)
            elif n == 0:
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            elif n == -1:
                break
            else:
                raise psycopg.OperationalError(str(pgconn.get_error_message()))
        if count:
            writer.write(b"".join(batch), count)
        res = pgconn.get_result()
        _drain(pgconn)
        if res is None or res.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.DataError(_message(res, "COPY failed"))


def _message(res: Any, default: str) -> str:
    text = (res.error_message if res is not None else b"").decode(errors="replace").strip()
    return text or default


def _drain(pgconn: Any) -> None:
    while pgconn.get_result() is not None:
        pass


def dump_table(
    conn: psycopg.Connection[Any],
    table: str,
    out_dir: Path,
    *,
    snapshot: Snapshot,
    target_table: str,
    chunk_rows: int,
    chunk_mb: int,
    compression: str,
) -> TableManifest:
    """Stream one table into part files on ``conn`` (already inside the snapshot)."""
    started = time.monotonic()
    columns = table_columns(conn, table)
    names = [c[0] for c in columns if not c[3]]
    folder = out_dir / table_dir_name(table)
    writer = ChunkedWriter(folder, table, chunk_rows, chunk_mb, compression)
    stmt = copy_statement(table, columns)
    try:
        _stream_copy(conn, stmt, writer)
    except psycopg.Error as exc:
        writer.abort()
        raise RoachliftError(f"dump of {table} failed: {exc}") from None
    files = writer.finish()
    elapsed = time.monotonic() - started
    writer.log_progress()
    manifest = TableManifest(
        table=table,
        target_table=target_table,
        columns=names,
        files=files,
        rows=writer.rows,
        bytes=sum(f.bytes for f in files),
        compression=compression,
        snapshot=dict(snapshot.position),
        elapsed_s=round(elapsed, 3),
        rows_per_s=round(writer.rows / elapsed, 1) if elapsed > 0 else 0.0,
    )
    manifest.write(folder)
    return manifest
