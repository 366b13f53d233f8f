"""The run report: ``report.json`` and ``report.html`` for one migration run, plus rehearsal history.

Plain Python (no Airflow import): the DAG's last task and the CLI both call :func:`write_report`.
The HTML is a page people read (template ``include/report/report.html.j2``): a summary card, then
one section per phase, verify passes with ✓/✗ and the first differing keys, an SVG chart of every
CDC lag sample, the trend of earlier runs, and the conversion review grouped by severity and
effort. Everything is inline (no network), and the page prints.
"""

from __future__ import annotations

import html
import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from roachlift import storage
from roachlift.storage import StoragePath

HISTORY_FILE = "history.jsonl"
LAG_FILE = "lag_samples.jsonl"

#: Phases of a run in the chain's order: key -> heading. The two CDC and verify passes are apart.
PHASES: dict[str, str] = {
    "estimate": "Estimate",
    "schema": "Schema: extract, convert, create tables",
    "dump": "Dump (one snapshot)",
    "load": "Load",
    "post_load": "Indexes, foreign keys, views, sequences",
    "cdc_catch_up": "CDC catch-up (source still written)",
    "verify": "Verify, pass 1 (live, before approval)",
    "cutover": "Cutover: freeze the source",
    "cdc_drain": "CDC drain (source frozen)",
    "verify_final": "Verify, pass 2 (final, source frozen)",
    "finish": "Changefeed, finish, clean-up",
}
#: Which phase each step's statistics belong to (keys: ``roachlift.results.RunResults`` fields).
PHASE_OF_STEP_RESULT: dict[str, str] = {
    "estimate": "estimate",
    "extract_ddl": "schema",
    "convert_ddl": "schema",
    "create_tables": "schema",
    "dump": "dump",
    "load_table": "load",
    "indexes": "post_load",
    "foreign_keys": "post_load",
    "views_and_sequences": "post_load",
    "cdc_catch_up": "cdc_catch_up",
    "verify": "verify",
    "freeze_source": "cutover",
    "cdc_drain": "cdc_drain",
    "verify_final": "verify_final",
    "changefeed": "finish",
    "cutover_done": "finish",
    "cleanup_rehearsals": "finish",
}
_PHASE_OF_STEP = {
    "extract": "schema",
    "convert": "schema",
    "dump": "dump",
    "load": "load",
    "upload": "load",
    "validate_constraints": "post_load",
    "cdc": "cdc_catch_up",
    "verify": "verify",
}
#: Effort a person needs for a review item, by the converter's item code (unknown codes: medium).
EFFORT_OF_CODE: dict[str, str] = {
    **dict.fromkeys(
        [
            "citext",
            "money",
            "enum_as_check",
            "reserved_word",
            "identifier_too_long",
            "duplicate_index_name",
            "column_clause_dropped",
            "serial_as_uuid",
            "sequential_primary_key",
            "implicit_conversion",
            "not_null_dropped",
            "zero_date_default",
            "fk_set_null_not_null",
        ],
        "low",
    ),
    **dict.fromkeys(
        [
            "view_needs_review",
            "statement_failed",
            "user_aggregate_group_concat",
            "mysql_partitioning",
            "oracle_partitioning",
            "postgres_partitioning",
            "exclusion_constraint",
            "trigger_sequence",
            "fk_unknown_column",
            "fk_missing_table",
            "manual",
        ],
        "high",
    ),
}
SEVERITY_ORDER = ("error", "manual", "warning", "info")
EFFORT_ORDER = ("high", "medium", "low")
COMPRESSION_NOTE = (
    "Dump MB is the size of the part files on disk (gzip-compressed when dump.compression is gzip); "
    "load MB counts the CSV bytes sent to the target, uncompressed for COPY. The two differ by the "
    "compression ratio, not by lost or added data: the row counts are what is checked."
)


