"""End-to-end fixtures: a migrated Airflow metadata DB to copy per run, and seeded sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roachlift.testing import PostgresServer
from roachlift.testing.dagrun import run_in_subprocess
from roachlift.testing.seed import seed_pagila

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def airflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AIRFLOW_HOME whose SQLite metadata DB is migrated once; each run copies it."""
    home = tmp_path_factory.mktemp("airflow_template")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
    }
    airflow = Path(sys.executable).with_name("airflow")
    proc = subprocess.run([str(airflow), "db", "migrate"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (home / ".roachlift-db-migrated").touch()
    return home


@pytest.fixture(scope="session")
def pagila_template(pg_server: PostgresServer, corpus: Path) -> str:
    """A PostgreSQL database with the Pagila-like Sakila schema and data, used as a template."""
    seed_pagila(pg_server, "pagila_template", corpus)
    return "pagila_template"


RunDag = Callable[..., dict[str, Any]]


@pytest.fixture
def run_dag(airflow_template: Path, tmp_path: Path) -> RunDag:
    """Run a roachlift DAG with dag.test() in its own process; return the driver's result."""

    def run(
        spec_yaml: str,
        conns: dict[str, str],
        conf: dict[str, Any],
        approve: str = "none",
        timeout: float = 300,
    ) -> dict[str, Any]:
        home = tmp_path / "airflow_home"
        if not home.exists():
            shutil.copytree(airflow_template, home)
        migrations = tmp_path / "migrations"
        migrations.mkdir(exist_ok=True)
        name = next(
            line.split(":", 1)[1].strip() for line in spec_yaml.splitlines() if line.startswith("name:")
        )
        (migrations / f"{name}.yaml").write_text(spec_yaml)
        env = {
            "ROACHLIFT_MIGRATIONS_DIR": str(migrations),
            "ROACHLIFT_WORK_DIR": str(tmp_path / "work"),
            **{f"AIRFLOW_CONN_{k.upper()}": v for k, v in conns.items()},
        }
        result_path = tmp_path / f"result-{len(list(tmp_path.glob('result-*')))}.json"
        result = run_in_subprocess(
            f"roachlift_{name}",
            conf,
            approve=approve,
            home=home,
            env=env,
            result_path=result_path,
            timeout=timeout,
        )
        output = result_path.with_suffix(".log").read_text()
        assert result is not None, f"the DAG run crashed:\n{output[-4000:]}"
        result["log"] = output
        return result

    return run
