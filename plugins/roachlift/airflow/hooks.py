"""Airflow connections → roachlift's :class:`~roachlift.config.connections.ConnInfo`."""

from __future__ import annotations

from typing import cast

from airflow.sdk import BaseHook, ObjectStoragePath
from upath import UPath

from roachlift import storage
from roachlift.config.connections import SCHEME_KIND, ConnInfo
from roachlift.config.spec import MigrationSpec
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


def storage_root(spec: MigrationSpec) -> UPath | None:
    """``dump.out_dir`` on object storage as Airflow's ``ObjectStoragePath``, its filesystem
    authenticated by Airflow from ``dump.storage_conn_id`` (s3: the amazon provider's S3Hook, which
    reads the same login/password and ``endpoint_url`` extra the CLI reads); None for a local
    folder or ``file://`` (the core opens those itself)."""
    out = spec.dump.out_dir
    if not out or not storage.is_url(out) or storage.scheme_of(out) in {"file", "local"}:
        return None
    # ObjectStoragePath proxies a UPath and is registered as one (isinstance holds)
    return cast(UPath, ObjectStoragePath(out, conn_id=spec.dump.storage_conn_id))
