"""MySQL/MariaDB source: the row-based binlog, read with mysql-replication from a recorded position.

The stream starts at the dump's ``{"binlog_file", "binlog_pos"}`` (``snapshot.json``) or, once the
target holds a checkpoint, at the position after the last applied transaction. A transaction ends at
its ``XID`` event (InnoDB) or a ``COMMIT`` query (non-transactional engines); that event's end is the
position recorded. Query events are parsed with sqlglot to tell table DDL from the rest: ``TRUNCATE``
becomes a truncate change of each table it names; ``CREATE``/``ALTER``/``DROP``/``RENAME`` of a table
in scope (every table of ``DROP TABLE a, b``) stops the stream with a clear message; indexes, views,
triggers, routines, users and grants do not change the rows and are let through. Column names and
text charsets come from the binlog's optional metadata (``binlog_row_metadata=FULL``) or, failing
that, from ``information_schema`` (read when the table's map event arrives, so a latin1 column is
decoded as latin1). TIMESTAMP values are instants: they are sent as UTC with an explicit offset.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pymysql
import sqlglot
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.constants import FIELD_TYPE, NONE_SOURCE
from pymysqlreplication.event import MariadbGtidEvent, QueryEvent, RotateEvent, XidEvent
from pymysqlreplication.row_event import DeleteRowsEvent, TableMapEvent, UpdateRowsEvent, WriteRowsEvent
from sqlglot import exp

from roachlift import geometry
from roachlift.cdc.model import CdcError, Change, Commit, Event, Op, Position, SchemaChangedError, convert_row
from roachlift.config.connections import ConnInfo
from roachlift.paths import sql_text
from roachlift.values import DEFAULT_RULES, ValueRules, apply_binlog_rules

log = logging.getLogger(__name__)

_TX_CONTROL = {"BEGIN", "COMMIT", "XA START", "XA END", "XA PREPARE", "XA COMMIT"}
#: statements sqlglot cannot parse (it falls back to a bare command): only these name tables
_TABLE_COMMAND = re.compile(
    r"^\s*(?:/\*.*?\*/\s*)*(ALTER|RENAME)\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_NAME = re.compile(r"`(?:[^`]|``)+`(?:\.`(?:[^`]|``)+`|\.\w+)?|\w+(?:\.`(?:[^`]|``)+`|\.\w+)?")
_DDL_VERBS = {exp.Create: "CREATE", exp.Alter: "ALTER", exp.Drop: "DROP"}
_TIMESTAMP_TYPES = {FIELD_TYPE.TIMESTAMP, FIELD_TYPE.TIMESTAMP2}
#: mysql-replication's record of why a value is None, per row image
_NONE_SOURCES = {
    "values": "none_sources",
    "before_values": "before_none_sources",
    "after_values": "after_none_sources",
}


def _qualified(table: exp.Table, default_schema: str) -> str:
    return f"{table.db or default_schema}.{table.name}"


def _split_name(text: str, default_schema: str) -> str:
    parts = [
        p[1:-1].replace("``", "`") if p.startswith("`") else p
        for p in re.findall(r"`(?:[^`]|``)+`|\w+", text)
    ]
    return f"{parts[0]}.{parts[1]}" if len(parts) == 2 else f"{default_schema}.{parts[0]}"


def table_ddl(query: str, default_schema: str) -> tuple[str, list[str]] | None:
    """``(verb, [schema.table, ...])`` when ``query`` is DDL that changes tables (every table it
    names), else ``None`` (DML, indexes, views, triggers, routines, users, grants, databases)."""
    sqlglot_log = logging.getLogger("sqlglot")
    level = sqlglot_log.level
    sqlglot_log.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is expected here
    try:
        tree = sqlglot.parse_one(query, read="mysql")
    except sqlglot.errors.SqlglotError:
        tree = None
    finally:
        sqlglot_log.setLevel(level)
    if isinstance(tree, exp.TruncateTable):
        return "TRUNCATE", [
            _qualified(t, default_schema) for t in tree.expressions if isinstance(t, exp.Table)
        ]
    for kind, verb in _DDL_VERBS.items():
        if isinstance(tree, kind):
            if str(tree.args.get("kind") or "").upper() != "TABLE" or tree.args.get("temporary"):
                return None
            if isinstance(tree, exp.Drop):
                tables = [*(tree.args.get("tables") or []), tree.this, *tree.expressions]
            else:
                tables = [tree.this.this if isinstance(tree.this, exp.Schema) else tree.this]
                if isinstance(tree, exp.Alter):  # ALTER TABLE a RENAME TO b names b too
                    tables += [
                        a.this for a in tree.args.get("actions") or [] if isinstance(a, exp.AlterRename)
                    ]
            return verb, [_qualified(t, default_schema) for t in tables if isinstance(t, exp.Table)]
    if tree is None or isinstance(tree, exp.Command):
        m = _TABLE_COMMAND.match(query)
        if m:
            verb, rest = m.group(1).upper(), m.group(2)
            if verb == "RENAME":  # RENAME TABLE a TO b, c TO d
                names = [n for n in _NAME.findall(rest) if n.upper() != "TO"]
            else:
                names = _NAME.findall(rest)[:1]
            return verb, [_split_name(n, default_schema) for n in names]
    return None


def _server_id() -> int:
    """A replica id unlikely to clash with other readers (1 is usually the server itself)."""
    return 1_000_000 + os.getpid() % 1_000_000


class MySQLSource:
    """Reads the binlog from a recorded position; see the module docstring."""

    kind = "mysql"
    #: Zero dates and NUL characters follow the spec's rules (set by the caller; default: reject).
    value_rules: ValueRules = DEFAULT_RULES

    def __init__(
        self,
        connection: ConnInfo | dict[str, Any],
        start: Position | None = None,
        *,
        schemas: list[str] | None = None,
        wants: Callable[[str], bool] | None = None,
        server_id: int | None = None,
    ) -> None:
        if isinstance(connection, ConnInfo):
            kw: dict[str, Any] = connection.mysql_kwargs()
        else:
            kw = dict(connection)
        self.settings = {k: v for k, v in kw.items() if k in {"host", "port", "user", "password"}}
        self.settings.setdefault("password", "")
        self.schemas = list(schemas or ([str(kw["database"])] if kw.get("database") else []))
        if not self.schemas:
            raise CdcError("no MySQL schema to follow: set source.schemas in the spec")
        self.start = start
        self.wants = wants or (lambda _t: True)
        self.server_id = server_id or _server_id()
        self.position: Position | None = None
        self.names_from_metadata = True
        self.conn: pymysql.connections.Connection[Any] | None = None
        #: (schema, table) → charset of each column from information_schema (no binlog metadata)
        self._charsets: dict[tuple[str, str], list[str | None]] = {}

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        assert self.conn is not None
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    def open(self, resume: Position | None) -> Position:
        """Connect, check the binlog settings, and choose the start position."""
        try:
            self.conn = pymysql.connect(**self.settings, autocommit=True)
        except pymysql.MySQLError as exc:
            raise CdcError(f"cannot connect to the MySQL source: {exc}") from None
        (fmt, image, metadata) = self._query(
            "SELECT @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image, @@GLOBAL.binlog_row_metadata"
        )[0]
        if str(fmt).upper() != "ROW":
            raise CdcError(f"the source binlog_format is {fmt}: set binlog_format=ROW for change capture")
        if str(image).upper() != "FULL":
            raise CdcError(
                f"the source binlog_row_image is {image}: set binlog_row_image=FULL for change capture"
            )
        self.names_from_metadata = str(metadata).upper() == "FULL"
        if not self.names_from_metadata:
            log.warning(
                "binlog_row_metadata is %s: column names come from information_schema, so a column added "
                "or dropped mid-stream is caught only by its count; set binlog_row_metadata=FULL",
                metadata,
            )
        start = resume or self.start
        if start is None:
            raise CdcError(
                "no binlog start position: give the dump's snapshot.json (binlog_file, binlog_pos) "
                "or run the dump step first"
            )
        self.position = {"binlog_file": str(start["binlog_file"]), "binlog_pos": int(start["binlog_pos"])}
        files = {r[0] for r in self._query("SHOW BINARY LOGS")}
        if self.position["binlog_file"] not in files:
            raise CdcError(
                f"binlog file {self.position['binlog_file']} is gone from the source (purged?): "
                "the change stream cannot resume; redo the dump and load"
            )
        return dict(self.position)

    def read(self, max_changes: int) -> Iterator[Event]:
        """Row changes and commits from the current position to the end of the binlog."""
        assert self.position is not None
        stream = BinLogStreamReader(
            connection_settings=self.settings,
            server_id=self.server_id,
            resume_stream=True,
            log_file=self.position["binlog_file"],
            log_pos=self.position["binlog_pos"],
            blocking=False,
            only_events=[
                TableMapEvent,
                WriteRowsEvent,
                UpdateRowsEvent,
                DeleteRowsEvent,
                XidEvent,
                QueryEvent,
                RotateEvent,
                MariadbGtidEvent,
            ],
            only_schemas=self.schemas,
            is_mariadb=False,  # True would start from a GTID, ignoring log_file/log_pos
            use_column_name_cache=not self.names_from_metadata,
            enable_logging=False,
        )
        try:
            for event in stream:
                when = dt.datetime.fromtimestamp(event.timestamp, dt.UTC) if event.timestamp else None
                if isinstance(event, XidEvent):
                    yield Commit({"binlog_file": stream.log_file, "binlog_pos": stream.log_pos}, when)
                elif isinstance(event, QueryEvent):
                    change = self._query_event(event)
                    if change is _COMMIT:
                        yield Commit({"binlog_file": stream.log_file, "binlog_pos": stream.log_pos}, when)
                    elif isinstance(change, list):
                        yield from change
                        # DDL is its own transaction
                        yield Commit({"binlog_file": stream.log_file, "binlog_pos": stream.log_pos}, when)
                elif isinstance(event, TableMapEvent):
                    if not self.names_from_metadata and self.wants(f"{event.schema}.{event.table}"):
                        self._charsets_from_catalog(event)
                elif isinstance(event, WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent):
                    table = f"{event.schema}.{event.table}"
                    if not self.wants(table):
                        continue
                    try:
                        yield from self._row_changes(event, table)
                    except UnicodeDecodeError as exc:
                        raise CdcError(
                            f"a change of {table} at {self.position_text()} holds text that is not valid "
                            f"{exc.encoding} ({exc.reason}): the binlog carries no charset of its columns. "
                            "Set binlog_row_metadata=FULL on the source (SET GLOBAL binlog_row_metadata = "
                            "'FULL'), then redo the dump and load, or restart `roachlift cdc` if no change "
                            "of such a column was written since the dump"
                        ) from None
        finally:
            stream.close()

    def _charsets_from_catalog(self, event: Any) -> None:
        """Without binlog metadata the reader decodes every text column as UTF-8: give each character
        column its charset from ``information_schema`` before the rows of this map are decoded."""
        key = (event.schema, event.table)
        charsets = self._charsets.get(key)
        if charsets is None:
            with self._c().cursor() as cur:
                cur.execute(sql_text("cdc/mysql_column_charsets.sql"), key)
                charsets = self._charsets[key] = [r[0] for r in cur.fetchall()]
        columns = event.get_table().columns
        if len(columns) != len(charsets):
            raise SchemaChangedError(
                f"source table {event.schema}.{event.table} has {len(columns)} columns in the binlog but "
                f"{len(charsets)} in information_schema (changed since?): with binlog_row_metadata other "
                "than FULL the columns cannot be told apart. Set binlog_row_metadata=FULL on the source, "
                "then redo the dump and load of this table"
            )
        for column, charset in zip(columns, charsets, strict=True):
            if charset and getattr(column, "character_set_name", None) is None:
                column.character_set_name = charset

    def _c(self) -> pymysql.connections.Connection[Any]:
        if self.conn is None:
            raise CdcError("the MySQL source is not open")
        return self.conn

    def _query_event(self, event: Any) -> list[Change] | object | None:
        query = event.query if isinstance(event.query, str) else event.query.decode("utf-8", "replace")
        head = query.strip().rstrip(";").upper()
        if head == "COMMIT":
            return _COMMIT
        if head in _TX_CONTROL or head.startswith("XA "):
            return None
        schema = event.schema.decode() if isinstance(event.schema, bytes) else str(event.schema)
        ddl = table_ddl(query, schema)
        if ddl is None:
            return None
        verb, names = ddl
        tables = [t for t in names if t.split(".", 1)[0] in self.schemas and self.wants(t)]
        if not tables:
            return None
        if verb == "TRUNCATE":
            return [Change(Op.TRUNCATE, t) for t in tables]
        raise SchemaChangedError(
            f"source table {', '.join(tables)} changed mid-stream ({verb} at {self.position_text()}): "
            f"{query.strip()[:200]!r}. Apply the same DDL to the target, move the checkpoint past it or "
            "redo the dump and load of this table, then restart `roachlift cdc`."
        )

    def position_text(self) -> str:
        """The current position for messages."""
        assert self.position is not None
        return f"{self.position['binlog_file']}:{self.position['binlog_pos']}"

    def _row_changes(self, event: Any, table: str) -> Iterator[Change]:
        key = (
            tuple(event.primary_key)
            if isinstance(event.primary_key, tuple | list)
            else ((event.primary_key,) if event.primary_key else ())
        )
        sets = {c.name: c.set_values for c in event.columns if getattr(c, "set_values", None)}
        geoms = geometry.binlog_geometry_columns(event.columns)  # -> EWKB hex (roachlift/geometry.py)
        stamps = [c.name for c in event.columns if c.type in _TIMESTAMP_TYPES]
        # BINARY(n): the binlog drops the trailing 0x00 pad bytes the column stores and returns
        binaries = {
            c.name: c.max_length
            for c in event.columns
            if c.type == FIELD_TYPE.STRING
            and getattr(c, "max_length", None)
            and getattr(c, "character_set_name", None) == "binary"
        }
        times = [c.name for c in event.columns if c.type == FIELD_TYPE.TIME2 and getattr(c, "fsp", 0)]
        for row in event.rows:
            apply_binlog_rules(event, row, table, self.value_rules)
            for image in ("values", "after_values", "before_values"):
                if sets and image in row:
                    row[image] = _set_text(row[image], sets, row.get(_NONE_SOURCES[image]) or {})
                if binaries and image in row:
                    row[image] = _binary_padding(row[image], binaries)
                if geoms and image in row:
                    row[image] = geometry.ewkb_row(row[image], geoms)
                if stamps and image in row:
                    row[image] = _instants(row[image], stamps)
                if times and image in row:
                    row[image] = _negative_times(row[image], times)
            if isinstance(event, WriteRowsEvent):
                yield Change(Op.INSERT, table, new=convert_row(row["values"]), key_columns=key)
            elif isinstance(event, UpdateRowsEvent):
                yield Change(
                    Op.UPDATE,
                    table,
                    new=convert_row(row["after_values"]),
                    old_key=convert_row(row["before_values"]),
                    key_columns=key,
                )
            else:
                yield Change(Op.DELETE, table, old_key=convert_row(row["values"]), key_columns=key)

    def release(self, position: Position) -> None:
        """The binlog is not consumed: just read on from ``position`` next time."""
        self.position = {"binlog_file": position["binlog_file"], "binlog_pos": int(position["binlog_pos"])}

    def lag(self, position: Position) -> tuple[int | None, int | None]:
        """Binlog bytes written after ``position``."""
        behind = 0
        seen = False
        for name, size, *_ in self._query("SHOW BINARY LOGS"):
            if name == position["binlog_file"]:
                seen = True
                behind += max(0, int(size) - int(position["binlog_pos"]))
            elif seen:
                behind += int(size)
        return (behind if seen else None), None

    def close(self) -> None:
        """Close the control connection."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_COMMIT = object()


