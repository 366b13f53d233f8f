"""What each step of a run returns, typed: one TypedDict per step, JSON-serialisable as they are.

Every step returns a one-line ``summary`` and, where it moved data, ``stats`` (rows, bytes, seconds
per table: :class:`roachlift.runreport.StepStat` as JSON). :class:`RunResults` holds one run's
results by step name, the neutral form the run report and the go/no-go checklist read; how a
scheduler stores and finds them (Airflow: task ids and XCom, in :mod:`roachlift.airflow.xcom`) is
not the core's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

#: One :class:`roachlift.runreport.StepStat` as JSON.
StatRow = dict[str, Any]


class StepResult(TypedDict):
    """Fields every step result has; ``started_at`` / ``finished_at`` are set by the runner."""

    summary: str
    stats: NotRequired[list[StatRow]]
    started_at: NotRequired[float]
    finished_at: NotRequired[float]


class EstimateResult(StepResult):
    """``estimate_step``: :meth:`roachlift.estimate.Estimate.to_json` besides the summary (absent
    when no estimate could be made)."""

    phases: NotRequired[dict[str, float]]
    total_seconds: NotRequired[float]


class PreflightResult(StepResult):
    """``preflight_step``: whether "Cut over again" was ticked, and what an earlier run left."""

    again: NotRequired[bool]
    problems: NotRequired[list[str]]


class TableListing(TypedDict):
    """A table the extract found, with the catalog's row estimate."""

    name: str
    rows_estimate: int


class ExtractResult(StepResult):
    """``extract_step``."""

    tables: list[TableListing]
    ddl_path: str


class ReviewItem(TypedDict):
    """A conversion review item (or an object left for manual review)."""

    severity: str
    object: str
    message: str
    code: str
    line: int | None


class ConvertResult(StepResult):
    """``convert_step``."""

    review_items: list[ReviewItem]
    manual_items: list[ReviewItem]
    convert_dir: str


class PhasesResult(StepResult):
    """``apply_phases_step``: statements applied per phase."""

    statements: dict[str, int]


class TableToLoad(TypedDict):
    """One mapped load: the table's manifest and its ``source → target`` label."""

    manifest: str
    table_label: str


class DumpResult(StepResult):
    """``dump_step``: manifests largest table first, the snapshot position."""

    manifests: list[str]
    loads: list[TableToLoad]
    snapshot: dict[str, Any]
    rejected: int
    changed: int
    elapsed_s: float


class LoadTableResult(StepResult):
    """``copy_table_step`` / ``start_import_step`` / ``finish_import_step``: one table's load (or,
    for IMPORT, where its file groups stand: ``job_id`` of the group to follow, ``done``)."""

    table: str
    loaded: NotRequired[list[int]]
    done: NotRequired[bool]
    group: NotRequired[int]
    groups: NotRequired[int]
    job_id: NotRequired[int]


class ConstraintsResult(StepResult):
    """``validate_constraints_step``: constraints validated."""

    validated: list[str]


class CdcResult(StepResult):
    """``cdc_step`` / ``drain_step``: whether the stream caught up, and where it stands."""

    caught_up: bool
    lag_samples: list[list[float]]
    lag_seconds: NotRequired[float | None]
    position: NotRequired[dict[str, Any] | None]


class VerifyResult(StepResult):
    """``verify_step`` / ``verify_changed_step``: one JSON object per table compared."""

    tables: list[dict[str, Any]]
    last_rehearsal: NotRequired[str]
    rechecked_rows: NotRequired[int]


class ApprovalResult(TypedDict, total=False):
    """The go/no-go answer (``chosen_options``: the answer chosen)."""

    chosen_options: list[str]


class RejectResult(StepResult):
    """``reject_step``."""

    rejected: bool


class FreezeResult(StepResult):
    """``freeze_step``: the position the drain must reach, and when the read-only window began."""

    position: NotRequired[dict[str, Any] | None]
    frozen_at: NotRequired[float | None]


class SequencesResult(StepResult):
    """``sequences_step``."""

    sequences_reset: list[dict[str, Any]]


class CutoverDoneResult(StepResult):
    """``cutover_done_step``."""

    target: str
    read_only_seconds: float | None


class CleanupResult(StepResult):
    """``cleanup_rehearsals_step``."""

    dropped: list[str]


class RollbackResult(StepResult):
    """``rollback_step``."""

    rolled_back: NotRequired[bool]


class ReportResult(TypedDict):
    """``report_step``: the run's outcome and the report's files."""

    outcome: str
    json: str
    html: str
    notes: list[str]


@dataclass
class RunResults:
    """The results of one run's steps by step name; ``None`` where a step did not run or failed.
    ``load_table`` has one result per table loaded."""

    estimate: EstimateResult | None = None
    preflight: PreflightResult | None = None
    extract_ddl: ExtractResult | None = None
    convert_ddl: ConvertResult | None = None
    create_tables: PhasesResult | None = None
    dump: DumpResult | None = None
    load_table: list[LoadTableResult] = field(default_factory=list)
    indexes: PhasesResult | None = None
    foreign_keys: ConstraintsResult | None = None
    views_and_sequences: PhasesResult | None = None
    cdc_catch_up: CdcResult | None = None
    verify: VerifyResult | None = None
    approve_cutover: ApprovalResult | None = None
    cdc_follow: CdcResult | None = None
    freeze_source: FreezeResult | None = None
    cdc_drain: CdcResult | None = None
    reset_sequences: SequencesResult | None = None
    verify_final: VerifyResult | None = None
    changefeed: StepResult | None = None
    cutover_done: CutoverDoneResult | None = None
    cleanup_rehearsals: CleanupResult | None = None
    cutover_rejected: RejectResult | None = None
    rollback: RollbackResult | None = None

    def of(self, step: str) -> Any:
        """The result of the single-result step ``step`` (``None``: not run)."""
        if step not in SINGLE_STEPS:
            raise KeyError(step)
        return getattr(self, step)


#: Steps in the order of the chain (the run report lists their stats in this order).
STEPS: tuple[str, ...] = (
    "estimate",
    "preflight",
    "extract_ddl",
    "convert_ddl",
    "create_tables",
    "dump",
    "load_table",
    "indexes",
    "foreign_keys",
    "views_and_sequences",
    "cdc_catch_up",
    "verify",
    "approve_cutover",
    "cdc_follow",
    "freeze_source",
    "cdc_drain",
    "reset_sequences",
    "verify_final",
    "changefeed",
    "cutover_done",
    "cleanup_rehearsals",
    "cutover_rejected",
    "rollback",
)
#: Steps with one result per run (``load_table`` has one per table).
SINGLE_STEPS: tuple[str, ...] = tuple(s for s in STEPS if s != "load_table")
#: Steps that run only on some paths: a missing result does not mean the run failed there.
OPTIONAL_STEPS = frozenset(
    {"approve_cutover", "cdc_follow", "cleanup_rehearsals", "cutover_done", "cutover_rejected", "rollback"}
)
#: Steps of the read-only window, in order: the first without a result is the one that failed.
AFTER_FREEZE: tuple[str, ...] = STEPS[STEPS.index("freeze_source") : STEPS.index("cutover_done") + 1]
