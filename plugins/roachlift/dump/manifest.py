"""Chunked CSV part files and the per-table ``manifest.json`` (the contract read by load, verify, cdc).

Layout: ``<out>/<table>/part-00001.csv[.gz]`` and ``<out>/<table>/manifest.json``; ``<out>/snapshot.json``
holds the source position shared by every table.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import re
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from roachlift import storage
from roachlift.config.spec import Compression
from roachlift.errors import RoachliftError
from roachlift.progress import PROGRESS_EVERY_S, progress_line
from roachlift.storage import StoragePath

log = logging.getLogger(__name__)

#: Row counts the source catalog expects per table (for percent and ETA in progress lines).
_EXPECTED_ROWS: dict[str, int] = {}
_EXPECTED_LOCK = threading.Lock()


def expect_rows(counts: dict[str, int]) -> None:
    """Remember the catalog's row estimate of each table, so its progress lines show % and ETA."""
    with _EXPECTED_LOCK:
        _EXPECTED_ROWS.update({k: int(v) for k, v in counts.items() if v and v > 0})


def _deflate_module() -> Any:
    """ISA-L's zlib-compatible module when ``isal`` is installed (about 3x zlib's speed at level 1,
    same ratio, measured on dump CSV), else the standard ``zlib``: same API, both write gzip."""
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:
        return zlib


#: The deflate implementation for ``.csv.gz`` parts and its level (1: fastest; ISA-L takes 0-3).
DEFLATE: Any = _deflate_module()
GZIP_LEVEL = 1
_GZIP_WBITS = 16 + 15  # a gzip header and trailer around the deflate stream
_SAFE = re.compile(r"[^A-Za-z0-9_.$-]+")
#: Characters of the readable part of a folder name (the hash makes the name unique).
SLUG_CHARS = 60
#: Dump files hold table data: readable by their owner only.
FILE_MODE = 0o600
DIR_MODE = 0o700