def binlog_status(cur: Any) -> tuple[Any, ...] | None:
    """The first row of ``SHOW MASTER STATUS`` (MariaDB, MySQL before 8.4) or, where that statement is
    gone, ``SHOW BINARY LOG STATUS`` (MySQL 8.2+; 8.4 removed the old name)."""
    try:
        cur.execute("SHOW MASTER STATUS")
    except Exception as exc:  # PyMySQL or mysqlclient: 1064, MySQL 8.4 no longer knows the statement
        if not exc.args or exc.args[0] != 1064:
            raise
        cur.execute("SHOW BINARY LOG STATUS")
    row = cur.fetchone()
    return tuple(row) if row else None


def master_status(connect_kwargs: dict[str, Any]) -> Position:
    """The current binlog position, e.g. for tests and a fresh start (see :func:`binlog_status`)."""
    conn = pymysql.connect(**{k: v for k, v in connect_kwargs.items() if k != "database"})
    try:
        with conn.cursor() as cur:
            row = binlog_status(cur)
    finally:
        conn.close()
    if not row:
        raise CdcError("the source has no binary log (SHOW MASTER STATUS is empty): enable log_bin")
    return {"binlog_file": row[0], "binlog_pos": int(row[1])}


def _instants(values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """TIMESTAMP values as instants: the reader gives naive UTC datetimes; make the zone explicit, so
    the target stores the same instant whatever its session zone."""
    out = dict(values)
    for name in names:
        value = out.get(name)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            out[name] = value.replace(tzinfo=dt.UTC)
    return out


def _negative_times(values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Undo mysql-replication's reading of a negative TIME(n>0) with a fraction. MySQL packs the value
    as one signed integer (MySQL sql-common/my_time.cc, my_time_packed_from_binary: the integer part
    borrows one from a negative fraction); the reader takes the two parts apart, so ``-00:00:01.25``
    arrives as ``-00:00:01.75`` and ``-00:00:00.000001`` as ``-00:00:00.999999``: magnitude
    ``int + 1 - frac`` for ``int + frac``. The map is its own inverse on the fraction."""
    out = dict(values)
    for name in names:
        value = out.get(name)
        if isinstance(value, dt.timedelta) and value < dt.timedelta(0):
            whole, frac = divmod(-value // dt.timedelta(microseconds=1), 1_000_000)
            if frac:
                out[name] = -dt.timedelta(seconds=whole, microseconds=1_000_000 - frac)
    return out


def _set_text(
    values: dict[str, Any], sets: dict[str, list[str]], none_sources: dict[str, str]
) -> dict[str, Any]:
    """SET values as MySQL prints them: members in declaration order, joined by commas (as the dump).
    The empty set is ``''``: mysql-replication gives None for it and records "empty set" (its
    constants/NONE_SOURCE.py EMPTY_SET) in the row's none sources, which tell it from SQL NULL."""
    out = dict(values)
    for name, members in sets.items():
        value = out.get(name)
        if isinstance(value, set | frozenset):
            out[name] = ",".join(m for m in members if m in value)
        elif value is None and none_sources.get(name) == NONE_SOURCE.EMPTY_SET:
            out[name] = ""
    return out


def _binary_padding(values: dict[str, Any], lengths: dict[str, int]) -> dict[str, Any]:
    """BINARY(n) values padded back to n bytes with 0x00, as the column stores and the dump reads them
    (the binlog leaves the pad bytes out). Only columns of charset ``binary`` are given: text CHAR(n)
    values are left alone."""
    out = dict(values)
    for name, length in lengths.items():
        value = out.get(name)
        if value == "":  # an all-zero value: the reader gives str '' for a zero-length string
            value = b""
        if isinstance(value, bytes) and len(value) < length:
            out[name] = value.ljust(length, b"\x00")
    return out
