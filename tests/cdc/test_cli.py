"""``roachlift cdc --spec SPEC`` end to end (connections from AIRFLOW_CONN_*), and the lag measure."""

from __future__ import annotations

import json
from pathlib import Path

import pymysql
import pytest

from roachlift.cdc.lag import measure_lag
from roachlift.cdc.model import CdcError
from roachlift.cdc.mysql import master_status
from roachlift.cdc.postgres import PostgresSource
from roachlift.cli import main
from roachlift.testing import MariaDBServer

from .conftest import execute, rows


def _spec(tmp_path: Path, kind: str, target_db: str, extra: str = "") -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(
        f"""name: cdc_cli
source:
  kind: {kind}
  conn_id: cdc_src
target:
  conn_id: cdc_tgt
  database: {target_db}
  dialect: postgres
dump:
  out_dir: {tmp_path / "dump"}
cdc:
  batch_changes: 3
{extra}""",
        encoding="utf-8",
    )
    return path


def test_cli_applies_and_reports_lag(
    pg_db: str,
    pg_target: str,
    pg_slot: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CDC_SRC", pg_db.replace("postgresql://", "postgres://"))
    monkeypatch.setenv("AIRFLOW_CONN_CDC_TGT", pg_target.replace("postgresql://", "postgres://"))
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "snapshot.json").write_text(
        json.dumps({"kind": "postgres", "slot": pg_slot, "lsn": "0/0"})
    )
    for dsn in (pg_db, pg_target):
        execute(dsn, "CREATE TABLE t (id int PRIMARY KEY, v text)")
    execute(pg_db, *[f"INSERT INTO t VALUES ({i}, 'v{i}')" for i in range(10)], "DELETE FROM t WHERE id = 3")
    spec = _spec(tmp_path, "postgres", pg_target.rsplit("/", 1)[1])

    assert main(["cdc", "--spec", str(spec), "--until-caught-up"]) == 0
    out = capsys.readouterr().out
    assert "applied 11 changes in " in out and "lag 0.0s" in out
    assert rows(pg_target, "SELECT count(*) FROM t") == [(9,)]

    execute(pg_db, "UPDATE t SET v = 'late' WHERE id = 1")
    assert main(["cdc", "--spec", str(spec), "--lag"]) == 0
    assert "bytes behind" in capsys.readouterr().out
    lag = measure_lag(PostgresSource(pg_db, pg_slot), pg_target, migration="cdc_cli")
    assert lag.pending and lag.seconds >= 0 and (lag.bytes_behind or 0) > 0
    assert main(["cdc", "--spec", str(spec), "--until-caught-up"]) == 0
    capsys.readouterr()
    lag = measure_lag(PostgresSource(pg_db, pg_slot), pg_target, migration="cdc_cli")
    assert not lag.pending and lag.seconds == 0.0
    assert rows(pg_target, "SELECT v FROM t WHERE id = 1") == [("late",)]


def test_cli_errors_are_one_line(
    pg_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CDC_SRC", "mysql://root@127.0.0.1:1/x")
    monkeypatch.setenv("AIRFLOW_CONN_CDC_TGT", pg_target.replace("postgresql://", "postgres://"))
    spec = _spec(tmp_path, "mysql", "nowhere", "  enabled: true\n")
    assert main(["cdc", "--spec", str(spec)]) == 2
    assert "snapshot.json: cannot read the dump's snapshot position" in capsys.readouterr().err
    with pytest.raises(CdcError, match="no checkpoint"):
        measure_lag(PostgresSource("postgresql://x", "s"), pg_target, migration="never_ran")


def test_cli_applies_the_specs_values_rules(
    mariadb_server: MariaDBServer,
    mysql_db: str,
    pg_target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``roachlift cdc`` reads a MySQL zero date as the spec's ``values.zero_dates: null`` says (the
    DAG's change source); without the rule the stream stops naming table, key and column."""
    monkeypatch.setenv("AIRFLOW_CONN_CDC_SRC", mariadb_server.uri(mysql_db))
    monkeypatch.setenv("AIRFLOW_CONN_CDC_TGT", pg_target.replace("postgresql://", "postgres://"))
    execute(pg_target, "CREATE TABLE z (id int PRIMARY KEY, d date)")
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("CREATE TABLE z (id INT PRIMARY KEY, d DATE)")
        start = master_status(mariadb_server.connect_kwargs())
        cur.execute("INSERT INTO z VALUES (1, '2024-01-02'), (2, '0000-00-00')")
    conn.close()
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "snapshot.json").write_text(json.dumps({"kind": "mysql", **start}))
    schemas = f"  schemas: [{mysql_db}]\n"
    strict = _spec(tmp_path, "mysql", pg_target.rsplit("/", 1)[1])
    strict.write_text(strict.read_text().replace("  conn_id: cdc_src\n", "  conn_id: cdc_src\n" + schemas))
    assert main(["cdc", "--spec", str(strict), "--until-caught-up"]) == 2
    assert f"{mysql_db}.z: row {{'id': 2}}: column d: zero date" in capsys.readouterr().err
    lossy = strict.read_text() + "values:\n  zero_dates: 'null'\n"
    strict.write_text(lossy.replace("name: cdc_cli", "name: cdc_cli_lossy"))
    assert main(["cdc", "--spec", str(strict), "--until-caught-up"]) == 0
    assert rows(pg_target, "SELECT id, d::text FROM z ORDER BY id") == [(1, "2024-01-02"), (2, None)]
