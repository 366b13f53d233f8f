"""The "Run report" operator extra link (on the ``report`` and ``cutover_done`` tasks).

Airflow 3 computes an operator's extra links on the worker when the task ends and keeps them as
XCom (``airflow.sdk.execution_time.task_runner.finalize``), so the link needs no plugin to be
shown; the page behind it is served by :mod:`roachlift.airflow.plugin`.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperatorLink

from roachlift.reportview import report_url


class RunReportLink(BaseOperatorLink):
    """Opens the run's ``report.html`` through the roachlift plugin's view."""

    name = "Run report"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """``<api base url>/roachlift/reports/<dag id>/<run id>`` (relative when no base URL is set)."""
        from airflow.sdk.configuration import conf

        return report_url(ti_key.dag_id, ti_key.run_id, conf.get("api", "base_url", fallback="") or "")
