"""Fixtures of the many-workers test: Airflow with the CeleryExecutor, its own Redis, two workers.

Worker 1 consumes the queues ``w1`` and ``default``, worker 2 only ``default``; each has its own
``ROACHLIFT_WORK_DIR`` and sees the other's as an empty folder (a tmpfs in its own mount
namespace), as a worker on another host would. The DAGs come from ``tests/workers/dags``, which
pins every task but the loads to ``w1``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from roachlift.testing import PostgresServer, S3Server
from roachlift.testing.airflow_server import AirflowClient, process_group_alive
from roachlift.testing.celery_cluster import CeleryAirflow, CeleryWorker
from roachlift.testing.seed import seed_pagila

WORKER_TESTS = Path(__file__).resolve().parent
ARTIFACTS = WORKER_TESTS / "artifacts"
#: Pagila (PostgreSQL) into a PostgreSQL target with COPY; CDC off (the test is about workers).
SPEC = """
name: {name}
source:
  kind: postgres
  conn_id: src_{name}
  schemas: [public]
  exclude: ["payment_p*"]
target:
  conn_id: tgt_{name}
  database: {name}_target
  dialect: postgres
load:
  method: copy
  table_handling: truncate
cdc:
  enabled: false
"""
#: The migrations of this folder's tests: name -> extra spec text. ``celery_local`` keeps the dump
#: in the dumping worker's local work folder, ``celery_s3`` keeps every file of its runs on the
#: S3 API server (moto) with the credentials of the connection ``roachlift_s3``.
MIGRATIONS: dict[str, str] = {
    "celery_local": "",
    "celery_s3": "dump:\n  out_dir: s3://{bucket}/celery_s3\n  storage_conn_id: roachlift_s3\n",
}
#: The bucket of ``celery_s3``.
BUCKET = "roachlift-celery"


@dataclass
class CeleryRun:
    """The running deployment and what the test needs to read its outcome."""

    cluster: CeleryAirflow
    client: AirflowClient
    work: dict[str, Path]  # worker name -> its ROACHLIFT_WORK_DIR
    source_dsn: str
    target_server: PostgresServer
    s3: S3Server


@pytest.fixture(scope="module")
def celery_airflow(
    tmp_path_factory: pytest.TempPathFactory, pg_server: PostgresServer, s3_server: S3Server
) -> Iterator[CeleryRun]:
    """Redis + Airflow (CeleryExecutor) + workers w1 and w2 on the DAGs of :data:`MIGRATIONS`."""
    source_db = "celery_pagila_src"
    seed_pagila(pg_server, source_db)
    migrations = tmp_path_factory.mktemp("celery_migrations")
    s3_server.create_bucket(BUCKET)
    conns = {"AIRFLOW_CONN_ROACHLIFT_S3": s3_server.conn_uri()}
    for name, extra in MIGRATIONS.items():
        spec = SPEC.format(name=name) + extra.format(bucket=BUCKET)
        (migrations / f"{name}.yaml").write_text(spec, encoding="utf-8")
        conns[f"AIRFLOW_CONN_SRC_{name.upper()}"] = pg_server.uri(source_db)
        conns[f"AIRFLOW_CONN_TGT_{name.upper()}"] = pg_server.uri("postgres")
    root = tmp_path_factory.mktemp("celery_work")
    work = {name: root / name for name in ("w1", "w2")}
    for path in work.values():
        path.mkdir(mode=0o700)
    workers = [
        CeleryWorker(
            "w1",
            queues=("w1", "default"),
            env={"ROACHLIFT_WORK_DIR": str(work["w1"])},
            hidden=(work["w2"],),
        ),
        CeleryWorker(
            "w2",
            queues=("default",),
            env={"ROACHLIFT_WORK_DIR": str(work["w2"])},
            hidden=(work["w1"],),
        ),
    ]
    cluster = CeleryAirflow(
        WORKER_TESTS / "dags",
        workers,
        home=tmp_path_factory.mktemp("celery_airflow_home"),
        env={
            "ROACHLIFT_MIGRATIONS_DIR": str(migrations),
            # the API server and scheduler read no work folder of a worker; give them one of their own
            "ROACHLIFT_WORK_DIR": str(tmp_path_factory.mktemp("celery_server_work")),
            **conns,
        },
    )
    started = time.monotonic()
    artifacts = ARTIFACTS / time.strftime("%Y%m%d-%H%M%S")
    try:
        cluster.start(timeout=120)
        print(f"\nairflow (celery) up at {cluster.server.base_url} in {time.monotonic() - started:.1f}s")
        client = cluster.server.client()
        dag_ids = [f"roachlift_{name}" for name in MIGRATIONS]
        client.wait_for_dags(dag_ids, timeout=60)
        for pool in ("roachlift_source", "roachlift_target"):
            client.set_pool(pool, 4, "roachlift (celery test)")
        for dag_id in dag_ids:
            client.unpause(dag_id)
        yield CeleryRun(cluster, client, work, pg_server.dsn(source_db), pg_server, s3_server)
    finally:
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copytree(cluster.server.log_dir, artifacts / "component-logs", dirs_exist_ok=True)
        if (cluster.server.home / "logs").is_dir():
            shutil.copytree(cluster.server.home / "logs", artifacts / "task-logs", dirs_exist_ok=True)
        for old in sorted(p for p in ARTIFACTS.iterdir() if p.is_dir())[:-3]:
            shutil.rmtree(old, ignore_errors=True)
        procs = list(cluster.server.procs.values())
        cluster.stop()
        print(f"\ncelery test logs: {artifacts}")
        leftovers = [p.pid for p in procs if process_group_alive(p.pid)]
        assert not leftovers, f"process groups still alive after stop(): {leftovers}"
