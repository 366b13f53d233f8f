"""Replication lag, measured two ways: how far the source is ahead (bytes / events) and for how many
seconds the oldest not-yet-applied source commit has been waiting (0 when nothing is pending)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

from roachlift.cdc import checkpoint
from roachlift.cdc.apply import ChangeSource
from roachlift.cdc.model import CdcError, Commit


@dataclass(frozen=True)
class Lag:
    """Lag of one migration's change stream."""

    bytes_behind: int | None
    events_behind: int | None
    seconds: float
    pending: bool
    last_applied_commit: dt.datetime | None

    def summary(self) -> str:
        """One log line."""
        parts = [f"lag {self.seconds:.1f}s"]
        if self.bytes_behind is not None:
            parts.append(f"{self.bytes_behind} bytes behind")
        if self.events_behind is not None:
            parts.append(f"{self.events_behind} events behind")
        return ", ".join(parts)


def measure_lag(
    source: ChangeSource, target_dsn: str, *, migration: str, target_schema: str = "public"
) -> Lag:
    """Lag of ``migration`` without applying anything (the source is only peeked)."""
    with psycopg.connect(target_dsn, autocommit=True) as conn:
        checkpoint.ensure_table(conn, target_schema)
        saved = checkpoint.read(conn, migration, target_schema)
    if saved is None:
        raise CdcError(
            f"migration {migration!r} has no checkpoint on the target yet: run `roachlift cdc` first"
        )
    try:
        position = source.open(saved.position)
        behind_bytes, behind_events = source.lag(position)
        oldest: Commit | None = None
        events = source.read(1)
        try:
            for event in events:
                if isinstance(event, Commit):
                    oldest = event
                    break
        finally:
            events.close()  # type: ignore[attr-defined]
    finally:
        source.close()
    seconds = 0.0
    if oldest is not None and oldest.commit_time is not None:
        seconds = max(0.0, (dt.datetime.now(dt.UTC) - oldest.commit_time).total_seconds())
    return Lag(behind_bytes, behind_events, seconds, oldest is not None, saved.commit_time)