@dataclass
class StepStat:
    """One step on one table (or the whole database): what it moved and how fast."""

    step: str
    table: str = "*"
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    status: str = "ok"
    detail: str = ""
    #: Rows the step left out as holding values the target cannot hold (the dump's rejects.csv).
    rejected: int = 0
    #: Values the step changed by a lossy rule of the spec (``values.*``).
    changed: int = 0
    phase: str = ""
    #: Rows an earlier try of the step had already committed (a resumed load): ``rows`` is the table's
    #: total, and the throughput counts only the rows this try moved.
    resumed_rows: int = 0

    def __post_init__(self) -> None:
        if not self.phase:
            self.phase = _PHASE_OF_STEP.get(self.step, "post_load" if self.step.startswith("ddl:") else "")
            if self.step == "ddl:01_types+02_tables":
                self.phase = "schema"

    @property
    def rows_per_s(self) -> float:
        """Throughput of the step (rows this try moved); 0 when it took no measurable time."""
        return (self.rows - self.resumed_rows) / self.seconds if self.seconds > 0 else 0.0


@dataclass
class RunReport:
    """Everything one run did, for people (HTML) and machines (JSON)."""

    migration: str
    run_id: str
    mode: str
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    outcome: str = "running"
    steps: list[StepStat] = field(default_factory=list)
    review_items: list[dict[str, Any]] = field(default_factory=list)
    #: the verify pass the cutover relied on (the final one when it ran)
    verify: list[dict[str, Any]] = field(default_factory=list)
    #: every verify pass: phase key (``verify``, ``verify_final``) -> table results
    verify_passes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: ``[unix time, lag seconds, phase]`` of every CDC apply run (sensor poke, background apply)
    lag_samples: list[tuple[float, float, str]] = field(default_factory=list)
    lag_threshold_seconds: float | None = None
    #: wall seconds per phase, where the tasks said when they started and ended
    phase_seconds: dict[str, float] = field(default_factory=dict)
    #: the ``estimate`` task's prediction (``phases``, ``total_seconds``, ``low``, ``high``)
    estimate: dict[str, Any] | None = None
    #: seconds from freezing the source to the end of the cutover
    read_only_seconds: float | None = None
    dump_compression: str = ""
    notes: list[str] = field(default_factory=list)
    #: the source → target schema mapping and naming rule (roachlift.naming), stated once
    names: str = ""
    #: cutover runs: read_only_seconds, sequences_reset, who answered (roachlift.cutover_steps)
    cutover: dict[str, Any] = field(default_factory=dict)
    #: cutover runs: changes_applied, max_lag_seconds over every CDC call of the run
    cdc: dict[str, Any] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        """Wall time of the run so far."""
        return (self.finished_at or time.time()) - self.started_at

    def rows_loaded(self) -> int:
        """Rows the load phase wrote."""
        return sum(s.rows for s in self.steps if s.step == "load")

    def seconds_of(self, phase: str) -> float:
        """Wall seconds of a phase, or the sum of its steps' seconds when no wall time is known."""
        if phase in self.phase_seconds:
            return self.phase_seconds[phase]
        return sum(s.seconds for s in self.steps if s.phase == phase)

    def rows_per_s(self) -> float:
        """Rows loaded per second of dump + load time (what a team compares across rehearsals)."""
        seconds = self.seconds_of("dump") + self.seconds_of("load")
        return self.rows_loaded() / seconds if seconds > 0 else 0.0

    def max_lag(self) -> float | None:
        """Highest CDC lag of the run, seconds: the lag samples (sensor pokes, background apply) and, in
        a cutover run, every CDC call the run logged (``cdc.max_lag_seconds``, which also covers the
        drain after the freeze), so the summary card and ``report.json`` never disagree."""
        lags = [s[1] for s in self.lag_samples]
        if self.cdc.get("max_lag_seconds") is not None:
            lags.append(float(self.cdc["max_lag_seconds"]))
        return max(lags, default=None)

    def to_json(self) -> dict[str, Any]:
        """The machine-readable report."""
        data = asdict(self)
        data["total_seconds"] = round(self.total_seconds, 3)
        data["rows_loaded"] = self.rows_loaded()
        data["rows_per_s"] = round(self.rows_per_s(), 1)
        for step, raw in zip(self.steps, data["steps"], strict=True):
            raw["rows_per_s"] = round(step.rows_per_s, 1)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunReport:
        """Read a ``report.json`` back (to render it again); unknown keys are ignored."""
        names = set(cls.__dataclass_fields__)
        kwargs = {k: v for k, v in data.items() if k in names}
        stat_fields = set(StepStat.__dataclass_fields__)
        kwargs["steps"] = [
            StepStat(**{k: v for k, v in s.items() if k in stat_fields}) for s in data["steps"]
        ]
        kwargs["lag_samples"] = [_lag_sample(s) for s in data.get("lag_samples") or []]
        return cls(**kwargs)


