"""Every file under dags/ imports cleanly through Airflow's DagBag, one DAG per spec."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from roachlift.config.spec import load_spec, spec_files

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    mp.setenv("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    mp.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    yield bag
    mp.undo()


def test_dags_folder_imports_without_errors(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}
    assert sorted(p.name for p in DAGS.glob("*.py"))  # the folder is not empty


def test_one_dag_per_spec(dagbag) -> None:  # type: ignore[no-untyped-def]
    expected = {load_spec(p).dag_id for p in spec_files()}
    assert expected and set(dagbag.dag_ids) == expected
    for dag_id in expected:
        assert "roachlift" in dagbag.dags[dag_id].tags


def test_broken_spec_is_skipped_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.yaml").write_text((spec_files()[0]).read_text())
    (tmp_path / "bad.yaml").write_text("name: bad\nsource:\n  kind: sybase\n")
    monkeypatch.setenv("ROACHLIFT_MIGRATIONS_DIR", str(tmp_path))
    from roachlift.airflow.factory import build_dags

    dags = build_dags()
    assert list(dags) == [load_spec(tmp_path / "good.yaml").dag_id]


def test_cutover_has_a_way_back_and_a_neutral_go_no_go(dagbag) -> None:  # type: ignore[no-untyped-def]
    """Any failure after the freeze runs ``rollback``; the approval offers two answers, neither a
    default; a second cutover needs the "Cut over again" box."""
    from airflow.providers.standard.operators.hitl import HITLBranchOperator

    dag = next(d for d in dagbag.dags.values() if load_spec(spec_files()[0]).dag_id == d.dag_id)
    rollback = dag.get_task("rollback")
    assert rollback.trigger_rule == "one_failed"
    after_freeze = {
        "freeze_source",
        "cdc_drain",
        "reset_sequences",
        "verify_final",
        "changefeed",
        "cutover_done",
    }
    assert set(rollback.upstream_task_ids) == after_freeze
    approve = dag.get_task("approve_cutover")
    assert isinstance(approve, HITLBranchOperator)
    assert approve.defaults is None and len(approve.options) == 2
    assert set(approve.options_mapping.values()) == {"freeze_source", "cutover_rejected"}
    assert set(dag.get_task("freeze_source").upstream_task_ids) == {"approve_cutover", "cdc_follow"}
    assert dag.get_task("cdc_follow").mode == "reschedule"
    assert dag.params["cut_over_again"] is False
    assert dag.get_task("preflight").downstream_task_ids == {"estimate"}
    assert {"cutover_done", "cutover_rejected", "rollback", "cleanup_rehearsals"} == set(
        dag.get_task("report").upstream_task_ids
    )


def test_graph_reads_at_fit_view(dagbag) -> None:  # type: ignore[no-untyped-def]
    """With every group closed, the longest chain of boxes is short enough to read at "Fit View";
    the read-only window (freeze ... cutover_done, rollback) is one group, task ids unchanged."""
    dag = next(d for d in dagbag.dags.values() if load_spec(spec_files()[0]).dag_id == d.dag_id)

    def box(task_id: str) -> str:
        group = dag.get_task(task_id).task_group
        while group is not None and group.parent_group is not None and group.parent_group.group_id:
            group = group.parent_group
        return group.group_id if group is not None and group.group_id else task_id

    window = {"freeze_source", "cdc_drain", "reset_sequences", "verify_final", "changefeed", "cutover_done"}
    assert {box(t) for t in window | {"rollback"}} == {"cutover"}
    edges = {
        (box(t.task_id), box(d)) for t in dag.tasks for d in t.downstream_task_ids if box(t.task_id) != box(d)
    }
    longest: dict[str, list[str]] = {}

    def chain_from(node: str) -> list[str]:
        if node not in longest:
            after = [chain_from(b) for a, b in edges if a == node]
            longest[node] = [node, *max(after, key=len, default=[])]
        return longest[node]

    chain = max((chain_from(a) for a, _ in edges), key=len)
    assert len(chain) <= 9, " -> ".join(chain)


# --- what the spec asks of its source, read from the source's adapter when the DAG is parsed ---------
SLOT_ON_MYSQL = """name: slotless
source: {kind: mysql, conn_id: src, schemas: [shop]}
target: {conn_id: tgt, database: shop}
cdc: {slot_name: my_slot}
"""
WHY = (
    "cdc.slot_name: mysql source: no replication slot (the change stream reads the binlog; its retention "
    "is the server's); remove cdc.slot_name"
)


def test_a_spec_asking_what_its_source_cannot_do_fails_at_parse_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DAG file building that spec is a DagBag import error with the reason."""
    spec = tmp_path / "slotless.yaml"
    spec.write_text(SLOT_ON_MYSQL)
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "one_spec.py").write_text(
        "from pathlib import Path\n\n"
        "from roachlift.airflow.factory import build_dag\n"
        "from roachlift.config.spec import load_spec\n\n"
        f"dag = build_dag(load_spec({str(spec)!r}), Path({str(spec)!r}))\n"
    )
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow_home"))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(folder))
    assert bag.dag_ids == []
    (error,) = bag.import_errors.values()
    assert "SpecError" in error and WHY in error


