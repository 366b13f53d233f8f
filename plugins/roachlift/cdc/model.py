"""One change model for every source: row changes and commit markers, values as CSV-convention text.

A source reader yields, in commit order, :class:`Change` items followed by one :class:`Commit` per
source transaction. Values are the *text* of each value exactly as the dump writes it into a CSV field
(:func:`convert_value`, the CSV convention of :mod:`roachlift.csvfmt`), so a row that arrives by CDC
equals the row that arrived by CSV, and the target parses both the same way.

A row image is a ``dict`` of column name to text (``None`` for NULL). An UPDATE image may miss
columns: PostgreSQL leaves out unchanged TOASTed values; a missing column means "keep the target's
value", never NULL.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from roachlift import csvfmt
from roachlift.errors import RoachliftError

Row = dict[str, str | None]
#: A source position, JSON-serialisable (PostgreSQL ``{"lsn": ...}``, MySQL ``{"binlog_file", "binlog_pos"}``,
#: Oracle ``{"seq": ...}``).
Position = dict[str, Any]


class Op(enum.StrEnum):
    """What a change does."""

    INSERT = "I"
    UPDATE = "U"
    DELETE = "D"
    TRUNCATE = "T"


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, and there is one per row
class Change:
    """One row change of one source table.

    ``table`` is the source table as ``schema.name``; ``new`` the row image after the change (INSERT,
    UPDATE); ``old_key`` the primary-key values before the change (UPDATE, DELETE) — for UPDATE it may
    be ``None`` when the source does not send it separately (then the key is read from ``new``);
    ``key_columns`` the source primary key when the source knows it; ``where`` (TRUNCATE of a
    PostgreSQL partition) the condition on the root table's rows that the partition holds.
    """

    op: Op
    table: str
    new: Row | None = None
    old_key: Row | None = None
    key_columns: tuple[str, ...] = ()
    where: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """The end of one source transaction: everything before it (since the last commit) is one unit."""

    position: Position
    commit_time: dt.datetime | None = None


Event = Change | Commit


class CdcError(RoachliftError):
    """The change stream cannot go on; the message names the table and what to do."""


class SchemaChangedError(CdcError):
    """A source table changed shape (DDL) mid-stream; ``txns_before`` whole transactions preceded it."""

    txns_before: int = 0


def convert_value(value: object) -> str | None:
    """The text of one source value as the dump writes it (``None`` for NULL)."""
    return csvfmt.format_value(value)


def convert_row(values: Mapping[str, object]) -> Row:
    """A row image from a mapping of Python values."""
    return {name: convert_value(v) for name, v in values.items()}


@dataclass
class ApplyStats:
    """What one :func:`~roachlift.cdc.apply.run_applier` run did, and the lag at its end."""

    changes: int = 0
    txns: int = 0
    batches: int = 0
    elapsed_s: float = 0.0
    lag_bytes: int | None = None
    lag_events: int | None = None
    lag_seconds: float | None = None
    caught_up: bool = False
    caught_up_for_seconds: float = 0.0
    #: the longest a source commit applied in this run waited between its commit and its apply
    max_lag_seconds: float = 0.0
    position: Position | None = None
    per_table: dict[str, dict[str, int]] = field(default_factory=dict)
    #: flushes the target rejected in reordered form and took in source order (FK cycles included)
    source_order_flushes: int = 0
    #: target table -> primary keys written (``None``: whole table); see ``run_applier(track_keys=)``
    touched: dict[str, set[tuple[str | None, ...]] | None] | None = None

    @property
    def changes_per_s(self) -> float:
        """Applied changes per second of this run."""
        return self.changes / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        """One log line."""
        lag = f"{self.lag_seconds:.1f}s" if self.lag_seconds is not None else "?"
        behind = []
        if self.lag_bytes is not None:
            behind.append(f"{self.lag_bytes} bytes")
        if self.lag_events is not None:
            behind.append(f"{self.lag_events} events")
        return (
            f"applied {self.changes} changes in {self.txns} source txns ({self.batches} batches) "
            f"in {self.elapsed_s:.2f}s = {self.changes_per_s:.0f} changes/s; lag {lag}"
            + (f", behind {', '.join(behind)}" if behind else "")
            + (f"; caught up for {self.caught_up_for_seconds:.0f}s" if self.caught_up else "")
        )
