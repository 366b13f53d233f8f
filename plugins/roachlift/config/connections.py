"""Connections outside Airflow: read ``AIRFLOW_CONN_<ID>`` the way Airflow does, without importing it.

Inside Airflow the operators use ``BaseHook.get_connection``; the CLI and tests use this module,
so a conn id means the same thing in both places.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from roachlift.config.spec import SourceKind
from roachlift.errors import RoachliftError

#: Connection types / URI schemes by the wire protocol they speak (CockroachDB speaks PostgreSQL's).
SCHEME_KIND: dict[str, SourceKind] = {
    "postgres": SourceKind.POSTGRES,
    "postgresql": SourceKind.POSTGRES,
    "postgres+psycopg": SourceKind.POSTGRES,
    "cockroach": SourceKind.POSTGRES,
    "cockroachdb": SourceKind.POSTGRES,
    "mysql": SourceKind.MYSQL,
    "mariadb": SourceKind.MYSQL,
    "oracle": SourceKind.ORACLE,
}


@dataclass(frozen=True)
class ConnInfo:
    """Host, port, credentials and database of one connection."""

    kind: SourceKind
    host: str = "127.0.0.1"
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def with_database(self, database: str) -> ConnInfo:
        """The same server, another database."""
        return ConnInfo(self.kind, self.host, self.port, self.user, self.password, database, self.extra)

    def postgres_conninfo(self) -> str:
        """A libpq URI for psycopg."""
        auth = quote(self.user or "", safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        netloc = f"{auth}@" if auth else ""
        netloc += f"{self.host}:{self.port or 5432}"
        query = "&".join(f"{k}={quote(v)}" for k, v in self.extra.items() if k in _LIBPQ_PARAMS)
        return f"postgresql://{netloc}/{quote(self.database or '', safe='')}" + (f"?{query}" if query else "")

    def mysql_kwargs(self, database: str | None = None, *, server_only: bool = False) -> dict[str, Any]:
        """``host``, ``port``, ``user``, ``password`` and ``database`` for PyMySQL and mysqlclient
        (both take these names); ``database`` defaults to the connection's, ``server_only`` leaves
        it out (server-wide statements: grants, binlog status)."""
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port or 3306,
            "user": self.user or "root",
            "password": self.password or "",
        }
        name = None if server_only else database or self.database
        if name:
            kwargs["database"] = name
        return kwargs

    def oracle_dsn(self) -> str:
        """The oracledb DSN: ``extra.dsn`` when given (a TNS alias or a full descriptor), else
        ``host:port/service`` (``database`` is the service name)."""
        return self.extra.get("dsn") or f"{self.host}:{self.port or 1521}/{self.database or ''}"

    def redacted(self) -> str:
        """A printable description with no secret in it."""
        who = f"{self.user}@" if self.user else ""
        return f"{self.kind}://{who}{self.host}:{self.port or ''}/{self.database or ''}"


_LIBPQ_PARAMS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "options", "application_name"}


def parse_uri(uri: str) -> ConnInfo:
    """Parse an Airflow-style connection URI (``postgres://user:pw@host:port/db?k=v``)."""
    parts = urlsplit(uri)
    kind = SCHEME_KIND.get(parts.scheme.lower())
    if kind is None:
        raise RoachliftError(f"connection URI scheme {parts.scheme!r} is not postgres, mysql or oracle")
    return ConnInfo(
        kind=kind,
        host=parts.hostname or "127.0.0.1",
        port=parts.port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=unquote(parts.path.lstrip("/")) or None,
        extra=dict(parse_qsl(parts.query)),
    )


def resolve_connection(conn_id: str) -> ConnInfo:
    """The connection named ``conn_id`` from ``AIRFLOW_CONN_<CONN_ID>`` (URI or JSON form)."""
    var = f"AIRFLOW_CONN_{conn_id.upper()}"
    raw = os.environ.get(var)
    if not raw:
        raise RoachliftError(
            f"connection {conn_id!r} is not defined: set {var} to a URI such as "
            "postgres://user:password@host:5432/dbname (or define it in Airflow)"
        )
    if raw.lstrip().startswith("{"):
        data = json.loads(raw)
        kind = SCHEME_KIND.get(str(data.get("conn_type", "")).lower())
        if kind is None:
            raise RoachliftError(
                f"{var}: conn_type {data.get('conn_type')!r} is not postgres, mysql or oracle"
            )
        return ConnInfo(
            kind=kind,
            host=data.get("host") or "127.0.0.1",
            port=data.get("port"),
            user=data.get("login"),
            password=data.get("password"),
            database=data.get("schema"),
            extra={k: str(v) for k, v in (data.get("extra") or {}).items()},
        )
    return parse_uri(raw)


#: Airflow connection types of object storage (``dump.storage_conn_id``) -> fsspec protocol family.
STORAGE_KIND = {
    "aws": "s3",
    "s3": "s3",
    "google_cloud_platform": "gs",
    "gcs": "gs",
    "wasb": "abfs",
    "azure": "abfs",
}


@dataclass(frozen=True)
class StorageConn:
    """An object-storage connection (``dump.storage_conn_id``): for ``aws`` the login and password
    are the access key id and secret, the extra may hold ``endpoint_url``, ``region_name``,
    ``aws_session_token`` (the fields Airflow's amazon provider reads)."""

    kind: str
    host: str | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    extra: dict[str, str] = field(default_factory=dict, repr=False)


def resolve_storage_connection(conn_id: str) -> StorageConn:
    """The object-storage connection ``conn_id`` from ``AIRFLOW_CONN_<CONN_ID>`` (URI such as
    ``aws://KEYID:SECRET@/?endpoint_url=http%3A%2F%2Fminio%3A9000``, or JSON)."""
    var = f"AIRFLOW_CONN_{conn_id.upper()}"
    raw = (os.environ.get(var) or "").strip()
    if not raw:
        raise RoachliftError(
            f"storage connection {conn_id!r} is not defined: set {var} to a URI such as "
            "aws://KEYID:SECRET@/?endpoint_url=... (or define it in Airflow)"
        )
    if raw.startswith("{"):
        data = json.loads(raw)
        conn_type, host = str(data.get("conn_type", "")), data.get("host") or None
        login, password = data.get("login"), data.get("password")
        extra = {k: str(v) for k, v in (data.get("extra") or {}).items()}
    else:
        parts = urlsplit(raw)
        conn_type, host = parts.scheme, parts.hostname or None
        login = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        extra = dict(parse_qsl(parts.query))
    kind = STORAGE_KIND.get(conn_type.lower())
    if kind is None:
        raise RoachliftError(
            f"{var}: connection type {conn_type!r} is not object storage (aws, google_cloud_platform, wasb)"
        )
    return StorageConn(kind, host, login, password, extra)


def resolve_kafka_brokers(conn_id: str) -> str:
    """``host:port[,host:port]`` of a Kafka connection: JSON ``extra.bootstrap.servers``, or a
    ``kafka://host:port`` URI, from ``AIRFLOW_CONN_<CONN_ID>``."""
    var = f"AIRFLOW_CONN_{conn_id.upper()}"
    raw = os.environ.get(var, "").strip()
    if raw.startswith("{"):
        brokers = (json.loads(raw).get("extra") or {}).get("bootstrap.servers")
        if brokers:
            return str(brokers)
    elif raw:
        parts = urlsplit(raw)
        if parts.netloc:
            return parts.netloc
    raise RoachliftError(f"Kafka connection {conn_id!r}: set {var} with extra.bootstrap.servers")
