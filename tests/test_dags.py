"""Every file under dags/ imports cleanly through Airflow's DagBag, one DAG per spec."""

from __future__ import annotations

from pathlib import Path

import pytest

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
