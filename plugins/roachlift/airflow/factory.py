"""The DAG factory: one ``roachlift_<name>`` DAG per spec file in the migrations folder.

Shape of every DAG (task groups per phase)::

    validate_spec → preflight → schema.extract_ddl → schema.convert_ddl → schema.create_tables
      → dump → load.load_table[table…] (mapped, largest first) → post_load.indexes
      → post_load.foreign_keys → post_load.views_and_sequences → cdc_catch_up → verify
      → mode? ─ rehearsal → cleanup_rehearsals ─────────────────────────────────────┐
              └ cutover → approve_cutover ─ "Do not cut over" → cutover_rejected ───┤
                          (cdc_follow applies CDC meanwhile)                         │
                          └ "Cut over now" → freeze_source → cdc_drain → reset_sequences
                             → verify_final → changefeed → cutover_done ─────────────┴→ report
                          any of those failing → rollback (source writable again) ──┘

The dump runs as one task so that every table is read under one snapshot (workers inside it
share the snapshot); loading fans out per table. ``preflight`` stops a cutover run of a migration
that already cut over (or whose source is frozen) unless "Cut over again" is ticked. A rejection
runs ``cutover_rejected``; the ``report`` task then ends the run as failed with one line, so a
rejection is never mistaken for a completed cutover. With ``cutover.approval_required: false`` the
DAG has no ``approve_cutover``, ``cdc_follow`` or ``cutover_rejected``: a cutover run (a person chose
mode ``cutover`` in the trigger form) goes from ``mode`` straight to ``freeze_source``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, TaskGroup, task
from airflow.sdk.exceptions import AirflowFailException

import roachlift.pipeline as pipeline
from roachlift.airflow.docs import dag_doc_md
from roachlift.airflow.links import RunReportLink
from roachlift.airflow.operators import (
    ApplyDdlPhaseOperator,
    ConvertDdlOperator,
    CopyLoadTableOperator,
    CreateChangefeedOperator,
    CutoverApprovalOperator,
    CutoverStepOperator,
    DumpOperator,
    EstimateOperator,
    ExtractDdlOperator,
    ImportTableOperator,
    ValidateConstraintsOperator,
    VerifyOperator,
    run_context,
)
from roachlift.airflow.sensors import CdcDrainSensor, CdcFollowSensor, CdcSyncSensor
from roachlift.airflow.xcom import RETURN_VALUE_KEY, pull_results
from roachlift.config.spec import LoadMethod, MigrationSpec, RunMode, TableHandling, load_spec, spec_files
from roachlift.errors import SpecError
from roachlift.sources import check_spec
from roachlift.target.targets import target_for

log = logging.getLogger(__name__)

SOURCE_POOL = "roachlift_source"
TARGET_POOL = "roachlift_target"


def _default_args(spec: MigrationSpec) -> dict[str, Any]:
    return {
        "owner": "roachlift",
        "retries": 3,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
    }


def check_target(spec: MigrationSpec, spec_path: Path) -> None:
    """Refuse, when the DAG is parsed, a spec asking its target for what it cannot do."""
    target = target_for(spec.target.dialect)
    if spec.load.method == LoadMethod.IMPORT and not target.import_into:
        raise SpecError(
            str(spec_path),
            [f"load.method: import needs IMPORT INTO, which a {target.label} target lacks; use copy"],
        )


def build_dag(spec: MigrationSpec, spec_path: Path) -> DAG:
    """The migration DAG for one spec; :class:`SpecError` when the spec asks for what its source or
    target cannot do (``cdc.enabled`` without a change source, a freeze without one: the source
    adapter's capabilities, :func:`roachlift.sources.check_spec`; IMPORT INTO on a target without
    it: :func:`check_target`), so it fails when parsed, not mid-run."""
    check_target(spec, spec_path)
    path = str(spec_path)
    check_spec(spec, path)
    with DAG(
        dag_id=spec.dag_id,
        description=spec.description or f"roachlift: {spec.source.kind} -> {spec.target.dialect}",
        schedule=spec.rehearsal.schedule,
        start_date=pipeline.EPOCH,
        catchup=False,
        max_active_runs=1,
        default_args=_default_args(spec),
        tags=["roachlift", spec.source.kind.value],
        doc_md=dag_doc_md(spec, spec_path),
        params={
            "mode": Param(
                RunMode.REHEARSAL.value,
                enum=[m.value for m in RunMode],
                title="Mode",
                description="rehearsal: into a scratch database, never cuts over. cutover: the real move.",
            ),
            "tables": Param(
                "*", type="string", title="Tables", description="Glob pattern of tables to move."
            ),
            "skip_cdc": Param(
                False, type="boolean", title="Skip CDC", description="Do not run the change stream."
            ),
            "cut_over_again": Param(
                False,
                type="boolean",
                title="Cut over again",
                description="A cutover run stops when this migration already cut over or its source is "
                "frozen; tick to cut over once more anyway.",
            ),
            "table_handling": Param(
                spec.load.table_handling.value,
                enum=[h.value for h in TableHandling],
                title="Table handling",
                description="What to do with target tables that already hold rows.",
            ),
        },
    ) as dag:

        @task(task_id="validate_spec")
        def validate_spec() -> dict[str, str]:
            """Re-read the spec at run time so a broken edit fails the run with key paths."""
            try:
                current = load_spec(path)
                check_spec(current, path)
            except SpecError as exc:
                raise AirflowFailException(str(exc)) from exc
            return {"name": current.name, "source": current.source.kind.value}

        @task(task_id="preflight", retries=0)
        def preflight(**context: Any) -> dict[str, Any]:
            """No second cutover by accident: stop unless "Cut over again" is ticked."""
            from roachlift import cutover_steps
            from roachlift.errors import RoachliftError

            again = bool((context.get("params") or {}).get("cut_over_again"))
            try:
                return dict(cutover_steps.preflight_step(run_context(path, context), again=again))
            except RoachliftError as exc:
                raise AirflowFailException(str(exc)) from None

        # Groups keep the graph short at "Fit View"; prefix_group_id=False keeps the task ids.
        with TaskGroup(
            "prepare",
            prefix_group_id=False,
            tooltip="re-read the spec, refuse a second cutover, estimate the time",
        ) as prep:
            estimate = EstimateOperator(task_id="estimate", spec_path=path, pool=SOURCE_POOL, retries=0)
            validate_spec() >> preflight() >> estimate

        with TaskGroup(
            "schema", tooltip="extract the source DDL, convert it, create types and tables"
        ) as schema:
            extract = ExtractDdlOperator(task_id="extract_ddl", spec_path=path, pool=SOURCE_POOL)
            convert = ConvertDdlOperator(task_id="convert_ddl", spec_path=path)
            create = ApplyDdlPhaseOperator(
                task_id="create_tables", spec_path=path, phases=["01_types", "02_tables"], pool=TARGET_POOL
            )
            extract >> convert >> create

        dump = DumpOperator(task_id="dump", spec_path=path, pool=SOURCE_POOL, retries=1)

        @task(task_id="table_manifests")
        def table_manifests(dumped: dict[str, Any]) -> list[dict[str, str]]:
            """The dump's manifests, largest table first: one mapped load task each, labelled
            ``source → target`` (roachlift.naming)."""
            return [dict(x) for x in dumped["loads"]]

        with TaskGroup("load", tooltip="one load task per table, largest first") as load:
            loader = ImportTableOperator if spec.load.method == LoadMethod.IMPORT else CopyLoadTableOperator
            loader.partial(
                task_id="load_table",
                spec_path=path,
                pool=TARGET_POOL,
                map_index_template="{{ task.table_label }}",
            ).expand_kwargs(table_manifests(dump.output))  # type: ignore[arg-type]

        with TaskGroup(
            "post_load", tooltip="indexes, foreign keys (validated), views and sequences"
        ) as post_load:
            indexes = ApplyDdlPhaseOperator(
                task_id="indexes", spec_path=path, phases=["03_indexes"], pool=TARGET_POOL
            )
            fks = ValidateConstraintsOperator(task_id="foreign_keys", spec_path=path, pool=TARGET_POOL)
            views = ApplyDdlPhaseOperator(
                task_id="views_and_sequences",
                spec_path=path,
                phases=["05_views", "sequences"],
                pool=TARGET_POOL,
            )
            indexes >> fks >> views

        with TaskGroup(
            "sync_and_verify",
            prefix_group_id=False,
            tooltip="apply the changes since the snapshot, compare every row",
        ) as sync_verify:
            cdc = CdcSyncSensor(
                task_id="cdc_catch_up",
                spec_path=path,
                poke_seconds=max(60.0, spec.cdc.caught_up_for_seconds + 30),
                timeout=timedelta(hours=12).total_seconds(),
            )
            verify = VerifyOperator(task_id="verify", spec_path=path, pool=SOURCE_POOL)
            cdc >> verify

        # mode and approval in one group: the go / no-go box at "Fit View"
        with TaskGroup(
            "go_no_go",
            tooltip="rehearsal or cutover; the approval, with CDC applied while it waits",
            prefix_group_id=False,
        ):
            # cutover.approval_required false: no go/no-go question, the cutover follows the verify
            go = ["approve_cutover", "cdc_follow"] if spec.cutover.approval_required else ["freeze_source"]

            @task.branch(task_id="mode")
            def choose_mode(**context: Any) -> list[str]:
                """Rehearsals never cut over: scheduled runs are always rehearsals."""
                ctx = run_context(path, context)
                return go if ctx.mode is RunMode.CUTOVER else ["cleanup_rehearsals"]

            branch = choose_mode()
            asked = _approval_tasks(spec, path) if spec.cutover.approval_required else None

        # inside the read-only window a failed try is retried within seconds, not the default 20 s+
        window: dict[str, Any] = {"retry_delay": timedelta(seconds=2), "retry_exponential_backoff": False}
        # the read-only window in one group: Fit View shows the cutover as one box that opens
        with TaskGroup(
            "cutover",
            tooltip="freeze, drain, sequences, changed-rows verify, changefeed, done; rollback on failure",
            prefix_group_id=False,
        ):
            freeze = CutoverStepOperator(
                task_id="freeze_source", step_name="freeze_step", spec_path=path, pool=SOURCE_POOL, retries=0
            )
            drain = CdcDrainSensor(
                task_id="cdc_drain", spec_path=path, poke_seconds=120.0, poke_interval=1.0, **window
            )
            sequences = CutoverStepOperator(
                task_id="reset_sequences",
                step_name="sequences_step",
                spec_path=path,
                pool=TARGET_POOL,
                **window,
            )
            verify_final = CutoverStepOperator(
                task_id="verify_final",
                step_name="verify_changed_step",
                spec_path=path,
                pool=SOURCE_POOL,
                **window,
            )
            changefeed = CreateChangefeedOperator(
                task_id="changefeed", spec_path=path, pool=TARGET_POOL, **window
            )
            rollback = CutoverStepOperator(
                task_id="rollback", step_name="rollback_step", spec_path=path, trigger_rule="one_failed"
            )

            @task(task_id="cutover_done", **window)
            def cutover_done(**context: Any) -> dict[str, Any]:
                """Finish the cutover and say what to point the application at."""
                return dict(pipeline.cutover_done_step(run_context(path, context)))

            done = cutover_done()

        @task(task_id="cleanup_rehearsals")
        def cleanup_rehearsals(**context: Any) -> dict[str, Any]:
            """Drop rehearsal databases beyond the last N and the rehearsal's replication slot."""
            return dict(pipeline.cleanup_rehearsals_step(run_context(path, context)))

        @task(task_id="report", trigger_rule="all_done", retries=0)
        def report(**context: Any) -> dict[str, Any]:
            """Write report.html / report.json; fail the run if it did not finish as intended."""
            ti = context["ti"]
            ctx = run_context(path, context)
            start = getattr(context.get("dag_run"), "start_date", None)
            result = pipeline.report_step(ctx, pull_results(ti), start.timestamp() if start else None)
            for note in result["notes"]:
                log.info("%s", note)
            line = f"roachlift: {result['outcome']} (report: {result['html']})"
            if result["outcome"] not in {"cut over", "rehearsal ok"}:
                # SystemExit is logged by the task runner as one line ("Task exited"), not as a
                # traceback: a rejection or a rollback is an outcome, not a crash
                ti.xcom_push(key=RETURN_VALUE_KEY, value=result)
                raise SystemExit(line)
            log.info("%s", line)
            return dict(result)

        cleanup = cleanup_rehearsals()
        report_task = report()
        for xarg in (done, report_task):  # the "Run report" button on these tasks
            xarg.operator.operator_extra_links = [RunReportLink()]  # type: ignore[attr-defined]
        prep >> schema >> dump >> load >> post_load >> sync_verify >> branch
        ends = [done, cleanup, rollback]
        if asked is None:
            branch >> freeze
        else:
            approve_cutover, follow, rejected = asked
            branch >> [approve_cutover, follow]
            [approve_cutover, follow] >> freeze
            approve_cutover >> rejected
            ends.append(rejected)
        freeze >> drain >> sequences >> verify_final >> changefeed >> done
        [freeze, drain, sequences, verify_final, changefeed, done] >> rollback
        branch >> cleanup
        ends >> report_task
    return dag


