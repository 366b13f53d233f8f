"""The roachlift Airflow plugin: the run report in the UI.

- a FastAPI app under ``/roachlift``: ``/roachlift/reports`` lists the runs with a report,
  ``/roachlift/reports/<dag id>/<run id>`` serves one run's ``report.html``;
- a "Run report" tab on each DAG run (an external view) and a "Migration reports" entry under Browse;
- a listener that sets each roachlift run's note to its outcome and the report link when it ends.

Airflow finds it through ``plugins/roachlift_plugin.py`` in the deployment's plugins folder.
The operator extra link ("Run report" on the ``report`` and ``cutover_done`` tasks) is
:class:`roachlift.airflow.links.RunReportLink`.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response

from roachlift import reportview

log = logging.getLogger(__name__)

app = FastAPI(title="roachlift run reports", docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/reports", response_class=HTMLResponse)
def reports_index() -> str:
    """Every run with a report."""
    return reportview.index_page()


@app.get("/reports/{dag_id}/{run_id}", response_model=None)
def run_report(dag_id: str, run_id: str) -> Response:
    """One run's report page (404 for a DAG that is not a roachlift migration)."""
    folder = reportview.report_dir(dag_id, run_id)
    if folder is None:
        return HTMLResponse(reportview.missing_page(dag_id, run_id), status_code=404)
    path = folder / "report.html"
    if not path.is_file():
        return HTMLResponse(reportview.missing_page(dag_id, run_id), status_code=404)
    return FileResponse(path, media_type="text/html")


def _set_note(dag_run: Any) -> None:
    from airflow.configuration import conf

    try:
        note = reportview.run_note(dag_run.dag_id, dag_run.run_id, conf.get("api", "base_url", fallback=""))
        if note:
            dag_run.note = note
    except Exception:  # a note must never break the scheduler
        log.exception("roachlift: could not set the note of %s", dag_run.run_id)


class _RunNoteListener:
    """Sets a roachlift run's note when the run ends (called in the scheduler, which owns the DB)."""

    @hookimpl
    def on_dag_run_success(self, dag_run: Any, msg: str) -> None:
        _set_note(dag_run)

    @hookimpl
    def on_dag_run_failed(self, dag_run: Any, msg: str) -> None:
        _set_note(dag_run)


class RoachliftPlugin(AirflowPlugin):
    """See the module docstring."""

    name = "roachlift"
    fastapi_apps = [{"app": app, "url_prefix": reportview.URL_PREFIX, "name": "roachlift run reports"}]
    external_views = [
        {
            "name": "Run report",
            "href": reportview.URL_PREFIX + "/reports/{DAG_ID}/{RUN_ID}",
            "destination": "dag_run",
            "url_route": "roachlift_run_report",
        },
        {
            "name": "Migration reports",
            "href": reportview.URL_PREFIX + "/reports",
            "destination": "nav",
            "category": "browse",
            "url_route": "roachlift_reports",
        },
    ]
    listeners = [_RunNoteListener()]
