"""Values the target cannot hold, and what happens to them: one rule set for dump, CDC and verify.

PostgreSQL and CockroachDB text cannot hold a NUL character, have no zero date (``0000-00-00``, or
a date with a zero month or day), and hold only valid UTF-8. A MySQL source can hold all three.
None of them is ever changed without a word:

- by default (rule ``reject``) a row holding such a value is left out of the dump and written to
  ``<dump dir>/<table folder>/rejects.csv`` (table, key, column, reason — never the value), the
  run goes on, the counts reach the manifest and the run report, and verify reports the row as
  *rejected* and fails unless ``values.accept_rejects`` is set;
- the spec may choose a lossy rule instead: ``values.nul_in_text: strip`` (NUL characters removed)
  and ``values.zero_dates: null`` (zero dates become NULL); every value so changed is counted, and
  verify applies the same rule to the source value before comparing.

Bytes not valid in their column's declared character set are always rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from roachlift import storage
from roachlift.errors import RoachliftError
from roachlift.storage import StoragePath

log = logging.getLogger(__name__)

REJECT = "reject"
STRIP = "strip"
NULL = "null"

REASON_NUL = "NUL character in text"
REASON_ZERO_DATE = "zero date"
CHANGED_NUL = "NUL characters stripped"
CHANGED_ZERO_DATE = "zero date loaded as NULL"

REJECTS_FILE = "rejects.csv"
REJECTS_HEADER = ("table", "key", "column", "reason")

_ZERO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def invalid_charset_reason(charset: str) -> str:
    """The reject reason for bytes not valid in ``charset``."""
    return f"bytes not valid in the column's character set {charset}"


@dataclass(frozen=True)
class ValueRules:
    """The spec's choice for values the target cannot hold (see the module docstring)."""

    nul_in_text: str = REJECT  # or STRIP
    zero_dates: str = REJECT  # or NULL
    accept_rejects: bool = False

    @classmethod
    def from_spec(cls, spec: Any) -> ValueRules:
        """The rules of a :class:`~roachlift.config.spec.MigrationSpec` (defaults when it has none)."""
        values = getattr(spec, "values", None)
        if values is None:
            return cls()
        return cls(str(values.nul_in_text), str(values.zero_dates), bool(values.accept_rejects))


DEFAULT_RULES = ValueRules()


def is_zero_date(text: str | bytes) -> bool:
    """True for MySQL's zero date and dates with a zero year, month or day (``2024-00-10``)."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("ascii", "replace")
    m = _ZERO_DATE.match(text)
    return m is not None and (m.group(1) == "0000" or m.group(2) == "00" or m.group(3) == "00")


def zero_date(column: str, rules: ValueRules = DEFAULT_RULES) -> str | None:
    """What a zero date in ``column`` becomes: ``None`` (NULL) under ``zero_dates: null``; under the
    default rule it cannot be loaded, so :class:`ValueRejected` is raised."""
    if rules.zero_dates == NULL:
        return None
    raise ValueRejected(column, REASON_ZERO_DATE)


def check_nul(column: str, rules: ValueRules = DEFAULT_RULES) -> None:
    """A NUL character in text of ``column``: allowed to be stripped under ``nul_in_text: strip``,
    else :class:`ValueRejected`."""
    if rules.nul_in_text != STRIP:
        raise ValueRejected(column, REASON_NUL)


def text_with_nul(text: str, column: str, rules: ValueRules = DEFAULT_RULES) -> str:
    """``text`` holding NUL characters: stripped under ``nul_in_text: strip``, else rejected."""
    check_nul(column, rules)
    return text.replace("\x00", "")


class ValueRejected(RoachliftError):
    """A value the target cannot hold, under a rule that does not change it."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"column {column}: {reason}")
        self.column = column
        self.reason = reason


# --- MySQL binlog rows (CDC) ---------------------------------------------------------------------------

#: mysql-replication's ``none_sources`` reasons for a date it could not build (zero or partly zero).
_ZERO_NONE_SOURCES = {"out of date range", "out of datetime range", "out of datetime2 range"}
_EPOCH = dt.datetime(1970, 1, 1)
_TIMESTAMP_TYPES = {7, 17}  # FIELD_TYPE.TIMESTAMP, TIMESTAMP2: the zero TIMESTAMP is stored as 0


