"""The roachlift DAG end to end with dag.test(): MariaDB source (Sakila) into a PostgreSQL target."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import psycopg
import pymysql
import pytest

from roachlift.testing import MariaDBServer, PostgresServer
from roachlift.testing.seed import seed_sakila
from roachlift.verify import TableRef, list_source_tables, verify_tables

from .conftest import RunDag

_ids = itertools.count()

SPEC = """
name: {name}
source:
  kind: mysql
  conn_id: src_{name}
  schemas: [{db}]
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
  freeze_source_writes: false
"""


class Writer(threading.Thread):
    """Inserts actors and updates films in MariaDB once the dump's snapshot is taken."""

    def __init__(self, server: MariaDBServer, db: str, work: Path, seconds: float = 3.0) -> None:
        super().__init__(daemon=True)
        self.server, self.db, self.work, self.seconds = server, db, work, seconds
        self.inserted = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 300
            while not list(self.work.glob("**/dump/snapshot.json")):
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)
            conn = pymysql.connect(**self.server.connect_kwargs(self.db), autocommit=True)
            stop = time.monotonic() + self.seconds
            with conn.cursor() as cur:
                while time.monotonic() < stop:
                    self.inserted += 1
                    cur.execute(
                        "INSERT INTO actor (first_name, last_name) VALUES (%s, 'BINLOG')",
                        (f"M{self.inserted}",),
                    )
                    cur.execute(
                        "UPDATE film SET rental_rate = rental_rate + 1 WHERE film_id = %s",
                        (self.inserted % 40 + 1,),
                    )
                    time.sleep(0.02)
            conn.close()
        except BaseException as exc:  # reported by the test
            self.error = exc


@pytest.fixture
def sakila_source(mariadb_server: MariaDBServer, corpus: Path) -> str:
    db = f"e2e_sakila_{next(_ids)}"
    seed_sakila(mariadb_server, db, corpus)
    return db


def test_mysql_cutover_moves_everything_including_binlog_changes(
    mariadb_server: MariaDBServer,
    pg_server: PostgresServer,
    sakila_source: str,
    run_dag: RunDag,
    tmp_path: Path,
) -> None:
    name = f"mycut{next(_ids)}"
    writer = Writer(mariadb_server, sakila_source, tmp_path / "work")
    writer.start()
    result = run_dag(
        SPEC.format(name=name, db=sakila_source),
        {f"src_{name}": mariadb_server.uri(sakila_source), f"tgt_{name}": pg_server.uri("postgres")},
        {"mode": "cutover"},
        approve="approve",
    )
    writer.join(60)
    assert writer.error is None, writer.error
    assert result["state"] == "success", result["log"][-6000:]
    assert result["report"]["outcome"] == "cut over"
    # one naming rule: the mapped loads and the report say source → target, the schema mapping once
    assert f"{sakila_source}.rental → public.rental" in result["labels"]["load.load_table"]
    assert len(result["labels"]["load.load_table"]) == 16
    report = json.loads(Path(result["report"]["json"]).read_text(encoding="utf-8"))
    assert report["names"] == f"{sakila_source} → public (naming: lower)"
    assert {s["table"] for s in report["steps"] if s["step"] == "load"} == set(
        result["labels"]["load.load_table"]
    )
    assert writer.inserted > 10
    target = pg_server.dsn(f"{name}_target")
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM actor WHERE last_name = 'BINLOG'").fetchone() == (
            writer.inserted,
        )
        assert conn.execute("SELECT count(*) FROM rental").fetchone() == (16044,)
    refs = list_source_tables(mariadb_server.uri(sakila_source), [sakila_source])
    outcome = verify_tables(
        mariadb_server.uri(sakila_source),
        target,
        [TableRef(r.source_table, r.source_schema, None, "public") for r in refs],
    )
    assert outcome.ok, outcome.to_json()
