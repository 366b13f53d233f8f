"""Apply a change stream to the target: whole source transactions, batched, with the checkpoint.

One batch = many whole source transactions in ONE target transaction:

1. changes are coalesced per table and primary key (the last image of a row wins; UPDATE images that
   miss unchanged TOAST columns are merged into what is pending, never turned into NULLs);
2. the batch is written with multi-row statements in an order every target constraint accepts
   (:mod:`roachlift.cdc.order`): deletes of tables nothing references, then upserts parents first,
   then deletes of referenced tables children first, all inside a savepoint. When the target still
   rejects that (a unique value swapped through a temporary value, a row whose unique value passes
   to another, an FK cycle, ...) the savepoint is rolled back and the same changes are written again
   in source order, uncoalesced, as runs of consecutive changes of one table and kind;
3. the source position of the batch's last transaction is written into the checkpoint table in that
   same transaction; after COMMIT the source position is released (``pg_replication_slot_advance``,
   staging-table delete). A crash anywhere leaves either the old or the new checkpoint, and the next
   run resumes from it, skipping what was applied.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from operator import itemgetter
from typing import Any, Protocol

import psycopg
from psycopg import sql

from roachlift.cdc import checkpoint
from roachlift.cdc.model import (
    ApplyStats,
    CdcError,
    Change,
    Commit,
    Event,
    Op,
    Position,
    Row,
    SchemaChangedError,
)
from roachlift.cdc.order import FkGraph
from roachlift.config.spec import TargetDialect
from roachlift.naming import Naming
from roachlift.target import statements as st
from roachlift.target.targets import Target, target_for

log = logging.getLogger(__name__)

#: Bind parameters per statement stay well under PostgreSQL's and CockroachDB's 65,535 limit.
MAX_PARAMS = 30_000
MAX_ROWS_PER_STATEMENT = 1_000
#: Pending coalesced rows after which a batch writes what it holds (still in the same transaction).
FLUSH_ROWS = 20_000
#: idle polling backs off from the first to the second (each poll of a PostgreSQL slot decodes WAL)
POLL_SECONDS = (0.1, 1.0)
MAX_RETRIES = 6
#: the parameter a PostgreSQL error's CONTEXT names (``unnamed portal parameter $14 = '...'``)
_PARAMETER = re.compile(r"parameter \$(\d+)")


class ChangeSource(Protocol):
    """What the applier needs from a source reader (PostgreSQL, MySQL, Oracle)."""

    kind: str

    def open(self, resume: Position | None) -> Position:
        """Connect and check; resume after ``resume`` (the checkpoint) or from the recorded start.
        Returns the position the stream starts from."""

    def read(self, max_changes: int) -> Iterator[Event]:
        """Events after the last released position, whole transactions, about ``max_changes`` changes."""

    def release(self, position: Position) -> None:
        """The target has committed everything up to ``position``: the source may forget it."""

    def lag(self, position: Position) -> tuple[int | None, int | None]:
        """(bytes, events) the source is ahead of ``position``; ``None`` where unknown."""

    def close(self) -> None:
        """Close connections."""


@dataclass
class TargetTable:
    """One target table: quoted name, columns written in order, primary key, source→target column names;
    ``generated`` holds the (target) columns the target computes, which a change image carries but the
    applier never writes."""

    name: str
    ident: sql.Identifier
    columns: list[str]
    key: list[str]
    _map: dict[str, str] = field(default_factory=dict)
    naming: Naming = field(default_factory=Naming)
    column_set: frozenset[str] = frozenset()
    generated: frozenset[str] = frozenset()
    all_columns: tuple[str, ...] = field(init=False)
    #: the primary-key values of a row image, always as a tuple
    key_of: Callable[[Row], tuple[str | None, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.all_columns = tuple(self.columns)
        if len(self.key) == 1:
            only = self.key[0]
            self.key_of = lambda row: (row[only],)
        else:
            self.key_of = itemgetter(*self.key)

    def column(self, source_name: str, source_table: str) -> str:
        """The target column of a source column, by the naming rule (roachlift.naming)."""
        found = self._map.get(source_name)
        if found is None:
            mapped = self.naming.name(source_name)
            if mapped in self.column_set:
                found = self._map[source_name] = mapped
        if found is None:
            raise SchemaChangedError(
                f"source table {source_table} changed mid-stream: column {source_name!r} (target name "
                f"{self.naming.name(source_name)!r}, naming: {self.naming.rule}) is not in target "
                f"table {self.name} (target columns: {', '.join(self.columns)}). Apply the same DDL to the "
                "target (or redo the dump and load of this table), then restart `roachlift cdc`."
            )
        return found


class TargetCatalog:
    """Resolves source tables to target tables by the naming rule (roachlift.naming), cached."""

    def __init__(self, conn: psycopg.Connection, schema: str, naming: Naming | None = None) -> None:
        self.conn = conn
        self.schema = schema
        self.naming = naming or Naming(target_schema=schema)
        self._tables: dict[str, TargetTable] = {}
        self.sql_cache: dict[tuple[Any, ...], bytes] = {}
        self._by_name: dict[str, TargetTable] = {}
        self._fk: FkGraph | None = None

    def fk_graph(self) -> FkGraph:
        """The target schema's foreign keys between its own tables (read once per applier run)."""
        if self._fk is None:
            rows = self.conn.execute(st.foreign_keys_query(), {"schema": self.schema}).fetchall()
            self._fk = FkGraph.build((r[2], r[4]) for r in rows if r[3] == self.schema)
        return self._fk

    def table(self, source_table: str) -> TargetTable:
        """The target table of ``source_table`` (``schema.name`` or ``name``)."""
        hit = self._tables.get(source_table)
        if hit is not None:
            return hit
        short = source_table.rsplit(".", 1)[-1]
        name = self.naming.name(short)
        rows = self.conn.execute(st.target_columns(), {"schema": self.schema, "table": name}).fetchall()
        if not rows:
            raise CdcError(
                f"source table {source_table} has changes but no target table {self.schema}.{name} exists "
                f"(naming: {self.naming.rule}): load it first, or exclude it in the spec (source.exclude)"
            )
        columns = [r[0] for r in rows if not r[3]]
        generated = frozenset(r[0] for r in rows if r[3])
        key = [r[0] for r in sorted((r for r in rows if r[2]), key=lambda r: r[2])]
        if not key:
            raise CdcError(
                f"target table {self.schema}.{name} has no primary key: changes of {source_table} cannot be "
                "applied row by row; give the target table a primary key"
            )
        ident = sql.Identifier(self.schema, name)
        table = TargetTable(name, ident, columns, key, {}, self.naming, frozenset(columns), generated)
        log.info("CDC %s", self.naming.label(source_table))
        self._tables[source_table] = table
        self._by_name[name] = table
        return table

    def by_name(self, name: str) -> TargetTable:
        """A table already resolved, by its target name."""
        return self._by_name[name]


