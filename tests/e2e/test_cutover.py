"""The cutover with an application writing to the source all along (PostgreSQL → PostgreSQL target).

The writer connects as an application role, keeps writing while the run dumps, loads, verifies and
waits for the approval, and is refused by the freeze. Covered: the approved cutover (read-only
window measured, first insert after cutover gets the source's next id), a second cutover attempt
(refused), and a failure after the freeze (source writable again, replication slot kept).
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

from .conftest import RunDag
from .test_dag_postgres import SPEC, _read_only, _source_copy, _verify

_ids = itertools.count()


def _app_role(pg_server: PostgresServer, db: str, role: str) -> str:
    """A login role with the application's privileges on every table and sequence of ``db``."""
    with psycopg.connect(pg_server.dsn(db), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
                sql.Identifier(role)
            )
        )
        conn.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(
                sql.Identifier(role)
            )
        )
    return f"host=127.0.0.1 port={pg_server.port} dbname={db} user={role}"


class AppWriter(threading.Thread):
    """Writes as the application until stopped: inserts (every tenth one rolled back, which leaves a
    gap in the id sequence) and updates spread over the films; counts what the source refused.
    (Updating the same few rows every second or two would defeat the full verify's live re-check,
    which compares each differing row once more after twice the lag threshold.)"""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.stop = threading.Event()
        self.committed: list[int] = []
        self.refused = 0
        self.first_refused_at: float | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        n = 0
        conn: psycopg.Connection | None = None
        while not self.stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self.dsn)
                n += 1
                with conn.transaction() as tx:
                    row = conn.execute(
                        "INSERT INTO actor (first_name, last_name) VALUES (%s, 'APP') RETURNING actor_id",
                        (f"A{n}",),
                    ).fetchone()
                    conn.execute(
                        "UPDATE film SET rental_rate = rental_rate + 0.01 WHERE film_id = %s",
                        (n * 37 % 1000 + 1,),
                    )
                    if n % 10 == 0:
                        raise psycopg.Rollback(tx)
                if n % 10 and row is not None:
                    self.committed.append(row[0])
            except (psycopg.errors.InsufficientPrivilege, psycopg.OperationalError):
                self.refused += 1
                self.first_refused_at = self.first_refused_at or time.time()
                if conn is not None and not conn.closed and conn.info.transaction_status:
                    conn.rollback()
                if conn is not None and conn.closed:
                    conn = None
                time.sleep(0.05)
            except BaseException as exc:  # reported by the test
                self.error = exc
                return
            time.sleep(0.03)
        if conn is not None:
            conn.close()


def _slots(src: str, name: str) -> list[str]:
    with psycopg.connect(src, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s", (f"%{name}%",)
        )
        return [r[0] for r in rows]


def test_approved_cutover_with_a_writer_then_a_second_attempt_is_refused(
    pg_server: PostgresServer, pagila_template: str, run_dag: RunDag, tmp_path: Path
) -> None:
    name = f"cut{next(_ids)}"
    src = _source_copy(pg_server, pagila_template, f"{name}_src")
    writer = AppWriter(_app_role(pg_server, f"{name}_src", f"app_{name}"))
    writer.start()
    conns = {f"src_{name}": pg_server.uri(f"{name}_src"), f"tgt_{name}": pg_server.uri("postgres")}
    try:
        spec = SPEC.format(name=name) + "  approvers: [roachlift-test]\n"
        result = run_dag(spec, conns, {"mode": "cutover"}, approve="approve")
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert result["state"] == "success", result["log"][-8000:]
    assert result["report"]["outcome"] == "cut over"
    assert result["tasks"]["cdc_follow"] == ["success"] and result["tasks"]["rollback"] == ["skipped"]
    assert len(writer.committed) > 20 and writer.refused > 0, (len(writer.committed), writer.refused)
    target = pg_server.dsn(f"{name}_target")
    assert _verify(src, target) == []  # every committed write of the application arrived
    with psycopg.connect(target) as conn:
        got = conn.execute("SELECT count(*) FROM actor WHERE last_name = 'APP'").fetchone()
    assert got == (len(writer.committed),)
    report = json.loads(Path(result["report"]["json"]).read_text())
    window = report["cutover"]["read_only_seconds"]
    assert 0 < window < 30, window
    assert report["cdc"]["changes_applied"] >= len(writer.committed)
    assert report["cdc"]["max_lag_seconds"] is not None
    assert report["cutover"]["answered_by"] == "roachlift-test"
    checklist = result["answered"][1]  # the approval's body as the approver saw it
    for line in ("rows and tables moved", "CDC lag", "manual review", "expected read-only window"):
        assert line in checklist, checklist
    assert f"from app_{name}" in checklist and "end the open write transactions" in checklist
    reset = {r["table"]: r for r in report["cutover"]["sequences_reset"]}
    actor_seq = reset["public.actor"]
    assert actor_seq["new"] >= actor_seq["max_column"]
    # the application's first insert after cutover gets the id the source would have given next
    with psycopg.connect(src, autocommit=True) as conn:  # superuser: not frozen
        source_next = conn.execute("SELECT nextval('actor_actor_id_seq')").fetchone()
    with psycopg.connect(target, autocommit=True) as conn:
        first = conn.execute(
            "INSERT INTO actor (first_name, last_name) VALUES ('first', 'after') RETURNING actor_id"
        ).fetchone()
    assert first == source_next, (first, source_next, actor_seq)
    assert _slots(src, name) == []  # released after the completed cutover
    # the source stays frozen for the application
    with psycopg.connect(_app_role_dsn(pg_server, name)) as conn:
        try:
            conn.execute("INSERT INTO actor (first_name, last_name) VALUES ('late', 'APP')")
            raise AssertionError("the application could still write to the frozen source")
        except psycopg.errors.InsufficientPrivilege:
            pass

    again = run_dag(SPEC.format(name=name), conns, {"mode": "cutover"}, approve="approve")
    assert again["state"] == "failed"
    assert again["tasks"]["preflight"] == ["failed"]
    assert again["tasks"]["dump"] == ["upstream_failed"]
    assert again["report"]["outcome"] == "not cut over: a cutover already happened"
    assert "already cut over" in again["log"] and "Cut over again" in again["log"]


