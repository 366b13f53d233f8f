"""Where a table's load of one dump stands, kept on the target so a rerun continues exactly.

COPY mode writes one row per (dump, table) — unit 0: the part file, the byte offset just past the
last committed row (uncompressed bytes of that file), committed rows and batches — in the same
transaction as each batch, so the target's rows and this record can never disagree. IMPORT mode
writes one row per group of files (unit = group number) with the job that imports it, in the
transaction that starts the job (``IMPORT ... DETACHED`` may run inside one).

Every row is keyed by the dump's identity (:func:`dump_identity`), so a new dump never continues
from an earlier dump's position or follows an earlier dump's IMPORT job.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from roachlift.target import statements as st

TABLE_NAME = "roachlift_load_progress"
COPY_UNIT = 0


def dump_identity(manifest: dict[str, Any]) -> str:
    """The identity of the dump a manifest belongs to: its ``dump_id`` (a fresh id per dump run),
    combined with a digest of the table's files (checksums, rows) and the snapshot position."""
    keys = ("dump_id", "table", "target_table", "columns", "files", "rows", "compression", "snapshot")
    text = json.dumps({k: manifest.get(k) for k in keys}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def table_ident(target_table: str) -> sql.Identifier:
    """The progress table in the schema of ``target_table`` (``public`` when unqualified)."""
    schema = target_table.rpartition(".")[0] or "public"
    return sql.Identifier(schema, TABLE_NAME)


@dataclass(frozen=True)
class Position:
    """One progress row: COPY position (unit 0) or one IMPORT group (unit >= 1)."""

    unit: int
    file_index: int
    file_name: str
    byte_offset: int
    rows: int
    batches: int
    job_id: int | None
    done: bool


def ensure_table(conn: psycopg.Connection, target_table: str) -> None:
    """Create the progress table if missing, in a transaction of its own."""
    with conn.transaction():
        conn.execute(st.progress_table_ddl(table_ident(target_table)))


def read(conn: psycopg.Connection, dump_id: str, target_table: str) -> dict[int, Position]:
    """This dump's progress rows for ``target_table``, by unit (empty before its first batch)."""
    with conn.transaction():
        rows = conn.execute(st.progress_read(table_ident(target_table)), (dump_id, target_table)).fetchall()
    return {
        int(r[0]): Position(
            int(r[0]), int(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5]), r[6], bool(r[7])
        )
        for r in rows
    }


def forget(conn: psycopg.Connection, target_table: str) -> int:
    """Delete what any load recorded for ``target_table`` (a load starting from its first row);
    returns rows deleted."""
    with conn.transaction():
        cur = conn.execute(st.progress_forget(table_ident(target_table)), (target_table,))
    return cur.rowcount


def write(conn: psycopg.Connection, dump_id: str, target_table: str, pos: Position) -> None:
    """Upsert one progress row; call inside the transaction of the work it describes."""
    conn.execute(
        st.progress_write(table_ident(target_table)),
        {
            "dump_id": dump_id,
            "table": target_table,
            "unit": pos.unit,
            "file_index": pos.file_index,
            "file_name": pos.file_name,
            "byte_offset": pos.byte_offset,
            "rows": pos.rows,
            "batches": pos.batches,
            "job_id": pos.job_id,
            "done": pos.done,
        },
    )