_DELETED = None


class BatchApplier:
    """Coalesces changes and writes them with multi-row statements on one open target transaction."""

    #: write every flush in source order (the benchmark measures what that fallback costs)
    always_source_order = False

    def __init__(
        self,
        conn: psycopg.Connection,
        catalog: TargetCatalog,
        target: Target,
        touched: dict[str, set[tuple[str | None, ...]] | None] | None = None,
    ) -> None:
        self.conn = conn
        self.catalog = catalog
        self.target = target
        #: target table -> primary keys written (``None``: the whole table, after a TRUNCATE);
        #: only kept when asked for (the cutover's final verify re-reads just these rows)
        self.touched = touched
        self.pending: dict[str, dict[tuple[str | None, ...], Row | None]] = {}
        self.n_pending = 0
        self.per_table: dict[str, dict[str, int]] = {}
        self.raw = psycopg.RawCursor(conn)  # $n statements, no client-side query parsing
        #: what is pending, uncoalesced, in source order: (table, kind, key, row) with kind "U"
        #: (upsert ``row``), "D" (delete ``key``) or "K" (primary-key change: ``key`` is the old key)
        self.journal: list[tuple[TargetTable, str, tuple[str | None, ...], Row | None]] = []
        #: flushes written in source order because the reordered form was rejected (or FK cycles)
        self.source_order_flushes = 0
        #: consecutive truncates (whole table, or a partition's rows: the condition), written together
        self.truncates: list[tuple[TargetTable, str | None]] = []

    # --- intake ------------------------------------------------------------------------------------
    def _target_row(self, table: TargetTable, change: Change, image: Row) -> Row:
        """``image`` with target column names. Images are never modified here (merges build new
        dicts), so the common case of equal names needs no copy."""
        if image.keys() <= table.column_set:  # same names on both sides: the common case
            return image
        gen = table.generated
        if not gen:
            return {table.column(k, change.table): v for k, v in image.items()}
        naming = table.naming
        return {
            table.column(k, change.table): v
            for k, v in image.items()
            if k not in gen and naming.name(k) not in gen
        }

    def _key(self, table: TargetTable, row: Row, change: Change) -> tuple[str | None, ...]:
        try:
            return table.key_of(row)
        except KeyError as exc:
            raise CdcError(
                f"a {change.op.name} change of {change.table} carries no value for key column "
                f"{exc.args[0]!r} "
                "of the target table: the source must log the old key (PostgreSQL: a primary key or "
                f"ALTER TABLE {change.table} REPLICA IDENTITY FULL; MySQL: binlog_row_image=FULL)"
            ) from None

    def add(self, change: Change) -> None:
        """Take one change into the batch (writing what is pending once it is large)."""
        self._add(change)
        if self.n_pending >= FLUSH_ROWS or len(self.journal) >= FLUSH_ROWS:
            self.flush()

    def _add(self, change: Change) -> None:
        counts = self.per_table.get(change.table)
        if counts is None:
            counts = self.per_table[change.table] = {"I": 0, "U": 0, "D": 0, "T": 0}
        counts[change.op] += 1
        table = self.catalog.table(change.table)
        if change.op is Op.TRUNCATE:
            if not self.truncates:
                self.flush()
            self.truncates.append((table, change.where))
            if self.touched is not None:
                self.touched[table.name] = None
            return
        if self.truncates:
            self._write_truncates()
        ops = self.pending.setdefault(table.name, {})
        if change.op is Op.INSERT:
            assert change.new is not None
            row = self._target_row(table, change, change.new)
            if len(row) != len(table.columns):
                missing = [c for c in table.columns if c not in row]
                raise SchemaChangedError(
                    f"source table {change.table} changed mid-stream: an INSERT has no column(s) "
                    f"{', '.join(missing)} that target table {table.name} has. Apply the same DDL to the "
                    "target (or redo the dump and load of this table), then restart `roachlift cdc`."
                )
            key = self._key(table, row, change)
            self.journal.append((table, "U", key, row))
            self._put(ops, key, row)
        elif change.op is Op.DELETE:
            assert change.old_key is not None
            old = self._target_row(table, change, change.old_key)
            key = self._key(table, old, change)
            self.journal.append((table, "D", key, None))
            self._put(ops, key, _DELETED)
        else:
            assert change.new is not None
            row = self._target_row(table, change, change.new)
            new_key = self._key(table, row, change)
            old_key = new_key
            if change.old_key is not None:
                old = self._target_row(table, change, change.old_key)
                if all(k in old for k in table.key):
                    old_key = self._key(table, old, change)
            if old_key == new_key:
                self.journal.append((table, "U", new_key, row))
                pending = ops.get(new_key)
                if pending is not None:
                    # unchanged (TOAST) columns keep the pending values; the row keeps its place
                    ops[new_key] = {**pending, **row} if len(row) < len(table.columns) else row
                else:
                    self._put(ops, new_key, row)
                return
            # primary-key change: the old row goes, the new one comes
            self.journal.append((table, "K", old_key, row))
            before = ops.get(old_key)
            if len(row) < len(table.columns) and before is not None:
                row = {**before, **row}
            if len(row) < len(table.columns):
                self._move(table, row, old_key, change)
                return
            self._put(ops, old_key, _DELETED)
            self._put(ops, new_key, row)

    def _put(
        self, ops: dict[tuple[str | None, ...], Row | None], key: tuple[str | None, ...], row: Row | None
    ) -> None:
        if key in ops:
            del ops[key]  # keep first-seen order meaningful: re-insert at the end
        else:
            self.n_pending += 1
        ops[key] = row

    def _move(self, table: TargetTable, row: Row, old_key: tuple[str | None, ...], change: Change) -> None:
        """A key change whose image lacks unchanged columns: copy them from the old row, then delete it."""
        self.journal.pop()  # applied right here, after what is pending
        self.flush()
        given = [c for c in table.columns if c in row]
        copied = [c for c in table.columns if c not in row]
        cur = self.raw.execute(
            st.insert_moved_row(table.ident, given, copied, table.key), [*(row[c] for c in given), *old_key]
        )
        if cur.rowcount != 1:
            raise CdcError(
                f"{change.table}: the primary key of a row changed, but its old row (key {old_key}) "
                f"is not in "
                f"target table {table.name}, so its unchanged large values cannot be carried over"
            )
        self.raw.execute(st.delete_keys(table.ident, table.key, 1), list(old_key))
        if self.touched is not None:
            keys = self.touched.setdefault(table.name, set())
            if keys is not None:
                keys.update((old_key, table.key_of(row)))

    # --- output ------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything pending in an order the target's constraints accept (see the module
        docstring): reordered and coalesced inside a savepoint, else again in source order."""
        if self.truncates:
            self._write_truncates()
        if not self.n_pending:
            return
        if self.touched is not None:
            for name, ops in self.pending.items():
                keys = self.touched.setdefault(name, set())
                if keys is not None:
                    keys.update(ops)
        graph = self.catalog.fk_graph()
        names = list(self.pending)
        try:
            if self.always_source_order or graph.cyclic.intersection(names):
                self._write_in_source_order(None)
            else:
                try:
                    # a savepoint: a constraint the reordered form breaks costs only this flush.
                    # CockroachDB: "Error recovery in nested transactions with ROLLBACK TO SAVEPOINT"
                    # (https://www.cockroachlabs.com/docs/stable/savepoint)
                    with self.conn.transaction(), self.conn.pipeline():
                        self._write_reordered(graph, names)
                except psycopg.errors.IntegrityError as exc:
                    self._write_in_source_order(exc)
        except psycopg.errors.SerializationFailure:
            raise  # retried by the caller
        except CdcError:
            raise
        except psycopg.Error as exc:
            # the reordered writes ran in a savepoint, rolled back: find the row the target rejects
            located = self._locate(exc, graph, names)
            if located is not None:
                raise located from None
            raise CdcError(
                f"applying a batch to target table(s) {', '.join(names)} failed: {exc}".strip()
            ) from None
        self.pending.clear()
        self.journal.clear()
        self.n_pending = 0

    def _write_truncates(self) -> None:
        """Consecutive truncates at once, children first (a source ``TRUNCATE parent, child`` arrives
        parent first); a partition's truncate deletes only the rows inside its bounds."""
        graph = self.catalog.fk_graph()
        items, self.truncates = self.truncates, []
        whole = list(dict.fromkeys(t.name for t, where in items if where is None))
        names = set(whole)
        closed = all(
            child in names for child, parents in graph.parents.items() for p in parents if p in names
        )
        statements = self.target.truncate_tables(
            [self.catalog.by_name(n).ident for n in reversed(graph.parents_first(whole))],
            closed,
        )
        parts = sorted(
            ((t, w) for t, w in items if w is not None), key=lambda i: -graph.rank.get(i[0].name, 0)
        )
        statements += [st.cdc_delete_where(t.ident, w) for t, w in parts]
        try:
            for statement in statements:
                self.conn.execute(statement)
        except psycopg.errors.SerializationFailure:
            raise
        except psycopg.Error as exc:
            tables = ", ".join(dict.fromkeys(t.name for t, _ in items))
            raise CdcError(
                f"the source truncated {tables}, but the target rejects it ({exc.sqlstate}: "
                f"{str(exc).strip()}). If a table outside the truncate still references its rows on the "
                "target, make the target's foreign keys match the source's; then restart `roachlift cdc` "
                "(nothing of this batch was applied)."
            ) from None

    def _write_reordered(self, graph: FkGraph, names: list[str]) -> None:
        order = graph.parents_first(names)
        for name in order:
            if name not in graph.referenced:
                self._write_deletes(self.catalog.by_name(name), self.pending[name])
        for name in order:
            self._write_upserts(self.catalog.by_name(name), self.pending[name])
        for name in reversed(order):
            if name in graph.referenced:
                self._write_deletes(self.catalog.by_name(name), self.pending[name])

    def _locate(self, exc: psycopg.Error, graph: FkGraph, names: list[str]) -> CdcError | None:
        """The error naming the pending row the target rejects with ``exc``'s SQLSTATE, or ``None``.

        The batch's writes are replayed in the reordered form inside a savepoint that is always
        rolled back: each table's rows at once in a nested savepoint, and the rows of the table that
        fails with that SQLSTATE one at a time (a savepoint each) until one fails the same way. Only
        runs when a batch failed, so its cost (a savepoint per row of one table) never slows a good
        batch."""
        order = graph.parents_first(names)
        steps = [(n, "D") for n in order if n not in graph.referenced]
        steps += [(n, "U") for n in order]
        steps += [(n, "D") for n in reversed(order) if n in graph.referenced]
        try:
            with self.conn.transaction(force_rollback=True):
                for name, kind in steps:
                    table = self.catalog.by_name(name)
                    ops = {k: r for k, r in self.pending[name].items() if (r is None) == (kind == "D")}
                    if not ops:
                        continue
                    err = self._try_write(table, kind, ops)
                    if err is None:
                        continue
                    if err.sqlstate != exc.sqlstate:
                        return None  # another failure (this table's rows depend on what failed)
                    for key, row in ops.items():
                        one = self._try_write(table, kind, {key: row})
                        if one is not None and one.sqlstate == exc.sqlstate:
                            return self._rejected(table, kind, key, row, one)
                    return None
        except psycopg.errors.SerializationFailure:
            raise
        except psycopg.Error as search:
            log.warning("could not find the row the target rejects (%s)", str(search).strip())
        return None

    def _try_write(
        self, table: TargetTable, kind: str, ops: dict[tuple[str | None, ...], Row | None]
    ) -> psycopg.Error | None:
        """Write ``ops`` (deletes or upserts) in a savepoint; the error when the target rejects them."""
        try:
            with self.conn.transaction():
                if kind == "D":
                    self._write_deletes(table, ops)
                else:
                    self._write_upserts(table, ops)
        except psycopg.errors.SerializationFailure:
            raise
        except psycopg.Error as err:
            return err
        return None

    def _rejected(
        self, table: TargetTable, kind: str, key: tuple[str | None, ...], row: Row | None, err: psycopg.Error
    ) -> CdcError:
        """The stop for one row the target rejects: table, column (when the server says which
        parameter or column) and key; the server's own message without the statement's parameters."""
        diag = err.diag
        column = diag.column_name
        if not column:
            # PostgreSQL: CONTEXT "unnamed portal parameter $N = '...'" of the one-row statement,
            # whose parameters are the row's columns in the order _write_upserts sends them
            found = _PARAMETER.search(diag.context or "")
            if found:
                full = table.all_columns
                cols = (
                    table.key
                    if kind == "D"
                    else [c for c in full if row is not None and (len(row) == len(full) or c in row)]
                )
                n = int(found.group(1)) - 1
                column = cols[n] if 0 <= n < len(cols) else None
        where = f", column {column}" if column else ""
        keys = ", ".join(f"{c}={v}" for c, v in zip(table.key, key, strict=True))
        what = "a DELETE of" if kind == "D" else "the row"
        reason = (diag.message_primary or str(err).splitlines()[0]).strip()
        if diag.message_detail:
            reason += f" ({diag.message_detail.strip()})"
        return CdcError(
            f"target table {table.name} rejects {what} with key {keys}{where} ({err.sqlstate}: {reason}). "
            "Correct the value on the source (or the target column's type), then restart `roachlift cdc` "
            "(nothing of this batch was applied and the checkpoint did not move)."
        )

    def _write_in_source_order(self, why: psycopg.Error | None) -> None:
        """The journal, uncoalesced, as runs of consecutive changes of one table, kind and column set;
        a run ends before a key it already holds, so no intermediate state of a row is skipped."""
        self.source_order_flushes += 1
        if why is not None:
            diag = why.diag
            log.info(
                "the target rejected the reordered batch (%s on %s: %s); writing %d changes in source order",
                why.sqlstate,
                diag.table_name,
                diag.constraint_name,
                len(self.journal),
            )
        run: list[tuple[TargetTable, str, tuple[str | None, ...], Row | None]] = []
        seen: set[tuple[str | None, ...]] = set()
        shape: tuple[Any, ...] | None = None
        for entry in self.journal:
            table, kind, key, row = entry
            entry_shape = (table.name, kind, tuple(row) if kind == "U" and row is not None else None)
            if entry_shape != shape or key in seen or kind == "K":
                self._write_run(run)
                run = []
                seen = set()
                shape = entry_shape
            run.append(entry)
            seen.add(key)
        self._write_run(run)

    def _write_run(self, run: list[tuple[TargetTable, str, tuple[str | None, ...], Row | None]]) -> None:
        if not run:
            return
        table, kind, _, first = run[0]
        try:
            if kind == "D":
                self._write_deletes(table, {k: None for _, _, k, _ in run})
            elif kind == "U":
                self._write_upserts(table, {k: r for _, _, k, r in run})
            else:
                assert first is not None
                cols = [c for c in table.columns if c in first]
                query = self._sql(
                    ("K", table.name, tuple(cols)), partial(st.update_row, table.ident, cols, table.key)
                )
                self.raw.execute(query, [*(first[c] for c in cols), *run[0][2]])
        except psycopg.errors.SerializationFailure:
            raise
        except psycopg.Error as exc:
            what = {"D": "DELETE", "U": "UPSERT", "K": "primary-key UPDATE"}[kind]
            keys = ", ".join(str(k) for _, _, k, _ in run[:3]) + (" ..." if len(run) > 3 else "")
            raise CdcError(
                f"target table {table.name} rejects a {what} of key(s) {keys} even in source order "
                f"({exc.sqlstate}: {str(exc).strip()}). The target's constraints differ from the source's "
                "(e.g. a constraint DEFERRABLE on the source, or a parent table excluded from the "
                "migration): make them match, then restart `roachlift cdc` (nothing of this batch was "
                "applied and the checkpoint did not move)."
            ) from None

    def _sql(self, key: tuple[Any, ...], build: Callable[[], sql.Composed]) -> bytes:
        """Statement text, built once per shape (composing SQL costs more than running it)."""
        text = self.catalog.sql_cache.get(key)
        if text is None:
            text = self.catalog.sql_cache[key] = build().as_bytes(self.conn)
        return text

    def _write_deletes(self, table: TargetTable, ops: dict[tuple[str | None, ...], Row | None]) -> None:
        keys = [k for k, v in ops.items() if v is None]
        step = max(1, min(MAX_ROWS_PER_STATEMENT, MAX_PARAMS // len(table.key)))
        i = 0
        for size in chunk_sizes(len(keys), step):
            chunk = keys[i : i + size]
            i += size
            query = self._sql(("D", table.name, size), partial(st.delete_keys, table.ident, table.key, size))
            self.raw.execute(query, list(chain.from_iterable(chunk)), prepare=True)

    def _write_upserts(self, table: TargetTable, ops: dict[tuple[str | None, ...], Row | None]) -> None:
        groups: dict[tuple[str, ...], list[Row]] = {}
        full = table.all_columns
        n_columns = len(full)
        for row in ops.values():
            if row is not None:
                # a row's names are target columns: as many means all of them
                cols = full if len(row) == n_columns else tuple(c for c in full if c in row)
                group = groups.get(cols)
                if group is None:
                    group = groups[cols] = []
                group.append(row)
        for cols, rows in groups.items():
            values = itemgetter(*cols)
            whole_row = len(cols) == len(table.columns)
            step = max(1, min(MAX_ROWS_PER_STATEMENT, MAX_PARAMS // len(cols)))
            i = 0
            for size in chunk_sizes(len(rows), step):
                chunk = rows[i : i + size]
                i += size
                query = self._sql(
                    ("U", whole_row, table.name, cols, size),
                    partial(self.target.upsert_rows, table.ident, cols, table.key, size, whole_row=whole_row),
                )
                params = (
                    list(chain.from_iterable(map(values, chunk)))
                    if len(cols) > 1
                    else [r[cols[0]] for r in chunk]
                )
                self.raw.execute(query, params, prepare=True)


def chunk_sizes(total: int, step: int) -> Iterator[int]:
    """Full chunks of ``step``, then the rest in powers of two: few distinct statement shapes, so the
    target can keep them prepared."""
    full, rest = divmod(total, step)
    yield from [step] * full
    bit = 1 << max(0, rest.bit_length() - 1)
    while rest:
        if rest & bit:
            yield bit
            rest -= bit
        bit >>= 1


def run_applier(
    source: ChangeSource,
    target_dsn: str,
    *,
    migration: str,
    until_caught_up: bool = True,
    max_seconds: float | None = None,
    batch_changes: int = 5_000,
    dialect: TargetDialect | str = TargetDialect.POSTGRES,
    target_schema: str = "public",
    lag_threshold_seconds: float | None = None,
    naming: Naming | None = None,
    track_keys: bool = False,
) -> ApplyStats:
    """Apply source changes to the target; one bounded run (a sensor poke, a CLI call).

    Stops when the source has nothing more (``until_caught_up``), or after ``max_seconds``; with
    neither it keeps polling. Each batch holds whole source transactions and about ``batch_changes``
    changes. With ``lag_threshold_seconds`` the checkpoint remembers since when lag has stayed under
    it (``ApplyStats.caught_up_for_seconds``), so a rescheduled sensor needs no state of its own.
    ``track_keys`` keeps the primary keys written per target table in ``ApplyStats.touched``.
    """
    started = time.monotonic()
    target = target_for(dialect)
    stats = ApplyStats()
    if track_keys:
        stats.touched = {}
    last_commit_time: dt.datetime | None = None
    with psycopg.connect(target_dsn, autocommit=True) as conn:
        conn.execute(st.session_time_zone_utc())
        checkpoint.ensure_table(conn, target_schema)
        saved = checkpoint.read(conn, migration, target_schema)
        if saved is not None and saved.source_kind != source.kind:
            raise CdcError(
                f"migration {migration!r} has a {saved.source_kind} checkpoint on the target, "
                f"but the source is {source.kind}"
            )
        try:
            position = source.open(saved.position if saved else None)
            if saved is None:
                with conn.transaction():
                    checkpoint.write(conn, migration, source.kind, position, None, 0, 0, target_schema)
            else:
                last_commit_time = saved.commit_time
            stats.position = position
            catalog = TargetCatalog(conn, target_schema, naming)
            stream = _Stream(source, batch_changes)
            idle_sleep = POLL_SECONDS[0]
            while True:
                batch_start = time.monotonic()
                try:
                    n_changes, n_txns, last, exhausted = _apply_batch_retrying(
                        conn, catalog, stream, target, batch_changes, migration, stats
                    )
                except SchemaChangedError as exc:
                    stream.reset()
                    # apply the whole transactions before the one that shows the change, then stop
                    if exc.txns_before:
                        _, _, last, _ = _apply_batch(
                            conn, catalog, stream, target, batch_changes, migration, stats, exc.txns_before
                        )
                        if last is not None:
                            source.release(last.position)
                    raise
                except BaseException:
                    stream.reset()
                    raise
                if last is not None:
                    source.release(last.position)
                    position = last.position
                    stats.position = position
                    last_commit_time = last.commit_time or last_commit_time
                    if last.commit_time is not None:  # how long the source commit waited for us
                        waited = (dt.datetime.now(dt.UTC) - last.commit_time).total_seconds()
                        stats.max_lag_seconds = max(stats.max_lag_seconds, waited)
                    stats.changes += n_changes
                    stats.txns += n_txns
                    stats.batches += 1
                    log.debug(
                        "batch: %d changes, %d txns in %.3fs",
                        n_changes,
                        n_txns,
                        time.monotonic() - batch_start,
                    )
                caught_up = last is None and exhausted
                stats.caught_up = caught_up
                elapsed = time.monotonic() - started
                if max_seconds is not None and elapsed >= max_seconds:
                    stream.reset()
                    break
                if caught_up:
                    if until_caught_up:
                        break
                    if max_seconds is not None:
                        idle_sleep = min(idle_sleep, max(0.0, max_seconds - elapsed))
                    time.sleep(idle_sleep)
                    idle_sleep = min(POLL_SECONDS[1], idle_sleep * 2)
                else:
                    idle_sleep = POLL_SECONDS[0]
            stats.lag_bytes, stats.lag_events = source.lag(position)
        finally:
            source.close()
        if stats.caught_up:
            stats.lag_seconds = 0.0
        elif last_commit_time is not None:
            stats.lag_seconds = max(0.0, (dt.datetime.now(dt.UTC) - last_commit_time).total_seconds())
        if lag_threshold_seconds is not None:
            under = stats.lag_seconds is not None and stats.lag_seconds <= lag_threshold_seconds
            stats.caught_up_for_seconds = checkpoint.mark_caught_up(conn, migration, under, target_schema)
    stats.elapsed_s = time.monotonic() - started
    log.info("cdc %s: %s", migration, stats.summary())
    return stats


class _Stream:
    """The source's events, read ahead over several batches (``source.read_ahead`` x batch size: one
    PostgreSQL peek decodes the WAL once for many batches); re-opened from the last released position
    after a failure or when used up."""

    def __init__(self, source: ChangeSource, batch_changes: int) -> None:
        self.source = source
        self.size = batch_changes * int(getattr(source, "read_ahead", 1))
        self.events: Iterator[Event] | None = None

    def current(self) -> Iterator[Event]:
        """The open stream, or a new one."""
        if self.events is None:
            self.events = iter(self.source.read(self.size))
        return self.events

    def for_batch(self) -> Iterator[Event]:
        """The events of the next batch. A read-ahead window used up exactly at the end of the last
        batch is not the end of the source: read again (the last batch is released by now), so
        ``exhausted`` means the source had nothing more, not that a window ended."""
        fresh = self.events is None
        events = self.current()
        first = next(events, None)
        if first is None and not fresh:
            self.reset()
            events = self.current()
            first = next(events, None)
        return events if first is None else chain((first,), events)

    def reset(self) -> None:
        """Drop what is buffered: the next batch reads again from the released position."""
        if self.events is not None:
            with contextlib.suppress(Exception):
                self.events.close()  # type: ignore[attr-defined]
        self.events = None


def _apply_batch_retrying(
    conn: psycopg.Connection,
    catalog: TargetCatalog,
    stream: _Stream,
    target: Target,
    batch_changes: int,
    migration: str,
    stats: ApplyStats,
) -> tuple[int, int, Commit | None, bool]:
    """:func:`_apply_batch`, retried on a serialization failure (SQLSTATE 40001) with exponential
    backoff, as CockroachDB asks of clients (st.DOC_TXN_RETRY); nothing was released, so the retry
    re-reads the same source transactions."""
    for attempt in range(MAX_RETRIES):
        try:
            return _apply_batch(conn, catalog, stream, target, batch_changes, migration, stats)
        except psycopg.errors.SerializationFailure as exc:
            stream.reset()
            if attempt == MAX_RETRIES - 1:
                msg = f"the target aborted the batch {MAX_RETRIES} times ({exc.sqlstate}): {exc}"
                raise CdcError(msg.strip()) from None
            log.warning("target asked to retry the batch (%s); attempt %d", exc.sqlstate, attempt + 2)
            time.sleep(min(5.0, 0.1 * 2**attempt))
    raise AssertionError("unreachable")


def _apply_batch(
    conn: psycopg.Connection,
    catalog: TargetCatalog,
    stream: _Stream,
    target: Target,
    batch_changes: int,
    migration: str,
    stats: ApplyStats,
    max_txns: int | None = None,
) -> tuple[int, int, Commit | None, bool]:
    """Apply the next batch in one target transaction, checkpoint included; also says whether the
    stream was used up."""
    n_changes = n_txns = in_txn = 0
    last: Commit | None = None
    exhausted = True
    applier = BatchApplier(conn, catalog, target, stats.touched)
    source = stream.source
    with conn.transaction():
        try:
            for event in stream.for_batch():
                if isinstance(event, Change):
                    applier.add(event)
                    in_txn += 1
                    continue
                last = event
                n_txns += 1
                n_changes += in_txn
                in_txn = 0
                if n_changes >= batch_changes or (max_txns is not None and n_txns >= max_txns):
                    exhausted = False
                    break
        except SchemaChangedError as exc:
            exc.txns_before = n_txns  # the whole transactions read before the change of shape
            raise
        if in_txn:
            raise CdcError(
                f"the {source.kind} change stream ended inside a source transaction; "
                "this batch was not applied"
            )
        if last is not None:
            applier.flush()
            checkpoint.write(
                conn,
                migration,
                source.kind,
                last.position,
                last.commit_time,
                n_changes,
                n_txns,
                catalog.schema,
            )
    if exhausted:
        stream.reset()
    stats.source_order_flushes += applier.source_order_flushes
    for table, counts in applier.per_table.items():
        total = stats.per_table.setdefault(table, {"I": 0, "U": 0, "D": 0, "T": 0})
        for op, n in counts.items():
            total[op] += n
    return n_changes, n_txns, last, exhausted
