"""Thin Airflow operators over :mod:`roachlift.pipeline`: one per step of the chain.

Each operator builds a :class:`~roachlift.pipeline.RunContext` from the spec file, the run's
Params and Airflow connections, calls one pipeline function, logs its one-line summary and
returns the summary (a small JSON dict) as XCom. Errors a retry can cure (lost connection,
serialization conflict) are re-raised so Airflow retries them; data errors fail at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airflow.providers.standard.operators.hitl import HITLBranchOperator
from airflow.sdk import BaseHook, BaseOperator
from airflow.sdk.exceptions import AirflowFailException

import roachlift.pipeline as pipeline
from roachlift import logonce
from roachlift.airflow.hooks import conninfo, storage_root
from roachlift.airflow.triggers import ImportJobTrigger
from roachlift.airflow.xcom import CHECKLIST_STEPS, pull_results
from roachlift.config.spec import RunMode, load_spec
from roachlift.errors import RoachliftError, is_transient

#: A step's result as the task returns it (its XCom): a JSON object (roachlift.results).
Summary = Mapping[str, Any]


def run_context(spec_path: str, context: Any) -> pipeline.RunContext:
    """The pipeline's view of this task's run: spec, Params, connections, work folder."""
    spec = load_spec(spec_path)
    params = dict(context.get("params") or {})
    dag_run = context.get("dag_run")
    run_type = str(getattr(dag_run, "run_type", "") or "")
    mode = RunMode.REHEARSAL if "scheduled" in run_type else (params.get("mode") or RunMode.REHEARSAL)
    logical = context.get("logical_date") or context.get("data_interval_start")
    ctx = pipeline.RunContext.create(
        spec=spec,
        run_id=str(context["run_id"]),
        mode=mode,
        source=conninfo(spec.source.conn_id),
        target=conninfo(spec.target.conn_id),
        tables=str(params.get("tables") or "*"),
        table_handling=params.get("table_handling") or None,
        skip_cdc=bool(params.get("skip_cdc", False)),
        run_date=logical.strftime("%Y%m%d") if logical is not None else None,
        storage_root=storage_root(spec),
    )
    logonce.bind(ctx.work_dir)  # warnings said once per run, across its tasks
    return ctx


def call_step(step: Callable[..., Summary], ctx: pipeline.RunContext, *args: Any, **kwargs: Any) -> Summary:
    """Run one pipeline step; a non-transient roachlift error fails the task without retries."""
    try:
        return step(ctx, *args, **kwargs)
    except Exception as exc:
        if is_transient(exc):
            raise
        if isinstance(exc, RoachliftError):
            raise AirflowFailException(str(exc)) from exc
        raise


class RoachliftStepOperator(BaseOperator):
    """Base: runs ``pipeline.<step_name>`` for the spec at ``spec_path``."""

    step_name: str = ""
    template_fields: Sequence[str] = ("spec_path",)
    ui_color = "#e9e3ff"

    def __init__(self, *, spec_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec_path = spec_path

    def execute(self, context: Any) -> Summary:
        """Run the step and log its summary line."""
        ctx = run_context(self.spec_path, context)
        started = time.time()
        summary = call_step(getattr(pipeline, self.step_name), ctx, **self.step_kwargs())
        self.log.info("%s", summary.get("summary", summary))
        return {**summary, "started_at": started, "finished_at": time.time()}

    def step_kwargs(self) -> dict[str, Any]:
        """Extra keyword arguments of the pipeline step."""
        return {}


class EstimateOperator(RoachliftStepOperator):
    """Predict dump, load and verify time (catalog sizes, a sample on both servers, history)."""

    step_name = "estimate_step"
    ui_color = "#f3f0ff"

    def step_kwargs(self) -> dict[str, Any]:
        from roachlift.estimate import AIRFLOW_TASK_OVERHEAD_S

        return {"task_overhead_s": AIRFLOW_TASK_OVERHEAD_S}


class ExtractDdlOperator(RoachliftStepOperator):
    """Extract the source's DDL and its tables (largest first)."""

    step_name = "extract_step"


class ConvertDdlOperator(RoachliftStepOperator):
    """Convert the extracted DDL to CockroachDB phases and a review report."""

    step_name = "convert_step"