def _lag_sample(raw: Sequence[Any]) -> tuple[float, float, str]:
    return (float(raw[0]), float(raw[1]), str(raw[2]) if len(raw) > 2 else "cdc_catch_up")


# --- history -----------------------------------------------------------------------------------------
def read_history(reports_dir: StoragePath) -> list[dict[str, Any]]:
    """Earlier runs of the migration (oldest first), from ``history.jsonl``."""
    path = reports_dir / HISTORY_FILE
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


def history_entry(report: RunReport) -> dict[str, Any]:
    """One run, as the history (and the estimator) remember it."""
    max_lag = report.max_lag()
    return {
        "run_id": report.run_id,
        "mode": report.mode,
        "started_at": report.started_at,
        "total_seconds": round(report.total_seconds, 3),
        "outcome": report.outcome,
        "rows": report.rows_loaded(),
        "bytes_dumped": sum(s.bytes for s in report.steps if s.step == "dump"),
        "rows_per_s": round(report.rows_per_s(), 1),
        "max_lag_seconds": round(max_lag, 3) if max_lag is not None else None,
        "step_seconds": _seconds_by_step(report.steps),
        "phase_seconds": {p: round(report.seconds_of(p), 3) for p in PHASES if report.seconds_of(p) > 0},
        "estimate_seconds": (report.estimate or {}).get("total_seconds"),
        "estimate_raw": (report.estimate or {}).get("raw_phases"),
    }


def _append_history(reports_dir: StoragePath, report: RunReport) -> list[dict[str, Any]]:
    entries = [e for e in read_history(reports_dir) if e.get("run_id") != report.run_id]
    entries.append(history_entry(report))
    storage.ensure_dir(reports_dir)
    storage.write_text(reports_dir / HISTORY_FILE, "".join(json.dumps(e) + "\n" for e in entries))
    return entries


def _seconds_by_step(steps: Iterable[StepStat]) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in steps:
        out[s.step] = round(out.get(s.step, 0.0) + s.seconds, 3)
    return out


# --- charts ------------------------------------------------------------------------------------------
def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if top <= 0:
        top = 1.0
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.1f}" if abs(v) >= 1 else f"{v:.2f}"


_PASS_COLORS = {"cdc_catch_up": "#6933ff", "verify": "#0a7d8c", "cdc_drain": "#d9480f"}
_PASS_LABELS = {
    "cdc_catch_up": "catch-up (source written)",
    "verify": "during verify pass 1",
    "cdc_drain": "drain (source frozen)",
}


