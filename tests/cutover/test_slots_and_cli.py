"""Slot ownership (a run never drops or replaces another run's slot) and the status/unfreeze/release-slot
commands, on a real PostgreSQL source."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg
import pytest

from roachlift import pipeline, runstate
from roachlift.cli import main
from roachlift.config.connections import parse_uri
from roachlift.config.spec import load_spec
from roachlift.errors import RoachliftError
from roachlift.testing import PostgresServer

_n = itertools.count()


@pytest.fixture
def setup(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str, str]:
    name = f"slots{next(_n)}"
    dbname = pg_db.rsplit("/", 1)[-1]
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("AIRFLOW_CONN_SRC", pg_server.uri(dbname))
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(
        f"name: {name}\nsource: {{kind: postgres, conn_id: src, schemas: [public]}}\n"
        f"target: {{conn_id: tgt, database: {name}_t, dialect: postgres}}\n"
    )
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (f"roachlift_{name}",))
    return spec, pg_db, name


def _ctx(spec_path: Path, pg_server: PostgresServer, run_id: str, dbname: str) -> pipeline.RunContext:
    return pipeline.RunContext.create(
        spec=load_spec(spec_path),
        run_id=run_id,
        mode="cutover",
        source=parse_uri(pg_server.uri(dbname)),
        target=parse_uri(pg_server.uri("postgres")),
    )


def test_a_slot_of_another_run_is_never_replaced_nor_dropped(
    pg_server: PostgresServer, setup: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    spec_path, dsn, name = setup
    dbname = dsn.rsplit("/", 1)[-1]
    a = _ctx(spec_path, pg_server, "run-A", dbname)
    runstate.register_slot(a.base_dir, f"roachlift_{name}", "run-A", "cutover")
    b = _ctx(spec_path, pg_server, "run-B", dbname)
    with pytest.raises(RoachliftError, match=f"roachlift_{name}.*belongs to run run-A"):
        pipeline._check_slot(b.spec, b.source, b.base_dir, b.run_id)
    assert (
        pipeline._check_slot(a.spec, a.source, a.base_dir, a.run_id) == f"roachlift_{name}"
    )  # a retry of run A's own dump
    # run B's end never drops run A's slot
    b.dump_dir.mkdir(parents=True)
    (b.dump_dir / "snapshot.json").write_text(f'{{"kind": "postgres", "slot": "roachlift_{name}"}}')
    assert "kept: it belongs to run run-A" in pipeline.release_change_stream(b)

    assert main(["status", "--spec", str(spec_path)]) == 0
    out = capsys.readouterr().out
    assert "source: writable" in out
    assert f"roachlift_{name}: idle, holds" in out and "owner run run-A (cutover)" in out

    assert main(["release-slot", "--spec", str(spec_path)]) == 0
    assert f"roachlift_{name} dropped" in capsys.readouterr().out
    with psycopg.connect(dsn) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (f"roachlift_{name}",)
        ).fetchone() == (0,)
    assert runstate.slot_owner(a.base_dir, f"roachlift_{name}") is None
    pipeline._check_slot(b.spec, b.source, b.base_dir, b.run_id)  # free now


def test_unfreeze_command_restores_a_recorded_freeze(
    pg_server: PostgresServer, setup: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from roachlift.cutover import freeze_source_writes

    spec_path, dsn, name = setup
    dbname = dsn.rsplit("/", 1)[-1]
    role = f"app_{name}_{dbname}"[:63]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT INSERT ON t TO "{role}"')
        conn.execute("SELECT pg_drop_replication_slot(%s)", (f"roachlift_{name}",))
    ctx = _ctx(spec_path, pg_server, "run-A", dbname)
    freeze_source_writes(ctx.spec, ctx.source, ["public.t"], ctx.base_dir / "freeze.json", "run-A")
    assert main(["status", "--spec", str(spec_path)]) == 0
    assert "source: FROZEN since" in capsys.readouterr().out
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT has_table_privilege(%s, 't', 'INSERT')", (role,)).fetchone() == (False,)
    assert main(["unfreeze", "--spec", str(spec_path)]) == 0
    assert "writable again" in capsys.readouterr().out
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT has_table_privilege(%s, 't', 'INSERT')", (role,)).fetchone() == (True,)
    assert main(["unfreeze", "--spec", str(spec_path)]) == 0
    assert "nothing to restore" in capsys.readouterr().out


def test_only_named_approvers_may_answer(tmp_path: Path) -> None:
    from roachlift.cutover_steps import check_approver

    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: appr\nsource: {kind: postgres, conn_id: src}\ntarget: {conn_id: tgt, database: t}\n"
        "cutover: {approvers: [alice]}\n"
    )
    info = parse_uri("postgres://u@127.0.0.1:1/db")
    ctx = pipeline.RunContext.create(
        spec=load_spec(spec), run_id="r", mode="cutover", source=info, target=info
    )
    assert check_approver(ctx, {"id": "alice", "name": "Alice A."}) == "Alice A."
    with pytest.raises(RoachliftError, match=r"answered by mallory, who is not among cutover\.approvers"):
        check_approver(ctx, {"id": "mallory", "name": "mallory"})


def test_preflight_refuses_a_second_cutover_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from roachlift.cutover_steps import PREFLIGHT_FILE, preflight_step

    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: twice\nsource: {kind: postgres, conn_id: src}\ntarget: {conn_id: tgt, database: t}\n"
    )
    info = parse_uri("postgres://u@127.0.0.1:1/db")
    ctx = pipeline.RunContext.create(
        spec=load_spec(spec), run_id="r2", mode="cutover", source=info, target=info
    )
    history = ctx.base_dir / "reports" / "history.jsonl"
    history.parent.mkdir(parents=True)
    history.write_text(
        json.dumps({"run_id": "r1", "mode": "cutover", "outcome": "cut over", "started_at": 0})
    )
    with pytest.raises(RoachliftError, match=r"run r1 already cut over twice.*Cut over again"):
        preflight_step(ctx)
    assert "refused" in json.loads((ctx.work_dir / PREFLIGHT_FILE).read_text())
    assert preflight_step(ctx, again=True)["again"] is True
    first = pipeline.RunContext.create(
        spec=load_spec(spec), run_id="r0", mode="cutover", source=info, target=info
    )
    history.unlink()
    assert preflight_step(first)["problems"] == []
    rehearsal = pipeline.RunContext.create(
        spec=load_spec(spec), run_id="r3", mode="rehearsal", source=info, target=info
    )
    assert preflight_step(rehearsal)["summary"].startswith("rehearsal")


def test_a_cutover_without_approval_records_that_nobody_was_asked(
    pg_server: PostgresServer, setup: tuple[Path, str, str]
) -> None:
    """cutover.approval_required false: the freeze step writes why there is no answer (the report
    reads ``cutover.json``); with the default, an answer is only ever written by the approval."""
    import json

    from roachlift.cutover_steps import NOT_ASKED, cutover_state, freeze_step

    spec_path, dsn, _ = setup
    dbname = dsn.rsplit("/", 1)[-1]
    asked = _ctx(spec_path, pg_server, "run-asked", dbname)
    spec_path.write_text(spec_path.read_text() + "cutover: {approval_required: false}\n")
    unasked = _ctx(spec_path, pg_server, "run-unasked", dbname)
    for ctx in (asked, unasked):
        ctx.work_dir.mkdir(parents=True)
        (ctx.work_dir / "tables.json").write_text(json.dumps([{"name": "public.t"}]))
        assert "NOT frozen" in freeze_step(ctx)["summary"]
    assert "answer" not in cutover_state(asked)
    state = cutover_state(unasked)
    assert state["answer"] == NOT_ASKED and state["answered_by"] == "nobody"
    assert state["position"]["kind"] == "postgres" and state["position"]["lsn"]
