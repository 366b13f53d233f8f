"""Many workers: the migration DAG under the CeleryExecutor, two workers with their own work folders.

The dump runs on worker 1 (queue ``w1``); the mapped loads sit on the default queue that both
workers consume (routing: ``tests/workers/dags``). The task instances' ``hostname`` names the
worker that ran each try (``roachlift.testing.celery_cluster.worker_hostname``), and each worker
sees the other's work folder as empty, as a worker on another host would. With the run's files in
the dumping worker's local folder, the loads on the other worker cannot read the dump; with
``dump.out_dir`` on the S3 API server every task may run on either worker and verify ends equal.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import psycopg
import pytest
from psycopg import sql

from .conftest import BUCKET, CeleryRun

pytestmark = [pytest.mark.slow, pytest.mark.timeout(360)]

LOAD_TASK = "load.load_table"
#: A closed set under Pagila's foreign keys (film -> language, film_actor -> actor/film, ...):
#: six load tasks keep the run short and still give both workers some.
TABLES = "actor,film,film_actor,language,category,film_category"


def _run(celery: CeleryRun, dag_id: str, conf: dict[str, Any], timeout: float = 280) -> tuple[str, dict]:
    """Trigger ``dag_id`` and wait for the run to end; returns (run id, run)."""
    client = celery.client
    started = time.monotonic()
    run_id = client.trigger(dag_id, conf=conf)
    run = client.wait_for_run(dag_id, run_id, timeout=timeout)
    print(f"\n{dag_id}: run {run['state']} in {time.monotonic() - started:.1f}s", flush=True)
    return run_id, run


def _by_worker(tis: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Task instances that ran, grouped by the worker name they report as hostname."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ti in tis:
        if ti["hostname"]:
            grouped[ti["hostname"]].append(ti)
    return grouped


def _row_counts(dsn: str, tables: list[str]) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        counts = {}
        for table in tables:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            assert row is not None
            counts[table] = int(row[0])
    return counts


def _rehearsal_dsn(celery: CeleryRun, name: str) -> str:
    """The rehearsal database the run loaded (``<name>_target_rehearsal_<date>``)."""
    with psycopg.connect(celery.target_server.dsn("postgres")) as conn:
        found = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}_target_rehearsal_%",)
        ).fetchall()
    assert len(found) == 1, found
    return celery.target_server.dsn(found[0][0])


def _files(celery: CeleryRun, worker: str, pattern: str) -> list[str]:
    root = celery.work[worker]
    return sorted(str(p.relative_to(root)) for p in root.rglob(pattern))


def test_local_work_folders_do_not_share_the_dump(celery_airflow: CeleryRun) -> None:
    """The motivating case: with the dump in worker 1's local work folder, every load that lands on
    worker 2 fails, naming the manifest it cannot read; the loads on worker 1 succeed."""
    celery, dag_id = celery_airflow, "roachlift_celery_local"
    run_id, run = _run(celery, dag_id, {"mode": "rehearsal", "tables": TABLES})
    tis = celery.client.task_instances(dag_id, run_id)
    ran = _by_worker(tis)
    assert set(ran) <= {"w1", "w2"}, sorted(ran)
    # every task but the loads ran on worker 1, the only consumer of queue w1
    others = [t for t in tis if t["task_id"] != LOAD_TASK and t["hostname"]]
    assert {t["hostname"] for t in others} == {"w1"}, [(t["task_id"], t["hostname"]) for t in others]
    assert {t["queue"] for t in others} == {"w1"}
    dump = next(t for t in tis if t["task_id"] == "dump")
    assert (dump["hostname"], dump["state"]) == ("w1", "success")
    loads = [t for t in tis if t["task_id"] == LOAD_TASK]
    assert len(loads) == len(TABLES.split(",")), [t["rendered_map_index"] for t in loads]
    assert {t["queue"] for t in loads} == {"default"}
    on_w2 = [t for t in loads if t["hostname"] == "w2"]
    assert on_w2, "no load landed on worker 2: the case is not shown (both workers consume 'default')"
    assert all(t["state"] == "failed" for t in on_w2), [(t["map_index"], t["state"]) for t in on_w2]
    assert all(t["state"] == "success" for t in loads if t["hostname"] == "w1")
    for ti in on_w2:
        log = celery.client.task_log(dag_id, run_id, LOAD_TASK, map_index=ti["map_index"])
        assert "cannot read the dump manifest" in log and "No such file" in log, log[-2000:]
    assert run["state"] == "failed"
    # the dump's files exist, but only in worker 1's folder
    assert _files(celery, "w1", "manifest.json") and not _files(celery, "w2", "manifest.json")


def test_dump_on_one_worker_loads_on_both_through_object_storage(celery_airflow: CeleryRun) -> None:
    """The dump runs on worker 1, the loads on both, every other task wherever a worker is free;
    the run's files live only on the S3 API server, and verify finds every table equal."""
    celery, dag_id = celery_airflow, "roachlift_celery_s3"
    run_id, run = _run(celery, dag_id, {"mode": "rehearsal", "tables": TABLES})
    tis = celery.client.task_instances(dag_id, run_id)
    ran = _by_worker(tis)
    for worker, done in sorted(ran.items()):
        print(f"{worker} ran {sorted(t['task_id'] for t in done)}")
    assert run["state"] == "success", {t["task_id"]: (t["hostname"], t["state"]) for t in tis}
    dump = next(t for t in tis if t["task_id"] == "dump")
    assert (dump["hostname"], dump["queue"], dump["state"]) == ("w1", "w1", "success")
    tables = TABLES.split(",")
    loads = [t for t in tis if t["task_id"] == LOAD_TASK]
    assert len(loads) == len(tables) and all(t["state"] == "success" for t in loads)
    assert {t["hostname"] for t in loads} == {"w1", "w2"}, [(t["map_index"], t["hostname"]) for t in loads]
    others = [t for t in tis if t["task_id"] not in {"dump", LOAD_TASK}]
    assert {t["queue"] for t in others} == {"default"}

    verify = celery.client.xcom(dag_id, run_id, "verify")
    assert [t["ok"] for t in verify["tables"]] == [True] * len(tables), verify["summary"]
    assert verify["summary"].startswith(f"verified {len(tables)} table(s): {len(tables)} equal, 0 different")
    assert _row_counts(celery.source_dsn, tables) == _row_counts(_rehearsal_dsn(celery, "celery_s3"), tables)

    # every file of the run is on the S3 API server; neither worker kept one on its own disk
    s3 = celery.s3.client()
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="celery_s3/")
        for o in page.get("Contents", [])
    ]
    run_keys = [k for k in keys if "/runs/" in k]
    assert len([k for k in run_keys if k.endswith("/manifest.json")]) == len(tables), keys
    assert any("/part-" in k for k in run_keys) and any(k.endswith("/report.json") for k in keys), keys
    for worker, root in celery.work.items():  # (the other test's migration keeps its files there)
        local = [str(p) for p in (root / "celery_s3").rglob("*") if p.is_file()]
        assert local == [], f"{worker} kept files of the run on its local disk: {local[:10]}"
