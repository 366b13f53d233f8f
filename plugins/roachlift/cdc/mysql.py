"""MySQL/MariaDB source: the row-based binlog, read with mysql-replication from a recorded position.

The stream starts at the dump's ``{"binlog_file", "binlog_pos"}`` (``snapshot.json``) or, once the
target holds a checkpoint, at the position after the last applied transaction. A transaction ends at
its ``XID`` event (InnoDB) or a ``COMMIT`` query (non-transactional engines); that event's end is the
position recorded. ``TRUNCATE`` arrives as a statement and becomes a truncate change; any other DDL on
a table in scope stops the stream with a clear message. Column names come from the binlog's optional
metadata (``binlog_row_metadata=FULL``) or, failing that, from ``information_schema``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pymysql
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.event import MariadbGtidEvent, QueryEvent, RotateEvent, XidEvent
from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

from roachlift import geometry
from roachlift.cdc.model import CdcError, Change, Commit, Event, Op, Position, SchemaChangedError, convert_row
from roachlift.config.connections import ConnInfo

log = logging.getLogger(__name__)

_DDL = re.compile(
    r"^\s*(?:/\*.*?\*/\s*)*(ALTER|CREATE|DROP|RENAME|TRUNCATE)\b(?:\s+(?:TEMPORARY\s+)?TABLE)?"
    r"(?:\s+IF\s+(?:NOT\s+)?EXISTS)?\s+((?:`[^`]+`|\w+)(?:\.(?:`[^`]+`|\w+))?)",
    re.IGNORECASE | re.DOTALL,
)
_TX_CONTROL = {"BEGIN", "COMMIT", "XA START", "XA END", "XA PREPARE", "XA COMMIT"}


def parse_ddl(query: str, default_schema: str) -> tuple[str, str] | None:
    """``(verb, schema.table)`` of a table DDL statement, or ``None`` when it names no table."""
    m = _DDL.match(query)
    if not m:
        return None
    parts = [p.strip("`") for p in re.findall(r"`[^`]+`|\w+", m.group(2))]
    schema, table = (parts[0], parts[1]) if len(parts) == 2 else (default_schema, parts[0])
    return m.group(1).upper(), f"{schema}.{table}"


def _server_id() -> int:
    """A replica id unlikely to clash with other readers (1 is usually the server itself)."""
    return 1_000_000 + os.getpid() % 1_000_000


class MySQLSource:
    """Reads the binlog from a recorded position; see the module docstring."""

    kind = "mysql"

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
            kw: dict[str, Any] = {
                "host": connection.host,
                "port": connection.port or 3306,
                "user": connection.user,
                "password": connection.password or "",
                "database": connection.database,
            }
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
                    elif isinstance(change, Change):
                        yield change
                        # DDL is its own transaction
                        yield Commit({"binlog_file": stream.log_file, "binlog_pos": stream.log_pos}, when)
                elif isinstance(event, WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent):
                    table = f"{event.schema}.{event.table}"
                    if not self.wants(table):
                        continue
                    yield from self._row_changes(event, table)
        finally:
            stream.close()

    def _query_event(self, event: Any) -> Change | object | None:
        query = event.query if isinstance(event.query, str) else event.query.decode("utf-8", "replace")
        head = query.strip().rstrip(";").upper()
        if head == "COMMIT":
            return _COMMIT
        if head in _TX_CONTROL or head.startswith("XA "):
            return None
        schema = event.schema.decode() if isinstance(event.schema, bytes) else str(event.schema)
        ddl = parse_ddl(query, schema)
        if ddl is None:
            return None
        verb, table = ddl
        if table.split(".", 1)[0] not in self.schemas or not self.wants(table):
            return None
        if verb == "TRUNCATE":
            return Change(Op.TRUNCATE, table)
        raise SchemaChangedError(
            f"source table {table} changed mid-stream ({verb} at {self.position_text()}): "
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
        for row in event.rows:
            for image in ("values", "after_values", "before_values"):
                if sets and image in row:
                    row[image] = _set_text(row[image], sets)
                if geoms and image in row:
                    row[image] = geometry.ewkb_row(row[image], geoms)
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


def master_status(connect_kwargs: dict[str, Any]) -> Position:
    """The current binlog position (``SHOW MASTER STATUS``), e.g. for tests and a fresh start."""
    conn = pymysql.connect(**{k: v for k, v in connect_kwargs.items() if k != "database"})
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW MASTER STATUS")
            row = cur.fetchone()
    finally:
        conn.close()
    if not row:
        raise CdcError("the source has no binary log (SHOW MASTER STATUS is empty): enable log_bin")
    return {"binlog_file": row[0], "binlog_pos": int(row[1])}


def _set_text(values: dict[str, Any], sets: dict[str, list[str]]) -> dict[str, Any]:
    """SET values as MySQL prints them: members in declaration order, joined by commas (as the dump)."""
    out = dict(values)
    for name, members in sets.items():
        value = out.get(name)
        if isinstance(value, set | frozenset):
            out[name] = ",".join(m for m in members if m in value)
    return out