def lag_chart_svg(
    samples: Sequence[Sequence[Any]],
    threshold: float | None = None,
    width: int = 720,
    height: int = 260,
) -> str:
    """An inline SVG chart of CDC lag: time axis (s since the first sample), lag axis (s), the
    threshold line and every sample as a point (hover: its time, lag and pass)."""
    if not samples:
        return '<p class="muted">No CDC lag samples in this run (CDC off or skipped).</p>'
    pts = sorted((float(s[0]), float(s[1]), str(s[2]) if len(s) > 2 else "cdc_catch_up") for s in samples)
    left, right, top, bottom = 60, 20, 16, 46
    t0 = pts[0][0]
    x_ticks = nice_ticks(max(pts[-1][0] - t0, 1.0), 6)
    y_ticks = nice_ticks(max(max(p[1] for p in pts), threshold or 0.0, 1.0) * 1.1, 4)
    x_max, y_max = x_ticks[-1], y_ticks[-1]
    pw, ph = width - left - right, height - top - bottom

    def x(v: float) -> float:
        return left + (v - t0) / x_max * pw

    def y(v: float) -> float:
        return top + ph - v / y_max * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="CDC lag in seconds over time, {len(pts)} samples" '
        f'class="chart lag-chart">'
    ]
    for v in y_ticks:
        out.append(
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">{_fmt(v)}</text>'
        )
    for v in x_ticks:
        xv = left + v / x_max * pw
        out.append(
            f'<line x1="{xv:.1f}" y1="{top + ph}" x2="{xv:.1f}" y2="{top + ph + 4}" class="axis"/>'
            f'<text x="{xv:.1f}" y="{top + ph + 17}" text-anchor="middle" class="tick">{_fmt(v)}</text>'
        )
    out.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" class="axis"/>'
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" class="axis"/>'
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" class="label">'
        f"seconds since the first sample ({_clock(t0)} UTC)</text>"
        f'<text x="14" y="{top + ph / 2:.1f}" text-anchor="middle" class="label" '
        f'transform="rotate(-90 14 {top + ph / 2:.1f})">lag (s)</text>'
    )
    if threshold is not None:
        out.append(
            f'<line x1="{left}" y1="{y(threshold):.1f}" x2="{left + pw}" y2="{y(threshold):.1f}" '
            f'class="threshold"/><text x="{left + pw - 4}" y="{y(threshold) - 5:.1f}" text-anchor="end" '
            f'class="threshold-label">threshold {_fmt(threshold)} s</text>'
        )
    for phase in _PASS_COLORS:
        mine = [p for p in pts if p[2] == phase]
        if len(mine) > 1:
            line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v, _ in mine)
            out.append(
                f'<polyline points="{line}" fill="none" stroke="{_PASS_COLORS[phase]}" stroke-width="1.5"/>'
            )
    for t, v, phase in pts:
        color = _PASS_COLORS.get(phase, "#555")
        label = html.escape(_PASS_LABELS.get(phase, phase))
        out.append(
            f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}" class="sample">'
            f"<title>{_clock(t)} UTC: lag {v:.1f} s ({label})</title></circle>"
        )
    out.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{_PASS_COLORS[p]}"></i>{html.escape(_PASS_LABELS[p])}</span>'
        for p in _PASS_COLORS
        if any(s[2] == p for s in pts)
    )
    return "".join(out) + f'<div class="legend">{legend}<span class="muted">{len(pts)} samples</span></div>'


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


def _date(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else "—"


def trend_chart_svg(
    title: str, unit: str, values: Sequence[float | None], width: int = 240, height: int = 130
) -> str:
    """A small SVG chart of one figure over the runs of a migration (oldest left, this run last)."""
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    left, right, top, bottom = 44, 10, 22, 28
    pw, ph = width - left - right, height - top - bottom
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{html.escape(title)} over {len(values)} runs" '
        'class="chart trend">'
        f'<text x="{left}" y="13" class="label">{html.escape(title)} ({html.escape(unit)})</text>'
    ]
    if not known:
        out.append(f'<text x="{left}" y="{top + ph / 2:.0f}" class="tick">no data</text></svg>')
        return "".join(out)
    ticks = nice_ticks(max(v for _, v in known) * 1.1 or 1.0, 3)
    y_max = ticks[-1]
    n = max(len(values) - 1, 1)

    def x(i: int) -> float:
        return left + (i / n * pw if len(values) > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph - v / y_max * ph

    for v in ticks:
        out.append(
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">{_fmt(v)}</text>'
        )
    out.append(
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" class="axis"/>'
        f'<text x="{left}" y="{height - 6}" class="tick">run 1</text>'
        f'<text x="{left + pw}" y="{height - 6}" text-anchor="end" class="tick">'
        f"run {len(values)} (this)</text>"
    )
    if len(known) > 1:
        line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in known)
        out.append(f'<polyline points="{line}" fill="none" stroke="#6933ff" stroke-width="1.5"/>')
    for i, v in known:
        last = i == len(values) - 1
        out.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{4 if last else 3}" '
            f'fill="{"#d9480f" if last else "#6933ff"}"><title>run {i + 1}: {_fmt(v)} {html.escape(unit)}'
            f"</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