def _approval_tasks(spec: MigrationSpec, path: str) -> tuple[Any, Any, Any]:
    """The go/no-go approval, the CDC that follows while it waits, and the rejection's task."""
    approve_cutover = CutoverApprovalOperator(
        task_id="approve_cutover",
        spec_path=path,
        subject=f"Go / no-go: cut {spec.name} over ({spec.source.kind} → {spec.target.dialect})",
        go_task="freeze_source",
        no_go_task="cutover_rejected",
        approvers=spec.cutover.approvers,
        response_timeout=timedelta(hours=spec.cutover.approval_timeout_hours),
        retries=0,
    )
    follow = CdcFollowSensor(
        task_id="cdc_follow",
        spec_path=path,
        approval_task_id="approve_cutover",
        # short pokes, then the worker is free: the backlog at the answer is ~poke_interval of
        # changes, which the drain applies in well under a second
        poke_seconds=10.0,
        poke_interval=5.0,
        timeout=timedelta(hours=spec.cutover.approval_timeout_hours + 1).total_seconds(),
    )
    rejected = CutoverStepOperator(task_id="cutover_rejected", step_name="reject_step", spec_path=path)
    return approve_cutover, follow, rejected


def build_dags(folder: Path | None = None) -> dict[str, DAG]:
    """Every DAG of the migrations folder, keyed by dag id; an invalid spec (or one asking for what
    its source cannot do) is logged with every problem and skipped."""
    dags: dict[str, DAG] = {}
    for path in spec_files(folder):
        try:  # a spec that is invalid, or asks what its source cannot do, must not hide the others
            spec = load_spec(path)
            dags[spec.dag_id] = build_dag(spec, path)
        except SpecError as exc:
            log.error("roachlift: skipping %s\n%s", path, exc)
    return dags
