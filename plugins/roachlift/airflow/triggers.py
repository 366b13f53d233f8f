"""Triggers: wait for CockroachDB jobs in the triggerer, so no worker slot is held meanwhile.

A trigger class must live in an installed package (the triggerer cannot import from the DAGs
folder), never block the event loop, and be idempotent: polling a job is read-only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from roachlift.airflow.hooks import conninfo
from roachlift.load.jobs import JobError, poll_job

_conninfo_async = sync_to_async(conninfo)


class ImportJobTrigger(BaseTrigger):
    """Poll ``SHOW JOB`` for an ``IMPORT INTO ... DETACHED`` job until it ends.

    The event carries the job's last state (``JobState.to_dict()``) and ``ok``: the operator's
    ``execute_complete`` decides what to do. Only the connection id is serialized, never a secret.
    """

    def __init__(
        self, conn_id: str, database: str, job_id: int, table: str, poll_seconds: float = 5.0
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.database = database
        self.job_id = int(job_id)
        self.table = table
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and kwargs, stored by the scheduler."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "database": self.database,
                "job_id": self.job_id,
                "table": self.table,
                "poll_seconds": self.poll_seconds,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until the job is terminal (or paused); yield one event."""
        info = (await _conninfo_async(self.conn_id)).with_database(self.database)
        last_pct = -1.0
        async with await psycopg.AsyncConnection.connect(info.postgres_conninfo(), autocommit=True) as aconn:
            while True:
                state = await poll_job(aconn, self.job_id)
                pct = (state.fraction_completed or 0.0) * 100
                if pct != last_pct:
                    self.log.info("IMPORT INTO %s: %s", self.table, state.describe())
                    last_pct = pct
                if state.terminal or state.phase.value == "paused":
                    error = None if state.phase.value == "succeeded" else str(JobError(state))
                    yield TriggerEvent({"ok": error is None, "error": error, "state": state.to_dict()})
                    return
                await asyncio.sleep(self.poll_seconds)
