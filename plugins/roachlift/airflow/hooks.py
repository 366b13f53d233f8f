"""Airflow connections → roachlift's :class:`~roachlift.config.connections.ConnInfo`."""

from __future__ import annotations

from airflow.sdk import BaseHook

from roachlift.config.connections import SCHEME_KIND, ConnInfo
from roachlift.errors import RoachliftError


def conninfo(conn_id: str) -> ConnInfo:
    """The Airflow connection ``conn_id`` as a ConnInfo (host, port, login, password, schema, extra)."""
    conn = BaseHook.get_connection(conn_id)
    kind = SCHEME_KIND.get((conn.conn_type or "").lower())
    if kind is None:
        raise RoachliftError(
            f"connection {conn_id!r} has type {conn.conn_type!r}; roachlift needs postgres, mysql or oracle"
        )
    extra = {k: str(v) for k, v in (conn.extra_dejson or {}).items()}
    return ConnInfo(
        kind=kind,
        host=conn.host or "127.0.0.1",
        port=conn.port,
        user=conn.login,
        password=conn.password,
        database=conn.schema or None,
        extra=extra,
    )
