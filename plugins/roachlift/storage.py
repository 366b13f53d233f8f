"""Where dumps and run files live: a local folder or object storage, through fsspec.

A *location* is a folder or a URL: ``/data/dumps``, ``file:///data/dumps``, ``s3://bucket/prefix``,
``gs://bucket/prefix``, ``abfs://container/prefix``. A local one is a :class:`pathlib.Path` (files
0600, folders 0700, atomic renames); any other is a ``upath.UPath`` over the fsspec filesystem of
its scheme (s3fs, gcsfs, adlfs) with the credentials of a connection. Airflow's
``airflow.sdk.ObjectStoragePath`` is such a path too (a UPath proxy whose filesystem Airflow
authenticated from its connection), so the Airflow layer may hand one in and the core reads and
writes it the same way. Every reader and writer of dump files, manifests, snapshot.json, run
reports and state goes through the few functions here, so local and remote behave alike.

Object storage has no folders, no appends and no renames: :func:`ensure_dir` does nothing there
(creating a "folder" must never create a bucket), :func:`write_text` is one PUT (a reader sees the
old object or the whole new one, never half), :func:`append_text` rewrites the (small) object,
:func:`rename` copies then deletes. Parts are written streaming: an S3 part goes up as a multipart
upload of :data:`BLOCK_BYTES` blocks held in memory, so nothing is staged on local disk and a
writer holds at most one block.

Outside Airflow the credentials come from the connection named by ``dump.storage_conn_id``, read
from ``AIRFLOW_CONN_<ID>`` (:func:`roachlift.config.connections.resolve_storage_connection`): an ``aws``
connection's login/password are the access key id and secret, its extra may hold
``endpoint_url``, ``region_name`` and ``aws_session_token`` (the fields Airflow's amazon provider
reads for ``ObjectStoragePath``). No secret is ever put in a message: :func:`describe` names a
location without its query string or user info.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from typing_extensions import TypeIs
from upath import UPath

from roachlift.config.connections import StorageConn, resolve_storage_connection
from roachlift.errors import RoachliftError

log = logging.getLogger(__name__)

#: A local folder or file, or an object-storage one (UPath, ObjectStoragePath).
StoragePath: TypeAlias = Path | UPath
#: Object storage schemes (fsspec protocol names) roachlift reads and writes.
OBJECT_SCHEMES = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "memory"})
#: Bytes an object-storage writer buffers before sending a multipart block (S3's minimum is 5 MiB),
#: and a reader's read-ahead: the memory one open remote file holds.
BLOCK_BYTES = 8 * 1024 * 1024
#: Dump files hold table data: readable by their owner only (local files).
FILE_MODE = 0o600
DIR_MODE = 0o700
#: URL query parameters that carry secrets (CockroachDB storage URLs, pkg/cloud/amazon/s3_storage.go,
#: pkg/cloud/gcp/gcs_storage.go, pkg/cloud/azure/azure_storage.go).
SECRET_PARAMS = frozenset(
    {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "CREDENTIALS", "BEARER_TOKEN", "AZURE_ACCOUNT_KEY"}
)


class StorageError(RoachliftError, OSError):
    """Object storage refused or lacks something; the message names the location (never a secret).
    An OSError too, so code written for local files (``except OSError``) treats it alike."""


def is_url(location: str | os.PathLike[str]) -> bool:
    """True for ``scheme://...`` (``file://`` included); False for a plain path."""
    return "://" in str(location) and not isinstance(location, Path)


def is_local(path: StoragePath) -> TypeIs[Path]:
    """True for a local file or folder (a :class:`pathlib.Path`)."""
    return isinstance(path, Path)


def scheme_of(location: str | os.PathLike[str] | StoragePath) -> str:
    """``s3``, ``gs``, ... of a location; ``file`` for a local one."""
    if isinstance(location, Path):
        return "file"
    if isinstance(location, UPath):
        protocol = location.protocol
        return str(protocol[0] if isinstance(protocol, tuple | list) else protocol) or "file"
    text = str(location)
    return text.partition("://")[0].lower() if "://" in text else "file"