def test_build_dags_skips_that_spec_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """In the shared DAG file, such a spec is skipped like an invalid one: the others still load."""
    from roachlift.airflow.factory import build_dags

    (tmp_path / "good.yaml").write_text((spec_files()[0]).read_text())
    (tmp_path / "slotless.yaml").write_text(SLOT_ON_MYSQL)
    monkeypatch.setenv("ROACHLIFT_MIGRATIONS_DIR", str(tmp_path))
    with caplog.at_level("ERROR"):
        dags = build_dags()
    assert list(dags) == [load_spec(tmp_path / "good.yaml").dag_id]
    assert WHY in caplog.text and "slotless.yaml" in caplog.text


def test_without_a_change_source_or_a_freeze_the_spec_must_not_ask_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build_dag reads the adapter's capabilities (a MySQL adapter here stripped of two)."""
    from roachlift.airflow.factory import build_dag
    from roachlift.config.spec import SourceKind, parse_spec
    from roachlift.errors import SpecError
    from roachlift.sources import ADAPTERS, SourceAdapter

    class NoStreamNoFreeze(type(ADAPTERS[SourceKind.MYSQL])):  # type: ignore[misc]
        change_source = SourceAdapter.change_source
        freezer = SourceAdapter.freezer

    monkeypatch.setitem(ADAPTERS, SourceKind.MYSQL, NoStreamNoFreeze())
    data = load_spec(spec_files()[0]).model_dump(by_alias=True, mode="json")
    data["source"] = {"kind": "mysql", "conn_id": "src", "schemas": ["shop"]}
    data["cdc"] = {"enabled": True}
    data["cutover"] = {"freeze_source_writes": True}
    with pytest.raises(SpecError) as err:
        build_dag(parse_spec(data), tmp_path / "x.yaml")
    assert err.value.problems == [
        "cdc.enabled: mysql source: no change source; set cdc.enabled: false",
        "cutover.freeze_source_writes: mysql source: no write freeze; "
        "set cutover.freeze_source_writes: false",
    ]
    data["cdc"], data["cutover"] = {"enabled": False}, {"freeze_source_writes": False}
    assert build_dag(parse_spec(data), tmp_path / "x.yaml").get_task("freeze_source")


def test_no_approval_task_when_the_spec_does_not_ask_for_one(tmp_path: Path) -> None:
    """cutover.approval_required false: a cutover run goes from ``mode`` to ``freeze_source``; no
    approval, no CDC follow while it waits, no rejection task. The default keeps all three."""
    from roachlift.airflow.factory import build_dag
    from roachlift.config.spec import parse_spec

    data = load_spec(spec_files()[0]).model_dump(by_alias=True, mode="json")
    data["cutover"] = {**data["cutover"], "approval_required": False, "approvers": []}
    dag = build_dag(parse_spec(data), tmp_path / "x.yaml")
    for absent in ("approve_cutover", "cdc_follow", "cutover_rejected"):
        assert not dag.has_task(absent)
    assert dag.get_task("freeze_source").upstream_task_ids == {"mode"}
    assert dag.get_task("mode").downstream_task_ids == {"freeze_source", "cleanup_rehearsals"}
    assert dag.get_task("report").upstream_task_ids == {"cutover_done", "cleanup_rehearsals", "rollback"}
    assert set(dag.get_task("rollback").upstream_task_ids) >= {"freeze_source", "cutover_done"}

    data["cutover"]["approval_required"] = True
    asked = build_dag(parse_spec(data), tmp_path / "x.yaml")
    assert asked.get_task("freeze_source").upstream_task_ids == {"approve_cutover", "cdc_follow"}
    assert asked.get_task("mode").downstream_task_ids == {
        "approve_cutover",
        "cdc_follow",
        "cleanup_rehearsals",
    }


