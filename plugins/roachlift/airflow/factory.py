"""The DAG factory: one ``roachlift_<name>`` DAG per spec file in the migrations folder."""

from __future__ import annotations

import logging
from pathlib import Path

from airflow.sdk import DAG, Param, task

from roachlift.config.spec import MigrationSpec, load_spec, spec_files
from roachlift.errors import SpecError

log = logging.getLogger(__name__)


def build_dag(spec: MigrationSpec, spec_path: Path) -> DAG:
    """The migration DAG for one spec."""
    with DAG(
        dag_id=spec.dag_id,
        description=spec.description or f"roachlift: {spec.source.kind} -> {spec.target.dialect}",
        schedule=spec.rehearsal.schedule,
        catchup=False,
        tags=["roachlift", str(spec.source.kind)],
        params={
            "tables": Param("*", type="string", title="Tables", description="glob pattern of tables"),
            "mode": Param("rehearsal", enum=["rehearsal", "cutover"], title="Mode"),
        },
    ) as dag:

        @task(task_id="validate_spec")
        def validate_spec() -> dict[str, str]:
            """Re-read the spec at run time so a broken edit fails the run with key paths."""
            current = load_spec(spec_path)
            log.info("spec %s: %s -> %s", spec_path, current.source.kind, current.target.dialect)
            return {"name": current.name, "source": str(current.source.kind)}

        validate_spec()
    return dag


def build_dags(folder: Path | None = None) -> dict[str, DAG]:
    """Every DAG of the migrations folder, keyed by dag id; an invalid spec is logged and skipped."""
    dags: dict[str, DAG] = {}
    for path in spec_files(folder):
        try:
            spec = load_spec(path)
        except SpecError as exc:
            log.error("roachlift: skipping %s\n%s", path, exc)
            continue
        dags[spec.dag_id] = build_dag(spec, path)
    return dags
