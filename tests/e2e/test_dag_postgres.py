"""The roachlift DAG end to end with dag.test(): PostgreSQL source (Pagila) into a PostgreSQL target.

The target is a PostgreSQL database standing in for CockroachDB (load method ``copy``); CDC runs
through the dump's wal2json slot. A writer changes the source while the run dumps and loads, so
the target only equals the source at the end if the change stream applied those changes.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import psycopg
from psycopg import sql

from roachlift.testing import PostgresServer
from roachlift.verify import TableRef, list_source_tables, verify_tables

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
load:
  method: copy
  table_handling: truncate
cdc:
  enabled: true
  lag_threshold_seconds: 5
  caught_up_for_seconds: 0
cutover:
  approval_required: true
  freeze_source_writes: true
"""


def _source_copy(pg_server: PostgresServer, template: str, name: str) -> str:
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    return pg_server.dsn(name)


class Writer(threading.Thread):
    """Changes the source once the dump's snapshot exists, for a few seconds, then stops."""

    def __init__(self, dsn: str, work: Path, seconds: float = 4.0) -> None:
        super().__init__(daemon=True)
        self.dsn, self.work, self.seconds = dsn, work, seconds
        self.inserted: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 300
            while not list(self.work.glob("**/dump/snapshot.json")):
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)
            stop = time.monotonic() + self.seconds
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                n = 0
                while time.monotonic() < stop:
                    n += 1
                    row = conn.execute(
                        "INSERT INTO actor (first_name, last_name) VALUES (%s, 'CDC') RETURNING actor_id",
                        (f"W{n}",),
                    ).fetchone()
                    assert row is not None
                    self.inserted.append(row[0])
                    conn.execute(
                        "UPDATE film SET rental_rate = rental_rate + 1 WHERE film_id = %s", (n % 50 + 1,)
                    )
                    conn.execute(
                        "DELETE FROM film_actor WHERE actor_id = %s AND film_id IN "
                        "(SELECT film_id FROM film_actor WHERE actor_id = %s LIMIT 1)",
                        (n % 20 + 1,) * 2,
                    )
                    time.sleep(0.02)
        except BaseException as exc:  # reported by the test
            self.error = exc


def _verify(source_dsn: str, target_dsn: str) -> list[str]:
    refs = [
        r for r in list_source_tables(source_dsn, ["public"]) if not r.source_table.startswith("payment_p")
    ]
    result = verify_tables(
        source_dsn, target_dsn, [TableRef(r.source_table, r.source_schema, None, "public") for r in refs]
    )
    return [f"{t['table']}: {t}" for t in json.loads(result.to_json())["tables"] if not t["ok"]]


