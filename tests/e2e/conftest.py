"""End-to-end fixtures: a migrated Airflow metadata DB to copy per run, and seeded sources."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roachlift.testing import PostgresServer

REPO = Path(__file__).resolve().parents[2]


def psql_file(dsn: str, path: Path) -> None:
    """Run one SQL file with psql (the corpus files use psql's COPY ... FROM stdin blocks)."""
    psql = shutil.which("psql")
    if psql is None:
        pytest.fail("psql not found: install the Debian package postgresql-client")
    proc = subprocess.run(
        [psql, dsn, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, f"{path.name}: {proc.stderr[-2000:]}"


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
    dsn = pg_server.create_database("pagila_template")
    for name in ("sakila-schema.sql", "sakila-data-copy.sql"):
        psql_file(dsn, corpus / "sakila" / "postgres" / name)
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
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "ROACHLIFT_MIGRATIONS_DIR": str(migrations),
            "ROACHLIFT_WORK_DIR": str(tmp_path / "work"),
            **{f"AIRFLOW_CONN_{k.upper()}": v for k, v in conns.items()},
        }
        result_path = tmp_path / f"result-{len(list(tmp_path.glob('result-*')))}.json"
        log_path = result_path.with_suffix(".log")
        command = [sys.executable, "-m", "roachlift.testing.dagrun", "--dag-id", f"roachlift_{name}"]
        command += ["--conf", json.dumps(conf), "--approve", approve, "--result", str(result_path)]
        with log_path.open("w") as log:
            proc = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
        output = log_path.read_text()
        assert result_path.exists(), f"the DAG run crashed (exit {proc.returncode}):\n{output[-4000:]}"
        result: dict[str, Any] = json.loads(result_path.read_text())
        result["log"] = output
        return result

    return run
