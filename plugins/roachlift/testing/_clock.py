"""Timezone-aware UTC now (one place, so the harness needs no Airflow timezone helper)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)
