"""Warnings said once per run, across the run's tasks (separate processes share its work folder)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from roachlift import logonce

log = logging.getLogger("roachlift.test_logonce")


def test_once_per_run_across_tasks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    run1, run2 = tmp_path / "run1", tmp_path / "run2"
    with caplog.at_level(logging.WARNING, logger=log.name):
        logonce.bind(run1)
        assert logonce.warning(log, "old-wal2json", "wal2json %s is old", "2.3") is True
        assert logonce.warning(log, "old-wal2json", "wal2json %s is old", "2.3") is False  # same task
        logonce.bind(run2)  # another run: said again
        assert logonce.warning(log, "old-wal2json", "wal2json %s is old", "2.3") is True
        logonce.bind(run1)  # a later task of run 1 (a new process forgets; the work folder remembers)
        logonce._said.clear()
        assert logonce.warning(log, "old-wal2json", "wal2json %s is old", "2.3") is False
        assert logonce.warning(log, "other", "another warning") is True
    assert [r.getMessage() for r in caplog.records] == [
        "wal2json 2.3 is old",
        "wal2json 2.3 is old",
        "another warning",
    ]
    assert (run1 / logonce.FILE).read_text().split() == ["old-wal2json", "other"]
    logonce.bind(None)
