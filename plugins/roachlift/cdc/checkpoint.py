"""The checkpoint table on the target: the source position of the last applied transaction per migration.

Written in the same target transaction as the batch it describes, so the target's data and its
checkpoint can never disagree: after a crash the applier resumes from here and skips what it applied.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from roachlift.cdc.model import Position
from roachlift.target import statements as st

TABLE_NAME = "roachlift_cdc_checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """The stored state of one migration's change stream."""

    source_kind: str
    position: Position
    commit_time: dt.datetime | None
    caught_up_since: dt.datetime | None
    changes_applied: int
    txns_applied: int


def table_ident(schema: str) -> sql.Identifier:
    """The checkpoint table, qualified with the target schema."""
    return sql.Identifier(schema, TABLE_NAME)


def ensure_table(conn: psycopg.Connection, schema: str = "public") -> None:
    """Create the checkpoint table if missing, in a transaction of its own."""
    with conn.transaction():
        conn.execute(st.checkpoint_table_ddl(table_ident(schema)))


def read(conn: psycopg.Connection, migration: str, schema: str = "public") -> Checkpoint | None:
    """The checkpoint of ``migration``, or ``None`` before its first batch."""
    row = conn.execute(st.checkpoint_read(table_ident(schema)), (migration,)).fetchone()
    if row is None:
        return None
    position = row[1] if isinstance(row[1], dict) else json.loads(row[1])
    return Checkpoint(row[0], position, row[2], row[3], int(row[4]), int(row[5]))


def write(
    conn: psycopg.Connection,
    migration: str,
    kind: str,
    position: Position,
    commit_time: dt.datetime | None,
    changes: int,
    txns: int,
    schema: str = "public",
) -> None:
    """Record ``position`` (call inside the batch's transaction)."""
    conn.execute(
        st.checkpoint_write(table_ident(schema)),
        {
            "migration": migration,
            "kind": kind,
            "position": Jsonb(position),
            "commit_time": commit_time,
            "changes": changes,
            "txns": txns,
        },
    )


def mark_caught_up(
    conn: psycopg.Connection, migration: str, caught_up: bool, schema: str = "public"
) -> float:
    """Record whether lag is under the threshold now; return for how many seconds it has been."""
    with conn.transaction():
        row = conn.execute(
            st.checkpoint_caught_up(table_ident(schema)), {"caught_up": caught_up, "migration": migration}
        ).fetchone()
    if row is None or row[0] is None:
        return 0.0
    return max(0.0, (row[1] - row[0]).total_seconds())
