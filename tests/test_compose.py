"""docker-compose.yaml cannot start here (no Docker engine): check it against the README instead."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _readme_services() -> dict[str, list[int]]:
    """Service name -> host ports, from the README's Docker table."""
    section = (REPO / "README.md").read_text().split("## Docker", 1)[1].split("\n## ", 1)[0]
    services = {}
    for match in re.finditer(r"^\| ([a-z][a-z0-9-]+) \| [^|]+ \| ([\d, ]+) \|$", section, re.M):
        services[match.group(1)] = [int(p) for p in match.group(2).split(",")]
    return services


def test_every_readme_service_is_in_compose_with_ports_and_healthcheck() -> None:
    readme = _readme_services()
    assert len(readme) >= 10
    services = _compose()["services"]
    for name, ports in readme.items():
        assert name in services, f"README names {name} but docker-compose.yaml has no such service"
        published = {int(str(p).split(":")[0]) for p in services[name].get("ports", [])}
        assert set(ports) <= published, f"{name}: README ports {ports}, compose {sorted(published)}"
        assert "test" in services[name].get("healthcheck", {}), f"{name} has no health check"


def test_required_components_are_present() -> None:
    services = _compose()["services"]
    assert "cockroach" in services["cockroachdb"]["image"]
    assert "apache/airflow:3.3" in services["airflow-scheduler"]["image"]
    pg_cmd = " ".join(services["source-postgres"]["command"])
    assert (
        "wal_level=logical" in pg_cmd
        and "wal2json" in services["source-postgres"]["build"]["dockerfile_inline"]
    )
    my_cmd = " ".join(services["source-mysql"]["command"])
    assert services["source-mysql"]["image"].startswith("mysql:8") and "--binlog-format=ROW" in my_cmd
    assert "oracle-free" in services["oracle"]["image"]
    assert "kafka" in services["kafka"]["image"]


def test_airflow_mounts_this_repositorys_folders() -> None:
    services = _compose()["services"]
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        mounts = {v.split(":")[0]: v.split(":")[1] for v in services[name]["volumes"]}
        for folder in ("dags", "plugins", "include"):
            assert (REPO / folder).is_dir()
            assert mounts.get(f"./{folder}") == f"/opt/airflow/{folder}", f"{name} does not mount ./{folder}"


def test_airflow_ui_asks_for_a_login() -> None:
    """Nobody approves a cutover (or reads connection passwords) anonymously."""
    env = _compose()["x-airflow-common"]["environment"]
    assert str(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"]).lower() == "false"
    users = dict(u.split(":")[:2] for u in env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(","))
    assert users.get("approver") == "op" and "admin" in users.values()