def describe(location: str | os.PathLike[str] | StoragePath) -> str:
    """The location as a user reads it: ``s3://bucket/prefix/x`` without user info or query string."""
    if isinstance(location, Path):
        return str(location)
    text = str(location)
    if "://" not in text:
        return text
    parts = urlsplit(text)
    host = parts.hostname or ""
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact_url(url: str) -> str:
    """``url`` with the value of every secret query parameter (and a password) replaced by ``redacted``."""
    parts = urlsplit(url)
    query = [(k, "redacted" if k.upper() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query)]
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":redacted@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="/:"), parts.fragment))


def storage_options(scheme: str, conn: StorageConn | None) -> dict[str, Any]:
    """fsspec options of ``scheme`` from a connection (``None``: the library's default credentials)."""
    if conn is None:
        return {}
    extra = conn.extra
    if scheme in {"s3", "s3a"}:
        opts: dict[str, Any] = {}
        key = conn.login or extra.get("aws_access_key_id")
        secret = conn.password or extra.get("aws_secret_access_key")
        if key and secret:
            opts.update(key=key, secret=secret)
        if extra.get("aws_session_token"):
            opts["token"] = extra["aws_session_token"]
        if extra.get("endpoint_url"):
            opts["endpoint_url"] = extra["endpoint_url"]
        if extra.get("region_name"):
            opts["client_kwargs"] = {"region_name": extra["region_name"]}
        return opts
    if scheme in {"gs", "gcs"}:
        token = extra.get("key_path") or extra.get("keyfile_dict") or extra.get("token")
        return {"token": token, "project": extra.get("project")} if token else {}
    if scheme in {"abfs", "abfss", "az"}:
        if extra.get("connection_string"):
            return {"connection_string": extra["connection_string"]}
        return {"account_name": conn.login or conn.host, "account_key": conn.password}
    return {}


def location(path: str | os.PathLike[str] | StoragePath, conn: StorageConn | None = None) -> StoragePath:
    """The storage path of a folder or URL; object storage is reached with ``conn``'s credentials.

    A UPath given (an Airflow ``ObjectStoragePath``, say) is used as it is; ``file://`` URLs and
    plain paths become :class:`pathlib.Path`.
    """
    if isinstance(path, Path | UPath):
        if isinstance(path, UPath) and scheme_of(path) in {"file", "local"}:
            return Path(path.path)
        return path
    text = os.fspath(path)
    if not is_url(text):
        return Path(text)
    scheme = scheme_of(text)
    if scheme in {"file", "local"}:
        return Path(urlsplit(text).path)
    if scheme not in OBJECT_SCHEMES:
        raise StorageError(
            f"{describe(text)}: scheme {scheme!r} is not a folder, file://, s3://, gs:// or abfs:// location"
        )
    return UPath(text, **storage_options(scheme, conn))


def resolve(path: str | os.PathLike[str] | StoragePath, conn_id: str | None = None) -> StoragePath:
    """:func:`location` with the credentials of connection ``conn_id`` (``AIRFLOW_CONN_<ID>``)."""
    if conn_id is None or isinstance(path, Path | UPath) or scheme_of(path) == "file":
        return location(path)
    return location(path, resolve_storage_connection(conn_id))


def child(root: StoragePath, text: str) -> StoragePath:
    """``text`` (a path or URL that a step handed over as a string) as a path that keeps ``root``'s
    filesystem and credentials when it lies under ``root``; else as :func:`location` reads it."""
    base = str(root).rstrip("/")
    if text == base:
        return root
    if text.startswith(base + "/"):
        return root.joinpath(*text[len(base) + 1 :].split("/"))
    return location(text)


