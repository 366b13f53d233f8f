"""The one range runner of the PostgreSQL, MySQL and Oracle writers, and resuming by finished part.

A writer cuts a table into ranges (PostgreSQL ctid ranges, MySQL primary-key ranges, or one range:
the whole table) and hands :func:`run_ranges` a function that streams one range into a
:class:`~roachlift.dump.manifest.ChunkedWriter`. The runner runs the ranges in parallel on the
connections it is given, stops the others at the first failure, maps the failure to a
:class:`~roachlift.errors.RoachliftError` naming the table and the range (:func:`dump_error`), and
renames the ranges' parts ``part-00001...`` in range order.

Resume while the snapshot is held: every part closed (complete on disk, sha256 known) is recorded in
the open :class:`~roachlift.dump.snapshot.Snapshot`, with the table's range plan. When a try is
interrupted (the source connection was lost, killed or shut down: :func:`roachlift.errors.is_transient`)
while the snapshot is still open, those parts stay on disk; the next try of the table under the *same*
snapshot reads each range again from its start, checks that the rows equal the finished parts (CSV
bytes, part by part), writes only the parts after them, and redoes a part that was cut off mid-write.
A range whose parts were all finished is not read again unless the writer asks (MySQL: its rejects
are collected again). The record lives in the snapshot object only: once the snapshot is closed, it
is gone, and a later dump of the table (under another snapshot) starts from scratch — the log says
so. Two snapshots are never mixed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from roachlift.config.spec import Compression
from roachlift.dump.manifest import (
    ChunkedWriter,
    PartFile,
    Progress,
    ResumeMismatch,
    part_digests,
    part_names,
    remove_parts,
    rename_parts,
)
from roachlift.dump.snapshot import Snapshot
from roachlift.errors import RoachliftError, is_transient
from roachlift.storage import StoragePath

log = logging.getLogger(__name__)


class DumpInterrupted(RoachliftError):
    """A table's dump was cut off by a lost source connection; its finished parts are kept while
    the snapshot is held, so a new try of the table continues after them."""


def dump_error(
    exc: BaseException, table: str, where: str = "", folder: StoragePath | None = None
) -> RoachliftError:
    """The one mapping of a failure while dumping ``table`` (``where``: the key range read) to a
    :class:`RoachliftError`: driver errors name the table and range, a lost connection becomes
    :class:`DumpInterrupted`, a file error names the file."""
    if isinstance(exc, RoachliftError):
        return exc
    if isinstance(exc, OSError) and not is_transient(exc):
        return RoachliftError(f"dump of {table}: cannot write {exc.filename or folder}: {exc.strerror}")
    text = str(exc).strip() or type(exc).__name__
    message = f"dump of {table} failed: {text}" + (f" (reading {where})" if where else "")
    return DumpInterrupted(message) if is_transient(exc) else RoachliftError(message)


@dataclass(frozen=True)
class PartSettings:
    """How a table's rows are cut into part files (an earlier try is resumed only with the same)."""

    chunk_rows: int
    chunk_mb: int
    compression: Compression


@dataclass
class RangeRecord:
    """The parts one range has finished, and whether its stream had ended."""

    parts: list[PartFile] = field(default_factory=list)
    done: bool = False


@dataclass
class TableRecord:
    """A table's dump under one snapshot so far: its range plan and what each range finished."""

    plan: tuple[Any, ...]
    settings: PartSettings
    ranges: list[RangeRecord]


def _records(snapshot: Snapshot) -> dict[str, TableRecord]:
    records: dict[str, TableRecord] = snapshot.dump_records
    return records


def resume_plan(snapshot: Snapshot, table: str, settings: PartSettings) -> tuple[Any, ...] | None:
    """The range plan of an interrupted try of ``table`` under this (still held) snapshot, to be
    used again as it was (a plan read anew from the catalog may differ), or ``None``."""
    record = _records(snapshot).get(table) if snapshot.held else None
    if record is None or record.settings != settings:
        return None
    return record.plan


@dataclass
class Connections:
    """How the runner gets connections inside the snapshot: ``count`` at most at once, ``take()``
    one for a range thread (``give(conn)`` after), ``cancel(conn)`` stops its running statement,
    ``drop(conn)`` (instead of ``give``) discards one whose session was lost."""

    count: int
    take: Callable[[], Any]
    give: Callable[[Any], None]
    cancel: Callable[[Any], None] | None = None
    drop: Callable[[Any], None] | None = None


#: ``stream(conn, range index, writer, stop)``: read one range into the writer (until ``stop``).
Stream = Callable[[Any, int, ChunkedWriter, threading.Event], None]


def _kept_parts(folder: StoragePath, record: TableRecord, table: str) -> list[RangeRecord]:
    """The record's parts still intact on disk (each range cut at its first damaged or missing part)."""
    kept: list[RangeRecord] = []
    for rng in record.ranges:
        parts: list[PartFile] = []
        for part in rng.parts:
            intact, _raw = part_digests(folder, part)
            if not intact:
                log.warning("%s: %s changed since it was finished: dumped again", table, part.path)
                break
            parts.append(part)
        kept.append(RangeRecord(parts, rng.done and len(parts) == len(rng.parts)))
    return kept


