"""The thin Airflow layer: retry policy, the IMPORT job trigger, changefeed statement and topics."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg
import pytest

from roachlift import pipeline
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.errors import RoachliftError, TransientError
from roachlift.load.jobs import JobPhase, JobState
from roachlift.target import statements as st


def _ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **cutover: Any) -> pipeline.RunContext:
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path))
    spec = parse_spec(
        {
            "name": "shop",
            "source": {"kind": "postgres", "conn_id": "src"},
            "target": {"conn_id": "tgt", "database": "shop"},
            "cutover": cutover,
        }
    )
    return pipeline.RunContext.create(
        spec=spec,
        run_id="manual__1",
        mode="cutover",
        source=parse_uri("postgres://u@h/src"),
        target=parse_uri("postgres://u:secret@h:26257/defaultdb"),
    )


def test_data_errors_fail_without_retry_and_transient_errors_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from roachlift.airflow.operators import call_step

    ctx = _ctx(tmp_path, monkeypatch)

    def data_error(_: pipeline.RunContext) -> dict[str, Any]:
        raise RoachliftError("public.film: target has 3 row(s) but the dump manifest says 4")

    def lost_connection(_: pipeline.RunContext) -> dict[str, Any]:
        raise TransientError("server closed the connection")

    with pytest.raises(AirflowFailException, match="manifest says 4"):
        call_step(data_error, ctx)
    with pytest.raises(TransientError):
        call_step(lost_connection, ctx)


def test_rehearsal_context_uses_a_scratch_database_and_its_own_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _ctx(tmp_path, monkeypatch)
    rehearsal = pipeline.RunContext.create(
        spec=ctx.spec,
        run_id="r",
        mode="rehearsal",
        source=ctx.source,
        target=ctx.target_server,
        run_date="20260301",
    )
    assert rehearsal.target_database == "shop_rehearsal_20260301"
    assert rehearsal.spec.cdc.slot_name == "roachlift_shop_rehearsal"
    assert ctx.target_database == "shop" and ctx.spec.cdc.slot_name is None
    assert "secret" not in ctx.target.redacted()
    with pytest.raises(RoachliftError, match="not rehearsal or cutover"):
        pipeline.RunContext.create(
            spec=ctx.spec, run_id="r", mode="yolo", source=ctx.source, target=ctx.target
        )


def test_changefeed_statement_and_topics(pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _ctx(
        tmp_path,
        monkeypatch,
        changefeed={
            "kafka_conn_id": "kafka_default",
            "topic_prefix": "shop.",
            "format": "avro",
            "schema_registry_url": "http://registry:8081",
        },
    )
    ctx.work_dir.mkdir(parents=True)
    (ctx.work_dir / "tables.json").write_text('[{"name": "public.orders"}, {"name": "public.order_items"}]')
    assert pipeline.changefeed_topics(ctx) == ["shop.orders", "shop.order_items"]
    stmt = st.create_changefeed(
        ["public.orders", "public.order_items"],
        "kafka:9092",
        avro_registry="http://registry:8081",
        topic_prefix="shop.",
    )
    with psycopg.connect(pg_db) as conn:
        text = stmt.as_string(conn)
    assert text == (
        'CREATE CHANGEFEED FOR TABLE "public"."orders", "public"."order_items" '
        "INTO 'kafka://kafka:9092?topic_prefix=shop.' WITH updated, resolved = '10s', format = avro, "
        "confluent_schema_registry = 'http://registry:8081'"
    )


def test_import_trigger_serializes_without_secrets_and_reports_the_job_end(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trigger's loop on a real async connection; SHOW JOBS itself needs CockroachDB, so the
    job observations come from a scripted sequence."""
    from roachlift.airflow import triggers

    info = parse_uri(pg_db.replace("postgresql://", "postgres://"))
    states = iter(
        [
            JobState(7, JobPhase.RUNNING, "running", 0.25),
            JobState(7, JobPhase.RUNNING, "running", 0.75),
            JobState(7, JobPhase.FAILED, "failed", 0.75, 'row 12: could not parse "x" as INT8'),
        ]
    )

    async def fake_conninfo(conn_id: str) -> Any:
        assert conn_id == "crdb_target"
        return info

    async def scripted_poll(aconn: psycopg.AsyncConnection, job_id: int) -> JobState:
        await (await aconn.execute("SELECT 1")).fetchone()  # the connection is real and open
        return next(states)

    monkeypatch.setattr(triggers, "_conninfo_async", fake_conninfo)
    monkeypatch.setattr(triggers, "poll_job", scripted_poll)
    trigger = triggers.ImportJobTrigger(
        "crdb_target", info.database or "", 7, "public.film", poll_seconds=0.01
    )
    path, kwargs = trigger.serialize()
    assert path == "roachlift.airflow.triggers.ImportJobTrigger"
    assert kwargs == {
        "conn_id": "crdb_target",
        "database": info.database,
        "job_id": 7,
        "table": "public.film",
        "poll_seconds": 0.01,
        "timeout": None,
    }

    async def first_event() -> Any:
        async for event in trigger.run():
            return event.payload
        return None

    payload = asyncio.run(first_event())
    assert payload["ok"] is False
    assert payload["state"]["phase"] == "failed" and "could not parse" in payload["error"]
    assert "RESUME JOB" not in payload["error"] and "rolled back" in payload["error"]


class _XComOfRun:
    """What a task instance's ``xcom_pull`` answers in one run: {(task id, key): value}."""

    def __init__(self, values: dict[tuple[str, str], Any]) -> None:
        self.values = values

    def xcom_pull(self, task_ids: str, key: str = "return_value") -> Any:
        return self.values.get((task_ids, key))


def test_results_read_back_from_xcom_by_task_id() -> None:
    """Each step's result comes from its task's XCom; every map index of the load task, the
    failed ones (None) left out; a rejection is known by Airflow's skip-mixin XCom alone."""
    from airflow.sdk.bases.skipmixin import XCOM_SKIPMIXIN_KEY

    from roachlift.airflow.xcom import pull_results

    dump = {"summary": "dumped", "manifests": [], "loads": []}
    loads = [{"summary": "a", "table": "public.a"}, None, {"summary": "b", "table": "public.b"}]
    ti = _XComOfRun(
        {
            ("dump", "return_value"): dump,
            ("load.load_table", "return_value"): loads,
            ("schema.convert_ddl", "return_value"): {"summary": "converted", "review_items": []},
            ("approve_cutover", XCOM_SKIPMIXIN_KEY): {"skipped": ["freeze_source"]},
        }
    )
    results = pull_results(ti)
    assert results.dump == dump and results.convert_ddl is not None
    assert [x["table"] for x in results.load_table] == ["public.a", "public.b"]
    assert results.verify is None and results.cutover_done is None
    assert results.approve_cutover == {"chosen_options": ["Reject"]}
    one = pull_results(_XComOfRun({("load.load_table", "return_value"): loads[0]}), ("load_table",))
    assert one.load_table == [loads[0]] and one.approve_cutover is None
