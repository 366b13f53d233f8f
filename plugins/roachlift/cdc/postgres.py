"""PostgreSQL source: the wal2json logical slot, read with ``pg_logical_slot_peek_changes``.

Changes are only *peeked*; the slot is moved on with ``pg_replication_slot_advance`` after the target
committed the batch and its checkpoint. wal2json format-version 2 sends one JSON object per action
(``B`` begin, ``I``/``U``/``D``/``T``, ``C`` commit); begin and commit carry the commit record's
``nextlsn``, which is the position recorded per transaction. Unchanged TOASTed columns are left out of
UPDATE images (the applier keeps the target's value). A table whose UPDATE/DELETE changes carry no
old key (no primary key and no ``REPLICA IDENTITY FULL``) is refused before anything is read.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg import sql

from roachlift import logonce
from roachlift.cdc.model import CdcError, Change, Commit, Event, Op, Position, Row
from roachlift.paths import sql_text

log = logging.getLogger(__name__)

PLUGIN = "wal2json"


def lsn_to_int(lsn: str) -> int:
    """``'16/B374D848'`` as an integer."""
    hi, lo = lsn.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def int_to_lsn(value: int) -> str:
    """The inverse of :func:`lsn_to_int`."""
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def _timestamp(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("+00", "+00:00") if text.endswith("+00") else text)


BYTEA_OID = "17"
_CHANGE_ACTIONS = frozenset("IUDT")


def _text(col: dict[str, Any]) -> str | None:
    """One wal2json column value as CSV-convention text (numbers keep their exact digits)."""
    value = col.get("value")
    if value is None:
        return None
    if value is True:
        return "t"
    if value is False:
        return "f"
    if col.get("typeoid") == BYTEA_OID:
        return "\\x" + str(value)
    return value if isinstance(value, str) else str(value)


def _row(columns: list[dict[str, Any]]) -> Row:
    # fast path: text that needs no change (most values; bytea is the one string that does)
    return {
        c["name"]: v if (v := c.get("value")).__class__ is str and c.get("typeoid") != BYTEA_OID else _text(c)
        for c in columns
    }


#: numbers stay text with their exact digits (ints too: type oids are compared as text)
_DECODER = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)
#: wal2json rows decoded per ``json`` call: one C-level scan of ``[m1,m2,...]`` instead of a
#: Python-level ``decode`` per message (~20% less JSON time; much larger chunks were slower again)
PARSE_CHUNK = 64
#: wal2json rows fetched from the peek's server-side cursor at a time (bounds the reader's memory)
FETCH_ROWS = 10_000


def _messages(rows: list[tuple[str]]) -> Iterator[dict[str, Any]]:
    """The wal2json messages of ``rows`` (one JSON object each), decoded ``PARSE_CHUNK`` at a time."""
    for start in range(0, len(rows), PARSE_CHUNK):
        chunk: list[dict[str, Any]] = _DECODER.decode(
            "[" + ",".join([r[0] for r in rows[start : start + PARSE_CHUNK]]) + "]"
        )
        yield from chunk


def parse_message(msg: dict[str, Any], table: str | None = None) -> Change | None:
    """A :class:`Change` from one wal2json v2 row-change message (``None`` for other actions);
    ``table`` names the source table when the caller resolved it already (partitions: the root)."""
    action = msg.get("action")
    if action not in _CHANGE_ACTIONS:
        return None
    if table is None:
        table = f"{msg.get('schema')}.{msg.get('table')}"
    if action == "T":
        return Change(Op.TRUNCATE, table)
    pk = msg.get("pk")
    key_columns = tuple([c["name"] for c in pk]) if pk else ()
    if action == "I":
        return Change(Op.INSERT, table, new=_row(msg["columns"]), key_columns=key_columns)
    identity = msg.get("identity")
    if not identity and not key_columns:
        raise CdcError(
            f"{'an UPDATE' if action == 'U' else 'a DELETE'} of {table} arrived without its old key: run "
            f"ALTER TABLE {table} REPLICA IDENTITY FULL (or give it a primary key)"
        )
    old = _row(identity) if identity else None
    if action == "U":
        return Change(Op.UPDATE, table, new=_row(msg["columns"]), old_key=old, key_columns=key_columns)
    return Change(Op.DELETE, table, old_key=old or {}, key_columns=key_columns)


class PostgresSource:
    """Reads one database's wal2json slot without consuming it; see the module docstring."""

    kind = "postgres"
    #: one peek serves this many batches: every peek decodes the WAL from the slot's restart_lsn,
    #: which moves only at running-xacts records, so small peeks over a big backlog cost O(n^2)
    read_ahead = 10

    def __init__(
        self,
        conninfo: str,
        slot: str,
        *,
        schemas: list[str] | None = None,
        wants: Callable[[str], bool] | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.slot = slot
        self.schemas = schemas or ["public"]
        self.wants = wants or (lambda _t: True)
        self.conn: psycopg.Connection | None = None
        self.applied_lsn = 0
        self.numbers_as_text = False
        self.partition_root: dict[str, str] = {}
        #: partition → the condition on its root's rows that it holds (its TRUNCATE deletes those)
        self.partition_bound: dict[str, str | None] = {}
        #: (schema, table) of a wal2json message → the source table its changes belong to (a
        #: partition's root), or ``None`` when the spec does not want it
        self._tables: dict[tuple[str | None, str | None], str | None] = {}
        #: released by the applier but not yet advanced on the slot (see :meth:`release`)
        self._unadvanced: Position | None = None

    def _c(self) -> psycopg.Connection:
        if self.conn is None:
            raise CdcError("the PostgreSQL source is not open")
        return self.conn

    def open(self, resume: Position | None) -> Position:
        """Connect, check the slot and the tables, and move the slot up to the checkpoint."""
        try:
            self.conn = psycopg.connect(self.conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            raise CdcError(f"cannot connect to the PostgreSQL source: {exc}".strip()) from None
        conn = self.conn
        # wal2json prints values with this session's output settings: match the dump's
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET DateStyle = 'ISO, YMD'")
        conn.execute("SET IntervalStyle = 'postgres'")
        conn.execute("SET extra_float_digits = 3")
        state = self._slot_state()
        if state is None:
            raise CdcError(
                f"replication slot {self.slot!r} does not exist on the source: the dump step creates it "
                "(or create it with SELECT pg_create_logical_replication_slot(name, 'wal2json'))"
            )
        if state[0] != PLUGIN:
            raise CdcError(f"replication slot {self.slot!r} uses plugin {state[0]!r}, not {PLUGIN}")
        bad = conn.execute(sql_text("cdc/pg_tables_without_key.sql"), {"schemas": self.schemas}).fetchall()
        bad = [r for r in bad if self.wants(f"{r[0]}.{r[1]}")]
        if bad:
            names = ", ".join(f"{r[0]}.{r[1]}" for r in bad)
            first = f"{bad[0][0]}.{bad[0][1]}"
            raise CdcError(
                f"table(s) without a primary key: {names}. Logical decoding sends no old row for their "
                f"UPDATEs and DELETEs; run ALTER TABLE {first} REPLICA IDENTITY FULL (for each), "
                "or add a primary key, or exclude them in the spec (source.exclude)"
            )
        self.numbers_as_text = self._probe_numbers_as_text()
        self._refresh_partitions()
        self._tables.clear()
        self._unadvanced = None
        confirmed = lsn_to_int(state[2])
        if resume is not None:
            self.applied_lsn = lsn_to_int(str(resume["lsn"]))
            if self.applied_lsn > confirmed:
                self._advance(resume)  # the target has it; the slot did not hear of it before a crash
            return {"lsn": int_to_lsn(max(self.applied_lsn, confirmed))}
        self.applied_lsn = confirmed
        return {"lsn": state[2]}

    def _refresh_partitions(self) -> None:
        """Read the partitions in scope and their roots again (a partition may be created while the
        applier runs)."""
        rows = self._c().execute(sql_text("cdc/pg_partitions.sql"), {"schemas": self.schemas}).fetchall()
        self.partition_root = {r[0]: r[1] for r in rows}
        self.partition_bound = {r[0]: r[2] for r in rows}

    def _peek_sql(self, numbers_as_text: bool) -> sql.Composed:
        # no type names: nothing reads them (bytea is told by its type oid), and they were a fifth
        # of the JSON the server builds and the client parses
        extra = ", 'include-types', '0'"
        if numbers_as_text:
            extra += ", 'numeric-data-types-as-string', 'true'"
        return sql.SQL(sql_text("cdc/pg_peek_changes.sql")).format(extra=sql.SQL(extra))

    def _probe_numbers_as_text(self) -> bool:
        """Whether wal2json knows ``numeric-data-types-as-string`` (2.4+). Older versions print NaN and
        Infinity of float/numeric columns as JSON null: that is logged, as it cannot be undone here."""
        try:
            with self._c().transaction():
                self._c().execute(
                    self._peek_sql(True), {"slot": self.slot, "upto": 1, "add_tables": self._add_tables()}
                )
            return True
        except psycopg.errors.InvalidParameterValue:
            logonce.warning(
                log,
                "wal2json-before-2.4",
                "wal2json older than 2.4 on the source: NaN/Infinity in float/numeric columns arrive as "
                "NULL (no numeric-data-types-as-string); upgrade wal2json if the data holds them",
            )
            return False

    def _slot_state(self) -> tuple[Any, ...] | None:
        return self._c().execute(sql_text("cdc/pg_slot.sql"), {"slot": self.slot}).fetchone()

    def _add_tables(self) -> str:
        return ",".join(s.replace(",", "\\,").replace(".", "\\.") + ".*" for s in self.schemas)

    def read(self, max_changes: int) -> Iterator[Event]:
        """Whole transactions after the checkpoint, ending after about ``max_changes`` changes."""
        conn = self._c()
        self._advance_released()  # the peek decodes the WAL from the slot on: start it late
        skip = False
        # B and C rows count against upto_nchanges too
        upto = max_changes + 2
        # a server-side cursor read FETCH_ROWS at a time: upto_nchanges ends a peek only after the
        # transaction that crosses it, so one huge source transaction (a 10M-row UPDATE) arrives whole;
        # the server keeps the peek's result (spilling past work_mem), the client holds one chunk. The
        # transaction stays open while the applier consumes the window (it releases between batches,
        # and the slot is advanced only before the next peek: :meth:`release`).
        tables = self._tables
        with conn.transaction(), conn.cursor(name=f"roachlift_peek_{id(self)}") as cur:
            cur.execute(
                self._peek_sql(self.numbers_as_text),
                {"slot": self.slot, "upto": upto, "add_tables": self._add_tables()},
            )
            while chunk := cur.fetchmany(FETCH_ROWS):
                for msg in _messages(chunk):
                    action = msg.get("action")
                    if action in _CHANGE_ACTIONS:
                        if skip:
                            continue
                        name = (msg.get("schema"), msg.get("table"))
                        try:
                            table = tables[name]
                        except KeyError:
                            table = tables[name] = self._source_table(*name)
                        if table is not None:
                            change = parse_message(msg, table)
                            if change is not None:
                                if action == "T" and table != f"{name[0]}.{name[1]}":
                                    change.where = self._truncate_bound(f"{name[0]}.{name[1]}")
                                yield change
                    elif action == "B":
                        skip = lsn_to_int(msg["nextlsn"]) <= self.applied_lsn
                    elif action == "C" and not skip:
                        yield Commit({"lsn": msg["nextlsn"]}, _timestamp(msg.get("timestamp")))

    def _source_table(self, schema: str | None, name: str | None) -> str | None:
        """The source table a message's changes belong to (a partition's go to its root table), or
        ``None`` when the spec does not want them. A relation not seen before may be a partition
        created after the applier started: the partition map is read again before deciding, so its
        rows are applied to the root (never skipped while the checkpoint moves past them); a table
        the target lacks stops the applier with its name (:class:`~roachlift.cdc.apply.TargetCatalog`)."""
        table = f"{schema}.{name}"
        if table not in self.partition_root:
            self._refresh_partitions()
        table = self.partition_root.get(table, table)
        return table if self.wants(table) else None

    def _truncate_bound(self, leaf: str) -> str:
        """The condition that selects a partition's rows in its root table."""
        bound = self.partition_bound.get(leaf)
        if not bound or "satisfies_hash_partition" in bound:
            root = self.partition_root.get(leaf, leaf)
            raise CdcError(
                f"the source truncated partition {leaf} of {root}, whose rows cannot be told apart by a "
                "condition on the target table (hash partition, or no bounds): truncate the whole table "
                f"{root} on the source instead, or redo the dump and load of {root}"
            )
        return str(bound)

    def release(self, position: Position) -> None:
        """The target holds everything up to ``position``: skip it from now on; the slot is advanced
        before the next peek (and on close). ``pg_replication_slot_advance`` decodes the WAL from the
        slot's restart point, so once per peek instead of once per batch; after a crash in between,
        :meth:`open` advances the slot to the target's checkpoint."""
        self.applied_lsn = max(self.applied_lsn, lsn_to_int(str(position["lsn"])))
        self._unadvanced = position

    def _advance_released(self) -> None:
        if self._unadvanced is not None:
            position, self._unadvanced = self._unadvanced, None
            self._advance(position)

    def _advance(self, position: Position) -> None:
        """``pg_replication_slot_advance`` to ``position`` (never backwards)."""
        state = self._slot_state()
        if state is not None and lsn_to_int(state[2]) < lsn_to_int(str(position["lsn"])):
            self._c().execute(
                "SELECT pg_replication_slot_advance(%s, %s::pg_lsn)", (self.slot, position["lsn"])
            )

    def lag(self, position: Position) -> tuple[int | None, int | None]:
        """WAL bytes between the server's current LSN and ``position``."""
        conn = self._c()
        row = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint", (position["lsn"],)
        ).fetchone()
        return (max(0, int(row[0])) if row else None), None

    def close(self) -> None:
        """Advance the slot to what was released, and close the connection."""
        if self.conn is not None:
            try:
                self._advance_released()
            except psycopg.Error as exc:  # the checkpoint has it: the next open() advances the slot
                log.warning("could not advance replication slot %r: %s", self.slot, exc)
            finally:
                self.conn.close()
                self.conn = None