# --- the page ----------------------------------------------------------------------------------------
def _mb(n: float) -> str:
    return f"{n / 1e6:,.2f}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _verify_view(tables: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    rows = []
    for t in tables:
        keys: list[str] = []
        for kind, sample in (
            ("missing", t.get("missing_sample") or []),
            ("extra", t.get("extra_sample") or []),
            ("mismatched", [m.get("key") for m in t.get("mismatched_sample") or []]),
        ):
            keys += [f"{kind} {json.dumps(k, default=str)}" for k in sample[:3]]
        rows.append(
            {
                "ok": bool(t.get("ok")),
                "table": (
                    f"{t.get('table')} → {t.get('target_table')}"
                    if t.get("target_table") and t.get("target_table") != t.get("table")
                    else t.get("table")
                ),
                "rows_source": t.get("rows_source"),
                "rows_target": t.get("rows_target"),
                "missing": t.get("missing") or 0,
                "extra": t.get("extra") or 0,
                "mismatched": t.get("mismatched") or 0,
                "columns": ", ".join(f"{c} ({n})" for c, n in (t.get("mismatched_columns") or {}).items()),
                "first_keys": keys[:5],
                "error": t.get("error") or "",
                "rechecked": t.get("resolved_on_recheck") or 0,
                "rejected": t.get("rejected") or 0,
                "seconds": float(t.get("elapsed_s") or 0.0),
            }
        )
    equal = sum(1 for r in rows if r["ok"])
    return {"rows": rows, "equal": equal, "total": len(rows), "ok": equal == len(rows)}


#: More items than this of one code become one row naming every object.
REVIEW_ROW_LIMIT = 3


