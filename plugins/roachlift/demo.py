"""The demo behind ``scripts/demo.sh`` (the README's main job) and ``scripts/ui.sh``.

It starts local source databases seeded from ``../shared/corpus`` — Pagila in PostgreSQL 15
(logical WAL) and Sakila in MariaDB (ROW binlog) — and a target: a second local PostgreSQL
standing in for CockroachDB (COPY load), unless ``ROACHLIFT_CRDB_URL`` names a real cluster, in
which case the target is that cluster and the userfile + IMPORT INTO path is used. Then it runs
each migration DAG in cutover mode with Airflow's ``dag.test()``, answering the approval as a
person would, and prints the outcome and the report of each.

``--ui`` starts the same databases and an Airflow UI (api-server, scheduler, dag-processor,
triggerer) on the DAGs instead, so runs can be triggered and approved by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from roachlift.config.connections import parse_uri
from roachlift.config.spec import LoadMethod, TargetDialect
from roachlift.testing import MariaDBServer, PostgresServer
from roachlift.testing.dagrun import run_in_subprocess
from roachlift.testing.seed import seed_pagila, seed_sakila
from roachlift.testing.writer import AppWriter, mysql_writer, postgres_writer, stop_all

REPO = Path(__file__).resolve().parents[2]
CRDB_ENV = "ROACHLIFT_CRDB_URL"

PAGILA = """\
name: demo_pagila
description: Pagila (PostgreSQL 15) onto {target_name}
source: {{kind: postgres, conn_id: demo_pagila_source, schemas: [public], exclude: ["payment_p*"]}}
target: {{conn_id: demo_target, database: pagila, dialect: {dialect}}}
load: {{method: {method}, table_handling: truncate}}
cdc: {{enabled: true, lag_threshold_seconds: 5, caught_up_for_seconds: 0}}
cutover: {{approval_required: true, freeze_source_writes: true, app_roles: [pagila_app]}}
rehearsal: {{schedule: null, keep_last: 2}}
"""
SAKILA = """\
name: demo_sakila
description: Sakila (MariaDB) onto {target_name}
source: {{kind: mysql, conn_id: demo_sakila_source, schemas: [sakila]}}
target: {{conn_id: demo_target, database: sakila, dialect: {dialect}}}
load: {{method: {method}, table_handling: truncate}}
cdc: {{enabled: true, lag_threshold_seconds: 5, caught_up_for_seconds: 0}}
cutover: {{approval_required: true, freeze_source_writes: true, app_roles: [sakila_app]}}
rehearsal: {{schedule: null, keep_last: 2}}
"""


def _say(text: str) -> None:
    print(f"roachlift demo: {text}", flush=True)


def start_databases(stack: ExitStack, work: Path, writers: list[AppWriter] | None = None) -> dict[str, str]:
    """Start and seed the sources and the target; return Airflow connection env vars. With
    ``writers``, an application writer per source is added to it (started by the caller)."""
    source_pg = stack.enter_context(PostgresServer())
    _say(f"PostgreSQL 15 source on 127.0.0.1:{source_pg.port} (wal_level=logical, wal2json)")
    seed_pagila(source_pg, "pagila")
    mariadb = stack.enter_context(MariaDBServer())
    _say(f"MariaDB source on 127.0.0.1:{mariadb.port} (ROW binlog)")
    seed_sakila(mariadb, "sakila")
    if writers is not None:
        writers.append(postgres_writer(source_pg.dsn("pagila"), source_pg.port, "pagila", "pagila_app"))
        writers.append(mysql_writer(mariadb.connect_kwargs(), "sakila", "sakila_app", "sakila-app-pw"))
    crdb = os.environ.get(CRDB_ENV)
    if crdb:
        info = parse_uri(crdb)
        _say(f"target: the CockroachDB cluster at {info.redacted()} (userfile + IMPORT INTO)")
        target_uri = crdb
    else:
        target = stack.enter_context(PostgresServer())
        _say(
            f"target: a local PostgreSQL on 127.0.0.1:{target.port} standing in for CockroachDB "
            f"(COPY load; set {CRDB_ENV} to migrate into a real cluster with IMPORT INTO)"
        )
        target_uri = target.uri("postgres")
    dialect, method = (
        (TargetDialect.COCKROACHDB, LoadMethod.IMPORT) if crdb else (TargetDialect.POSTGRES, LoadMethod.COPY)
    )
    name = "CockroachDB" if crdb else "PostgreSQL standing in for CockroachDB"
    migrations = work / "migrations"
    migrations.mkdir(parents=True, exist_ok=True)
    (migrations / "demo_pagila.yaml").write_text(
        PAGILA.format(target_name=name, dialect=dialect, method=method)
    )
    (migrations / "demo_sakila.yaml").write_text(
        SAKILA.format(target_name=name, dialect=dialect, method=method)
    )
    return {
        "AIRFLOW_CONN_DEMO_PAGILA_SOURCE": source_pg.uri("pagila"),
        "AIRFLOW_CONN_DEMO_SAKILA_SOURCE": mariadb.uri("sakila"),
        "AIRFLOW_CONN_DEMO_TARGET": target_uri,
        "ROACHLIFT_MIGRATIONS_DIR": str(migrations),
        "ROACHLIFT_WORK_DIR": str(work / "runs"),
    }


def run_dag(dag_id: str, env: dict[str, str], work: Path) -> dict[str, Any]:
    """One cutover run of ``dag_id`` through ``roachlift.testing.dagrun``; its result."""
    home = work / "airflow_home"
    home.mkdir(exist_ok=True)
    result_path = work / f"{dag_id}.json"
    log_path = result_path.with_suffix(".log")
    _say(f"running {dag_id} (cutover; the approval is answered 'Approve'); task log: {log_path}")
    result = run_in_subprocess(
        dag_id, {"mode": "cutover"}, approve="approve", home=home, env=env, result_path=result_path
    )
    if result is None:
        return {"dag_id": dag_id, "state": "crashed", "report": None, "log": str(log_path)}
    result["log"] = str(log_path)
    return result


def _print_result(result: dict[str, Any]) -> None:
    report = result.get("report") or {}
    _say(
        f"{result['dag_id']}: run {result['state']} in {result.get('seconds', '?')}s, "
        f"{report.get('outcome', '?')}"
    )
    if report.get("json") and Path(report["json"]).exists():
        data = json.loads(Path(report["json"]).read_text())
        loads = [s for s in data["steps"] if s["step"] == "load"]
        rows = sum(s["rows"] for s in loads)
        print(f"    {len(loads)} tables, {rows} rows loaded; verify: {len(data['verify'])} tables compared")
        if data.get("names"):
            print(f"    names: {data['names']}")
        for s in sorted(loads, key=lambda s: -s["rows"])[:5]:
            print(
                f"    {s['table']:<44} {s['rows']:>8} rows {s['bytes'] / 1e6:>7.2f} MB "
                f"{s['rows_per_s']:>10,.0f} rows/s"
            )
        cut, cdc = data.get("cutover") or {}, data.get("cdc") or {}
        if cut.get("read_only_seconds") is not None:
            n_seq = len(cut.get("sequences_reset", []))
            print(
                f"    read-only window {cut['read_only_seconds']:.1f}s; CDC applied "
                f"{cdc.get('changes_applied')} changes, max lag {cdc.get('max_lag_seconds')}s; "
                f"{n_seq} sequences reset after the drain"
            )
        print(f"    report: {report['html']}")
    else:
        print(f"    see the task log: {result['log']}")


def main(argv: list[str] | None = None) -> int:
    """Run the demo migrations (default) or start the UI on them (``--ui``)."""
    parser = argparse.ArgumentParser(prog="python -m roachlift.demo", description=__doc__)
    parser.add_argument("--ui", action="store_true", help="start the Airflow UI on the demo DAGs instead")
    parser.add_argument("--work", type=Path, help="folder for the demo's files (default: a new temp folder)")
    args = parser.parse_args(argv)
    work = (args.work or Path(tempfile.mkdtemp(prefix="roachlift-demo-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        writers: list[AppWriter] = []
        env = start_databases(stack, work, writers)
        for w in writers:  # the application keeps writing during the whole run, UI or not
            w.start()
        stack.callback(stop_all, writers)
        _say("an application writes to both sources all along: " + ", ".join(w.name for w in writers))
        if args.ui:
            return _ui(env, work)
        results = [
            run_dag(dag_id, env, work) for dag_id in ("roachlift_demo_pagila", "roachlift_demo_sakila")
        ]
        stop_all(writers)
        print()
        for result in results:
            _print_result(result)
        for w in writers:
            print(f"    {w.summary()}")
        ok = all(r["state"] == "success" for r in results)
        _say("done: both migrations cut over" if ok else "a migration did not finish: see its task log")
        return 0 if ok else 1


def _ui(env: dict[str, str], work: Path) -> int:
    from roachlift.testing.airflow_server import AirflowServer

    server = AirflowServer(REPO / "dags", env=env, home=work / "airflow_ui")
    server.start()
    try:
        airflow = str(Path(sys.executable).with_name("airflow"))
        for pool, what in (
            ("roachlift_source", "reading the source"),
            ("roachlift_target", "writing the target"),
        ):
            subprocess.run(
                [airflow, "pools", "set", pool, "4", f"roachlift: concurrent tasks {what}"],
                env=server.environment(),
                check=True,
                capture_output=True,
            )
        _say(f"Airflow UI: {server.base_url}  (DAGs roachlift_demo_pagila, roachlift_demo_sakila)")
        _say(f"trigger a run with mode=cutover, then approve it under {server.base_url}/required_actions")
        _say("Ctrl-C stops Airflow and the databases")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
