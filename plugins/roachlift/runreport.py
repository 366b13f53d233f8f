"""The run report: ``report.json`` and ``report.html`` for one migration run, plus rehearsal history.

Plain Python (no Airflow import): the DAG's last task and the CLI both call :func:`write_report`.
"""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HISTORY_FILE = "history.jsonl"


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

    @property
    def rows_per_s(self) -> float:
        """Throughput of the step; 0 when it took no measurable time."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


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
    verify: list[dict[str, Any]] = field(default_factory=list)
    lag_samples: list[tuple[float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the source → target schema mapping and naming rule (roachlift.naming), stated once
    names: str = ""

    @property
    def total_seconds(self) -> float:
        """Wall time of the run so far."""
        return (self.finished_at or time.time()) - self.started_at

    def to_json(self) -> dict[str, Any]:
        """The machine-readable report."""
        data = asdict(self)
        data["total_seconds"] = round(self.total_seconds, 3)
        for step, raw in zip(self.steps, data["steps"], strict=True):
            raw["rows_per_s"] = round(step.rows_per_s, 1)
        return data


def _history(reports_dir: Path) -> list[dict[str, Any]]:
    path = reports_dir / HISTORY_FILE
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


def _append_history(reports_dir: Path, report: RunReport) -> list[dict[str, Any]]:
    entry = {
        "run_id": report.run_id,
        "mode": report.mode,
        "started_at": report.started_at,
        "total_seconds": round(report.total_seconds, 3),
        "outcome": report.outcome,
        "rows": sum(s.rows for s in report.steps if s.step == "load"),
        "step_seconds": _seconds_by_step(report.steps),
    }
    entries = [e for e in _history(reports_dir) if e.get("run_id") != report.run_id]
    entries.append(entry)
    reports_dir.mkdir(parents=True, exist_ok=True)
    with (reports_dir / HISTORY_FILE).open("w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e) + "\n")
    return entries


def _seconds_by_step(steps: Iterable[StepStat]) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in steps:
        out[s.step] = round(out.get(s.step, 0.0) + s.seconds, 3)
    return out


def lag_chart_svg(samples: Sequence[tuple[float, float]], width: int = 640, height: int = 180) -> str:
    """An inline SVG line chart of CDC lag (seconds) over time; a note when there are no samples."""
    if not samples:
        return "<p>No CDC lag samples in this run.</p>"
    t0 = samples[0][0]
    xs = [t - t0 for t, _ in samples]
    ys = [lag for _, lag in samples]
    x_max = max(xs) or 1.0
    y_max = max(ys) or 1.0
    pad = 30
    points = " ".join(
        f"{pad + (x / x_max) * (width - 2 * pad):.1f},{height - pad - (y / y_max) * (height - 2 * pad):.1f}"
        for x, y in zip(xs, ys, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="CDC lag over time">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>'
        f'<text x="{pad}" y="{pad - 8}" font-size="11">lag {y_max:.1f} s</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="11" text-anchor="end">{x_max:.0f} s</text>'
        f'<polyline fill="none" stroke="#6933ff" stroke-width="2" points="{points}"/></svg>'
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: RunReport, history: Sequence[Mapping[str, Any]]) -> str:
    """The report for people: steps per table, review items, verify results, lag chart, rehearsal trend."""
    steps = _table(
        ["step", "table", "rows", "MB", "seconds", "rows/s", "rejected", "changed", "status", "detail"],
        (
            [
                s.step,
                s.table,
                s.rows,
                f"{s.bytes / 1e6:.2f}",
                f"{s.seconds:.2f}",
                f"{s.rows_per_s:,.0f}",
                s.rejected,
                s.changed,
                s.status,
                s.detail,
            ]
            for s in report.steps
        ),
    )
    review = _table(
        ["severity", "object", "message"],
        ([r.get("severity", ""), r.get("object", ""), r.get("message", "")] for r in report.review_items),
    )
    verify = _table(
        ["table", "source rows", "target rows", "missing", "extra", "mismatched", "rejected", "ok"],
        (
            [
                f"{v.get('table')} → {v.get('target_table')}" if v.get("target_table") else v.get("table"),
                v.get("rows_source"),
                v.get("rows_target"),
                v.get("missing"),
                v.get("extra"),
                v.get("mismatched"),
                v.get("rejected", 0),
                v.get("ok"),
            ]
            for v in report.verify
        ),
    )
    trend = _table(
        ["run", "mode", "outcome", "total s", "rows", "seconds by step"],
        (
            [
                h.get("run_id"),
                h.get("mode"),
                h.get("outcome"),
                h.get("total_seconds"),
                h.get("rows"),
                ", ".join(f"{k} {v}" for k, v in (h.get("step_seconds") or {}).items()),
            ]
            for h in history
        ),
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    names = f"<p>names: <b>{html.escape(report.names)}</b></p>" if report.names else ""
    title = f"roachlift {report.migration} — {report.run_id}"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1.5em}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}th{{background:#f3f0ff}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>mode <b>{html.escape(report.mode)}</b>, outcome <b>{html.escape(report.outcome)}</b>,
{report.total_seconds:.1f} s in all.</p>{names}<ul>{notes}</ul>
<h2>Steps</h2>{steps}
<h2>Review items from the conversion</h2>{review}
<h2>Verify</h2>{verify}
<h2>CDC lag</h2>{lag_chart_svg(report.lag_samples)}
<h2>Rehearsal timings over past runs</h2>{trend}
</body></html>
"""


def write_report(report: RunReport, run_dir: Path, reports_dir: Path) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``run_dir``; add the run to the history."""
    if report.finished_at is None:
        report.finished_at = time.time()
    history = _append_history(reports_dir, report)
    run_dir.mkdir(parents=True, exist_ok=True)
    json_path = run_dir / "report.json"
    html_path = run_dir / "report.html"
    data = report.to_json()
    data["history"] = history
    _write_private(json_path, json.dumps(data, indent=2, default=str))
    _write_private(html_path, render_html(report, history))
    return json_path, html_path


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 (reports name tables and keys)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