@contextlib.contextmanager
def errors_named(what: StoragePath | str, doing: str = "access") -> Iterator[None]:
    """Turn a storage library's error into a :class:`StorageError` naming ``what`` and the reason."""
    try:
        yield
    except StorageError:
        raise
    except FileNotFoundError as exc:
        raise StorageError(f"{describe(what)}: cannot {doing}: not found ({_reason(exc)})") from None
    except PermissionError as exc:
        raise StorageError(
            f"{describe(what)}: cannot {doing}: access denied ({_reason(exc)}); check the credentials of "
            "dump.storage_conn_id"
        ) from None
    except OSError as exc:
        if isinstance(what, Path) or not is_url(str(what)):
            raise
        raise StorageError(f"{describe(what)}: cannot {doing}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    """The library's message, never a secret: the first line of ``str(exc)``."""
    text = str(exc.args[-1] if len(exc.args) > 1 else exc) if exc.args else type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def check_access(root: StoragePath, *, write: bool = False) -> None:
    """Fail early and clearly when ``root``'s bucket is missing or the credentials are refused
    (local folders: nothing to check here). ``write``: also put and delete a small marker object."""
    if is_local(root):
        return
    with errors_named(root, "write to" if write else "read"):
        root.fs.ls(root.path.split("/", 1)[0], detail=False)  # the bucket: missing, or access denied
        if write:
            probe = root / ".roachlift-write-check"
            probe.write_bytes(b"")
            probe.unlink()


def ensure_dir(path: StoragePath) -> None:
    """Create a local folder (0700, with parents); object storage has no folders: nothing to do."""
    if is_local(path):
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)


def open_write(path: StoragePath) -> IO[bytes]:
    """Open ``path`` for writing bytes (truncated): a local file created 0600 whatever the umask, or
    an object written as a streaming multipart upload (at most :data:`BLOCK_BYTES` held)."""
    if is_local(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        return open(fd, "wb", buffering=1024 * 1024)
    with errors_named(path, "write"):
        return path.open("wb", block_size=BLOCK_BYTES)


def open_read(path: StoragePath) -> IO[bytes]:
    """Open ``path`` for reading bytes (object storage: :data:`BLOCK_BYTES` read-ahead)."""
    if is_local(path):
        return path.open("rb")
    with errors_named(path, "read"):
        return path.open("rb", block_size=BLOCK_BYTES)


def write_text(path: StoragePath, text: str) -> None:
    """Write ``text`` whole: locally through a temporary file and a rename (mode 0600); on object
    storage as one PUT (readers see the old object or the new one, never part of it)."""
    data = text.encode("utf-8")
    if is_local(path):
        tmp = path.with_name(path.name + ".tmp")
        with open_write(tmp) as fh:
            fh.write(data)
        tmp.replace(path)
        return
    with errors_named(path, "write"):
        path.write_bytes(data)


def read_text(path: StoragePath) -> str:
    """The text of ``path`` (UTF-8)."""
    if is_local(path):
        return path.read_text(encoding="utf-8")
    with errors_named(path, "read"):
        return path.read_bytes().decode("utf-8")


def append_text(path: StoragePath, text: str) -> None:
    """Append ``text``: locally in place; on object storage (no appends) by rewriting the object,
    so keep such files small and written by one task at a time."""
    if is_local(path):
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
        return
    with errors_named(path, "append to"):
        old = path.read_bytes() if path.exists() else b""
        path.write_bytes(old + text.encode("utf-8"))


def remove(path: StoragePath) -> None:
    """Delete a file if it exists."""
    if is_local(path):
        path.unlink(missing_ok=True)
        return
    with errors_named(path, "delete"):
        if path.exists():
            path.unlink()


def rename(src: StoragePath, dst: StoragePath) -> None:
    """Move ``src`` to ``dst`` (object storage: a server-side copy, then a delete)."""
    if is_local(src) and is_local(dst):
        src.replace(dst)
        return
    if is_local(src) or is_local(dst):
        raise StorageError(f"{describe(src)}: cannot move between local and object storage ({describe(dst)})")
    with errors_named(src, f"move to {describe(dst)}"):
        src.fs.mv(src.path, dst.path)


def files(folder: StoragePath, pattern: str) -> list[StoragePath]:
    """Files under ``folder`` matching the glob ``pattern`` (``*/manifest.json``), sorted by path."""
    if is_local(folder) and not folder.is_dir():
        return []
    with errors_named(folder, "list"):
        return sorted(folder.glob(pattern), key=str)
