"""COPY mode: stream dump CSV files into a table with ``COPY ... FROM STDIN WITH CSV``.

The fast path writes raw file chunks to psycopg's ``copy.write()``; no row is parsed. To commit
every ``batch_rows`` rows, :class:`RowCutter` finds row ends in each chunk while tracking whether
the scan is inside a quoted field (a newline inside quotes is data, not a row end), so a batch
always ends on a row boundary. Files are read in chunks (gzip decompressed on the fly); a table
is never held in memory.
"""

from __future__ import annotations

import gzip
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, cast

import psycopg

from roachlift import storage
from roachlift.errors import RoachliftError
from roachlift.progress import PROGRESS_EVERY_S, progress_line
from roachlift.storage import StoragePath
from roachlift.target import statements as st

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
NEWLINE = b"\n"
_NOT_QUOTE_NL = bytes(b for b in range(256) if b not in b'"\n')


class RowCutter:
    """Counts CSV row ends in a byte stream, carrying the in-quotes state across chunks."""

    def __init__(self) -> None:
        self.in_quotes = False

    def cut(self, data: bytes, start: int, want: int) -> tuple[int, int]:
        """Scan ``data[start:]`` for up to ``want`` row ends; return ``(found, end)`` where ``end``
        is the offset just past the last row end counted (``len(data)`` when fewer than ``want``)."""
        size = len(data)
        if not self.in_quotes and data.find(b'"', start) < 0:
            n = data.count(NEWLINE, start)
            if n < want:
                return n, size
            return want, _nth_newline(data, start, size, want) + 1
        # Fast count in C: keep only quotes and newlines, split on quotes; the pieces outside
        # quotes alternate (a doubled quote inside a quoted field is an empty "outside" piece).
        # After the translate the pieces are cached 0- and 1-byte objects, so this costs little.
        pieces = (data[start:] if start else data).translate(None, _NOT_QUOTE_NL).split(b'"')
        outside = pieces[1::2] if self.in_quotes else pieces[0::2]
        n = b"".join(outside).count(NEWLINE)
        if n < want:
            if (len(pieces) - 1) % 2:
                self.in_quotes = not self.in_quotes
            return n, size
        return self._walk(data, start, want)

    def _walk(self, data: bytes, start: int, want: int) -> tuple[int, int]:
        """Quote by quote up to the ``want``-th row end (used once per batch)."""
        size = len(data)
        found = 0
        pos = start
        while pos < size:
            q = data.find(b'"', pos)
            seg_end = size if q < 0 else q
            if not self.in_quotes:
                n = data.count(NEWLINE, pos, seg_end)
                if found + n >= want:
                    return want, _nth_newline(data, pos, seg_end, want - found) + 1
                found += n
            if q < 0:
                break
            self.in_quotes = not self.in_quotes
            pos = q + 1
        return found, size


def _nth_newline(data: bytes, start: int, end: int, nth: int) -> int:
    pos = start - 1
    for _ in range(nth):
        pos = data.find(NEWLINE, pos + 1, end)
    return pos


