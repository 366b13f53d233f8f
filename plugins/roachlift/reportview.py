"""Where a run's report lives, and what the UI shows of it (no Airflow import).

The report of run ``R`` of DAG ``roachlift_<name>`` is ``<work>/<name>/runs/<safe R>/report.html``
(see :class:`roachlift.pipeline.RunContext`). The Airflow plugin serves it at
``/roachlift/reports/<dag id>/<run id>``; the run note carries the outcome and that link.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

from roachlift.pipeline import _safe, work_root

URL_PREFIX = "/roachlift"
DAG_PREFIX = "roachlift_"
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def report_url(dag_id: str, run_id: str, base_url: str = "") -> str:
    """The link to a run's report page (``base_url``: the API server's public URL, or relative)."""
    path = f"{URL_PREFIX}/reports/{urllib.parse.quote(dag_id, safe='')}/{urllib.parse.quote(run_id, safe='')}"
    return base_url.rstrip("/") + path


def report_dir(dag_id: str, run_id: str, root: Path | None = None) -> Path | None:
    """The run's folder, or None when the DAG is not a roachlift migration."""
    if not dag_id.startswith(DAG_PREFIX) or not _NAME.match(dag_id):
        return None
    return (root or work_root()) / dag_id[len(DAG_PREFIX) :] / "runs" / _safe(run_id)


def run_note(dag_id: str, run_id: str, base_url: str = "", root: Path | None = None) -> str | None:
    """The run note (one Markdown line): outcome, the report link, tables and rows loaded, time."""
    folder = report_dir(dag_id, run_id, root)
    if folder is None or not (folder / "report.json").is_file():
        return None
    data: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    loaded = [s for s in data.get("steps", []) if s.get("step") == "load"]
    dumped = {s.get("table") for s in data.get("steps", []) if s.get("step") == "dump"}
    rows = sum(int(s.get("rows") or 0) for s in loaded)
    parts = [
        f"**{data.get('outcome', '?')}**",
        f"[Run report]({report_url(dag_id, run_id, base_url)})",
        f"{len(loaded)} of {len(dumped) or len(loaded)} tables loaded",
        f"{rows:,} rows",
        f"{float(data.get('total_seconds') or 0):.0f} s",
    ]
    estimate = data.get("estimate") or {}
    if estimate.get("total_seconds"):
        parts.append(f"estimated {float(estimate['total_seconds']):.0f} s")
    return " · ".join(parts)


def index_page(root: Path | None = None) -> str:
    """Every migration's runs with a report, newest first."""
    base = root or work_root()
    items = []
    for html_path in sorted(base.glob("*/runs/*/report.html"), key=lambda p: p.stat().st_mtime, reverse=True):
        name, run = html_path.parents[2].name, html_path.parent.name
        try:
            data = json.loads((html_path.parent / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        run_id = str(data.get("run_id") or run)
        link = html.escape(report_url(DAG_PREFIX + name, run_id))
        items.append(
            f'<tr><td>{html.escape(name)}</td><td><a href="{link}">'
            f"{html.escape(run_id)}</a></td><td>{html.escape(str(data.get('outcome', '')))}</td></tr>"
        )
    body = "".join(items) or '<tr><td colspan="3">No run has written a report yet.</td></tr>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>roachlift reports</title>'
        "<style>body{font:14px system-ui,sans-serif;margin:24px}td,th{padding:4px 10px;text-align:left;"
        "border-bottom:1px solid #ddd}</style></head><body><h1>roachlift run reports</h1>"
        f"<table><thead><tr><th>migration</th><th>run</th><th>outcome</th></tr></thead><tbody>{body}"
        "</tbody></table></body></html>"
    )


def missing_page(dag_id: str, run_id: str) -> str:
    """What the link shows before the run's report task has written the report."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>roachlift report</title></head>'
        f'<body style="font:14px system-ui,sans-serif;margin:24px"><h1>No report yet</h1><p>Run '
        f"<code>{html.escape(run_id)}</code> of <code>{html.escape(dag_id)}</code> has not written "
        "its report: the <code>report</code> task writes it when the run ends.</p></body></html>"
    )
