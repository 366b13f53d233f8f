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


#: Task states after which the approval no longer waits.
_ANSWERED = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})


def _state_of(states: Any, task_id: str) -> str | None:
    """The state of ``task_id`` in a ``get_task_states`` answer (nested by run id)."""
    if isinstance(states, dict):
        for key, value in states.items():
            if key == task_id and not isinstance(value, dict):
                return str(getattr(value, "value", value))
            found = _state_of(value, task_id)
            if found is not None:
                return found
    return None


class CdcFollowSensor(CdcSyncSensor):
    """Keeps applying the change stream while the cutover approval waits, so the backlog at the
    answer is seconds. Each poke applies in short slices and looks at the approval task between
    them; it succeeds once the approval is answered (either way). Between pokes it is rescheduled,
    holding no worker."""

    def __init__(self, *, approval_task_id: str, slice_seconds: float = 5.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.approval_task_id = approval_task_id
        self.slice_seconds = slice_seconds

    def _answered(self, context: Any) -> bool:
        ti = context["ti"]
        states = ti.get_task_states(dag_id=ti.dag_id, task_ids=[self.approval_task_id], run_ids=[ti.run_id])
        return (_state_of(states, self.approval_task_id) or "") in _ANSWERED

    def poke(self, context: Any) -> PokeReturnValue:
        """Apply changes in slices until the approval is answered or ``poke_seconds`` passed."""
        import time

        ctx = run_context(self.spec_path, context)
        started = time.monotonic()
        result: dict[str, Any] = {"summary": "no change applied", "lag_samples": []}
        samples: list[Any] = []
        while True:
            if self._answered(context):
                result["summary"] = "approval answered; " + str(result["summary"])
                result["lag_samples"] = samples
                return PokeReturnValue(is_done=True, xcom_value=result)
            if time.monotonic() - started >= self.poke_seconds:
                return PokeReturnValue(is_done=False)
            result = dict(call_step(pipeline.cdc_step, ctx, max_seconds=self.slice_seconds))
            samples.extend(result.get("lag_samples") or [])
            if "stats" not in result:  # the applier logged its own summary line; say it only once
                self.log.info("while the approval waits: %s", result["summary"])


class CdcDrainSensor(CdcSyncSensor):
    """After the freeze: apply what is left, up to the freeze position (see
    :func:`roachlift.cutover_steps.drain_step`)."""

    def poke(self, context: Any) -> PokeReturnValue:
        """Drain; done once everything up to the freeze position is applied."""
        from roachlift import cutover_steps

        ctx = run_context(self.spec_path, context)
        result = call_step(cutover_steps.drain_step, ctx, max_seconds=self.poke_seconds)
        if result["caught_up"] or "stats" not in result:
            self.log.info("%s", result["summary"])
        return PokeReturnValue(is_done=bool(result["caught_up"]), xcom_value=result)
