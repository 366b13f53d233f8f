"""Airflow loads plugins from this folder: this file registers roachlift's (the run report view,
the "Run report" tab and the run note). ``.airflowignore`` keeps Airflow from importing the
``roachlift`` package's modules one by one as if they were plugins."""

from roachlift.airflow.plugin import RoachliftPlugin

__all__ = ["RoachliftPlugin"]
