"""Run one roachlift DAG in-process with ``dag.test()`` and answer its cutover approval.

Used by the end-to-end tests and the demo, always in a process of its own (Airflow reads its
configuration once per process)::

    python -m roachlift.testing.dagrun --dag-id roachlift_pagila --conf '{"mode": "cutover"}' \\
        --approve approve --result result.json

``AIRFLOW_HOME`` must name a folder of this run; the metadata database there is created when
missing. ``--approve approve|reject`` answers the approval task as a person in the UI would (by
writing the response the UI writes); ``none`` leaves it to time out. The result's ``answered``
lists the subject and body of each approval answered.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def migrate_metadata_db() -> None:
    """``airflow db migrate`` for this ``AIRFLOW_HOME`` (a no-op when already done)."""
    home = Path(os.environ["AIRFLOW_HOME"])
    stamp = home / ".roachlift-db-migrated"
    if stamp.exists():
        return
    airflow = Path(sys.executable).with_name("airflow")
    proc = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"airflow db migrate failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    stamp.touch()


def _answer_approvals(choice: str, stop: threading.Event, answered: list[str]) -> None:
    """Answer every pending approval with ``choice`` (Approve/Reject) the way the api-server's
    HITL endpoint does: record the response, then resume the parked task."""
    from airflow import settings
    from airflow.models.hitl import HITLDetail, HITLUser
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import handle_event_submit
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.state import TaskInstanceState

    from roachlift.testing._clock import utcnow

    while not stop.is_set():
        session = settings.Session()  # type: ignore[misc]
        try:
            pending = session.query(HITLDetail).filter(HITLDetail.responded_at.is_(None)).all()
            for detail in pending:
                ti = session.get(TaskInstance, detail.ti_id)
                if ti is None or ti.state not in (
                    TaskInstanceState.AWAITING_INPUT,
                    TaskInstanceState.DEFERRED,
                ):
                    continue
                options = list(detail.options or [])
                # "approve" picks the first option (Approve / Cut over now), "reject" the last
                picked = (
                    choice if choice in options or not options else options[0 if choice == "Approve" else -1]
                )
                detail.chosen_options = [picked]
                detail.responded_at = utcnow()
                detail.responded_by = HITLUser(id="roachlift-test", name="roachlift-test")
                detail.params_input = {}
                session.add(detail)
                handle_event_submit(
                    TriggerEvent(detail.as_resume_event_payload()), task_instance=ti, session=session
                )
                answered.append(detail.subject)
                answered.append(detail.body or "")
            session.commit()
        finally:
            session.close()
        stop.wait(0.5)


def run(dag_id: str, conf: dict[str, Any], approve: str) -> dict[str, Any]:
    """Run the DAG once; return its state, each task's state and the report path."""
    migrate_metadata_db()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ.get("AIRFLOW__CORE__DAGS_FOLDER"))
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags[dag_id]
    stop = threading.Event()
    answered: list[str] = []
    thread = None
    if approve in {"approve", "reject"}:
        # Import and map every model here, before the thread starts: a model import racing the
        # one dag.test() does deadlocks on Python's import lock.
        import sqlalchemy.orm
        from airflow.models import import_all_models
        from airflow.models.trigger import handle_event_submit  # noqa: F401
        from airflow.triggers.base import TriggerEvent  # noqa: F401

        import_all_models()
        sqlalchemy.orm.configure_mappers()
        choice = "Approve" if approve == "approve" else "Reject"
        thread = threading.Thread(target=_answer_approvals, args=(choice, stop, answered), daemon=True)
        thread.start()
    started = time.monotonic()
    try:
        dag_run = dag.test(run_conf=conf)
    finally:
        stop.set()
        if thread is not None:
            thread.join(5)
    from airflow import settings
    from airflow.models.taskinstance import TaskInstance

    session = settings.Session()  # type: ignore[misc]
    tis = session.query(TaskInstance).filter(
        TaskInstance.dag_id == dag_id, TaskInstance.run_id == dag_run.run_id
    )
    states: dict[str, list[str]] = {}
    report: Any = None
    labels: dict[str, list[str]] = {}  # mapped tasks: the rendered map_index_template of each
    for ti in tis:
        states.setdefault(ti.task_id, []).append(str(ti.state))
        if ti.map_index >= 0:
            labels.setdefault(ti.task_id, []).append(str(ti.rendered_map_index))
    from airflow.models.xcom import XComModel

    row = (
        session.query(XComModel)
        .filter(
            XComModel.dag_id == dag_id,
            XComModel.run_id == dag_run.run_id,
            XComModel.task_id == "report",
            XComModel.key == "return_value",
        )
        .first()
    )
    if row is not None:
        report = XComModel.deserialize_value(row)
    session.close()
    return {
        "dag_id": dag_id,
        "run_id": dag_run.run_id,
        "state": str(dag_run.state),
        "seconds": round(time.monotonic() - started, 1),
        "tasks": states,
        "labels": labels,
        "answered": answered,
        "report": report,
    }


REPO = Path(__file__).resolve().parents[3]


def run_in_subprocess(
    dag_id: str,
    conf: dict[str, Any],
    *,
    approve: str,
    home: Path,
    env: dict[str, str],
    result_path: Path,
    timeout: float | None = None,
) -> dict[str, Any] | None:
    """Run ``dag_id`` through this module in a process of its own (Airflow reads its configuration
    once per process) with ``AIRFLOW_HOME=home`` and the repository's DAGs; the output goes to
    ``result_path`` with suffix ``.log``. Returns the result, or None when the process crashed."""
    full_env = {
        **os.environ,
        **env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
    }
    command = [
        sys.executable,
        "-m",
        "roachlift.testing.dagrun",
        "--dag-id",
        dag_id,
        "--conf",
        json.dumps(conf),
    ]
    command += ["--approve", approve, "--result", str(result_path)]
    with result_path.with_suffix(".log").open("w") as log:
        subprocess.run(
            command, env=full_env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    if not result_path.exists():
        return None
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; exit 0 when the run succeeded."""
    parser = argparse.ArgumentParser(prog="python -m roachlift.testing.dagrun", description=__doc__)
    parser.add_argument("--dag-id", required=True)
    parser.add_argument("--conf", default="{}", help="run conf (the trigger form's Params) as JSON")
    parser.add_argument("--approve", choices=["approve", "reject", "none"], default="none")
    parser.add_argument("--result", type=Path, help="write the run's outcome here as JSON")
    args = parser.parse_args(argv)
    result = run(args.dag_id, json.loads(args.conf), args.approve)
    if args.result:
        args.result.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("dag_id", "state", "seconds")}, default=str))
    return 0 if result["state"] == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
