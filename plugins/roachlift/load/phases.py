"""Apply the converter's phase files, prepare tables for a (re)load, and set sequences past max.

Phase order (DESIGN.md): 01 types → 02 tables (PK only) → load → 03 indexes → 04 foreign keys
(added ``NOT VALID``) → VALIDATE CONSTRAINT → 05 views → sequences set past the max of their column.
Each statement runs in its own transaction: CockroachDB runs schema changes as jobs and
advises against mixing them with other statements in one transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from roachlift import storage
from roachlift.config.spec import TableHandling
from roachlift.convert.splitting import split_statements
from roachlift.errors import RoachliftError
from roachlift.storage import StoragePath
from roachlift.target import statements as st

log = logging.getLogger(__name__)

PHASE_FILES: dict[str, str] = {
    "types": "01_types.sql",
    "tables": "02_tables.sql",
    "indexes": "03_indexes.sql",
    "foreign_keys": "04_foreign_keys.sql",
    "views": "05_views.sql",
}
#: What :func:`prepare_table` does (``resume`` is decided before it, by the loader).
TABLE_HANDLING = tuple(h.value for h in TableHandling if h is not TableHandling.RESUME)

_ALTER_FK = re.compile(r"^\s*ALTER\s+TABLE\b.*\bFOREIGN\s+KEY\b", re.IGNORECASE | re.DOTALL)
_ENDS_NOT_VALID = re.compile(r"\bNOT\s+VALID\s*$", re.IGNORECASE)
_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z_0-9$]*)'
_CREATE_TABLE = re.compile(
    rf"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?({_IDENT}(?:\s*\.\s*{_IDENT})*)", re.IGNORECASE
)
#: SQLSTATEs of "already exists" errors, tolerated with ``if_exists_ok`` on a rerun.
_EXISTS = (pg_errors.DuplicateTable, pg_errors.DuplicateObject, pg_errors.DuplicateSchema)


def phase_statements(text: str) -> list[str]:
    """Split phase SQL on ``;`` outside quotes, dollar-quoted bodies and comments; drop blanks.

    The converter's own scanner (PostgreSQL rules: the phase files are written in the target's
    PostgreSQL-compatible dialect), so the loader cuts statements exactly where the converter did.
    """
    return [s.text for s in split_statements(text, "postgres") if s.text.strip()]


def _read(sql_file_or_text: str | StoragePath) -> tuple[str, str]:
    """(label, text): a path (a folder's or object storage's), or a string naming an existing
    ``.sql`` file, is read."""
    if not isinstance(sql_file_or_text, str):
        where = storage.describe(sql_file_or_text)
        try:
            return where, storage.read_text(sql_file_or_text)
        except OSError as exc:
            raise RoachliftError(f"{where}: cannot read phase file: {exc}") from exc
    if (
        "\n" not in sql_file_or_text
        and sql_file_or_text.endswith(".sql")
        and Path(sql_file_or_text).is_file()
    ):
        path = Path(sql_file_or_text)
        try:
            return str(path), path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RoachliftError(f"{path}: cannot read phase file: {exc}") from exc
    return "<sql>", sql_file_or_text


def not_valid(statement: str) -> str:
    """``ALTER TABLE ... FOREIGN KEY ...`` with ``NOT VALID`` appended (unchanged if present or
    if the statement is not such an ALTER). Docs: st.DOC_ADD_CONSTRAINT, st.SRC_FK_NOT_VALID."""
    if _ALTER_FK.match(statement) and not _ENDS_NOT_VALID.search(statement):
        return f"{statement} NOT VALID"
    return statement


def apply_phase(
    conn: psycopg.Connection,
    sql_file_or_text: str | StoragePath,
    *,
    foreign_keys_not_valid: bool = False,
    if_exists_ok: bool = False,
) -> int:
    """Run each statement of a phase file (or SQL text) in order, one transaction each.

    ``foreign_keys_not_valid`` adds ``NOT VALID`` to ``ALTER TABLE ... FOREIGN KEY`` statements;
    ``if_exists_ok`` skips statements failing with "already exists" (reruns). Returns the number
    of statements run; a failing statement raises :class:`RoachliftError` naming file and number.
    """
    label, text = _read(sql_file_or_text)
    count = 0
    for number, statement in enumerate(phase_statements(text), start=1):
        if foreign_keys_not_valid:
            statement = not_valid(statement)
        try:
            with conn.transaction():
                conn.execute(sql.SQL(statement))  # phase text is trusted DDL
        except _EXISTS as exc:
            if not if_exists_ok:
                raise _phase_error(label, number, statement, exc) from exc
            log.info("%s statement %d: already exists, skipped (%s)", label, number, exc.diag.message_primary)
            continue
        except psycopg.Error as exc:
            raise _phase_error(label, number, statement, exc) from exc
        count += 1
    log.info("%s: %d statement(s) applied", label, count)
    return count


def _phase_error(label: str, number: int, statement: str, exc: psycopg.Error) -> RoachliftError:
    first = statement.splitlines()[0][:120]
    return RoachliftError(
        f"{label}: statement {number} ({first!r}) failed: {exc.diag.message_primary or exc}"
    )


def apply_phases(
    conn: psycopg.Connection, phase_dir: StoragePath, names: Iterable[str], *, if_exists_ok: bool = False
) -> dict[str, int]:
    """Apply the named phases (keys of :data:`PHASE_FILES`) from ``phase_dir`` in the given
    order; a missing file counts as an empty phase. Returns statements run per phase."""
    done: dict[str, int] = {}
    for name in names:
        path = phase_dir / PHASE_FILES[name]
        if not path.is_file():
            log.info("%s: no phase file, nothing to apply", path)
            done[name] = 0
            continue
        done[name] = apply_phase(
            conn, path, foreign_keys_not_valid=(name == "foreign_keys"), if_exists_ok=if_exists_ok
        )
    return done


# --- table handling on rerun -------------------------------------------------------------------
def create_statement_for(tables_sql: str, table: str) -> str | None:
    """The ``CREATE TABLE`` statement for ``table`` (``name`` or ``schema.name``) in phase-02 text."""
    want = table.split(".")  # target names are exact (as the driver quotes them)
    for statement in phase_statements(tables_sql):
        m = _CREATE_TABLE.match(statement)
        if not m:
            continue
        parts = [_norm(p.strip()) for p in re.findall(_IDENT, m.group(1))]
        n = min(len(parts), len(want))
        if parts[-n:] == want[-n:]:
            return statement
    return None


def _norm(ident: str) -> str:
    return ident[1:-1].replace('""', '"') if ident.startswith('"') else ident.lower()


def table_exists(conn: psycopg.Connection, table: str) -> bool:
    """True when ``table`` exists (information_schema, shared by both targets)."""
    schema, _, name = table.rpartition(".")
    with conn.transaction():
        row = conn.execute(st.TABLE_EXISTS, {"schema": schema or None, "name": name}).fetchone()
    return row is not None


def prepare_table(
    conn: psycopg.Connection, table: str, table_handling: TableHandling, create_sql: str | None = None
) -> None:
    """Make ``table`` ready for a load according to the spec's ``table_handling``.

    - ``fail-if-not-empty``: refuse when the table holds any row (a rerun never appends twice);
    - ``truncate``: empty it;
    - ``drop-and-recreate``: drop it (``CASCADE``: foreign keys onto it go too, phase 04 re-adds
      them) and run ``create_sql`` (its ``CREATE TABLE`` from phase 02).
    """
    if table_handling not in TABLE_HANDLING:
        raise RoachliftError(
            f"{table}: unknown table_handling {table_handling!r}; use one of {TABLE_HANDLING}"
        )
    try:
        if table_handling == TableHandling.DROP_AND_RECREATE:
            if not create_sql:
                raise RoachliftError(f"{table}: drop-and-recreate needs the table's CREATE TABLE (phase 02)")
            with conn.transaction():
                conn.execute(st.drop_table(table))
            with conn.transaction():
                conn.execute(sql.SQL(create_sql))  # phase text is trusted DDL
            log.info("%s: dropped and recreated", table)
            return
        if not table_exists(conn, table):
            raise RoachliftError(f"{table}: target table does not exist; apply phase 02 (tables) first")
        if table_handling == TableHandling.TRUNCATE:
            with conn.transaction():
                conn.execute(st.truncate(table))
            log.info("%s: truncated", table)
            return
        with conn.transaction():
            row = conn.execute(st.has_rows(table)).fetchone()
        if row and row[0]:
            count = count_rows(conn, table)
            raise RoachliftError(
                f"{table}: target already holds {count} row(s) and table_handling is fail-if-not-empty; "
                "use truncate or drop-and-recreate to reload it"
            )
    except psycopg.Error as exc:
        raise RoachliftError(f"{table}: preparing for load ({table_handling}) failed: {exc}") from exc


def ensure_autocommit(conn: psycopg.Connection) -> None:
    """Loads commit per batch and per statement: switch an idle connection to autocommit, so
    ``conn.transaction()`` blocks are real transactions (not savepoints of an open one)."""
    if conn.autocommit:
        return
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RoachliftError("load needs a connection with no open transaction (commit or roll back first)")
    conn.autocommit = True


def count_rows(conn: psycopg.Connection, table: str) -> int:
    """``count(*)`` of ``table``."""
    with conn.transaction():
        row = conn.execute(st.count_rows(table)).fetchone()
    return int(row[0]) if row else 0


# --- sequences ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SequenceColumn:
    """A column fed by a sequence; ``sequence`` is the name as the catalog spells it."""

    table: str
    column: str
    sequence: str


def sequence_columns(conn: psycopg.Connection, schema: str) -> list[SequenceColumn]:
    """Every column of ``schema`` whose default is ``nextval(...)`` or which is an identity."""
    with conn.transaction():
        rows = conn.execute(st.sequence_columns_query(), {"schema": schema}).fetchall()
    return [
        SequenceColumn(table=f"{r[0]}.{r[1]}", column=r[2], sequence=r[3].replace("''", "'"))
        for r in rows
        if r[3]
    ]


def reset_sequences(conn: psycopg.Connection, sequences: Iterable[SequenceColumn]) -> dict[str, int]:
    """Set each sequence so its next value is past ``max(column)``; empty tables are left alone.
    Returns ``{sequence: value set}``."""
    done: dict[str, int] = {}
    for seq in sequences:
        try:
            with conn.transaction():
                row = conn.execute(st.max_of(seq.table, seq.column)).fetchone()
                if row is None or row[0] is None:
                    continue
                top = int(row[0])
                if seq.sequence in done:
                    top = max(top, done[seq.sequence])
                conn.execute(st.SETVAL, (seq.sequence, top))
        except psycopg.Error as exc:
            raise RoachliftError(
                f"{seq.table}.{seq.column}: setting sequence {seq.sequence} past max failed: {exc}"
            ) from exc
        done[seq.sequence] = top
        log.info("sequence %s set to %d (max of %s.%s)", seq.sequence, top, seq.table, seq.column)
    return done
