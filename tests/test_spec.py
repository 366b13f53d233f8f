"""The migration spec: shipped examples are valid; broken specs report every problem with its key path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from roachlift.cli import main
from roachlift.config.connections import parse_uri, resolve_connection, resolve_storage_connection
from roachlift.config.spec import load_spec, migrations_dir, spec_files, validate_spec_file
from roachlift.errors import RoachliftError, SpecError

EXAMPLES = spec_files()


def test_one_example_per_source_kind() -> None:
    kinds = sorted(str(load_spec(p).source.kind) for p in EXAMPLES)
    assert kinds == ["mysql", "oracle", "postgres"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-spec", str(path)]) == 0
    assert "ok (" in capsys.readouterr().out


BROKEN = """
name: Bad-Name
source:
  kind: sybase
  conn_id: ""
  includes: ["*"]
target:
  database: x
load:
  method: ftp
  table_handling: merge
dump:
  chunk_rows: 0
rehearsal:
  schedule: "every tuesday"
cutover:
  changefeed:
    kafka_conn_id: k
    format: avro
"""


def test_broken_spec_lists_every_problem_with_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(BROKEN)
    assert main(["validate-spec", str(spec)]) == 1
    out = capsys.readouterr().out
    expected = [
        "name: String should match pattern",
        "source.kind: 'sybase' is not one of postgres, mysql, oracle",
        "source.conn_id: String should have at least 1 character",
        "source.includes: unknown key",
        "target.conn_id: required key is missing",
        "load.method: 'ftp' is not one of import, copy",
        "load.table_handling: 'merge' is not one of fail-if-not-empty, truncate, drop-and-recreate",
        "dump.chunk_rows: Input should be greater than 0",
        "rehearsal.schedule: 'every tuesday' is not a cron expression",
        "cutover.changefeed: format 'avro' needs schema_registry_url",
    ]
    for line in expected:
        assert line in out, f"missing {line!r} in:\n{out}"
    assert f"{len(expected)} problem(s)" in out


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\nsource:\n  kind: [postgres\n")
    problems = validate_spec_file(spec)
    assert len(problems) == 1 and problems[0].startswith("(yaml):") and "line 4" in problems[0]


def test_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    spec = tmp_path / "list.yaml"
    spec.write_text("- a\n- b\n")
    assert validate_spec_file(spec)[0].startswith("(top level): a spec is a mapping")
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "absent.yaml")


def test_migrations_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROACHLIFT_MIGRATIONS_DIR", str(tmp_path))
    assert migrations_dir() == tmp_path
    assert spec_files() == []
    (tmp_path / "a.yaml").write_text(EXAMPLES[0].read_text())
    assert [p.name for p in spec_files()] == ["a.yaml"]


def test_include_exclude_patterns() -> None:
    spec = load_spec(migrations_dir() / "pagila.yaml")
    assert spec.source.wants("public.film")
    assert spec.source.wants("actor")
    assert not spec.source.wants("public.payment_p2022_01")


def test_connection_from_env_uri_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SRC", "postgres://u%40x:p%2Fw@db.example:6543/app?sslmode=require")
    info = resolve_connection("src")
    assert (info.kind, info.host, info.port, info.user, info.password, info.database) == (
        "postgres",
        "db.example",
        6543,
        "u@x",
        "p/w",
        "app",
    )
    assert "p/w" not in repr(info) and "p%2Fw" not in info.redacted()
    assert info.postgres_conninfo() == "postgresql://u%40x:p%2Fw@db.example:6543/app?sslmode=require"
    monkeypatch.setenv("AIRFLOW_CONN_MY", '{"conn_type": "mysql", "host": "h", "port": 3307, "login": "r"}')
    assert resolve_connection("my").port == 3307
    with pytest.raises(RoachliftError, match="AIRFLOW_CONN_NOPE"):
        resolve_connection("nope")
    with pytest.raises(RoachliftError, match="sybase"):
        parse_uri("sybase://h/db")


def test_python_dash_m_roachlift_runs_the_cli() -> None:
    spec = str(migrations_dir() / "sakila.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "roachlift", "validate-spec", spec], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "(mysql -> cockroachdb, DAG roachlift_sakila)" in proc.stdout


def test_validate_spec_reports_what_the_source_cannot_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "slot.yaml"
    path.write_text(
        "name: slot\nsource: {kind: oracle, conn_id: src}\ntarget: {conn_id: tgt, database: t}\n"
        "cdc: {slot_name: mine}\n"
    )
    assert validate_spec_file(path) == [
        "cdc.slot_name: oracle source: no replication slot (the change stream reads a staging table fed "
        "by triggers); remove cdc.slot_name"
    ]
    assert main(["validate-spec", str(path)]) == 1
    assert "cdc.slot_name: oracle source: no replication slot" in capsys.readouterr().out


def test_approvers_without_an_approval_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "noask.yaml"
    path.write_text(
        "name: noask\nsource: {kind: postgres, conn_id: src}\ntarget: {conn_id: tgt, database: t}\n"
        "cutover: {approval_required: false, approvers: [alice]}\n"
    )
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.problems == [
        "cutover: approvers are named but approval_required is false: nobody would be asked (remove "
        "approvers, or set approval_required: true)"
    ]
    path.write_text(path.read_text().replace(", approvers: [alice]", ""))
    assert load_spec(path).cutover.approval_required is False


OBJECT_STORAGE = """
name: big
source: {kind: postgres, conn_id: src}
target: {conn_id: crdb, database: big}
dump:
  out_dir: s3://dumps/big
  storage_conn_id: dump_store
load:
  method: import
  storage: dump
  storage_auth: specified
  storage_role: arn:aws:iam::123456789012:role/importer
  storage_endpoint: http://minio.internal:9000
"""


def test_object_storage_fields(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(OBJECT_STORAGE)
    spec = load_spec(path)
    assert (spec.dump.out_dir, spec.dump.storage_conn_id) == ("s3://dumps/big", "dump_store")
    assert (spec.load.storage, spec.load.storage_auth) == ("dump", "specified")
    assert spec.load.storage_role == "arn:aws:iam::123456789012:role/importer"
    assert spec.load.storage_endpoint == "http://minio.internal:9000"
    path.write_text(OBJECT_STORAGE.replace("s3://dumps/big", "/var/dumps").replace("specified", "keys"))
    problems = validate_spec_file(path)
    assert any(p.startswith("load.storage_auth: 'keys' is not one of implicit, specified") for p in problems)
    path.write_text(OBJECT_STORAGE.replace("s3://dumps/big", "/var/dumps"))
    assert validate_spec_file(path) == [
        "(top level): load.storage 'dump' needs dump.out_dir on object storage the cluster reads "
        "(s3://... or gs://...), not '/var/dumps'"
    ]


def test_storage_connection_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DUMP_STORE",
        "aws://AKID:se%2Fcret@/?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000&region_name=eu-west-1",
    )
    info = resolve_storage_connection("dump_store")
    assert (info.kind, info.login, info.password) == ("s3", "AKID", "se/cret")
    assert info.extra == {"endpoint_url": "http://127.0.0.1:9000", "region_name": "eu-west-1"}
    assert "se/cret" not in repr(info)
    monkeypatch.setenv("AIRFLOW_CONN_DUMP_STORE", '{"conn_type": "postgres", "host": "x"}')
    with pytest.raises(RoachliftError, match="type 'postgres' is not object storage"):
        resolve_storage_connection("dump_store")