def _read_only(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SHOW default_transaction_read_only").fetchone()
    assert row is not None
    return str(row[0])


def test_cutover_approved_moves_everything_including_cdc_changes(
    pg_server: PostgresServer, pagila_template: str, run_dag: RunDag, tmp_path: Path
) -> None:
    name = f"pgcut{next(_ids)}"
    src = _source_copy(pg_server, pagila_template, f"{name}_src")
    writer = Writer(src, tmp_path / "work")
    writer.start()
    result = run_dag(
        SPEC.format(name=name),
        {f"src_{name}": pg_server.uri(f"{name}_src"), f"tgt_{name}": pg_server.uri("postgres")},
        {"mode": "cutover"},
        approve="approve",
    )
    writer.join(60)
    assert writer.error is None, writer.error
    assert result["state"] == "success", result["log"][-6000:]
    assert result["answered"], "the approval task never asked"
    assert result["report"]["outcome"] == "cut over"
    assert len(writer.inserted) > 10, "the writer made too few changes to prove CDC"
    target = pg_server.dsn(f"{name}_target")
    with psycopg.connect(target) as conn:
        got = conn.execute("SELECT count(*) FROM actor WHERE last_name = 'CDC'").fetchone()
    assert got == (len(writer.inserted),)
    assert _verify(src, target) == []
    # the cutover froze the source (recorded for `roachlift unfreeze`) and released its slot
    freeze = json.loads((tmp_path / "work" / name / "freeze.json").read_text())
    assert freeze["state"] == "frozen" and freeze["position"]["lsn"]
    with psycopg.connect(src, autocommit=True) as conn:
        slots = conn.execute(
            "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s", (f"%{name}%",)
        )
        assert slots.fetchall() == []
    report = json.loads(Path(result["report"]["json"]).read_text())
    assert report["total_seconds"] > 1  # measured from the run's start, not the report task's
    assert [s["step"] for s in report["steps"]][:2] == ["extract", "convert"]  # in the chain's order
    loaded = {s["table"]: s["rows"] for s in report["steps"] if s["step"] == "load"}
    # one naming rule: every table shown as source → target, the schema mapping stated once
    assert loaded["public.rental → public.rental"] == 16044 and loaded["public.film → public.film"] == 1000
    assert report["names"] == "public → public (naming: lower)"
    assert "public.rental → public.rental" in result["labels"]["load.load_table"]
    assert Path(result["report"]["html"]).read_text().count("lag-chart") == 1  # the CDC lag chart
    assert "15 of 15 tables loaded" in result["log"]
    assert result["log"].count("wal2json older than 2.4") <= 1  # each warning once per run
    assert result["log"].count("changes/s; lag") == result["log"].count(f"cdc {name}:")  # no echoed summary
    assert set(report["estimate"]["phases"]) == {"dump", "load", "verify"}  # the estimate task ran first
    assert report["phase_seconds"]["verify_final"] > 0 and report["read_only_seconds"] > 0


def test_cutover_without_approval_goes_from_verify_to_the_freeze(
    pg_server: PostgresServer, pagila_template: str, run_dag: RunDag, tmp_path: Path
) -> None:
    """cutover.approval_required false: nobody is asked (no answer is given here either), the
    change stream is drained after the freeze, and the report says the approval was not asked."""
    name = f"pgnoask{next(_ids)}"
    src = _source_copy(pg_server, pagila_template, f"{name}_src")
    writer = Writer(src, tmp_path / "work")
    writer.start()
    result = run_dag(
        SPEC.format(name=name).replace("approval_required: true", "approval_required: false"),
        {f"src_{name}": pg_server.uri(f"{name}_src"), f"tgt_{name}": pg_server.uri("postgres")},
        {"mode": "cutover"},
        approve="none",
    )
    writer.join(60)
    assert writer.error is None, writer.error
    assert result["state"] == "success", result["log"][-6000:]
    assert result["answered"] == [] and result["report"]["outcome"] == "cut over"
    report = json.loads(Path(result["report"]["json"]).read_text())
    assert report["cutover"]["answer"] == "not asked: cutover.approval_required is false"
    assert len(writer.inserted) > 10
    target = pg_server.dsn(f"{name}_target")
    with psycopg.connect(target) as conn:
        got = conn.execute("SELECT count(*) FROM actor WHERE last_name = 'CDC'").fetchone()
    assert got == (len(writer.inserted),)
    assert _verify(src, target) == []


def test_scheduled_style_rehearsal_loads_a_scratch_database_and_keeps_last_n(
    pg_server: PostgresServer, pagila_template: str, run_dag: RunDag
) -> None:
    name = f"pgreh{next(_ids)}"
    src = _source_copy(pg_server, pagila_template, f"{name}_src")
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        for day in ("20260101", "20260102", "20260103", "20260104"):
            conn.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(f"{name}_target_rehearsal_{day}"))
            )
    spec = SPEC.format(name=name) + "rehearsal:\n  keep_last: 2\n"
    result = run_dag(
        spec,
        {f"src_{name}": pg_server.uri(f"{name}_src"), f"tgt_{name}": pg_server.uri("postgres")},
        {"mode": "rehearsal", "tables": "actor,film*,language,category"},
    )
    assert result["state"] == "success", result["log"][-6000:]
    assert result["report"]["outcome"] == "rehearsal ok"
    assert result["tasks"]["approve_cutover"] == ["skipped"]
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        names = sorted(
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}_target_rehearsal_%",)
            )
        )
    assert len(names) == 2 and names[0] == f"{name}_target_rehearsal_20260104"
    with psycopg.connect(pg_server.dsn(names[1])) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert conn.execute("SELECT count(*) FROM film_actor").fetchone() == (5462,)
        # the schema is created whole (foreign keys and views hold); only the asked tables get rows
        assert conn.execute("SELECT count(*) FROM rental").fetchone() == (0,)
    assert {"actor", "film", "film_actor", "film_category", "language", "category", "rental"} <= tables
    assert _read_only(src) == "off"