class ApplyDdlPhaseOperator(RoachliftStepOperator):
    """Apply converter phases (e.g. ``01_types`` + ``02_tables``, or ``03_indexes``) to the target."""

    step_name = "apply_phases_step"

    def __init__(self, *, phases: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.phases = list(phases)

    def step_kwargs(self) -> dict[str, Any]:
        return {"phases": self.phases}


class DumpOperator(RoachliftStepOperator):
    """Dump every selected table under one snapshot; return the manifests, largest table first."""

    step_name = "dump_step"


def is_retry(context: Any) -> bool:
    """True when this task instance runs again (an Airflow retry): loads then resume."""
    ti = context.get("ti") or context.get("task_instance")
    return int(getattr(ti, "try_number", 1) or 1) > 1


class CopyLoadTableOperator(RoachliftStepOperator):
    """COPY one dumped table into the target (mapped per table). A retry resumes from the last
    batch this dump committed (table handling ``resume``, the spec's handling when nothing is recorded)."""

    step_name = "copy_table_step"
    template_fields: Sequence[str] = ("spec_path", "manifest")

    def __init__(self, *, manifest: str, table_label: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.manifest = manifest
        #: ``source → target`` of the table (roachlift.naming): the mapped task's label
        self.table_label = table_label
        self._resume = False

    def execute(self, context: Any) -> Summary:
        """Run the step, resuming on a retry."""
        self._resume = is_retry(context)
        return super().execute(context)

    def step_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"manifest": self.manifest}
        if self._resume and self.step_name == "copy_table_step":
            kwargs["resume"] = True
        return kwargs


class ImportTableOperator(CopyLoadTableOperator):
    """IMPORT INTO one table, one ``IMPORT ... DETACHED`` job per group of files, deferring to
    :class:`ImportJobTrigger` while each job runs and starting the next group when it succeeds.

    Each job is recorded, keyed by the dump's identity, in the progress table on the target in the
    transaction that starts it; a retry (or a rerun of the same dump with table handling
    ``resume``) skips the groups whose jobs succeeded, follows a running one and restarts only a
    failed group. A new dump never follows an earlier dump's job.
    """

    step_name = "start_import_step"

    #: How long the trigger follows a job before handing back to the task (whose retry follows the
    #: same job again, found by id or by its files): a triggerer must not wait forever on one job.
    DEFAULT_JOB_TIMEOUT = 6 * 3600.0

    def __init__(
        self, *, poll_seconds: float = 5.0, job_timeout: float | None = DEFAULT_JOB_TIMEOUT, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.poll_seconds = poll_seconds
        self.job_timeout = job_timeout

    def execute(self, context: Any) -> Summary:
        """Start (or find) the next group's import job, then defer until it ends."""
        ctx = run_context(self.spec_path, context)
        started = call_step(pipeline.start_import_step, ctx, manifest=self.manifest, resume=is_retry(context))
        return self._defer_or_finish(ctx, started)

    def _defer_or_finish(self, ctx: pipeline.RunContext, step: Summary) -> Summary:
        self.log.info("%s", step["summary"])
        if step.get("done"):
            if "stats" in step:
                return step
            return call_step(pipeline.finish_import_step, ctx, manifest=self.manifest, job={})
        self.defer(
            trigger=ImportJobTrigger(
                conn_id=ctx.spec.target.conn_id,
                database=ctx.target_database,
                job_id=step["job_id"],
                table=step["table"],
                poll_seconds=self.poll_seconds,
                timeout=self.job_timeout,
            ),
            method_name="execute_complete",
            kwargs={"group": step.get("group")},
        )
        return step  # not reached: defer() raises TaskDeferred

    def execute_complete(self, context: Any, event: dict[str, Any], group: int | None = None) -> Summary:
        """A group's job ended: fail with its error, or record it and go on with the next group."""
        if not event.get("ok"):
            error = event.get("error") or "IMPORT job did not succeed"
            if event.get("retryable"):  # the trigger lost the job (error, timeout): a retry follows it
                raise RoachliftError(error)
            raise AirflowFailException(error)
        ctx = run_context(self.spec_path, context)
        job = {**dict(event.get("state") or {}), "group": group}
        summary = call_step(pipeline.finish_import_step, ctx, manifest=self.manifest, job=job)
        return self._defer_or_finish(ctx, summary)


class ValidateConstraintsOperator(RoachliftStepOperator):
    """Add foreign keys NOT VALID, then VALIDATE CONSTRAINT each (and any the import left)."""

    step_name = "validate_constraints_step"


class VerifyOperator(RoachliftStepOperator):
    """Compare the target with the source row by row; fail on any difference. ``live``: keep
    applying CDC meanwhile and re-check differing rows (the source is still written to)."""

    step_name = "verify_step"

    def __init__(self, *, live: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.live = live

    def step_kwargs(self) -> dict[str, Any]:
        return {"live": self.live}


class CreateChangefeedOperator(RoachliftStepOperator):
    """``CREATE CHANGEFEED ... INTO 'kafka://...'`` after cutover (when the spec asks for it);
    the brokers come from the Airflow Kafka connection's ``bootstrap.servers``."""

    step_name = "changefeed_step"

    def execute(self, context: Any) -> Summary:
        """Resolve the Kafka brokers, then create the changefeed."""
        ctx = run_context(self.spec_path, context)
        feed = ctx.spec.cutover.changefeed
        brokers = None
        if feed is not None:
            extra = BaseHook.get_connection(feed.kafka_conn_id).extra_dejson or {}
            brokers = extra.get("bootstrap.servers")
            if feed.create_topics and ctx.target_kind.changefeeds:
                from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook

                topics = pipeline.changefeed_topics(ctx)
                KafkaAdminClientHook(kafka_config_id=feed.kafka_conn_id).create_topic(
                    [(t, feed.topic_partitions, feed.topic_replication) for t in topics]
                )
                self.log.info("Kafka topics ready: %s", ", ".join(topics))
        summary = call_step(pipeline.changefeed_step, ctx, brokers=brokers)
        self.log.info("%s", summary["summary"])
        return summary


class CutoverStepOperator(RoachliftStepOperator):
    """Runs one step of :mod:`roachlift.cutover_steps` (freeze, sequences, verify_changed, ...)."""

    ui_color = "#ffe3e3"

    def __init__(self, *, step_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.step_name = step_name

    def execute(self, context: Any) -> Summary:
        """Run the step and log its summary line."""
        from roachlift import cutover_steps

        ctx = run_context(self.spec_path, context)
        summary = call_step(getattr(cutover_steps, self.step_name), ctx, **self.step_kwargs())
        self.log.info("%s", summary.get("summary", summary))
        return summary


class CutoverApprovalOperator(HITLBranchOperator):
    """The go/no-go of a cutover: a Human-in-the-loop branch with two neutral answers (no default,
    so a timeout fails the task instead of choosing for anyone).

    The body is the checklist of :func:`roachlift.cutover_steps.approval_checklist`, built when the
    task starts. ``approvers`` (``cutover.approvers``) become the HITL ``assigned_users`` (the
    api-server lets only them answer) and are checked again here; who answered is recorded.

    :param spec_path: the migration spec.
    :param go_task: task id run on "Cut over now".
    :param no_go_task: task id run on "Do not cut over".
    :param approvers: Airflow user ids allowed to answer (empty: anyone with access to the DAG).
    """

    template_fields: Sequence[str] = ("subject",)
    ui_color = "#fff3c4"

    def __init__(
        self, *, spec_path: str, go_task: str, no_go_task: str, approvers: Sequence[str] = (), **kwargs: Any
    ) -> None:
        from roachlift.cutover_steps import CUT_OVER, DO_NOT

        users = [{"id": a, "name": a} for a in approvers] or None
        super().__init__(
            options=[CUT_OVER, DO_NOT],
            options_mapping={CUT_OVER: go_task, DO_NOT: no_go_task},
            defaults=None,
            multiple=False,
            assigned_users=users,
            body="The go/no-go checklist is written when this task starts.",
            **kwargs,
        )
        self.spec_path = spec_path

    def execute(self, context: Any) -> Any:
        """Write the checklist, then wait for the answer (no worker held while waiting)."""
        from roachlift.cutover_steps import approval_checklist

        ctx = run_context(self.spec_path, context)
        self.body = approval_checklist(ctx, pull_results(context["ti"], CHECKLIST_STEPS))
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Record who answered what; refuse an answer from someone not in ``cutover.approvers``."""
        from roachlift import cutover_steps

        ctx = run_context(self.spec_path, context)
        if "error" in event:
            cutover_steps.record_answer(ctx, f"no answer ({event.get('error_type')})", "nobody", "")
            return super().execute_complete(context=context, event=event)
        try:
            who = cutover_steps.check_approver(ctx, event.get("responded_by_user"))
        except RoachliftError as exc:
            raise AirflowFailException(str(exc)) from None
        chosen = (event.get("chosen_options") or ["?"])[0]
        at = event.get("responded_at")
        when = at.isoformat() if at is not None and hasattr(at, "isoformat") else str(at)
        cutover_steps.record_answer(ctx, chosen, who, when)
        self.log.info("cutover answer: %r by %s", chosen, who)
        return super().execute_complete(context=context, event=event)
