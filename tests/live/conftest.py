"""The live CockroachDB suite: runs only when ``ROACHLIFT_TEST_CRDB_URL`` names a cluster.

    ROACHLIFT_TEST_CRDB_URL='postgresql://root@127.0.0.1:26257/defaultdb?sslmode=disable' \\
        .venv/bin/pytest tests/live -p no:randomly

prints one summary line per step at the end (``LIVE PASS|FAIL|SKIP <step>: <what it showed>``).
Each test is one step of the chain; a step records what it proved with the ``step`` fixture.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from live_env import CRDB_URL, SKIP_REASON
from psycopg import sql

_DETAILS: dict[str, str] = {}
_OUTCOMES: dict[str, tuple[str, str]] = {}


def with_database(url: str, db: str) -> str:
    """``url`` pointing at database ``db``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


@pytest.fixture(scope="module")
def crdb_db() -> Iterator[str]:
    """A fresh database on the cluster for one test module; dropped afterwards."""
    if not CRDB_URL:
        pytest.skip(SKIP_REASON)
    name = f"roachlift_live_{os.getpid()}"
    with psycopg.connect(CRDB_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} CASCADE").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield with_database(CRDB_URL, name)
    with psycopg.connect(CRDB_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def step(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``step("what this step showed")``: the text of the test's summary line."""

    def record(detail: str) -> None:
        _DETAILS[request.node.nodeid] = detail

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/live/" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            _OUTCOMES[report.nodeid] = ("SKIP", str(reason).removeprefix("Skipped: "))
        elif report.failed:
            text = str(report.longrepr).strip().splitlines()
            last = next((line for line in reversed(text) if line.startswith("E ")), text[-1] if text else "")
            _OUTCOMES[report.nodeid] = ("FAIL", last[1:].strip()[:200])
        else:
            _OUTCOMES[report.nodeid] = ("PASS", "")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _OUTCOMES:
        return
    terminalreporter.write_sep("=", "roachlift live CockroachDB suite")
    for nodeid, (outcome, why) in _OUTCOMES.items():
        name = nodeid.split("::")[-1].removeprefix("test_").replace("_", " ")
        detail = _DETAILS.get(nodeid, "") if outcome == "PASS" else why
        terminalreporter.write_line(f"LIVE {outcome} {name}: {detail}")
