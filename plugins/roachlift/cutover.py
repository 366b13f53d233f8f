"""Freeze and unfreeze writes on the source at cutover (PostgreSQL, MySQL/MariaDB, Oracle)."""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

from roachlift.config.connections import ConnInfo
from roachlift.config.spec import MigrationSpec
from roachlift.errors import RoachliftError

log = logging.getLogger(__name__)

#: Client sessions of one database other than ours (PostgreSQL); they are ended so that every
#: new session starts read-only.
_PG_OTHER_SESSIONS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


def _pg_database(spec: MigrationSpec, source: ConnInfo) -> str:
    if not source.database:
        raise RoachliftError(f"connection {spec.source.conn_id!r} names no database to freeze")
    return source.database


def freeze_source_writes(spec: MigrationSpec, source: ConnInfo) -> str:
    """Make the source read-only for applications; return what was done."""
    kind = str(spec.source.kind)
    if kind == "postgres":
        db = _pg_database(spec, source)
        with psycopg.connect(source.postgres_conninfo(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(sql.Identifier(db))
            )
            ended = len(conn.execute(_PG_OTHER_SESSIONS, (db,)).fetchall())
        log.info("source database %s is read-only for new sessions; %d session(s) ended", db, ended)
        return f"database {db} read-only (default_transaction_read_only), {ended} session(s) ended"
    if kind == "mysql":
        _mysql_read_only(source, True)
        return "SET GLOBAL read_only = ON"
    if kind == "oracle":
        from roachlift.cdc.oracle_setup import set_read_only

        return set_read_only(spec, source, True)
    raise RoachliftError(f"freezing a {kind} source is not supported: stop the application's writes by hand")


def unfreeze_source_writes(spec: MigrationSpec, source: ConnInfo) -> str:
    """Undo :func:`freeze_source_writes` (a cutover abandoned after the freeze)."""
    kind = str(spec.source.kind)
    if kind == "postgres":
        db = _pg_database(spec, source)
        with psycopg.connect(source.postgres_conninfo(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} RESET default_transaction_read_only").format(sql.Identifier(db))
            )
        return f"database {db} writable again"
    if kind == "mysql":
        _mysql_read_only(source, False)
        return "SET GLOBAL read_only = OFF"
    if kind == "oracle":
        from roachlift.cdc.oracle_setup import set_read_only

        return set_read_only(spec, source, False)
    raise RoachliftError(f"unfreezing a {kind} source is not supported")


def _mysql_read_only(source: ConnInfo, on: bool) -> None:
    import pymysql

    conn = pymysql.connect(
        host=source.host, port=source.port or 3306, user=source.user or "root", password=source.password or ""
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SET GLOBAL read_only = %s", (1 if on else 0,))
    finally:
        conn.close()