def apply_binlog_rules(event: Any, row: dict[str, Any], table: str, rules: ValueRules) -> dict[str, Any]:
    """Apply the rules to one mysql-replication row (every image in it), in place; return it.

    A zero DATE/DATETIME arrives as ``None`` with a ``none_sources`` reason, a zero TIMESTAMP as
    1970-01-01 00:00:00 (the library reads its stored 0 as the epoch, a value TIMESTAMP cannot
    hold otherwise). Under the default rules such a value, or a NUL in text, stops the stream with
    an error naming the table, key and column (a value is never changed silently); under the lossy
    rules it becomes NULL / loses its NUL characters, and each change is logged.
    """
    stamps = {c.name for c in getattr(event, "columns", []) if getattr(c, "type", None) in _TIMESTAMP_TYPES}
    key_names = event.primary_key if isinstance(event.primary_key, tuple | list) else [event.primary_key]
    for image, reasons in (
        ("values", "none_sources"),
        ("after_values", "after_none_sources"),
        ("before_values", "before_none_sources"),
    ):
        values = row.get(image)
        if not values:
            continue
        zero = {c for c, why in (row.get(reasons) or {}).items() if why in _ZERO_NONE_SOURCES}
        zero |= {c for c in stamps if values.get(c) == _EPOCH}
        for name, value in values.items():
            try:
                if name in zero:
                    values[name] = zero_date(name, rules)
                    change = CHANGED_ZERO_DATE
                elif isinstance(value, str) and "\x00" in value:
                    values[name] = text_with_nul(value, name, rules)
                    change = CHANGED_NUL
                elif isinstance(value, dict | list) and _has_nul(value):  # a JSON document
                    check_nul(name, rules)
                    values[name] = without_nul(value)
                    change = CHANGED_NUL
                else:
                    continue
            except ValueRejected as exc:
                key = {k: values.get(k) for k in key_names if k}
                raise RoachliftError(
                    f"{table}: row {key}: {exc}: the target cannot hold it; set values.zero_dates: null / "
                    "values.nul_in_text: strip in the spec to load it changed (counted), or fix the row"
                ) from None
            log.warning("%s: column %s (%s): value changed: %s (values rule)", table, name, image, change)
    return row


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def without_nul(value: Any) -> Any:
    """A decoded JSON document with NUL characters stripped from every string (key or value)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    return value


# --- the rejects file ----------------------------------------------------------------------------------


def key_text(key: Iterable[str | None]) -> str:
    """A key as the rejects file stores it: a JSON array of the key columns' dump texts."""
    return json.dumps(list(key), ensure_ascii=False)


class RejectsFile:
    """``rejects.csv`` of one table folder, written as rows are rejected (thread-safe, mode 0600).

    The file is created on the first reject only; an old one is removed by :meth:`reset`.
    """

    def __init__(self, folder: StoragePath, table: str) -> None:
        self.path = folder / REJECTS_FILE
        self.table = table
        self.rows = 0
        self.changed: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._fh: Any = None
        self._csv: Any = None

    def reset(self) -> None:
        """Remove a rejects file left by an earlier dump of the table."""
        storage.remove(self.path)

    def add(self, key: Iterable[str | None], problems: Iterable[tuple[str, str]]) -> None:
        """One rejected row: its key (dump texts) and each (column, reason) that rejected it."""
        with self._lock:
            if self._fh is None:
                raw = storage.open_write(self.path)  # 0600 locally; streamed to object storage
                self._fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                self._csv = csv.writer(self._fh, lineterminator="\n")
                self._csv.writerow(REJECTS_HEADER)
            text = key_text(key)
            for column, reason in problems:
                self._csv.writerow((self.table, text, column, reason))
            self.rows += 1

    def count_change(self, reason: str, n: int = 1) -> None:
        """Count ``n`` values changed by a lossy rule."""
        with self._lock:
            self.changed[reason] += n

    def close(self) -> None:
        """Close the file (when one was written)."""
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = self._csv = None
            if self.rows:
                log.warning(
                    "%s: %d row(s) rejected (values the target cannot hold): see %s",
                    self.table,
                    self.rows,
                    self.path,
                )


@dataclass(frozen=True)
class Reject:
    """One line of a rejects file."""

    table: str
    key: tuple[str | None, ...]
    column: str
    reason: str


def read_rejects(dump_dir: StoragePath) -> dict[str, list[Reject]]:
    """Every ``<dump_dir>/*/rejects.csv`` (a folder or object storage), by the exact source table
    name each line names."""
    out: dict[str, list[Reject]] = {}
    for path in storage.files(dump_dir, f"*/{REJECTS_FILE}"):
        try:
            with io.TextIOWrapper(storage.open_read(path), encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader, None)
                if header is None or tuple(header) != REJECTS_HEADER:
                    raise RoachliftError(f"{path}: not a rejects file (header {header})")
                for line in reader:
                    table, key, column, reason = line
                    out.setdefault(table, []).append(Reject(table, tuple(json.loads(key)), column, reason))
        except (OSError, ValueError) as exc:
            raise RoachliftError(f"{path}: cannot read the rejects file: {exc}") from None
    return out


def rejected_keys(rejects: Mapping[str, list[Reject]], table: str) -> set[tuple[str | None, ...]]:
    """The distinct keys rejected for ``table``."""
    return {r.key for r in rejects.get(table, [])}