def _app_role_dsn(pg_server: PostgresServer, name: str) -> str:
    return f"host=127.0.0.1 port={pg_server.port} dbname={name}_src user=app_{name}"


class TargetSaboteur(threading.Thread):
    """Once the freeze begins, adds a row to the target that the source does not have: the final
    verify must then fail, after the freeze."""

    def __init__(self, work: Path, name: str, target_dsn: str) -> None:
        super().__init__(daemon=True)
        self.work, self.name, self.target_dsn = work, name, target_dsn
        self.done = False

    def run(self) -> None:
        deadline = time.monotonic() + 600
        path = self.work / self.name / "freeze.json"
        while time.monotonic() < deadline and not path.exists():
            time.sleep(0.02)
        if path.exists():
            with psycopg.connect(self.target_dsn, autocommit=True) as conn:
                conn.execute("INSERT INTO language (language_id, name) VALUES (999, 'Klingon')")
            self.done = True


def test_failure_after_the_freeze_rolls_back_and_keeps_the_slot(
    pg_server: PostgresServer, pagila_template: str, run_dag: RunDag, tmp_path: Path
) -> None:
    name = f"rbk{next(_ids)}"
    src = _source_copy(pg_server, pagila_template, f"{name}_src")
    app = _app_role(pg_server, f"{name}_src", f"app_{name}")
    saboteur = TargetSaboteur(tmp_path / "work", name, pg_server.dsn(f"{name}_target"))
    saboteur.start()
    writer = AppWriter(app)
    writer.start()
    conns = {f"src_{name}": pg_server.uri(f"{name}_src"), f"tgt_{name}": pg_server.uri("postgres")}
    try:
        result = run_dag(SPEC.format(name=name), conns, {"mode": "cutover"}, approve="approve")
    finally:
        writer.stop.set()
        writer.join(30)
    assert saboteur.done
    assert writer.error is None and writer.refused > 0  # the freeze did refuse the application
    assert result["state"] == "failed"
    assert result["tasks"]["freeze_source"] == ["success"]
    assert result["tasks"]["verify_final"] == ["failed"]
    assert result["tasks"]["rollback"] == ["success"]
    assert result["report"]["outcome"] == "rolled back, source writable"
    assert any("verify_final failed after the freeze" in n for n in result["report"]["notes"])
    with psycopg.connect(app, autocommit=True) as conn:  # the application may write again
        conn.execute("INSERT INTO actor (first_name, last_name) VALUES ('back', 'APP')")
    assert _slots(src, name) == [f"roachlift_{name}"]  # kept for a retry of this run
    assert not (tmp_path / "work" / name / "freeze.json").exists()
    report = json.loads(Path(result["report"]["json"]).read_text())
    assert report["cutover"]["rolled_back"] is True and report["cutover"]["read_only_seconds"] > 0
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute("SELECT pg_drop_replication_slot(%s)", (f"roachlift_{name}",))


def test_rejected_cutover_with_a_writer_leaves_the_source_untouched(
    pg_server: PostgresServer, pagila_template: str, run_dag: RunDag
) -> None:
    name = f"rej{next(_ids)}"
    src = _source_copy(pg_server, pagila_template, f"{name}_src")
    writer = AppWriter(_app_role(pg_server, f"{name}_src", f"app_{name}"))
    writer.start()
    conns = {f"src_{name}": pg_server.uri(f"{name}_src"), f"tgt_{name}": pg_server.uri("postgres")}
    try:
        result = run_dag(SPEC.format(name=name), conns, {"mode": "cutover"}, approve="reject")
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert result["state"] == "failed", "a rejected cutover must not look like a finished one"
    assert result["report"]["outcome"] == "not cut over: approval rejected by roachlift-test"
    assert result["tasks"]["approve_cutover"] == ["success"]
    assert result["tasks"]["cutover_rejected"] == ["success"]  # the "Do not cut over" branch ran
    for task in ("freeze_source", "cdc_drain", "cutover_done", "rollback"):
        assert result["tasks"][task] == ["skipped"], task
    assert writer.refused == 0 and len(writer.committed) > 20  # the application never noticed
    assert _read_only(src) == "off"
    assert _slots(src, name) == [], "a rejected run must not leave a replication slot holding WAL"
    # the report task ends with one line, not a traceback
    report_log = result["log"].split("starting task_id=report", 1)[1]
    assert "Traceback" not in report_log
    assert "Task exited" in report_log and "roachlift: not cut over: approval rejected" in report_log
