"""Oracle table dump: ``SELECT ... AS OF SCN :scn`` through oracledb with a large arraysize.

Values go through :func:`roachlift.csvfmt.format_row`: DATE keeps its time of day, TIMESTAMP WITH
(LOCAL) TIME ZONE is read as ``SYS_EXTRACT_UTC`` and written with ``+00``, CLOB as text, BLOB/RAW as
``\\x`` hex, BINARY_FLOAT/DOUBLE NaN and infinities spelled out.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

from roachlift import csvfmt
from roachlift.dump.manifest import ChunkedWriter, TableManifest, table_dir_name
from roachlift.dump.snapshot import Snapshot
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text

log = logging.getLogger(__name__)

ARRAYSIZE = 10_000


def quote_ident(name: str) -> str:
    """An Oracle identifier in double quotes (case kept)."""
    return '"' + name.replace('"', '""') + '"'


def column_expression(name: str, data_type: str) -> tuple[str, bool]:
    """(select expression, value is UTC) for one column."""
    c = quote_ident(name)
    if "TIME ZONE" in data_type.upper():
        return f"SYS_EXTRACT_UTC({c})", True
    return c, False


def select_statement(owner: str, name: str, columns: list[tuple[str, str]]) -> tuple[str, list[bool]]:
    """The flashback query of one table, and which columns hold UTC timestamps."""
    exprs = [column_expression(col, dtype) for col, dtype in columns]
    select = ", ".join(e for e, _ in exprs)
    return (
        f"SELECT {select} FROM {quote_ident(owner)}.{quote_ident(name)} AS OF SCN :scn",
        [utc for _, utc in exprs],
    )


def _output_type_handler(cursor: Any, metadata: Any) -> Any:
    import oracledb

    if metadata.type_code is oracledb.DB_TYPE_CLOB or metadata.type_code is oracledb.DB_TYPE_NCLOB:
        return cursor.var(oracledb.DB_TYPE_LONG, arraysize=cursor.arraysize)
    if metadata.type_code is oracledb.DB_TYPE_BLOB:
        return cursor.var(oracledb.DB_TYPE_LONG_RAW, arraysize=cursor.arraysize)
    return None


def encode_rows(rows: list[tuple[Any, ...]], utc_columns: list[bool]) -> bytes:
    """CSV bytes of fetched Oracle rows (UTC columns get ``+00``)."""
    out: list[str] = []
    if any(utc_columns):
        fixed = []
        for row in rows:
            vals = list(row)
            for i, utc in enumerate(utc_columns):
                if utc and isinstance(vals[i], dt.datetime):
                    vals[i] = vals[i].replace(tzinfo=dt.UTC)
            fixed.append(tuple(vals))
        rows = fixed
    for row in rows:
        out.append(csvfmt.format_row(row))
    return "".join(out).encode(csvfmt.ENCODING)


def dump_table(
    conn: Any,
    table: str,
    out_dir: Path,
    *,
    snapshot: Snapshot,
    target_table: str,
    chunk_rows: int,
    chunk_mb: int,
    compression: str,
) -> TableManifest:
    """Stream one Oracle table (``OWNER.NAME``) as of the snapshot SCN into part files."""
    started = time.monotonic()
    owner, _, name = table.rpartition(".")
    cur = conn.cursor()
    cur.execute(sql_text("dump/oracle_columns.sql"), owner=owner, name=name)
    columns = [(str(r[0]), str(r[1])) for r in cur.fetchall()]
    if not columns:
        raise RoachliftError(f"table {table} not found (or has no columns) in the source database")
    query, utc_columns = select_statement(owner, name, columns)
    folder = out_dir / table_dir_name(table)
    writer = ChunkedWriter(folder, table, chunk_rows, chunk_mb, compression)
    cur.arraysize = ARRAYSIZE
    cur.prefetchrows = ARRAYSIZE
    cur.outputtypehandler = _output_type_handler
    try:
        cur.execute(query, scn=snapshot.position["scn"])
        while True:
            rows = cur.fetchmany(min(ARRAYSIZE, writer.rows_left))
            if not rows:
                break
            writer.write(encode_rows(rows, utc_columns), len(rows))
    except Exception as exc:
        writer.abort()
        raise RoachliftError(f"dump of {table} failed: {exc}") from None
    finally:
        cur.close()
    files = writer.finish()
    elapsed = time.monotonic() - started
    manifest = TableManifest(
        table=table,
        target_table=target_table,
        columns=[c[0] for c in columns],
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
