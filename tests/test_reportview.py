"""Opening the report from the UI: the plugin's view, the "Run report" extra link, the run note."""

from __future__ import annotations

import json
import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from roachlift import reportview

FIXTURE = Path(__file__).parent / "report" / "pagila_cutover_report.json"
RUN_ID = json.loads(FIXTURE.read_text(encoding="utf-8"))["run_id"]
TiKey = namedtuple("TiKey", "dag_id task_id run_id try_number map_index")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A work folder holding one run's report of migration ``pgcut0``."""
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path))
    folder = reportview.report_dir("roachlift_pgcut0", RUN_ID)
    assert folder is not None and folder.parent.parent.parent == tmp_path
    folder.mkdir(parents=True)
    shutil.copy(FIXTURE, folder / "report.json")
    (folder / "report.html").write_text("<!doctype html><title>the report</title>", encoding="utf-8")
    return tmp_path


def test_report_url_quotes_the_run_id() -> None:
    assert reportview.report_url("roachlift_x", "manual__2026-11-30T11:20:39+00:00", "http://h:8080/") == (
        "http://h:8080/roachlift/reports/roachlift_x/manual__2026-11-30T11%3A20%3A39%2B00%3A00"
    )
    assert reportview.report_url("roachlift_x", "r/1").startswith("/roachlift/reports/roachlift_x/r%2F1")


def test_only_roachlift_dags_map_to_a_folder() -> None:
    assert reportview.report_dir("other_dag", "r") is None
    assert reportview.report_dir("roachlift_../../etc", "r") is None
    folder = reportview.report_dir("roachlift_shop", "../../x")
    assert folder is not None and ".." not in folder.parts


def test_run_note_has_outcome_tables_and_link(work: Path) -> None:
    note = reportview.run_note("roachlift_pgcut0", RUN_ID, "http://h:8080")
    assert note is not None
    link = f"[Run report]({reportview.report_url('roachlift_pgcut0', RUN_ID, 'http://h:8080')})"
    assert note.startswith(f"**cut over** · {link} · 15 of 15 tables loaded · 46,273 rows · ")
    assert "estimated" in note and "\n" not in note
    assert reportview.run_note("roachlift_pgcut0", "no such run") is None


def test_plugin_app_serves_the_report_and_the_index(work: Path) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from roachlift.airflow.plugin import RoachliftPlugin, app

    server = FastAPI()
    server.mount(RoachliftPlugin.fastapi_apps[0]["url_prefix"], app)  # as Airflow's API server mounts it
    client = TestClient(server)
    page = client.get(reportview.report_url("roachlift_pgcut0", RUN_ID))
    assert page.status_code == 200 and "the report" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert client.get(reportview.report_url("roachlift_pgcut0", "other")).status_code == 404
    assert client.get(reportview.report_url("some_dag", RUN_ID)).status_code == 404
    index = client.get("/roachlift/reports")
    assert "pgcut0" in index.text and "cut over" in index.text
    assert reportview.report_url("roachlift_pgcut0", RUN_ID) in index.text.replace("&amp;", "&")
    routes = {v["url_route"]: v for v in RoachliftPlugin.external_views}
    assert routes["roachlift_run_report"]["destination"] == "dag_run"
    assert RoachliftPlugin.fastapi_apps[0]["url_prefix"] == "/roachlift"


def test_run_report_link_on_report_and_cutover_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    from roachlift.airflow.factory import build_dags
    from roachlift.airflow.links import RunReportLink

    dag = build_dags(Path(__file__).parents[1] / "include" / "migrations")["roachlift_pagila"]
    with_link = sorted(t.task_id for t in dag.tasks if t.operator_extra_links)
    assert with_link == ["cutover_done", "report"]
    serialized = json.dumps(DagSerialization.to_dict(dag))
    assert serialized.count("RunReportLink") == 2
    key = TiKey("roachlift_pagila", "report", RUN_ID, 1, -1)
    assert (
        RunReportLink()
        .get_link(dag.get_task("report"), ti_key=key)
        .endswith(reportview.report_url("roachlift_pagila", RUN_ID))
    )
    assert RunReportLink.name == "Run report"


def test_listener_sets_the_note_when_a_roachlift_run_ends(work: Path) -> None:
    from types import SimpleNamespace

    from roachlift.airflow.plugin import RoachliftPlugin

    listener = RoachliftPlugin.listeners[0]
    run = SimpleNamespace(dag_id="roachlift_pgcut0", run_id=RUN_ID, note=None)
    listener.on_dag_run_success(dag_run=run, msg="")
    assert run.note is not None and run.note.startswith("**cut over** · [Run report](")
    assert "15 of 15 tables loaded" in run.note
    other = SimpleNamespace(dag_id="someone_else", run_id="r", note="theirs")
    listener.on_dag_run_failed(dag_run=other, msg="")
    assert other.note == "theirs"
