"""Put dump files into CockroachDB's userfile storage over SQL, as ``cockroach userfile upload`` does.

The CLI (cockroach ``pkg/cli/userfile.go``, ``uploadUserFile``) opens a transaction, runs
``COPY "crdb_internal"."user_file_upload" FROM STDIN WITH destination = '<uri>.tmp'`` and sends the
file as COPY *text* rows of one BYTES column, a chunk per row (lib/pq escapes ``\\``, newline,
carriage return and tab in each chunk; the server decodes each row with ``DecodeCopy`` and keeps
the bytes as they are). After the commit it renames ``<path>.tmp`` to ``<path>`` in
``<prefix>_upload_files``, so a half-uploaded file never carries the final name. Here the same
protocol runs through psycopg, streaming the file: no ``cockroach`` binary is needed on an
Airflow worker. Userfile is meant for small files (the docs suggest about 15 MB): for large
tables point ``load.storage`` at object storage the cluster can read.

The server refuses to upload over an existing file ("destination file already exists",
st.SRC_COPY_FILE_UPLOAD), and the file table's ``filename`` is its primary key
(``fileTableSchema``, st.SRC_FILETABLE), so a retry first deletes what an earlier try left at
``<path>`` and ``<path>.tmp``: an upload is idempotent. URIs without a host (``userfile:///...``)
are resolved to the current user's default table prefix before any statement names a table.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from roachlift import storage
from roachlift.errors import MissingBinaryError, RoachliftError
from roachlift.storage import StoragePath
from roachlift.target import statements as st

log = logging.getLogger(__name__)

UPLOAD_CHUNK = 1 << 20
TMP_SUFFIX = ".tmp"
DEFAULT_PREFIX = "defaultdb.public.userfiles_"
DEFAULT_HEX_PREFIX = "defaultdb.public.userfilesx_"
#: Above this, log a hint that userfile is the slow path (docs: st.DOC_USERFILE_UPLOAD).
LARGE_TABLE_BYTES = 256 << 20
_BARE = re.compile(r"^[a-z_][a-z0-9_$]*$")
_SAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def escape_copy_text(chunk: bytes) -> bytes:
    """Escape raw bytes as one COPY text-format field (``\\\\``, ``\\n``, ``\\r``, ``\\t``)."""
    return chunk.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t")


def default_prefix(user: str) -> str:
    """``defaultdb.public.userfiles_<user>`` (hex form for a user name that is not a bare
    identifier), as ``getDefaultQualifiedTableName`` in the CLI."""
    if _BARE.match(user):
        return DEFAULT_PREFIX + user
    return DEFAULT_HEX_PREFIX + user.encode().hex()


def resolve_uri(conn: psycopg.Connection, dest_uri: str) -> str:
    """Fill in the host of ``userfile:///path`` with the current user's default table prefix."""
    parts = urlsplit(dest_uri)
    if parts.scheme != "userfile":
        raise RoachliftError(f"{dest_uri}: not a userfile:// URI")
    if not parts.path.startswith("/") or ".." in parts.path.split("/"):
        raise RoachliftError(f"{dest_uri}: userfile paths must be absolute and free of '..'")
    if parts.netloc:
        return dest_uri
    with conn.transaction():
        row = conn.execute(st.CURRENT_USER).fetchone()
    user = str(row[0]) if row else "root"
    return urlunsplit(("userfile", default_prefix(user), parts.path, "", ""))


def run_path(run_id: str, table: str, filename: str) -> str:
    """``userfile:///roachlift/<run>/<table>/<file>`` with unsafe characters replaced."""
    safe = [_SAFE.sub("_", p) for p in (run_id, table, filename)]
    return "userfile:///roachlift/{}/{}/{}".format(*safe)


def upload_file(
    conn: psycopg.Connection, local_path: StoragePath, dest_uri: str, chunk_bytes: int = UPLOAD_CHUNK
) -> str:
    """Upload ``local_path`` to ``dest_uri`` (``userfile://...``); return the resolved final URI.

    The file is streamed in ``chunk_bytes`` pieces inside one transaction, to ``<uri>.tmp``, then
    renamed. Requires a CockroachDB target; ``conn`` must be in autocommit mode.
    """
    uri = resolve_uri(conn, dest_uri)
    parts = urlsplit(uri)
    sent = 0
    # a retry: drop what an earlier try left (the server refuses an existing destination)
    stale = delete_files(conn, [uri, uri + TMP_SUFFIX])
    if stale:
        log.info("%s: removed %d file(s) an earlier try left at %s", local_path, stale, uri)
    try:
        with (
            storage.open_read(local_path) as fh,
            conn.transaction(),
            conn.cursor().copy(st.userfile_upload(uri + TMP_SUFFIX)) as copy,
        ):
            while chunk := fh.read(chunk_bytes):
                copy.write(escape_copy_text(chunk) + b"\n")
                sent += len(chunk)
        with conn.transaction():
            conn.execute(st.userfile_rename(parts.netloc), (parts.path, parts.path + TMP_SUFFIX))
    except OSError as exc:
        raise RoachliftError(f"{local_path}: cannot read for upload: {exc}") from exc
    except psycopg.Error as exc:
        raise RoachliftError(f"{local_path}: userfile upload to {uri} failed: {exc}") from exc
    log.info("uploaded %s (%d bytes) to %s", local_path, sent, uri)
    return uri


def delete_files(conn: psycopg.Connection, uris: Sequence[str]) -> int:
    """Delete uploaded files (payload then metadata, one transaction each), as
    ``cockroach userfile delete`` does; returns how many were deleted. A URI without a host
    (``userfile:///...``) is resolved first, as the server does (``parseUserfileURL``)."""
    deleted = 0
    for given in uris:
        uri = resolve_uri(conn, given)
        parts = urlsplit(uri)
        try:
            with conn.transaction():
                conn.execute(st.userfile_delete_payload(parts.netloc), (parts.path,))
                cur = conn.execute(st.userfile_delete_file(parts.netloc), (parts.path,))
                deleted += max(cur.rowcount, 0)
        except psycopg.errors.UndefinedTable:
            continue  # the user's file tables do not exist before the first upload: nothing to delete
        except psycopg.Error as exc:
            raise RoachliftError(f"{uri}: deleting the uploaded file failed: {exc}") from exc
    return deleted


def upload_file_cli(target_url: str, local_path: Path, dest_uri: str, binary: str = "cockroach") -> str:
    """Upload with the ``cockroach userfile upload <src> <dest> --url <url>`` command instead of
    over SQL (for sites that prefer the official client); returns ``dest_uri``.
    Docs: st.DOC_USERFILE_UPLOAD."""
    exe = shutil.which(binary)
    if exe is None:
        raise MissingBinaryError(
            f"{binary} not found: install the CockroachDB binary, or upload over SQL (load.storage: userfile)"
        )
    res = subprocess.run(
        [exe, "userfile", "upload", str(local_path), dest_uri, "--url", target_url],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        # the URL may hold a password: report only the command's own message
        raise RoachliftError(f"{local_path}: cockroach userfile upload failed: {res.stderr.strip()[-500:]}")
    log.info("uploaded %s to %s with %s", local_path, dest_uri, exe)
    return dest_uri