def _review_rows(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of one severity and effort: an item each, or one row for a code with many items."""
    by_code: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        by_code.setdefault(str(item.get("code") or ""), []).append(item)
    rows: list[dict[str, Any]] = []
    for code, same in by_code.items():
        if code and len(same) > REVIEW_ROW_LIMIT:
            rows.append(
                {
                    "objects": [str(i.get("object") or "") for i in same],
                    "code": code,
                    "message": f"{same[0].get('message', '')} (and {len(same) - 1} more like it)",
                    "line": None,
                    "count": len(same),
                }
            )
        else:
            rows += [
                {
                    "objects": [str(i.get("object") or "")],
                    "code": code,
                    "message": str(i.get("message") or ""),
                    "line": i.get("line"),
                    "count": 1,
                }
                for i in same
            ]
    return rows


def _review_view(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    groups: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for item in items:
        severity = str(item.get("severity") or "info")
        code = str(item.get("code") or "")
        effort = str(
            item.get("effort") or EFFORT_OF_CODE.get(code, "high" if severity == "manual" else "medium")
        )
        groups.setdefault(severity, {}).setdefault(effort, []).append({**item, "effort": effort})
    order = [s for s in SEVERITY_ORDER if s in groups] + sorted(set(groups) - set(SEVERITY_ORDER))
    matrix = [[s, [len(groups[s].get(e, [])) for e in EFFORT_ORDER]] for s in order]
    sections = [
        {
            "severity": s,
            "count": sum(len(v) for v in groups[s].values()),
            "efforts": [(e, _review_rows(groups[s][e])) for e in EFFORT_ORDER if e in groups[s]],
        }
        for s in order
    ]
    return {"matrix": matrix, "sections": sections, "total": len(items)}


def _phase_rows(report: RunReport) -> list[dict[str, Any]]:
    predicted = dict((report.estimate or {}).get("phases") or {})
    ranges = dict((report.estimate or {}).get("phase_ranges") or {})
    if "verify" in predicted:  # the estimate is per verify pass
        predicted.setdefault("verify_final", predicted["verify"])
        if "verify" in ranges:
            ranges.setdefault("verify_final", ranges["verify"])
    rows = []
    for key, label in PHASES.items():
        steps = [s for s in report.steps if s.phase == key]
        seconds = report.seconds_of(key)
        if not steps and key not in report.phase_seconds and not (key in predicted and key != "verify_final"):
            continue
        rows_moved = sum(s.rows for s in steps) if key in {"dump", "load", "cdc_catch_up", "cdc_drain"} else 0
        verify_rows = sum(s.rows for s in steps) if key.startswith("verify") else 0
        rows_this_run = (rows_moved or verify_rows) - sum(s.resumed_rows for s in steps)
        nbytes = sum(s.bytes for s in steps)
        rng = ranges.get(key)
        rows.append(
            {
                "key": key,
                "label": label,
                "seconds": seconds,
                "rows": rows_moved or verify_rows,
                "mb": _mb(nbytes) if nbytes else "",
                "rows_per_s": f"{rows_this_run / seconds:,.0f}" if seconds > 0 and rows_this_run > 0 else "",
                "predicted": _duration(predicted[key]) if key in predicted else "",
                "range": f"{_duration(rng[0])} to {_duration(rng[1])}" if rng else "",
            }
        )
    return rows


def _table_rows(report: RunReport) -> list[dict[str, Any]]:
    """Dump and load side by side per table (largest first)."""
    dumped = {s.table: s for s in report.steps if s.step == "dump"}
    loaded = {s.table: s for s in report.steps if s.step == "load"}
    names = sorted(set(dumped) | set(loaded), key=lambda n: -(dumped[n].bytes if n in dumped else 0))
    out = []
    for name in names:
        d, ld = dumped.get(name), loaded.get(name)
        ratio = ld.bytes / d.bytes if d and ld and d.bytes and ld.bytes else None
        out.append(
            {
                "table": name,
                "dump_rows": d.rows if d else "",
                "dump_mb": _mb(d.bytes) if d else "",
                "dump_s": f"{d.seconds:.2f}" if d else "",
                "dump_rate": f"{d.rows_per_s:,.0f}" if d else "",
                "load_rows": ld.rows if ld else "",
                "load_mb": _mb(ld.bytes) if ld else "",
                "load_s": f"{ld.seconds:.2f}" if ld and ld.seconds else "",
                "load_rate": f"{ld.rows_per_s:,.0f}" if ld and ld.seconds else "",
                "ratio": f"{ratio:.1f}x" if ratio else "",
                "same_rows": bool(d and ld and d.rows == ld.rows),
                "detail": ", ".join(
                    x
                    for x in (
                        f"{d.rejected} row(s) rejected, see rejects.csv" if d and d.rejected else "",
                        f"{d.changed} value(s) changed by values rules" if d and d.changed else "",
                        (ld.detail if ld else "") or (d.detail if d else ""),
                    )
                    if x
                ),
            }
        )
    return out


def _other_steps(report: RunReport) -> dict[str, list[StepStat]]:
    """Steps other than per-table dump/load/verify, by phase (schema, post-load, CDC, ...)."""
    out: dict[str, list[StepStat]] = {}
    for s in report.steps:
        if s.step in {"dump", "load", "verify"}:
            continue
        out.setdefault(s.phase or "other", []).append(s)
    return out


def render_html(report: RunReport, history: Sequence[Mapping[str, Any]]) -> str:
    """The report for people (see the module docstring)."""
    import jinja2
    from markupsafe import Markup

    from roachlift.paths import include_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(include_dir() / "report"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["duration"] = _duration
    env.filters["num"] = lambda v: f"{v:,}" if isinstance(v, int) else v
    passes = report.verify_passes or ({"verify": report.verify} if report.verify else {})
    verify = [(PHASES.get(k, k), _verify_view(v)) for k, v in passes.items()]
    runs = list(history) or [history_entry(report)]
    dumped = sum(s.bytes for s in report.steps if s.step == "dump")
    loaded = sum(s.bytes for s in report.steps if s.step == "load")
    outcome_class = "good" if report.outcome in {"cut over", "rehearsal ok"} else "bad"
    context = {
        "r": report,
        "title": f"roachlift {report.migration}: {report.outcome}",
        "outcome_class": outcome_class,
        "started": _date(report.started_at),
        "finished": _date(report.finished_at),
        "rows_loaded": report.rows_loaded(),
        "rows_per_s": f"{report.rows_per_s():,.0f}",
        "mb_dumped": _mb(dumped),
        "mb_loaded": _mb(loaded),
        "tables": len({s.table for s in report.steps if s.step == "load"}),
        "phases": _phase_rows(report),
        "table_rows": _table_rows(report),
        "other_steps": _other_steps(report),
        "phase_labels": PHASES,
        "verify": verify,
        "verify_last": verify[-1][1] if verify else None,
        "lag_chart": Markup(lag_chart_svg(report.lag_samples, report.lag_threshold_seconds)),
        "max_lag": report.max_lag(),
        "review": _review_view(report.review_items),
        "compression_note": COMPRESSION_NOTE,
        "history": [
            {**h, "started": _date(h.get("started_at")), "this": h.get("run_id") == report.run_id}
            for h in runs
        ],
        "trend": [
            Markup(trend_chart_svg("Duration", "s", [h.get("total_seconds") for h in runs])),
            Markup(trend_chart_svg("Throughput", "rows/s", [h.get("rows_per_s") for h in runs])),
            Markup(trend_chart_svg("Max CDC lag", "s", [h.get("max_lag_seconds") for h in runs])),
        ],
        "estimate": report.estimate,
        "predicted_phases_actual": sum(
            report.seconds_of(p) for p in ("dump", "load", "verify", "verify_final")
        ),
    }
    return env.get_template("report.html.j2").render(**context)


def write_report(
    report: RunReport, run_dir: StoragePath, reports_dir: StoragePath
) -> tuple[StoragePath, StoragePath]:
    """Write ``report.json`` and ``report.html`` into ``run_dir``; add the run to the history."""
    if report.finished_at is None:
        report.finished_at = time.time()
    history = _append_history(reports_dir, report)
    storage.ensure_dir(run_dir)
    json_path = run_dir / "report.json"
    html_path = run_dir / "report.html"
    data = report.to_json()
    data["history"] = history
    _write_private(json_path, json.dumps(data, indent=2, default=str))
    _write_private(html_path, render_html(report, history))
    return json_path, html_path


def _write_private(path: StoragePath, text: str) -> None:
    """Write ``text`` to ``path`` (locally mode 0600: reports name tables and keys)."""
    storage.write_text(path, text)


def append_lag_sample(
    run_dir: StoragePath, lag_seconds: float, phase: str, lag_bytes: int | None = None
) -> None:
    """Remember one CDC lag sample of the run (every sensor poke and background apply adds one)."""
    storage.ensure_dir(run_dir)
    storage.append_text(run_dir / LAG_FILE, json.dumps([time.time(), lag_seconds, phase, lag_bytes]) + "\n")


def read_lag_samples(run_dir: StoragePath) -> list[tuple[float, float, str]]:
    """Every lag sample the run recorded, oldest first."""
    path = run_dir / LAG_FILE
    if not path.is_file():
        return []
    return [_lag_sample(json.loads(x)) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