def table_dir_name(table: str) -> str:
    """Folder name of a table's files: a readable ASCII slug of the qualified name plus a short hash
    of the exact name, so names differing only in non-ASCII letters, case, quotes or spaces
    (``订单`` / ``客户``, ``Order`` / ``order``) never share a folder. The manifest keeps the exact name.
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", table) if not unicodedata.combining(c))
    slug = _SAFE.sub("_", plain)[:SLUG_CHARS].lstrip(".") or "_"  # 'Crème' -> 'Creme', '订单' -> '_'
    return f"{slug}-{hashlib.sha256(table.encode('utf-8')).hexdigest()[:10]}"


def private_file(path: StoragePath) -> IO[bytes]:
    """Open ``path`` for writing (truncated): a local file created with mode 0600 whatever the
    umask, or an object streamed to object storage (:func:`roachlift.storage.open_write`)."""
    return storage.open_write(path)


# --- The part files of a table folder: the only place that opens, lists, renames or removes them ---

#: Names of a table folder's data files: ``part-00001.csv[.gz]`` and, while ranges run, ``range001-00001...``.
PART_PATTERNS = ("part-*.csv*", "range*-*.csv*")


def open_part(folder: StoragePath, name: str) -> IO[bytes]:
    """Open part file ``name`` of ``folder`` for writing (the one place a part is opened): on object
    storage a streaming multipart upload, at most one block held in memory, nothing on local disk;
    the object appears whole when :func:`finish_part` closes it."""
    return private_file(folder / name)


def finish_part(fh: IO[bytes]) -> None:
    """Close a part opened by :func:`open_part` once its last byte is written (the one place a part
    is finalised)."""
    fh.close()


def abandon_part(fh: IO[bytes]) -> None:
    """Close a part opened by :func:`open_part` that will not be finished (after an error); the
    runner removes its file."""
    fh.close()


def part_names(folder: StoragePath) -> list[str]:
    """Names of the part and range files in ``folder`` (finished or not), sorted."""
    return sorted({p.name for pattern in PART_PATTERNS for p in storage.files(folder, pattern)})


def remove_parts(folder: StoragePath, keep: Iterable[str] = ()) -> None:
    """Remove every part and range file of ``folder`` except those named in ``keep``."""
    kept = set(keep)
    for name in part_names(folder):
        if name not in kept:
            storage.remove(folder / name)


def part_digests(folder: StoragePath, part: PartFile) -> tuple[bool, str]:
    """(file intact, sha256 of its CSV bytes): intact when the file has the recorded size and
    sha256; the CSV digest is of the uncompressed bytes (what a resumed read is compared with)."""
    path = folder / part.path
    if not path.is_file() or path.stat().st_size != part.bytes:
        return False, ""
    disk, raw = hashlib.sha256(), hashlib.sha256()
    inflate = DEFLATE.decompressobj(_GZIP_WBITS) if part.path.endswith(".gz") else None
    with storage.open_read(path) as fh:
        while block := fh.read(1 << 20):
            disk.update(block)
            raw.update(inflate.decompress(block) if inflate is not None else block)
    if inflate is not None:
        raw.update(inflate.flush())
    return disk.hexdigest() == part.sha256, raw.hexdigest()


def write_private_text(path: StoragePath, text: str) -> None:
    """Write ``text`` to ``path`` whole: locally atomically (temporary file, then rename), mode 0600;
    on object storage as one PUT."""
    storage.write_text(path, text)


@dataclass
class PartFile:
    """One part file of a table."""

    path: str
    rows: int
    bytes: int
    sha256: str


@dataclass
class TableManifest:
    """What the dump wrote for one table (serialised as ``manifest.json``)."""

    table: str
    target_table: str
    columns: list[str]
    files: list[PartFile] = field(default_factory=list)
    rows: int = 0
    bytes: int = 0
    compression: str = "none"
    snapshot: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0
    #: ``columns`` as the target names them (roachlift.naming), same order; load writes these
    target_columns: list[str] = field(default_factory=list)
    #: A fresh id per dump run: what load progress and remembered IMPORT jobs are keyed by.
    dump_id: str = ""
    #: Rows left out because they hold a value the target cannot hold (listed in rejects.csv).
    rejected: int = 0
    #: Values changed by a lossy rule of the spec (``values.*``), by what was done.
    changed: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableManifest:
        """Read a manifest dict back."""
        files = [PartFile(**f) for f in data.get("files", [])]
        return cls(**{**data, "files": files})

    def write(self, folder: StoragePath) -> StoragePath:
        """Write ``manifest.json`` into ``folder``."""
        path = folder / "manifest.json"
        write_private_text(path, json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")
        return path


def rename_parts(folder: StoragePath, parts: list[PartFile]) -> list[PartFile]:
    """Rename the ranges' parts ``part-00001...`` in order; empty parts go (one stays if all are).
    On object storage a rename is a server-side copy and a delete: no byte comes back here."""
    kept = [p for p in parts if p.rows] or parts[:1]
    for p in parts:
        if p not in kept:
            storage.remove(folder / p.path)
    renamed: list[PartFile] = []
    for n, p in enumerate(kept, 1):
        name = f"part-{n:05d}.csv" + (".gz" if p.path.endswith(".gz") else "")
        if p.path != name:
            storage.rename(folder / p.path, folder / name)
        renamed.append(PartFile(name, p.rows, p.bytes, p.sha256))
    return renamed


def read_manifest(path: StoragePath) -> TableManifest:
    """The manifest of a table folder (``path`` is the folder or its ``manifest.json``, in a folder
    or on object storage); an unreadable or mistyped one is a :class:`RoachliftError` naming the file."""
    if path.name != "manifest.json":
        path = path / "manifest.json"
    where = storage.describe(path)
    try:
        data = json.loads(storage.read_text(path))
    except storage.StorageError as exc:
        raise RoachliftError(f"cannot read the dump manifest: {exc}") from None
    except (OSError, ValueError) as exc:
        raise RoachliftError(f"{where}: cannot read the dump manifest: {exc}") from exc
    try:
        return TableManifest.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RoachliftError(f"{where}: manifest lacks or mistypes a key ({exc})") from exc


def finish_table(
    folder: StoragePath,
    manifest: TableManifest,
    started: float,
) -> TableManifest:
    """The one way a table's dump ends: rows, bytes and rate filled in, ``manifest.json`` written,
    one log line. (Every writer starts with :func:`start_table`, which removes a stale manifest.)"""
    elapsed = time.monotonic() - started
    manifest.rows = sum(f.rows for f in manifest.files)
    manifest.bytes = sum(f.bytes for f in manifest.files)
    manifest.elapsed_s = round(elapsed, 3)
    manifest.rows_per_s = round(manifest.rows / elapsed, 1) if elapsed > 0 else 0.0
    log.info(
        "%s: %d rows, %d file(s), %.0f rows/s", manifest.table, manifest.rows, len(manifest.files),
        manifest.rows_per_s,
    )  # fmt: skip
    manifest.write(folder)
    return manifest


def start_table(out_dir: StoragePath, table: str) -> StoragePath:
    """The table's folder, created (0700; object storage has no folders), with any ``manifest.json``
    of an earlier dump removed: a manifest is never left pointing at parts rewritten by this one."""
    folder = out_dir / table_dir_name(table)
    storage.ensure_dir(folder)
    storage.remove(folder / "manifest.json")
    return folder


class Progress:
    """Rows and bytes of one table so far, shared by the writers of its ranges; logs every few seconds."""

    def __init__(self, table: str, expected_rows: int | None = None) -> None:
        self.table = table
        with _EXPECTED_LOCK:
            self.expected_rows = expected_rows or _EXPECTED_ROWS.get(table)
        self.rows = 0
        self.raw_bytes = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._next_log = self._started + PROGRESS_EVERY_S

    def add(self, rows: int, raw_bytes: int) -> None:
        """Count ``rows`` more rows of ``raw_bytes`` CSV bytes; log when the interval has passed."""
        with self._lock:  # logged under the lock: the lines of parallel ranges come in order
            self.rows += rows
            self.raw_bytes += raw_bytes
            now = time.monotonic()
            if now < self._next_log:
                return
            self._next_log = now + PROGRESS_EVERY_S
            self._log(now)  # under the lock: the lines of the writers sharing it stay in order

    def log(self, now: float | None = None) -> None:
        """Log percent done, rows, MB, rows/s and ETA so far."""
        with self._lock:
            self._log(now)

    def _log(self, now: float | None) -> None:
        elapsed = max((now or time.monotonic()) - self._started, 1e-9)
        log.info("dump %s", progress_line(self.table, self.rows, elapsed, self.expected_rows, self.raw_bytes))


class ResumeMismatch(RoachliftError):
    """Rows read again to resume a table differ from a part finished before: dump it from scratch."""


class ChunkedWriter:
    """Writes CSV bytes into part files, starting a new one every ``chunk_rows`` rows or ``chunk_mb`` MB.

    Callers hand over *whole rows* (one or many per call) so a part never splits a row; a part is
    closed after the call that brings it to ``chunk_rows`` rows or ``chunk_mb`` MB (callers that
    never hand over more than :attr:`rows_left` rows / :attr:`bytes_left` bytes get exact cuts).
    Sizes and checksums are of the bytes on disk (compressed when gzip). Logs progress every few
    seconds (through ``progress``, which several writers of one table may share).

    ``prefix`` names the files (``<prefix>-00001.csv``); a new writer deletes the folder's old
    ``part-*`` (and left-over ``range*-*``) files unless ``clean`` is false. ``on_part`` is called
    with each part once it is closed (complete on disk, checksum known).

    A writer given finished parts by :meth:`resume` continues after them: the rows handed over
    are first checked against those parts (the same CSV bytes, part by part) and not written again;
    only then does it open the next part. A difference raises :class:`ResumeMismatch`.
    """

    def __init__(
        self,
        folder: StoragePath,
        table: str,
        chunk_rows: int,
        chunk_mb: int,
        compression: Compression = Compression.NONE,
        *,
        prefix: str = "part",
        clean: bool = True,
        progress: Progress | None = None,
        on_part: Callable[[PartFile], None] | None = None,
    ) -> None:
        self.folder = folder
        self.table = table
        self.chunk_rows = chunk_rows
        self.chunk_bytes = chunk_mb * 1024 * 1024
        self.gzip = compression == Compression.GZIP
        self.prefix = prefix
        self.progress = progress or Progress(table)
        self.files: list[PartFile] = []
        self.rows = 0
        self.raw_bytes = 0
        self._fh: IO[bytes] | None = None
        self._gz: Any = None
        self._hash = hashlib.sha256()
        self._part_rows = 0
        self._part_raw = 0
        self._part_disk = 0
        self.on_part = on_part
        #: Finished parts still to be matched by the rows handed over (see :meth:`resume`).
        self._skip: list[PartFile] = []
        self._skip_rows = 0
        self._skip_hash = hashlib.sha256()
        storage.ensure_dir(folder)
        if clean:
            remove_parts(folder)

    def resume(self, parts: list[PartFile], *, reread: bool = True) -> None:
        """Continue after ``parts`` (finished by an earlier try under the same snapshot). With
        ``reread`` the rows handed over first must equal them; without, the stream is not read again
        (its parts are all there)."""
        self.files = list(parts)
        if reread:
            self._skip = list(parts)
        else:
            self.rows = sum(p.rows for p in parts)
            self.progress.add(self.rows, 0)

    @property
    def skipping(self) -> bool:
        """True while the rows handed over are those of parts already finished."""
        return bool(self._skip)

    def _skipped(self, data: bytes | bytearray, rows: int) -> None:
        """Match rows of a finished part instead of writing them; check the part when it is whole."""
        self._skip_hash.update(data)
        self._skip_rows += rows
        self.rows += rows
        self.progress.add(rows, len(data))
        part = self._skip[0]
        if self._skip_rows < part.rows:
            return
        intact, raw = part_digests(self.folder, part)
        if self._skip_rows != part.rows or not intact or raw != self._skip_hash.hexdigest():
            raise ResumeMismatch(
                f"dump of {self.table}: {part.path}, finished by an earlier try, does not hold the rows "
                "read again under the same snapshot"
            )
        self._skip.pop(0)
        self._skip_rows = 0
        self._skip_hash = hashlib.sha256()

    def _open(self) -> None:
        name = f"{self.prefix}-{len(self.files) + 1:05d}.csv" + (".gz" if self.gzip else "")
        self._name = name
        self._fh = open_part(self.folder, name)
        self._hash = hashlib.sha256()
        self._part_rows = self._part_raw = self._part_disk = 0
        if self.gzip:
            self._gz = DEFLATE.compressobj(GZIP_LEVEL, DEFLATE.DEFLATED, _GZIP_WBITS)

    def _put(self, data: bytes | bytearray) -> None:
        """Hash, count and write bytes as they go to disk."""
        assert self._fh is not None
        self._hash.update(data)
        self._part_disk += len(data)
        self._fh.write(data)

    def _close(self) -> None:
        if self._fh is None:
            return
        if self._gz is not None:
            self._put(self._gz.flush())
            self._gz = None
        finish_part(self._fh)
        self._fh = None
        part = PartFile(self._name, self._part_rows, self._part_disk, self._hash.hexdigest())
        self.files.append(part)
        if self.on_part is not None:
            self.on_part(part)

    @property
    def rows_left(self) -> int:
        """Rows the current part still takes before the next one starts."""
        if self._skip:
            return self._skip[0].rows - self._skip_rows
        return self.chunk_rows - (self._part_rows if self._fh is not None else 0)

    @property
    def bytes_left(self) -> int:
        """Uncompressed bytes the current part still takes before it reaches ``chunk_mb``."""
        if self._skip:
            return self.chunk_bytes
        return self.chunk_bytes - (self._part_raw if self._fh is not None else 0)

    def write(self, data: bytes | bytearray, rows: int) -> None:
        """Append ``rows`` complete rows held in ``data``."""
        if self._skip:
            self._skipped(data, rows)
            return
        if self._fh is None:
            self._open()
        self._put(self._gz.compress(data) if self._gz is not None else data)
        self._part_rows += rows
        self._part_raw += len(data)
        self.rows += rows
        self.raw_bytes += len(data)
        if self._part_rows >= self.chunk_rows or self._part_raw >= self.chunk_bytes:
            self._close()
        self.progress.add(rows, len(data))

    def write_parts(self, parts: list[bytes], rows: int) -> None:
        """:meth:`write` for rows given as pieces (a large row is never joined into one copy)."""
        if self._skip:
            self._skipped(b"".join(parts), rows)
            return
        if self._fh is None:
            self._open()
        size = 0
        for data in parts:
            self._put(self._gz.compress(data) if self._gz is not None else data)
            size += len(data)
        self._part_rows += rows
        self._part_raw += size
        self.rows += rows
        self.raw_bytes += size
        if self._part_rows >= self.chunk_rows or self._part_raw >= self.chunk_bytes:
            self._close()
        self.progress.add(rows, size)

    def finish(self) -> list[PartFile]:
        """Close the open part; an empty table still gets one (empty) part file."""
        if self._skip:
            raise ResumeMismatch(
                f"dump of {self.table}: the rows read again under the same snapshot end before "
                f"{self._skip[0].path}, finished by an earlier try"
            )
        if self._fh is None and not self.files:
            self._open()
        self._close()
        return self.files

    def abort(self) -> None:
        """Close without recording (after an error)."""
        if self._fh is not None:
            abandon_part(self._fh)
        self._gz = self._fh = None


def write_snapshot_json(out_dir: StoragePath, position: dict[str, Any]) -> StoragePath:
    """Write ``<out>/snapshot.json``."""
    storage.ensure_dir(out_dir)
    path = out_dir / "snapshot.json"
    write_private_text(path, json.dumps(position, indent=2) + "\n")
    return path