def run_ranges(
    table: str,
    folder: StoragePath,
    snapshot: Snapshot,
    plan: Sequence[Any],
    labels: list[str],
    settings: PartSettings,
    stream: Stream,
    connections: Connections,
    *,
    reread_done: bool = False,
) -> list[PartFile]:
    """Dump each range of ``plan`` (``labels[i]`` names it in errors) into part files of ``folder``;
    return the parts, renamed ``part-00001...`` in range order.

    One range writes ``part-*`` itself; several write ``range<NNN>-*`` files, in parallel on up to
    ``connections.count`` connections. Finished parts of an interrupted try under the same held
    snapshot are kept and continued after (module docstring); any other failure removes every file.
    """
    records = _records(snapshot)
    record = records.pop(table, None) if snapshot.held else None
    if record is not None and (record.plan != tuple(plan) or record.settings != settings):
        record = None
    kept = _kept_parts(folder, record, table) if record is not None else [RangeRecord() for _ in plan]
    finished = sum(len(r.parts) for r in kept)
    if record is not None:
        log.info(
            "%s: resuming under the same snapshot: %d finished part(s) kept, %d of %d range(s) done",
            table, finished, sum(r.done for r in kept), len(plan),
        )  # fmt: skip
    elif part_names(folder):
        log.info(
            "%s: part files of an earlier dump are not under this snapshot (it is no longer held): "
            "dumping the table again from scratch",
            table,
        )
    remove_parts(folder, keep=[p.path for r in kept for p in r.parts])
    progress = Progress(table)
    lock = threading.Lock()
    done = [r.done for r in kept]

    def recorded(i: int) -> Callable[[PartFile], None]:
        def on_part(part: PartFile) -> None:
            with lock:
                kept[i].parts.append(part)

        return on_part

    single = len(plan) == 1
    writers = []
    for i, rng in enumerate(kept):
        parts, rng.parts = rng.parts, []  # refilled by resume() below and on_part as parts close
        writer = ChunkedWriter(
            folder, table, settings.chunk_rows, settings.chunk_mb, settings.compression,
            prefix="part" if single else f"range{i + 1:03d}", clean=False, progress=progress,
            on_part=recorded(i),
        )  # fmt: skip
        writer.resume(parts, reread=reread_done or not rng.done)
        rng.parts = list(parts)
        writers.append(writer)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(plan)):
        if reread_done or not done[i]:
            todo.put(i)
    stop = threading.Event()
    active: dict[int, Any] = {}
    failures: list[tuple[BaseException, int]] = []

    def stop_others(me: int) -> None:
        if stop.is_set():
            return
        stop.set()
        with lock:
            others = [c for t, c in active.items() if t != me]
        for other in others:
            if connections.cancel is not None:
                try:
                    connections.cancel(other)
                except Exception:
                    log.debug("cancelling a range of %s failed", table, exc_info=True)

    def worker() -> None:
        me = threading.get_ident()
        conn = None
        i = -1
        try:
            conn = connections.take()
            with lock:
                active[me] = conn
            while not stop.is_set():
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    return
                stream(conn, i, writers[i], stop)
                if not stop.is_set():
                    writers[i].finish()
                    done[i] = kept[i].done = True
        except BaseException as exc:
            with lock:
                failures.append((exc, i))
            stop_others(me)
            if conn is not None and connections.drop is not None and is_transient(exc):
                lost, conn = conn, None
                connections.drop(lost)
        finally:
            with lock:
                active.pop(me, None)
            if conn is not None:
                connections.give(conn)

    threads = max(1, min(connections.count, todo.qsize()))
    try:
        if todo.empty():
            pass  # every range finished by the earlier try
        elif threads == 1:
            worker()
        else:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dump-range") as pool:
                for _ in range(threads):
                    pool.submit(worker)
    except BaseException as exc:  # KeyboardInterrupt in the calling thread
        failures.append((exc, -1))
    if failures:
        _fail(table, folder, snapshot, records, plan, settings, kept, writers, failures, labels)
    parts = [part for w in writers for part in w.files]
    progress.log()
    return rename_parts(folder, parts)


def _fail(
    table: str,
    folder: StoragePath,
    snapshot: Snapshot,
    records: dict[str, TableRecord],
    plan: Sequence[Any],
    settings: PartSettings,
    kept: list[RangeRecord],
    writers: list[ChunkedWriter],
    failures: list[tuple[BaseException, int]],
    labels: list[str],
) -> None:
    """Keep the finished parts when the try was interrupted under a held snapshot, else remove every
    file; raise the first failure that is not the cancel of another range, mapped by :func:`dump_error`."""
    for w in writers:
        w.abort()
    own = [(e, i) for e, i in failures if not _cancelled(e)] or failures
    exc, i = own[0]
    if not isinstance(exc, Exception):
        remove_parts(folder)
        raise exc
    error = dump_error(exc, table, labels[i] if 0 <= i < len(labels) and len(labels) > 1 else "", folder)
    if isinstance(error, DumpInterrupted) and snapshot.held and not isinstance(exc, ResumeMismatch):
        records[table] = TableRecord(tuple(plan), settings, kept)
        remove_parts(folder, keep=[p.path for r in kept for p in r.parts])
        finished = sum(len(r.parts) for r in kept)
        error = DumpInterrupted(
            f"{error}; {finished} finished part(s) kept for a new try while the snapshot is held"
        )
    else:
        remove_parts(folder)
    raise error from None


def _cancelled(exc: BaseException) -> bool:
    """True for the error of a range stopped because another one failed (PostgreSQL cancel)."""
    return type(exc).__name__ == "QueryCanceled"
