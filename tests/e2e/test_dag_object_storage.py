"""The roachlift DAG (dag.test()) with ``dump.out_dir`` on S3 (moto, enforcing its key): the
operators open it as Airflow's ``ObjectStoragePath`` (the amazon provider authenticates it from
``dump.storage_conn_id``), every task reads and writes its files there, and the local work folder
stays empty."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import psycopg
from psycopg import sql

from roachlift import storage
from roachlift.testing import PostgresServer, S3Server

from .conftest import RunDag

_ids = itertools.count()

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
dump:
  out_dir: {out_dir}
  storage_conn_id: roachlift_s3
  chunk_rows: 1000
load:
  method: copy
  table_handling: truncate
cdc:
  enabled: true
  lag_threshold_seconds: 5
  caught_up_for_seconds: 0
"""


def test_rehearsal_run_keeps_every_file_on_object_storage(
    pg_server: PostgresServer,
    pagila_template: str,
    run_dag: RunDag,
    s3_server: S3Server,
    s3_bucket: str,
    tmp_path: Path,
) -> None:
    name = f"pgobj{next(_ids)}"
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(f"{name}_src")))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(f"{name}_src"), sql.Identifier(pagila_template)
            )
        )
    result = run_dag(
        SPEC.format(name=name, out_dir=f"{s3_bucket}/runs"),
        {
            f"src_{name}": pg_server.uri(f"{name}_src"),
            f"tgt_{name}": pg_server.uri("postgres"),
            "roachlift_s3": s3_server.conn_uri(),
        },
        {"mode": "rehearsal", "tables": "actor,film*,language,category"},
    )
    assert result["state"] == "success", result["log"][-6000:]
    assert result["report"]["outcome"] == "rehearsal ok"
    report_url = storage.describe(result["report"]["json"])  # XCom holds ObjectStoragePath's text
    assert report_url.startswith(f"{s3_bucket}/runs/{name}/runs/") and report_url.endswith("/report.json")
    root = storage.resolve(f"{s3_bucket}/runs", "roachlift_s3")
    report = json.loads(storage.read_text(storage.child(root, report_url)))
    loaded = {s["table"]: s["rows"] for s in report["steps"] if s["step"] == "load"}
    assert (
        loaded["public.film_actor → public.film_actor"] == 5462
        and loaded["public.film → public.film"] == 1000
    )
    names = [str(p) for p in storage.files(root, f"{name}/runs/*/dump/*/part-*")]
    assert len([n for n in names if "film_actor" in n]) == 6  # 5462 rows in parts of 1000
    work = tmp_path / "work"  # the run's ROACHLIFT_WORK_DIR: nothing of the run is kept there
    assert not work.exists() or [p for p in work.rglob("*") if p.is_file()] == []
