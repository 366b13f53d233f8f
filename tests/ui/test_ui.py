"""What a person sees: the Airflow 3.3 UI, served on loopback, in headless Debian Chromium.

Checks that the DAGs list shows every ``roachlift_*`` DAG, that the trigger form of a migration
DAG shows its Params, and that a pending approval (the cutover's human-in-the-loop step) is
visible under Browse -> Required Actions and on the task's Required Action tab; then answers it
over REST and checks the run succeeds. Screenshots are kept under ``tests/ui/artifacts/``.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

PROBE_DAG_ID = "roachlift_ui_approval_probe"  # tests/ui/dags/roachlift_ui_approval_probe.py
APPROVAL_SUBJECT = "Approve cutover of ui_probe_db to CockroachDB"


def _shot(page: Any, artifacts_dir: Path, name: str) -> Path:
    """Save a screenshot once running animations (the trigger dialog fades in) have ended."""
    page.wait_for_timeout(400)
    path = artifacts_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"\nscreenshot: {path}", flush=True)
    return path


def test_dags_list_shows_every_roachlift_dag(airflow_ui: Any, page: Any, artifacts_dir: Path) -> None:
    assert {"roachlift_pagila", "roachlift_sakila", "roachlift_shop_oracle"} <= set(airflow_ui.dag_ids)
    known = [d["dag_id"] for d in airflow_ui.client.list_dags()]  # every DAG the API knows
    roachlift_dags = {*airflow_ui.dag_ids, PROBE_DAG_ID, *(d for d in known if d.startswith("roachlift_"))}
    page.goto(f"{airflow_ui.base_url}/dags")
    try:
        for dag_id in sorted(roachlift_dags):
            page.get_by_role("link", name=dag_id, exact=True).first.wait_for(state="visible")
    finally:
        _shot(page, artifacts_dir, "01-dags-list")
    heading = page.get_by_text(re.compile(r"^\d+ Dags?$")).first.inner_text()
    assert int(heading.split()[0]) == len(known), (heading, known)


def test_trigger_form_shows_params(airflow_ui: Any, page: Any, artifacts_dir: Path) -> None:
    params: dict[str, Any] = airflow_ui.client.get_dag_details("roachlift_pagila")["params"]
    assert {"tables", "mode"} <= set(params), params
    titles = {key: (p.get("schema") or {}).get("title") or key for key, p in params.items()}
    assert titles["tables"] == "Tables" and titles["mode"] == "Mode", titles

    page.goto(f"{airflow_ui.base_url}/dags/roachlift_pagila")
    dialog = page.get_by_role("dialog")
    try:
        page.get_by_test_id("trigger-dag-button").first.click()  # the "Trigger" button, top right
        dialog.get_by_text("Trigger Dag - roachlift_pagila").wait_for(state="visible")
        for title in titles.values():
            # a field's label is its title, plus " *" when the Param is required
            label = re.compile(rf"^\s*{re.escape(title)}\s*\*?\s*$")
            dialog.locator("label").filter(has_text=label).first.wait_for(state="visible")
    finally:
        _shot(page, artifacts_dir, "02-trigger-form-roachlift_pagila")
    # the form holds the Params' defaults
    assert dialog.get_by_text("rehearsal", exact=True).first.is_visible()
    page.keyboard.press("Escape")  # close the form without triggering


def test_pending_approval_is_visible_then_approved(airflow_ui: Any, page: Any, artifacts_dir: Path) -> None:
    client, run_id = airflow_ui.client, airflow_ui.probe_run_id
    detail = client.wait_for_hitl(PROBE_DAG_ID, run_id, timeout=60)
    assert detail["subject"] == APPROVAL_SUBJECT
    assert detail["task_instance"]["state"] == "awaiting_input"
    assert detail["options"] == ["Approve", "Reject"]
    pending = client.hitl_details()  # every DAG, every run: what Browse -> Required Actions lists
    assert [d["task_instance"]["dag_run_id"] for d in pending] == [run_id]

    # Browse -> Required Actions, filtered to pending ones
    page.goto(f"{airflow_ui.base_url}/required_actions?response_received=false")
    try:
        page.get_by_text("1 Required Action").first.wait_for(state="visible")
        row = page.get_by_role("row").filter(has_text=PROBE_DAG_ID)
        row.get_by_text("Approval Required").wait_for(state="visible")
        assert row.get_by_role("link", name=re.compile(r"^Approve cutover of ui_probe_db")).is_visible()
    finally:
        _shot(page, artifacts_dir, "03-required-actions")

    # the task's Required Action tab: full subject, body and the two buttons
    task_id = detail["task_instance"]["task_id"]
    run = urllib.parse.quote(run_id, safe="")
    page.goto(f"{airflow_ui.base_url}/dags/{PROBE_DAG_ID}/runs/{run}/tasks/{task_id}/required_actions")
    try:
        page.get_by_text(APPROVAL_SUBJECT, exact=True).wait_for(state="visible")
        page.get_by_role("button", name="Approve", exact=True).wait_for(state="visible")
        assert page.get_by_role("button", name="Reject", exact=True).is_visible()
        assert page.get_by_text("Awaiting Input").first.is_visible()
    finally:
        _shot(page, artifacts_dir, "04-task-required-action")

    answer = client.answer_hitl(PROBE_DAG_ID, run_id, task_id, ["Approve"])
    assert answer["chosen_options"] == ["Approve"]
    final = client.wait_for_run(PROBE_DAG_ID, run_id, timeout=60)
    states = {t["task_id"]: t["state"] for t in client.task_instances(PROBE_DAG_ID, run_id)}
    assert final["state"] == "success", states
    assert states == {"approve_cutover": "success", "cut_over": "success"}
    assert client.hitl_details() == []


def test_run_report_link_and_plugin_view(airflow_ui: Any, page: Any, artifacts_dir: Path) -> None:
    """The "Run report" extra link on the report and cutover tasks; the plugin serves the reports."""
    client = airflow_ui.client
    # A run of the (paused, so never scheduled) pagila DAG has task instances whose links can be read.
    run_id = client.trigger("roachlift_pagila", conf={"mode": "rehearsal"})
    run = urllib.parse.quote(run_id, safe="")
    links = {
        task_id: client.request(
            "GET", f"/api/v2/dags/roachlift_pagila/dagRuns/{run}/taskInstances/{task_id}/links"
        )["extra_links"]
        for task_id in ("report", "cutover_done", "verify")
    }
    # the URL is filled in when the task ends (Airflow keeps it as XCom): not yet in a run that never ran
    assert links == {"report": {"Run report": None}, "cutover_done": {"Run report": None}, "verify": {}}
    # the probe run (answered above) ended: the scheduler's listener set its note from its report
    note = client.get_run(PROBE_DAG_ID, airflow_ui.probe_run_id)["note"]
    assert note and note.startswith("**cut over** · [Run report](") and "15 of 15 tables loaded" in note, note
    assert "[Run report](" in note and "/roachlift/reports/roachlift_ui_approval_probe/" in note
    probe_run = urllib.parse.quote(airflow_ui.probe_run_id, safe="")
    page.goto(f"{airflow_ui.base_url}/dags/{PROBE_DAG_ID}/runs/{probe_run}")
    try:
        page.get_by_text("15 of 15 tables loaded").first.wait_for(state="visible")
        page.get_by_role("link", name="Run report").first.wait_for(state="visible")
    finally:
        _shot(page, artifacts_dir, "05-run-note")
    plugins = client.request("GET", "/api/v2/plugins")["plugins"]
    mine = next(p for p in plugins if p["name"] == "roachlift")
    assert {v["name"] for v in mine["external_views"]} == {"Run report", "Migration reports"}
    page.goto(f"{airflow_ui.base_url}/roachlift/reports")
    try:
        page.get_by_role("heading", name="roachlift run reports").wait_for(state="visible")
    finally:
        _shot(page, artifacts_dir, "06-roachlift-reports")
    response = page.goto(f"{airflow_ui.base_url}/roachlift/reports/roachlift_pagila/no-such-run")
    assert response is not None and response.status == 404
    assert page.get_by_text("No report yet").is_visible()


def test_graph_of_a_migration_dag_shows_its_groups(airflow_ui: Any, page: Any, artifacts_dir: Path) -> None:
    """The graph at "Fit View": the task groups by phase, each labelled (a screenshot to look at)."""
    page.goto(f"{airflow_ui.base_url}/dags")
    page.evaluate("localStorage.setItem('default_dag_view', JSON.stringify('graph'))")
    page.goto(f"{airflow_ui.base_url}/dags/roachlift_pagila")
    try:
        for label in (
            "prepare",
            "schema",
            "dump",
            "load",
            "post_load",
            "sync_and_verify",
            "go_no_go",
            "cutover",
            "report",
        ):
            page.get_by_text(label, exact=True).first.wait_for(state="visible")
    finally:
        _shot(page, artifacts_dir, "07-graph-roachlift_pagila")