def test_trigger_form_choices_come_from_the_enum(dagbag) -> None:  # type: ignore[no-untyped-def]
    from roachlift.config.spec import TableHandling

    for dag in dagbag.dags.values():
        param = dag.params.get_param("table_handling")
        assert param.schema["enum"] == [h.value for h in TableHandling]
        assert param.value in param.schema["enum"] and isinstance(param.value, str)


#: Every edge of a migration DAG. The run report reads each step's result by task id
#: (roachlift.airflow.xcom.TASK_OF_STEP) and judges the outcome by which ones ran: a renamed task
#: or a moved edge changes what the report says, so both are pinned here.
DAG_EDGES = {
    ("validate_spec", "preflight"),
    ("preflight", "estimate"),
    ("estimate", "schema.extract_ddl"),
    ("schema.extract_ddl", "schema.convert_ddl"),
    ("schema.convert_ddl", "schema.create_tables"),
    ("schema.create_tables", "dump"),
    ("dump", "load.table_manifests"),
    ("load.table_manifests", "load.load_table"),
    ("load.load_table", "post_load.indexes"),
    ("post_load.indexes", "post_load.foreign_keys"),
    ("post_load.foreign_keys", "post_load.views_and_sequences"),
    ("post_load.views_and_sequences", "cdc_catch_up"),
    ("cdc_catch_up", "verify"),
    ("verify", "mode"),
    ("mode", "approve_cutover"),
    ("mode", "cdc_follow"),
    ("mode", "cleanup_rehearsals"),
    ("approve_cutover", "freeze_source"),
    ("cdc_follow", "freeze_source"),
    ("approve_cutover", "cutover_rejected"),
    ("freeze_source", "cdc_drain"),
    ("cdc_drain", "reset_sequences"),
    ("reset_sequences", "verify_final"),
    ("verify_final", "changefeed"),
    ("changefeed", "cutover_done"),
    *((t, "rollback") for t in ("freeze_source", "cdc_drain", "reset_sequences", "verify_final")),
    ("changefeed", "rollback"),
    ("cutover_done", "rollback"),
    ("cutover_done", "report"),
    ("cleanup_rehearsals", "report"),
    ("cutover_rejected", "report"),
    ("rollback", "report"),
}


def test_task_ids_and_edges_the_report_relies_on(dagbag) -> None:  # type: ignore[no-untyped-def]
    """Each step result has its task; the tasks besides them only route (spec check, manifests,
    mode branch, report); the edges are exactly DAG_EDGES; the read-only window in the report's
    order; the report runs whatever happened before it."""
    from dataclasses import fields

    from roachlift.airflow.xcom import LOAD_TASK, TASK_OF_STEP
    from roachlift.results import AFTER_FREEZE, STEPS, RunResults

    assert [f.name for f in fields(RunResults)] == list(STEPS)
    assert set(TASK_OF_STEP) == set(STEPS)
    for dag in dagbag.dags.values():
        routing = {"validate_spec", "load.table_manifests", "mode", "report"}
        assert set(dag.task_ids) == set(TASK_OF_STEP.values()) | routing, dag.dag_id
        edges = {(t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids}
        assert edges == DAG_EDGES, dag.dag_id
        window = [TASK_OF_STEP[s] for s in AFTER_FREEZE]
        assert all((a, b) in edges for a, b in itertools.pairwise(window))
        assert dag.get_task("report").trigger_rule == "all_done"
        assert dag.get_task(LOAD_TASK).map_index_template == "{{ task.table_label }}"


def test_a_spec_asking_its_target_for_import_fails_at_parse_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A PostgreSQL target has no IMPORT INTO: the spec is refused when the DAG is parsed, saying why,
    not when the load task runs; the other specs of the folder still get their DAG."""
    text = spec_files()[0].read_text()
    (tmp_path / "good.yaml").write_text(text)
    spec = load_spec(tmp_path / "good.yaml")
    bad = spec.model_dump(by_alias=True, mode="json", exclude_none=True)
    bad["name"] = "pg_import"
    bad["target"]["dialect"] = "postgres"
    bad["load"]["method"] = "import"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    monkeypatch.setenv("ROACHLIFT_MIGRATIONS_DIR", str(tmp_path))
    from roachlift.airflow.factory import build_dags

    dags = build_dags()
    assert list(dags) == [spec.dag_id]
    assert "load.method: import needs IMPORT INTO, which a PostgreSQL target lacks; use copy" in caplog.text
