"""Fixtures of the UI test: a real Airflow 3.3 on loopback and headless Debian Chromium (Playwright).

Chromium comes from Debian (``scripts/install-chromium.sh``); Playwright's Python package drives it
through ``executable_path`` and never downloads a browser of its own (never run
``playwright install``). A missing browser or package fails the tests with the fix in the message;
only ``ROACHLIFT_SKIP_UI=1`` turns them into skips.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from roachlift.testing.airflow_server import AirflowClient, AirflowServer, process_group_alive

REPO = Path(__file__).resolve().parents[2]
UI_TESTS = Path(__file__).resolve().parent
ARTIFACTS = UI_TESTS / "artifacts"
PROBE_DAG_ID = "roachlift_ui_approval_probe"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``ROACHLIFT_SKIP_UI=1`` is the one way to skip the UI tests (e.g. a machine without Chromium)."""
    if os.environ.get("ROACHLIFT_SKIP_UI") != "1":
        return
    skip = pytest.mark.skip(reason="ROACHLIFT_SKIP_UI=1: UI tests (Airflow + headless Chromium) skipped")
    for item in items:
        if UI_TESTS in Path(item.path).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def chromium_executable() -> str:
    """Debian's Chromium (``$ROACHLIFT_CHROMIUM`` overrides) and Playwright, checked before Airflow starts.

    Either one missing fails the tests with the command that installs it.
    """
    path = os.environ.get("ROACHLIFT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"headless Chromium not found at {path}: run `bash scripts/install-chromium.sh` "
            "(Debian packages chromium, chromium-driver), or set ROACHLIFT_SKIP_UI=1 to skip the UI tests",
            pytrace=False,
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail(
            "the Python package `playwright` is missing: `.venv/bin/pip install playwright` "
            "(do NOT run `playwright install`: the tests drive Debian's chromium), "
            "or set ROACHLIFT_SKIP_UI=1 to skip the UI tests",
            pytrace=False,
        )
    return path


@dataclass
class AirflowUI:
    """The running deployment, its client and the probe run whose approval is pending."""

    server: AirflowServer
    client: AirflowClient
    dag_ids: list[str]
    probe_run_id: str

    @property
    def base_url(self) -> str:
        return self.server.base_url


@pytest.fixture(scope="module")
def artifacts_dir() -> Path:
    """``tests/ui/artifacts/<timestamp>``: screenshots and component logs of this run (last 5 kept)."""
    path = ARTIFACTS / time.strftime("%Y%m%d-%H%M%S")
    path.mkdir(parents=True, exist_ok=True)
    for old in sorted(p for p in ARTIFACTS.iterdir() if p.is_dir())[:-5]:
        shutil.rmtree(old, ignore_errors=True)
    return path


@pytest.fixture(scope="module")
def airflow_ui(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path, chromium_executable: str
) -> Iterator[AirflowUI]:
    """Airflow on the repository's DAGs plus the probe DAG; the probe run is triggered at once.

    Depends on ``chromium_executable`` so that a missing browser fails before Airflow starts.
    Triggering first lets the scheduler bring the approval to ``awaiting_input`` while the
    browser checks the DAG list and the trigger form.
    """
    from roachlift.config.spec import load_spec, spec_files

    dags = tmp_path_factory.mktemp("ui_dags")
    for source in [*sorted((REPO / "dags").glob("*.py")), *sorted((UI_TESTS / "dags").glob("*.py"))]:
        shutil.copy2(source, dags / source.name)
    migrations = REPO / "include" / "migrations"
    work = tmp_path_factory.mktemp("roachlift_work")
    expected = sorted(load_spec(p).dag_id for p in spec_files(migrations))
    server = AirflowServer(
        dags,
        REPO / "plugins",  # roachlift_plugin.py: the run report view ("Run report" tab, /roachlift/...)
        home=tmp_path_factory.mktemp("airflow_home"),
        env={"ROACHLIFT_MIGRATIONS_DIR": str(migrations), "ROACHLIFT_WORK_DIR": str(work)},
    )
    started = time.monotonic()
    try:
        server.start(timeout=90)
        print(f"\nairflow up at {server.base_url} in {time.monotonic() - started:.1f}s", flush=True)
        client = server.client()
        client.wait_for_dags([*expected, PROBE_DAG_ID], timeout=45)
        client.unpause(PROBE_DAG_ID)
        run_id = client.trigger(PROBE_DAG_ID, conf={"from": "tests/ui"})
        # the report a run of a migration leaves: the scheduler's listener turns it into the run note
        from roachlift.reportview import report_dir

        folder = report_dir(PROBE_DAG_ID, run_id, work)
        assert folder is not None
        folder.mkdir(parents=True)
        shutil.copy(REPO / "tests" / "report" / "pagila_cutover_report.json", folder / "report.json")
        yield AirflowUI(server, client, expected, run_id)
    finally:
        logs = artifacts_dir / "airflow-logs"
        shutil.copytree(server.log_dir, logs, dirs_exist_ok=True)
        procs = list(server.procs.values())
        server.stop()
        print(f"\nairflow component logs: {logs}", flush=True)
        leftovers = [p.pid for p in procs if process_group_alive(p.pid)]
        assert not leftovers, f"airflow process groups still alive after stop(): {leftovers}"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, chromium_executable: str) -> Iterator[Any]:
    """A page of headless Debian Chromium, driven by Playwright, with a new empty profile."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable
    profile = tmp_path_factory.mktemp("chromium_profile")
    with sync_playwright() as pw:
        try:
            context = pw.chromium.launch_persistent_context(
                str(profile),
                executable_path=executable,
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": 1400, "height": 900},
            )
        except Exception as exc:  # playwright raises its own Error type with the browser's output
            pytest.fail(f"headless Chromium ({executable}) did not start: {exc}", pytrace=False)
        context.set_default_timeout(20_000)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
