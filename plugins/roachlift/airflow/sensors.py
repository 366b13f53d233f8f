"""The CDC sync sensor: applies source changes at each poke and succeeds once the target caught up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.sdk.bases.sensor import PokeReturnValue

import roachlift.pipeline as pipeline
from roachlift.airflow.operators import call_step, run_context


class CdcSyncSensor(BaseSensorOperator):
    """Run the change applier for a bounded time per poke; done when lag stayed under the threshold.

    In ``reschedule`` mode (the default here) no worker slot is held between pokes. Each poke logs
    changes applied, changes/s and lag (bytes/events behind and seconds since the last applied
    commit). The applier checkpoints in the target, so pokes, retries and reschedules never apply
    a change twice.
    """

    template_fields: Sequence[str] = ("spec_path",)
    ui_color = "#d7f0ff"

    def __init__(
        self,
        *,
        spec_path: str,
        poke_seconds: float = 60.0,
        drain: bool = False,
        mode: str = "reschedule",
        poke_interval: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=mode, poke_interval=poke_interval, **kwargs)
        self.spec_path = spec_path
        self.poke_seconds = poke_seconds
        self.drain = drain

    def poke(self, context: Any) -> PokeReturnValue:
        """Apply changes for up to ``poke_seconds``; report whether the target has caught up."""
        ctx = run_context(self.spec_path, context)
        result = call_step(pipeline.cdc_step, ctx, max_seconds=self.poke_seconds, drain=self.drain)
        if "stats" not in result:  # the applier logged its own summary line; say it only once
            self.log.info("%s", result["summary"])
        return PokeReturnValue(is_done=bool(result["caught_up"]), xcom_value=result)
