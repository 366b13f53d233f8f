"""One consistent snapshot per dump, and the position where the change stream starts.

- PostgreSQL: ``CREATE_REPLICATION_SLOT <slot> LOGICAL wal2json EXPORT_SNAPSHOT`` on a replication
  connection *first*; every worker then runs ``SET TRANSACTION SNAPSHOT`` with the exported name,
  so the slot's ``consistent_point`` is exactly where the dumped data ends. The exporting connection
  must stay open (and idle) until every worker has imported the snapshot: keep the
  :class:`Snapshot` open for the whole dump.
- MySQL/MariaDB: ``FLUSH TABLES WITH READ LOCK``, one ``START TRANSACTION WITH CONSISTENT
  SNAPSHOT`` per worker connection, the binlog file/position and GTID read under the lock, then
  ``UNLOCK TABLES`` (the lock is held for milliseconds). The lock request itself waits behind every
  running write statement and blocks all writes meanwhile, so it runs with a short
  ``lock_wait_timeout`` (:data:`FTWRL_WAIT_S`): when that passes, the request gives up (writes flow
  again), the log names the statements it waited for (id, user, database, seconds, state; never
  their text), and it is retried after a growing back-off (:data:`FTWRL_BACKOFF_S`, at most
  :data:`FTWRL_TRIES` tries). Without the RELOAD privilege, or when every try timed out, MariaDB
  dumps with a single worker and its ``binlog_snapshot_file/position`` give the matching position
  (no lock at all); MySQL then fails, naming what blocked the lock.
- Oracle: ``SELECT CURRENT_SCN FROM V$DATABASE``; every query reads ``AS OF SCN``.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from roachlift.config.connections import ConnInfo
from roachlift.errors import RoachliftError

log = logging.getLogger(__name__)

_SLOT_NAME = re.compile(r"^[a-z0-9_]{1,63}$")
#: Seconds one ``FLUSH TABLES WITH READ LOCK`` may wait for running statements (writes stall that long).
FTWRL_WAIT_S = 1
#: Tries of the global read lock, and the first pause between two (doubled after each).
FTWRL_TRIES = 5
FTWRL_BACKOFF_S = 0.5
_LOCK_WAIT_TIMEOUT = 1205
PG_OUTPUT_PLUGIN = "wal2json"


class SnapshotError(RoachliftError):
    """The consistent snapshot could not be taken (privileges, settings, slot in use)."""


@dataclass
class Snapshot:
    """An open snapshot: ``position`` is what ``snapshot.json`` records; ``close()`` releases it."""

    kind: str
    position: dict[str, Any]
    _holder: Any = None
    _workers: list[Any] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: Parts each table's interrupted dump finished under this snapshot (roachlift.dump.runner):
    #: kept in the object, so they are forgotten when the snapshot is closed.
    dump_records: dict[str, Any] = field(default_factory=dict)
    _closed: bool = False

    @property
    def held(self) -> bool:
        """True until :meth:`close`: tables dumped meanwhile all read this same snapshot."""
        return not self._closed

    def take_worker(self) -> Any:
        """MySQL: a connection already inside the consistent-snapshot transaction (or ``None``)."""
        with self._lock:
            return self._workers.pop() if self._workers else None

    def give_back(self, conn: Any) -> None:
        """Return a MySQL worker connection for the next table."""
        with self._lock:
            self._workers.append(conn)

    @property
    def worker_count(self) -> int:
        """How many workers the snapshot supports at once (0 = unlimited, PostgreSQL/Oracle)."""
        return len(self._workers)

    def close(self) -> None:
        """Release the exporting connection / worker transactions (the PostgreSQL slot stays)."""
        for conn in [*self._workers, self._holder]:
            if conn is None:
                continue
            try:
                conn.close()
            except Exception:
                log.debug("closing snapshot connection failed", exc_info=True)
        self._workers.clear()
        self._holder = None
        self._closed = True
        self.dump_records.clear()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- PostgreSQL --------------------------------------------------------------------------------------


def default_slot_name(spec_name: str, slot_name: str | None = None) -> str:
    """``spec.cdc.slot_name`` or ``roachlift_<spec.name>``."""
    name = slot_name or f"roachlift_{spec_name}"
    if not _SLOT_NAME.match(name):
        raise SnapshotError(f"replication slot name {name!r}: use 1-63 lower-case letters, digits, _")
    return name


def open_postgres_snapshot(conninfo: ConnInfo, slot_name: str | None, replace_slot: bool = True) -> Snapshot:
    """Create the logical slot (wal2json) and export its snapshot; ``slot_name=None``: no slot.

    An existing, inactive slot of the same name is dropped first when ``replace_slot`` (a new dump
    means a new change-stream start); an active one is an error.
    """
    import psycopg

    dsn = conninfo.postgres_conninfo()
    if slot_name is None:
        conn = psycopg.connect(dsn)
        try:
            row = conn.execute(
                "SELECT pg_export_snapshot(), pg_current_wal_lsn()::text"
                if not _in_recovery(conn)
                else "SELECT pg_export_snapshot(), pg_last_wal_replay_lsn()::text"
            ).fetchone()
        except psycopg.Error as exc:
            conn.close()
            raise SnapshotError(f"{conninfo.redacted()}: cannot export a snapshot: {exc}") from None
        assert row is not None
        return Snapshot(
            "postgres", {"kind": "postgres", "slot": None, "lsn": row[1], "snapshot": row[0]}, _holder=conn
        )
    with psycopg.connect(dsn, autocommit=True) as admin:
        found = admin.execute(
            "SELECT active, plugin FROM pg_replication_slots WHERE slot_name = %s", (slot_name,)
        ).fetchone()
        if found is not None:
            if found[0] or not replace_slot:
                raise SnapshotError(
                    f"replication slot {slot_name!r} already exists"
                    + (" and is in use" if found[0] else "")
                    + ": stop its consumer or drop it (SELECT pg_drop_replication_slot(...))"
                )
            log.warning("dropping the existing replication slot %s to start a new dump", slot_name)
            admin.execute("SELECT pg_drop_replication_slot(%s)", (slot_name,))
    try:
        repl = psycopg.connect(dsn, autocommit=True, replication="database")
    except psycopg.Error as exc:
        raise SnapshotError(
            f"{conninfo.redacted()}: replication connection refused ({exc}); the user needs the "
            "REPLICATION attribute and pg_hba.conf must allow it"
        ) from None
    # Replication commands only run over the simple query protocol: PQexec through pgconn.
    cmd = f"CREATE_REPLICATION_SLOT {slot_name} LOGICAL {PG_OUTPUT_PLUGIN} EXPORT_SNAPSHOT"
    res = repl.pgconn.exec_(cmd.encode())
    if res.status != psycopg.pq.ExecStatus.TUPLES_OK:
        msg = (res.error_message or b"").decode(errors="replace").strip()
        repl.close()
        raise SnapshotError(
            f"cannot create replication slot {slot_name!r}: {msg} "
            "(wal_level must be logical and the wal2json plugin installed)"
        )
    values = [(res.get_value(0, i) or b"").decode() for i in range(res.nfields)]
    names = [(res.fname(i) or b"").decode() for i in range(res.nfields)]
    got = dict(zip(names, values, strict=True))
    position = {
        "kind": "postgres",
        "slot": got["slot_name"],
        "lsn": got["consistent_point"],
        "snapshot": got["snapshot_name"],
        "plugin": got.get("output_plugin", PG_OUTPUT_PLUGIN),
    }
    log.info(
        "replication slot %s created at %s, snapshot %s", slot_name, position["lsn"], position["snapshot"]
    )
    return Snapshot("postgres", position, _holder=repl)


def _in_recovery(conn: Any) -> bool:
    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


# --- MySQL / MariaDB ---------------------------------------------------------------------------------


def mysql_connect(conninfo: ConnInfo, database: str | None = None) -> Any:
    """A MySQLdb (mysqlclient) connection returning raw bytes, session time zone UTC."""
    MySQLdb: Any = importlib.import_module("MySQLdb")

    try:
        conn = MySQLdb.connect(
            **conninfo.mysql_kwargs(database), conv={}, charset="utf8mb4", use_unicode=False
        )
    except MySQLdb.Error as exc:
        raise SnapshotError(f"{conninfo.redacted()}: cannot connect: {exc}") from None
    cur = conn.cursor()
    cur.execute("SET time_zone = '+00:00'")
    cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    cur.close()
    return conn


def _mysql_scalar(conn: Any, query: str) -> Any:
    cur = conn.cursor()
    try:
        cur.execute(query)
        row = cur.fetchone()
    finally:
        cur.close()
    return row


def _decode(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes | bytearray) else value


def open_mysql_snapshot(conninfo: ConnInfo, workers: int = 1) -> Snapshot:
    """``workers`` connections inside one consistent snapshot, with the binlog position at that instant."""
    MySQLdb: Any = importlib.import_module("MySQLdb")

    control = mysql_connect(conninfo)
    conns = [mysql_connect(conninfo) for _ in range(max(1, workers))]
    version = str(_decode(_mysql_scalar(control, "SELECT VERSION()")[0]))
    mariadb = "mariadb" in version.lower()
    locked = False
    try:
        try:
            locked = _global_read_lock(control, conninfo, mariadb)
        except MySQLdb.OperationalError as exc:
            log.warning("FLUSH TABLES WITH READ LOCK refused (%s): dumping with one worker", exc)
        if not locked:
            for extra in conns[1:]:
                extra.close()
            conns = conns[:1]
        for conn in conns:
            _mysql_scalar(conn, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        if locked:
            status = _mysql_status(control)
            gtid = _mysql_gtid(control, mariadb)
        elif mariadb:
            cur = conns[0].cursor()
            cur.execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
            snap = {str(_decode(k)).lower(): _decode(v) for k, v in cur.fetchall()}  # Binlog_snapshot_file
            cur.close()
            status = (snap.get("binlog_snapshot_file"), int(snap.get("binlog_snapshot_position") or 0))
            gtid = None
        else:
            raise SnapshotError(
                f"{conninfo.redacted()}: without FLUSH TABLES WITH READ LOCK (RELOAD privilege) MySQL "
                "cannot give the binlog position of a snapshot: grant RELOAD to the dump user"
            )
    except BaseException:
        for conn in [control, *conns]:
            conn.close()
        raise
    finally:
        if locked:
            _mysql_scalar(control, "UNLOCK TABLES")
    control.close()
    if not status[0]:
        for conn in conns:
            conn.close()
        raise SnapshotError(f"{conninfo.redacted()}: binary logging is off (log_bin): no CDC start position")
    position = {"kind": "mysql", "binlog_file": status[0], "binlog_pos": status[1], "gtid": gtid}
    log.info("consistent snapshot at %s:%s (gtid %s), %d worker(s)", status[0], status[1], gtid, len(conns))
    return Snapshot("mysql", position, _workers=conns)


def _global_read_lock(control: Any, conninfo: ConnInfo, mariadb: bool) -> bool:
    """Take ``FLUSH TABLES WITH READ LOCK`` without stalling the source: each try waits at most
    :data:`FTWRL_WAIT_S`; between tries the log names what the lock waited for. True once held;
    False when every try timed out on MariaDB (the caller dumps with one worker, no lock)."""
    MySQLdb: Any = importlib.import_module("MySQLdb")

    _mysql_scalar(control, f"SET SESSION lock_wait_timeout = {int(FTWRL_WAIT_S)}")
    pause = FTWRL_BACKOFF_S
    blockers = ""
    for attempt in range(1, FTWRL_TRIES + 1):
        try:
            _mysql_scalar(control, "FLUSH TABLES WITH READ LOCK")
            return True
        except MySQLdb.OperationalError as exc:
            if exc.args[0] != _LOCK_WAIT_TIMEOUT:
                raise
        blockers = _running_statements(control)
        log.warning(
            "FLUSH TABLES WITH READ LOCK waited %ss for running statements and gave up, so writes flow "
            "again (try %d of %d); it waited for: %s%s",
            FTWRL_WAIT_S,
            attempt,
            FTWRL_TRIES,
            blockers or "statements that ended meanwhile",
            f"; next try in {pause:.1f}s" if attempt < FTWRL_TRIES else "",
        )
        if attempt < FTWRL_TRIES:
            time.sleep(pause)
            pause *= 2
    if mariadb:
        log.warning(
            "no global read lock after %d tries: dumping with one worker from MariaDB's consistent "
            "snapshot position (binlog_snapshot_file/position), which needs no lock",
            FTWRL_TRIES,
        )
        return False
    raise SnapshotError(
        f"{conninfo.redacted()}: FLUSH TABLES WITH READ LOCK timed out {FTWRL_TRIES} times behind long "
        f"statements ({blockers or 'gone by now'}); run the dump when they are over"
    )


def _running_statements(conn: Any) -> str:
    """Other sessions running a statement for a second or more: id, user, database, seconds, state
    (never the statement's text: it may hold data)."""
    cur = conn.cursor()
    try:
        cur.execute(
            "SELECT ID, USER, DB, COMMAND, TIME, STATE FROM information_schema.PROCESSLIST"
            " WHERE COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump') AND ID <> CONNECTION_ID()"
            " AND TIME >= 1 ORDER BY TIME DESC LIMIT 5"
        )
        rows = cur.fetchall()
    except Exception:
        return ""
    finally:
        cur.close()
    return ", ".join(
        f"session {_decode(r[0])} (user {_decode(r[1])}, database {_decode(r[2])}, {_decode(r[3])} for "
        f"{_decode(r[4])}s, {_decode(r[5]) or 'no state'})"
        for r in rows
    )


def _mysql_status(conn: Any) -> tuple[str | None, int]:
    from roachlift.cdc.mysql import binlog_status  # MySQL 8.4: SHOW BINARY LOG STATUS

    cur = conn.cursor()
    try:
        row = binlog_status(cur)
    finally:
        cur.close()
    if not row:
        return None, 0
    return str(_decode(row[0])), int(_decode(row[1]))


def _mysql_gtid(conn: Any, mariadb: bool) -> str | None:
    query = "SELECT @@GLOBAL.gtid_binlog_pos" if mariadb else "SELECT @@GLOBAL.gtid_executed"
    try:
        row = _mysql_scalar(conn, query)
    except Exception:
        return None
    value = _decode(row[0]) if row else None
    return str(value) if value else None


# --- Oracle ------------------------------------------------------------------------------------------


def open_oracle_snapshot(conn: Any) -> Snapshot:
    """The current SCN of an open oracledb connection (flashback queries read ``AS OF SCN``)."""
    cur = conn.cursor()
    try:
        cur.execute("SELECT CURRENT_SCN FROM V$DATABASE")
        row = cur.fetchone()
    except Exception as exc:
        raise SnapshotError(f"cannot read CURRENT_SCN (grant SELECT ON V_$DATABASE): {exc}") from None
    finally:
        cur.close()
    return Snapshot("oracle", {"kind": "oracle", "scn": int(row[0])}, _holder=conn)