class _GzipReader(gzip.GzipFile):
    """Decompresses an open file and closes it when closed itself."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def open_data_file(path: StoragePath, offset: int = 0) -> IO[bytes]:
    """Open a dump file (a folder's or object storage's) for reading at ``offset`` (uncompressed
    bytes), decompressing ``.gz`` on the fly (a gzip stream cannot seek: the bytes before
    ``offset`` are decompressed and dropped)."""
    raw = storage.open_read(path)
    fh = cast(IO[bytes], _GzipReader(raw)) if path.suffix == ".gz" else raw
    if offset:
        fh.seek(offset)
    return fh


@dataclass(frozen=True)
class CopyPosition:
    """Where a COPY load stands: ``offset`` uncompressed bytes of file ``file_index`` are loaded
    (always just past a row end), ``rows`` rows and ``batches`` batches committed in all."""

    file_index: int = 0
    offset: int = 0
    rows: int = 0
    batches: int = 0


def iter_chunks(
    paths: Iterable[StoragePath], chunk_bytes: int = CHUNK_BYTES, start: CopyPosition | None = None
) -> Iterator[tuple[int, int, bytes]]:
    """``(file index, offset in file, bytes)`` of each file in turn, ``chunk_bytes`` at a time,
    from ``start``; a file not ending in a newline gets one, so rows never run across files."""
    first, offset = (start.file_index, start.offset) if start else (0, 0)
    for index, path in enumerate(paths):
        if index < first:
            continue
        pos = offset if index == first else 0
        last = b""
        with open_data_file(path, pos) as fh:
            while True:
                chunk = fh.read(chunk_bytes)
                if not chunk:
                    break
                last = chunk
                yield index, pos, chunk
                pos += len(chunk)
        if last and not last.endswith(NEWLINE):
            yield index, pos, NEWLINE


@dataclass(frozen=True)
class CopyStats:
    """What one COPY-mode load sent: rows (row ends seen), bytes (uncompressed), batches committed
    by this call; ``resumed_rows`` were committed by an earlier call this one continued."""

    rows: int
    bytes: int
    batches: int
    seconds: float
    resumed_rows: int = 0


class _Chunks:
    """A chunk iterator with a read position, so a batch can stop in the middle of a chunk."""

    def __init__(self, chunks: Iterator[tuple[int, int, bytes]], start: CopyPosition) -> None:
        self._chunks = chunks
        self.data = b""
        self.pos = 0
        self.file_index = start.file_index
        self.base = start.offset  # offset of ``data`` in its file

    def fill(self) -> bool:
        """Make unread bytes available; False at the end of the data."""
        while self.pos >= len(self.data):
            nxt = next(self._chunks, None)
            if nxt is None:
                return False
            self.file_index, self.base, self.data = nxt
            self.pos = 0
        return True

    @property
    def offset(self) -> int:
        """Offset in the current file of the next unread byte."""
        return self.base + self.pos


def copy_files(
    conn: psycopg.Connection,
    table: str,
    columns: Sequence[str],
    paths: Sequence[StoragePath],
    batch_rows: int,
    chunk_bytes: int = CHUNK_BYTES,
    *,
    start: CopyPosition | None = None,
    on_commit: Callable[[CopyPosition], None] | None = None,
    total_rows: int | None = None,
) -> CopyStats:
    """COPY the CSV ``paths`` into ``table`` in transactions of at most ``batch_rows`` rows.

    Each batch is committed before the next starts; ``on_commit(position)`` runs inside each
    batch's transaction after its COPY (to record the position with the rows, atomically), and
    ``start`` continues from such a position. A failure rolls back only the open batch and raises
    :class:`RoachliftError` naming the table, the batch and the server's message. Every few
    seconds a progress line gives percent of ``total_rows``, rows/s and ETA.
    """
    if batch_rows <= 0:
        raise RoachliftError(f"{table}: batch_rows must be positive, got {batch_rows}")
    begin = start or CopyPosition()
    stmt = st.copy_from_stdin_csv(table, columns)
    cutter = RowCutter()
    src = _Chunks(iter_chunks(paths, chunk_bytes, begin), begin)
    started = time.monotonic()
    rows = sent = batches = 0
    next_log = started + PROGRESS_EVERY_S
    try:
        while src.fill():
            in_batch = 0
            with conn.transaction():
                with conn.cursor().copy(stmt) as copier:
                    while in_batch < batch_rows and src.fill():
                        found, end = cutter.cut(src.data, src.pos, batch_rows - in_batch)
                        copier.write(memoryview(src.data)[src.pos : end])
                        sent += end - src.pos
                        in_batch += found
                        src.pos = end
                if on_commit is not None:
                    on_commit(
                        CopyPosition(
                            src.file_index,
                            src.offset,
                            begin.rows + rows + in_batch,
                            begin.batches + batches + 1,
                        )
                    )
            batches += 1
            rows += in_batch
            log.debug("%s: committed batch %d (%d rows so far)", table, batches, rows)
            now = time.monotonic()
            if now >= next_log and src.fill():
                next_log = now + PROGRESS_EVERY_S
                line = progress_line(table, rows, now - started, total_rows, sent, done_before=begin.rows)
                log.info("load %s", line)
    except psycopg.Error as exc:
        context = f" ({exc.diag.context.strip()})" if exc.diag.context else ""
        raise RoachliftError(
            f"{table}: COPY failed in batch {begin.batches + batches + 1} "
            f"(after {begin.rows + rows} committed rows): {exc.diag.message_primary or exc}{context}"
        ) from exc
    return CopyStats(
        rows=rows, bytes=sent, batches=batches, seconds=time.monotonic() - started, resumed_rows=begin.rows
    )
