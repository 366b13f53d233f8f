"""Row-by-row comparison of a source table with its target copy.

Tables with a primary key are compared by **merging two key-ordered streams** (``pk-merge``):
both sides are read ordered by the key, in chunks by key range when the first key column is an
integer (chunks run in parallel), and each key is classified as missing (source only), extra
(target only) or mismatched (both, with the differing columns named). Rows are first compared as
Python tuples (fast, in C); only rows that differ there are normalized column by column
(:func:`roachlift.verify.normalize.values_equal`) to rule out differences of representation only.

Tables without a primary key are compared by a **full-row hash** (``full-row-hash``): each side's
normalized rows are hashed into buckets (sum and count per bucket); buckets that differ are read
again to name the missing and extra rows.

**Rejected rows**: rows the dump left out because they hold a value the target cannot hold
(``rejects.csv``, :mod:`roachlift.values`) are reported as *rejected*, not missing; a table with
rejected rows is not ok unless the spec accepts them (``values.accept_rejects``). Under the spec's
lossy rules the source value is changed the same way before comparing.

**Live re-verification**: with ``recheck_delay_s`` set, every difference found (up to
``recheck_limit``) is read again from both sides after that delay; differences that have gone (rows
changed during the check while CDC was still applying) are counted in ``resolved_on_recheck`` and
not reported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import oracledb
import psycopg
import pymysql

from roachlift.config.connections import ConnInfo
from roachlift.csvfmt import format_value
from roachlift.errors import RoachliftError
from roachlift.naming import Naming
from roachlift.sources import adapter_for
from roachlift.values import Reject, ValueRules
from roachlift.verify.chunkhash import ChunkDigests
from roachlift.verify.normalize import column_kind, normalize, values_equal
from roachlift.verify.readers import (
    Bounds,
    MySQLReader,
    PostgresReader,
    Reader,
    TableShape,
    as_conninfo,
    open_reader,
)
from roachlift.verify.report import (
    METHOD_FULL_ROW_HASH,
    METHOD_PK_MERGE,
    Mismatch,
    TableResult,
    VerifyResult,
)

log = logging.getLogger(__name__)

#: What a reader's driver raises (any source, either side): a table's result records it as its error.
DRIVER_ERRORS = (psycopg.Error, pymysql.MySQLError, oracledb.Error)

MISSING = "missing"
EXTRA = "extra"
MISMATCHED = "mismatched"
REJECTED = "rejected"

#: At most this many key ranges per table (wider ranges for sparse keys).
MAX_CHUNKS = 1000
#: Rows between progress checks; a progress line is logged at most every ``progress_every_s``.
_PROGRESS_ROWS = 65536
#: Hash buckets of the full-row-hash method, and how many differing ones are read again.
_HASH_BUCKETS = 4096
_HASH_BUCKETS_EXAMINED = 64
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class TableRef:
    """A source table and its target table (same name in the target schema unless given).

    ``source_schema`` is the PostgreSQL schema or the MySQL database (default: ``public`` or the
    connection's database); ``target_schema`` defaults to ``public``.
    """

    source_table: str
    source_schema: str | None = None
    target_table: str | None = None
    target_schema: str | None = None
    #: source -> target names of the table (when ``target_table`` is not given) and its columns
    naming: Naming = field(default_factory=Naming, compare=False)

    @classmethod
    def parse(cls, source: str, target: str | None = None) -> TableRef:
        """From ``[schema.]table`` names."""
        s_schema, _, s_table = source.rpartition(".")
        t_schema, t_table = None, None
        if target:
            ts, _, t_table = target.rpartition(".")
            t_schema = ts or None
        return cls(s_table, s_schema or None, t_table, t_schema)

    def __str__(self) -> str:
        return f"{self.source_schema}.{self.source_table}" if self.source_schema else self.source_table


@dataclass
class _Plan:
    """What to read on each side and how to compare it."""

    source: TableShape
    target: TableShape
    names: list[str]  # source column names, key columns first
    target_names: list[str]  # the same columns on the target
    kinds: list[str | None]
    key_len: int
    ranged: bool
    empty_is_null: bool
    rules: ValueRules | None = None

    @property
    def method(self) -> str:
        return METHOD_PK_MERGE if self.key_len else METHOD_FULL_ROW_HASH


KeyFn = Callable[[tuple[Any, ...]], Any]


def _utc_naive(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _key_converter(shape: TableShape, name: str) -> Callable[[Any], Any] | None:
    """Make key values of differently typed columns comparable (uuid vs char(36), tz-aware)."""
    col = shape.column(name)
    if col.data_type == "uuid" or col.detail == "uuid":
        return str
    zoned = "time zone" in col.data_type and "without" not in col.data_type  # Oracle: timestamp(6) with ...
    if col.data_type == "timestamptz" or zoned:
        return _utc_naive
    return None


def _key_fn(shape: TableShape, key_names: Sequence[str]) -> KeyFn:
    """A function giving a row's key (a scalar for one column, else a tuple) from the first columns."""
    convs = [_key_converter(shape, n) for n in key_names]
    n = len(key_names)
    if not any(convs):
        return itemgetter(0) if n == 1 else itemgetter(*range(n))
    if n == 1:
        conv = convs[0]
        assert conv is not None
        return lambda row: conv(row[0])
    pairs = [(i, c) for i, c in enumerate(convs)]
    return lambda row: tuple(row[i] if c is None else c(row[i]) for i, c in pairs)


def _as_tuple(key: Any, key_len: int) -> tuple[Any, ...]:
    return (key,) if key_len == 1 else tuple(key)


def _key_text(value: Any) -> str | None:
    """A key value as the rejects file writes it (the dump's text; ``+00`` and trailing zeros of
    fractional seconds dropped, as the server prints TIMESTAMP and DATETIME(n) keys)."""
    text = format_value(value)
    if text is None:
        return None
    text = text.removesuffix("+00")
    if "." in text and text[:4].isdigit() and text[4:5] == "-":
        text = text.rstrip("0").rstrip(".")
    return text


def rejected_key_set(rejects: Sequence[Reject]) -> set[tuple[str | None, ...]]:
    """The keys of a table's rejects, in the form :func:`_key_text` gives source keys."""
    out = set()
    for r in rejects:
        key = tuple(_key_text(k) if k is not None else None for k in r.key)
        out.add(key)
    return out


class _Tally:
    """Counts and differences of one table, shared by its chunk workers."""

    def __init__(
        self,
        table: str,
        track_limit: int,
        progress_every_s: float,
        rejected: set[tuple[str | None, ...]] | None = None,
        key_len: int = 1,
    ) -> None:
        self.table = table
        self.track_limit = track_limit
        self.rejected = rejected or set()
        self.key_len = key_len
        self.lock = threading.Lock()
        self.rows_source = 0
        self.rows_target = 0
        self.kept: dict[str, list[tuple[Any, tuple[str, ...]]]] = {
            MISSING: [],
            EXTRA: [],
            MISMATCHED: [],
            REJECTED: [],
        }
        self.counts: Counter[str] = Counter()
        self.columns: Counter[str] = Counter()
        self.dropped = 0
        self.progress_every_s = progress_every_s
        self.started = time.monotonic()
        self.last_log = self.started
        self.chunks_done = 0
        self.chunks_total = 0

    def add(self, kind: str, key: Any, columns: tuple[str, ...] = ()) -> None:
        """Count one difference; keep the ``track_limit`` lowest keys of each kind. A missing row
        the dump rejected counts as rejected."""
        if kind == MISSING and self.rejected:
            text = tuple(_key_text(v) for v in _as_tuple(key, self.key_len))
            if text in self.rejected:
                kind = REJECTED
        with self.lock:
            self.counts[kind] += 1
            self.columns.update(columns)
            kept = self.kept[kind]
            kept.append((key, columns))
            if len(kept) >= 2 * self.track_limit:
                kept.sort(key=itemgetter(0))
                self.dropped += len(kept) - self.track_limit
                del kept[self.track_limit :]

    def trimmed(self) -> list[tuple[str, Any, tuple[str, ...]]]:
        """The kept differences (lowest keys first), at most ``track_limit`` of each kind."""
        out: list[tuple[str, Any, tuple[str, ...]]] = []
        for kind, kept in self.kept.items():
            with contextlib.suppress(TypeError):
                kept.sort(key=itemgetter(0))
            self.dropped += max(0, len(kept) - self.track_limit)
            out.extend((kind, key, cols) for key, cols in kept[: self.track_limit])
        return out

    def rows(self, n_source: int, n_target: int) -> None:
        with self.lock:
            self.rows_source += n_source
            self.rows_target += n_target
            now = time.monotonic()
            if now - self.last_log >= self.progress_every_s:
                self.last_log = now
                rate = (self.rows_source + self.rows_target) / max(now - self.started, 1e-9)
                log.info(
                    "verify %s: %d source / %d target rows read, chunk %d of %d, %d differences so far "
                    "(%.0f rows/s)",
                    self.table,
                    self.rows_source,
                    self.rows_target,
                    self.chunks_done,
                    self.chunks_total,
                    sum(self.counts.values()),
                    rate,
                )


def _differing_columns(plan: _Plan, s: tuple[Any, ...], t: tuple[Any, ...]) -> tuple[str, ...]:
    """Names of the columns whose values differ after normalization (empty: the rows are equal)."""
    e = plan.empty_is_null
    r = plan.rules
    return tuple(
        plan.names[i]
        for i in range(len(plan.names))
        if not values_equal(s[i], t[i], plan.kinds[i], empty_is_null=e, rules=r)
    )


_END: Any = object()


def merge_streams(
    plan: _Plan,
    source_rows: Iterator[tuple[Any, ...]],
    target_rows: Iterator[tuple[Any, ...]],
    key_source: KeyFn,
    key_target: KeyFn,
    tally: _Tally,
) -> None:
    """Merge two key-ordered row streams and record every missing, extra or mismatched key."""
    ns = nt = 0
    flushed_s = flushed_t = 0
    s = next(source_rows, _END)
    t = next(target_rows, _END)
    while s is not _END and t is not _END:
        ks = key_source(s)
        kt = key_target(t)
        if ks == kt:
            if s != t:
                cols = _differing_columns(plan, s, t)
                if cols:
                    tally.add(MISMATCHED, ks, cols)
            s = next(source_rows, _END)
            t = next(target_rows, _END)
            ns += 1
            nt += 1
            if ns - flushed_s >= _PROGRESS_ROWS:
                tally.rows(ns - flushed_s, nt - flushed_t)
                flushed_s, flushed_t = ns, nt
        elif ks < kt:
            tally.add(MISSING, ks)
            s = next(source_rows, _END)
            ns += 1
        else:
            tally.add(EXTRA, kt)
            t = next(target_rows, _END)
            nt += 1
    while s is not _END:
        tally.add(MISSING, key_source(s))
        s = next(source_rows, _END)
        ns += 1
    while t is not _END:
        tally.add(EXTRA, key_target(t))
        t = next(target_rows, _END)
        nt += 1
    tally.rows(ns - flushed_s, nt - flushed_t)


def _plan(
    src: Reader, tgt: Reader, table: TableRef, empty_is_null: bool, rules: ValueRules | None = None
) -> _Plan:
    """Discover both tables in the catalogs and pair their columns."""
    s_schema = table.source_schema or src.default_schema
    source = src.describe(s_schema, table.source_table)
    if source is None:
        raise RoachliftError(f"table {s_schema}.{table.source_table} not found in the source")
    t_schema = table.target_schema or tgt.default_schema
    naming = table.naming
    t_name = table.target_table or naming.name(source.name)
    target = tgt.describe(t_schema, t_name)
    if target is None:
        raise RoachliftError(
            f"table {t_schema}.{t_name} (for source {source.qualified}, naming: {naming.rule}) "
            "not found in the target"
        )
    by_name = {c.name: c for c in target.columns}
    key = list(source.primary_key)
    ordered = key + [c.name for c in source.columns if c.name not in key]
    target_names: list[str] = []
    kinds: list[str | None] = []
    absent: list[str] = []
    for name in ordered:
        tcol = by_name.get(naming.name(name))
        if tcol is None:
            absent.append(name)
            continue
        scol = source.column(name)
        target_names.append(tcol.name)
        kinds.append(column_kind(scol.data_type, tcol.data_type, source_column_type=scol.detail))
    if absent:
        raise RoachliftError(
            f"{source.qualified}: column(s) {', '.join(absent)} not found in target table {target.qualified} "
            f"as {', '.join(naming.name(a) for a in absent)} (naming: {naming.rule})"
        )
    ranged = (
        bool(key) and src.is_integer(source.column(key[0])) and tgt.is_integer(target.column(target_names[0]))
    )
    return _Plan(source, target, ordered, target_names, kinds, len(key), ranged, empty_is_null, rules)


def _ranges(src: Reader, tgt: Reader, plan: _Plan, chunk_rows: int) -> list[Bounds]:
    """Half-open key ranges of about ``chunk_rows`` keys covering both sides (or one whole-table range)."""
    if not plan.ranged:
        return [None]
    lows: list[int] = []
    highs: list[int] = []
    for reader, shape, name in ((src, plan.source, plan.names[0]), (tgt, plan.target, plan.target_names[0])):
        lo, hi = reader.key_range(shape, name)
        if lo is not None and hi is not None:
            lows.append(int(lo))
            highs.append(int(hi))
    if not lows:
        return []
    lo, hi = min(lows), max(highs) + 1
    width = max(chunk_rows, -(-(hi - lo) // MAX_CHUNKS))
    return [(a, min(a + width, hi)) for a in range(lo, hi, width)]


def _compare_chunk(
    plan: _Plan,
    src: Reader,
    tgt: Reader,
    bounds: Bounds,
    tally: _Tally,
    key_s: KeyFn,
    key_t: KeyFn,
    batch: int,
    digests: ChunkDigests | None = None,
) -> None:
    key_names = plan.names[: plan.key_len]
    if digests is not None:  # equal chunk digests: the chunk is equal, no row is read
        n = digests.equal(
            src, tgt, plan.source, plan.target, plan.names, plan.target_names, plan.key_len, bounds
        )
        if n is not None:
            tally.rows(n, n)
            return
    before = sum(tally.counts.values())
    s_rows = src.stream(plan.source, plan.names, key_names, bounds, batch)
    t_rows = tgt.stream(plan.target, plan.target_names, plan.target_names[: plan.key_len], bounds, batch)
    try:
        merge_streams(plan, s_rows, t_rows, key_s, key_t, tally)
    except TypeError as exc:
        raise RoachliftError(
            f"{plan.source.qualified}: key column(s) {', '.join(key_names)} have types that do not compare "
            f"between source and target ({exc})"
        ) from None
    finally:
        for it in (s_rows, t_rows):
            close = getattr(it, "close", None)
            if close is not None:
                close()
    if digests is not None:
        digests.merged(sum(tally.counts.values()) - before)


def _run_chunks(
    source: ConnInfo,
    target: ConnInfo,
    plan: _Plan,
    ranges: list[Bounds],
    tally: _Tally,
    workers: int,
    batch: int,
    chunk_digests: bool = True,
) -> None:
    """Compare every range; ``workers`` threads, each with its own pair of connections."""
    todo: queue.SimpleQueue[Bounds] = queue.SimpleQueue()
    for r in ranges:
        todo.put(r)
    key_s = _key_fn(plan.source, plan.names[: plan.key_len])
    key_t = _key_fn(plan.target, plan.target_names[: plan.key_len])
    tally.chunks_total = len(ranges)
    both = all(adapter_for(side.kind).verify_chunk_digests for side in (source, target))
    digests = ChunkDigests(chunk_digests and both and plan.ranged)

    def worker() -> None:
        src = open_reader(source)
        try:
            tgt = open_reader(target)
            try:
                while True:
                    try:
                        bounds = todo.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        _compare_chunk(plan, src, tgt, bounds, tally, key_s, key_t, batch, digests)
                    except BaseException:
                        while not todo.empty():  # the other workers stop too
                            with contextlib.suppress(queue.Empty):
                                todo.get_nowait()
                        raise
                    with tally.lock:
                        tally.chunks_done += 1
            finally:
                tgt.close()
        finally:
            src.close()

    n = max(1, min(workers, len(ranges)))
    try:
        if n == 1:
            worker()
            return
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="verify-chunk") as pool:
            for fut in [pool.submit(worker) for _ in range(n)]:
                fut.result()
    finally:
        digests.close()


def _recheck(
    plan: _Plan, src: Reader, tgt: Reader, tracked: list[tuple[str, Any, tuple[str, ...]]]
) -> tuple[list[tuple[str, Any, tuple[str, ...]]], int]:
    """Re-read the tracked keys on both sides; return what still differs and how many resolved."""
    key_len = plan.key_len
    keys = [_as_tuple(k, key_len) for _, k, _ in tracked]
    key_s = _key_fn(plan.source, plan.names[:key_len])
    key_t = _key_fn(plan.target, plan.target_names[:key_len])
    s_rows = {key_s(r): r for r in src.fetch(plan.source, plan.names, plan.names[:key_len], keys)}
    t_rows = {
        key_t(r): r for r in tgt.fetch(plan.target, plan.target_names, plan.target_names[:key_len], keys)
    }
    still: list[tuple[str, Any, tuple[str, ...]]] = []
    resolved = 0
    for _, key, _ in tracked:
        s = s_rows.get(key)
        t = t_rows.get(key)
        if s is None and t is None:
            resolved += 1
        elif t is None:
            still.append((MISSING, key, ()))
        elif s is None:
            still.append((EXTRA, key, ()))
        else:
            cols = _differing_columns(plan, s, t) if s != t else ()
            if cols:
                still.append((MISMATCHED, key, cols))
            else:
                resolved += 1
    return still, resolved


def _sorted_keys(keys: list[Any]) -> list[Any]:
    try:
        return sorted(keys)
    except TypeError:
        return keys


def _pk_merge(
    source: ConnInfo,
    target: ConnInfo,
    plan: _Plan,
    src: Reader,
    tgt: Reader,
    result: TableResult,
    *,
    chunk_rows: int,
    sample_size: int,
    recheck_delay_s: float | None,
    recheck_limit: int,
    workers: int,
    batch: int,
    progress_every_s: float,
    chunk_digests: bool = True,
    rejected: set[tuple[str | None, ...]] | None = None,
) -> None:
    track_limit = max(sample_size, recheck_limit if recheck_delay_s is not None else sample_size)
    tally = _Tally(result.table, track_limit, progress_every_s, rejected, plan.key_len)
    ranges = _ranges(src, tgt, plan, chunk_rows)
    result.chunks = len(ranges)
    _run_chunks(source, target, plan, ranges, tally, workers, batch, chunk_digests)
    result.rows_source = tally.rows_source
    result.rows_target = tally.rows_target
    everything = tally.trimmed()
    tracked = [t for t in everything if t[0] != REJECTED]
    rejected_keys = [k for kind, k, _ in everything if kind == REJECTED]
    counts: Counter[str] = Counter(tally.counts)
    columns: Counter[str] = Counter(tally.columns)
    if recheck_delay_s is not None and tracked:
        log.info(
            "verify %s: %d difference(s); re-reading them in %.1fs",
            result.table,
            len(tracked),
            recheck_delay_s,
        )
        time.sleep(recheck_delay_s)
        result.rechecked = len(tracked)
        for kind, _, cols in tracked:  # replaced by what the re-read finds
            counts[kind] -= 1
            columns.subtract(cols)
        tracked, result.resolved_on_recheck = _recheck(plan, src, tgt, tracked)
        for kind, _, cols in tracked:
            counts[kind] += 1
            columns.update(cols)
        if tally.dropped:
            result.notes.append(
                f"{tally.dropped} difference(s) past the first {track_limit} of each kind were not re-checked"
            )
    by_kind: dict[str, list[Any]] = {MISSING: [], EXTRA: [], MISMATCHED: []}
    mismatch_cols: dict[Any, tuple[str, ...]] = {}
    for kind, key, cols in tracked:
        by_kind[kind].append(key)
        if kind == MISMATCHED:
            mismatch_cols[key] = cols
    result.missing, result.extra, result.mismatched = counts[MISSING], counts[EXTRA], counts[MISMATCHED]
    result.rejected = counts[REJECTED]
    result.rejected_sample = [_as_tuple(k, plan.key_len) for k in _sorted_keys(rejected_keys)[:sample_size]]
    result.mismatched_columns = {c: n for c, n in columns.most_common() if n > 0}
    kl = plan.key_len
    result.missing_sample = [_as_tuple(k, kl) for k in _sorted_keys(by_kind[MISSING])[:sample_size]]
    result.extra_sample = [_as_tuple(k, kl) for k in _sorted_keys(by_kind[EXTRA])[:sample_size]]
    result.mismatched_sample = [
        Mismatch(_as_tuple(k, kl), mismatch_cols[k]) for k in _sorted_keys(by_kind[MISMATCHED])[:sample_size]
    ]


def _hash_side(
    reader: Reader,
    shape: TableShape,
    names: Sequence[str],
    plan: _Plan,
    batch: int,
    wanted: set[int] | None,
) -> tuple[int, list[int], list[int], Counter[int], dict[int, tuple[str | None, ...]]]:
    """One pass over one side: row count, per-bucket sums and counts; for ``wanted`` buckets the hashes."""
    sums = [0] * _HASH_BUCKETS
    counts = [0] * _HASH_BUCKETS
    found: Counter[int] = Counter()
    rows: dict[int, tuple[str | None, ...]] = {}
    kinds = plan.kinds
    e = plan.empty_is_null
    r = plan.rules
    n = 0
    for row in reader.stream(shape, names, (), None, batch):
        norm = tuple(normalize(v, k, empty_is_null=e, rules=r) for v, k in zip(row, kinds, strict=True))
        h = hash(norm) & _MASK64
        b = h % _HASH_BUCKETS
        n += 1
        if wanted is None:
            sums[b] = (sums[b] + h) & _MASK64
            counts[b] += 1
        elif b in wanted:
            found[h] += 1
            rows.setdefault(h, norm)
    return n, sums, counts, found, rows


def row_digest(normalized: tuple[str | None, ...]) -> str:
    """A stable name for a row without a key: ``sha256:`` + 16 hex digits of its normalized values
    as JSON (anyone holding the row can compute it; the report never holds the values)."""
    data = json.dumps(list(normalized), ensure_ascii=False, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def _full_row_hash(
    plan: _Plan,
    src: Reader,
    tgt: Reader,
    result: TableResult,
    *,
    sample_size: int,
    batch: int,
    rejected_rows: int = 0,
) -> None:
    """Compare a table without a primary key as a multiset of normalized rows."""
    result.chunks = 1
    ns, s_sums, s_counts, _, _ = _hash_side(src, plan.source, plan.names, plan, batch, None)
    nt, t_sums, t_counts, _, _ = _hash_side(tgt, plan.target, plan.target_names, plan, batch, None)
    result.rows_source, result.rows_target = ns, nt
    differing = [b for b in range(_HASH_BUCKETS) if s_sums[b] != t_sums[b] or s_counts[b] != t_counts[b]]
    result.notes.append("no primary key: compared by full-row hash (no re-check, samples are row digests)")
    if not differing:
        return
    examined = set(differing[:_HASH_BUCKETS_EXAMINED])
    _, _, _, s_found, s_rows = _hash_side(src, plan.source, plan.names, plan, batch, examined)
    _, _, _, t_found, t_rows = _hash_side(tgt, plan.target, plan.target_names, plan, batch, examined)
    only_s = s_found - t_found
    only_t = t_found - s_found
    missing = sum(only_s.values())
    extra = sum(only_t.values())
    for b in differing[_HASH_BUCKETS_EXAMINED:]:
        if s_counts[b] > t_counts[b]:
            missing += s_counts[b] - t_counts[b]
        elif t_counts[b] > s_counts[b]:
            extra += t_counts[b] - s_counts[b]
        else:  # same count, other rows: at least one each way
            missing += 1
            extra += 1
    if len(differing) > _HASH_BUCKETS_EXAMINED:
        result.notes.append(
            f"{len(differing)} hash buckets differ; rows named for {_HASH_BUCKETS_EXAMINED}, "
            "the others' counts are lower bounds"
        )
    result.rejected = min(rejected_rows, missing)  # rows the dump left out: rejected, not missing
    result.missing, result.extra = missing - result.rejected, extra
    # No key to name a row by: samples are row digests, never the rows' values (reports hold no data).
    result.missing_sample = sorted((row_digest(s_rows[h]),) for h in only_s)[:sample_size]
    result.extra_sample = sorted((row_digest(t_rows[h]),) for h in only_t)[:sample_size]


def verify_table(
    source: ConnInfo | str,
    target: ConnInfo | str,
    table: TableRef,
    *,
    chunk_rows: int = 100_000,
    sample_size: int = 10,
    recheck_delay_s: float | None = None,
    recheck_limit: int = 10_000,
    workers: int = 2,
    fetch_rows: int = 10_000,
    empty_is_null: bool | None = None,
    progress_every_s: float = 10.0,
    chunk_digests: bool = True,
    rules: ValueRules | None = None,
    rejects: Sequence[Reject] = (),
) -> TableResult:
    """Compare one table of ``source`` (PostgreSQL or MySQL) with its copy in ``target`` (PostgreSQL).

    ``chunk_rows`` keys per range (integer keys), ``workers`` ranges at a time, ``fetch_rows`` rows
    per fetch. ``empty_is_null`` defaults to True for Oracle sources only. ``chunk_digests``: skip
    chunks whose digests match on both sides (PostgreSQL-family pairs, :mod:`.chunkhash`). Errors a
    user can act on (missing table or column, unreachable server) end up in ``TableResult.error``.
    ``rules`` are the spec's value rules; ``rejects`` the rows the dump rejected for this table
    (reported as rejected; the table is not ok unless ``rules.accept_rejects``).
    """
    s_info, t_info = as_conninfo(source), as_conninfo(target)
    e = adapter_for(s_info.kind).empty_string_is_null if empty_is_null is None else empty_is_null
    started = time.monotonic()
    result = TableResult(table=str(table), target_table=table.target_table or table.source_table)
    result.rejects_accepted = bool(rules and rules.accept_rejects)
    src: Reader | None = None
    tgt: Reader | None = None
    try:
        src = open_reader(s_info)
        tgt = open_reader(t_info)
        plan = _plan(src, tgt, table, e, rules)
        result.table = plan.source.qualified
        result.target_table = plan.target.qualified
        result.method = plan.method
        result.key_columns = tuple(plan.names[: plan.key_len])
        log.info("verify %s → %s (%s)", result.table, result.target_table, plan.method)
        if plan.key_len:
            _pk_merge(
                s_info,
                t_info,
                plan,
                src,
                tgt,
                result,
                chunk_rows=chunk_rows,
                sample_size=sample_size,
                recheck_delay_s=recheck_delay_s,
                recheck_limit=recheck_limit,
                workers=workers,
                batch=fetch_rows,
                progress_every_s=progress_every_s,
                chunk_digests=chunk_digests,
                rejected=rejected_key_set(rejects),
            )
        else:
            _full_row_hash(
                plan,
                src,
                tgt,
                result,
                sample_size=sample_size,
                batch=fetch_rows,
                rejected_rows=len({r.key for r in rejects}) or len(rejects),
            )
    except RoachliftError as exc:
        result.error = str(exc)
    except DRIVER_ERRORS as exc:
        result.error = f"{type(exc).__name__}: {exc}".strip()
    finally:
        for reader in (src, tgt):
            if reader is not None:
                reader.close()
    result.elapsed_s = time.monotonic() - started
    log.info(
        "verify %s: %s; %d/%d rows, %d missing, %d extra, %d mismatched, %d rejected by the dump, "
        "%d resolved on re-check, %.1fs",
        result.table,
        "ok" if result.ok else ("error" if result.error else "DIFFERS"),
        result.rows_source,
        result.rows_target,
        result.missing,
        result.extra,
        result.mismatched,
        result.rejected,
        result.resolved_on_recheck,
        result.elapsed_s,
    )
    return result


def verify_tables(
    source: ConnInfo | str,
    target: ConnInfo | str,
    tables: Sequence[TableRef],
    *,
    chunk_rows: int = 100_000,
    sample_size: int = 10,
    recheck_delay_s: float | None = None,
    parallel_tables: int = 4,
    workers: int = 2,
    fetch_rows: int = 10_000,
    empty_is_null: bool | None = None,
    rules: ValueRules | None = None,
    rejects: Mapping[str, Sequence[Reject]] | None = None,
) -> VerifyResult:
    """Compare every table in ``tables``, ``parallel_tables`` at a time; results in the given order.

    ``rejects`` maps exact source table names to the rows the dump rejected (see :func:`verify_table`).
    """
    started = time.monotonic()

    def one(t: TableRef) -> TableResult:
        return verify_table(
            source,
            target,
            t,
            chunk_rows=chunk_rows,
            sample_size=sample_size,
            recheck_delay_s=recheck_delay_s,
            workers=workers,
            fetch_rows=fetch_rows,
            empty_is_null=empty_is_null,
            rules=rules,
            rejects=(rejects or {}).get(str(t), ()),
        )

    if len(tables) <= 1 or parallel_tables <= 1:
        results = [one(t) for t in tables]
    else:
        with ThreadPoolExecutor(
            max_workers=min(parallel_tables, len(tables)), thread_name_prefix="verify"
        ) as pool:
            results = list(pool.map(one, tables))
    return VerifyResult(results, time.monotonic() - started)


def list_source_tables(source: ConnInfo | str, schemas: Sequence[str] = ()) -> list[TableRef]:
    """Every base table of ``schemas`` (default: ``public`` / the MySQL connection's database)."""
    reader = open_reader(source)
    try:
        wanted = list(schemas) or [reader.default_schema]
        if not all(wanted):
            raise RoachliftError(
                "no source schema: name one in source.schemas or in the connection's database"
            )
        return [TableRef(name, schema) for schema in wanted for name in reader.list_tables(schema)]
    finally:
        reader.close()


def _count(reader: Reader, shape: TableShape) -> int:
    """``count(*)`` of one table."""
    if isinstance(reader, MySQLReader):
        rows = reader._query(f"SELECT COUNT(*) FROM {reader._table(shape)}")
        return int(rows[0][0])
    if not isinstance(reader, PostgresReader):  # Oracle
        from roachlift.verify import oracle

        got = reader._rows(f"SELECT COUNT(*) FROM {oracle._table(shape)}")  # type: ignore[attr-defined]
        return int(got[0][0])
    row = reader.conn.execute(
        psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(shape.schema, shape.name))
    ).fetchone()
    return int(row[0]) if row else 0


def verify_rows(
    source: ConnInfo | str,
    target: ConnInfo | str,
    table: TableRef,
    keys: Sequence[tuple[str | None, ...]],
    key_columns: Sequence[str],
    *,
    sample_size: int = 10,
    empty_is_null: bool | None = None,
) -> TableResult:
    """Compare only the rows of ``keys`` (primary-key values as CSV-convention text, in the order of
    the target's ``key_columns``) plus both sides' row counts: the check of what can have changed
    since a full verify. A count that differs is an error: it means rows outside ``keys`` differ."""
    s_info, t_info = as_conninfo(source), as_conninfo(target)
    e = adapter_for(s_info.kind).empty_string_is_null if empty_is_null is None else empty_is_null
    started = time.monotonic()
    result = TableResult(table=str(table), target_table=table.target_table or table.source_table)
    result.method = "changed-keys"
    src: Reader | None = None
    tgt: Reader | None = None
    try:
        src, tgt = open_reader(s_info), open_reader(t_info)
        plan = _plan(src, tgt, table, e)
        result.table, result.target_table = plan.source.qualified, plan.target.qualified
        result.key_columns = tuple(plan.names[: plan.key_len])
        result.rows_source, result.rows_target = _count(src, plan.source), _count(tgt, plan.target)
        if keys and plan.key_len:
            lower = [c.lower() for c in key_columns]
            order = [lower.index(n.lower()) for n in plan.target_names[: plan.key_len]]
            wanted = [tuple(k[i] for i in order) for k in keys]
            key_s = _key_fn(plan.source, plan.names[: plan.key_len])
            key_t = _key_fn(plan.target, plan.target_names[: plan.key_len])
            s_rows = {
                key_s(r): r for r in src.fetch(plan.source, plan.names, plan.names[: plan.key_len], wanted)
            }
            t_rows = {
                key_t(r): r
                for r in tgt.fetch(plan.target, plan.target_names, plan.target_names[: plan.key_len], wanted)
            }
            tally = _Tally(result.table, sample_size, 3600.0)
            for key in s_rows.keys() | t_rows.keys():
                s, t = s_rows.get(key), t_rows.get(key)
                if t is None:
                    tally.add(MISSING, key)
                elif s is None:
                    tally.add(EXTRA, key)
                elif s != t and (cols := _differing_columns(plan, s, t)):
                    tally.add(MISMATCHED, key, cols)
            result.rechecked = len(wanted)
            for kind, key, cols in tally.trimmed():
                if kind == MISSING:
                    result.missing_sample.append(_as_tuple(key, plan.key_len))
                elif kind == EXTRA:
                    result.extra_sample.append(_as_tuple(key, plan.key_len))
                else:
                    result.mismatched_sample.append(Mismatch(_as_tuple(key, plan.key_len), cols))
            result.missing, result.extra = tally.counts[MISSING], tally.counts[EXTRA]
            result.mismatched = tally.counts[MISMATCHED]
            result.mismatched_columns = dict(tally.columns)
        if result.rows_source != result.rows_target and result.ok:
            result.error = (
                f"row counts differ: source {result.rows_source}, target {result.rows_target}, although "
                "every row the change stream touched is equal: run a full verify"
            )
    except RoachliftError as exc:
        result.error = str(exc)
    except DRIVER_ERRORS as exc:
        result.error = f"{type(exc).__name__}: {exc}".strip()
    finally:
        for reader in (src, tgt):
            if reader is not None:
                reader.close()
    result.elapsed_s = time.monotonic() - started
    return result
