"""``roachlift verify --spec``: screen table, JSON file, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roachlift.cli import main
from roachlift.testing import PostgresServer

from .conftest import pg_run

DDL = [
    "CREATE TABLE customers (id int PRIMARY KEY, name text, email text)",
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, total numeric(10,2))",
    "CREATE TABLE audit (at timestamptz, what text)",
]
DATA = [
    "INSERT INTO customers SELECT g, 'c' || g, 'c' || g || '@x.org' FROM generate_series(1, 30) g",
    "INSERT INTO orders SELECT g, g % 30 + 1, g * 2.5 FROM generate_series(1, 100) g",
    "INSERT INTO audit SELECT timestamptz '2024-01-01+00' + g * interval '1 h', 'w' || g "
    "FROM generate_series(1, 10) g",
]


@pytest.fixture
def spec(
    tmp_path: Path, pg_server: PostgresServer, pg_db: str, pg_target: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    pg_run(pg_db, DDL + DATA)
    pg_run(pg_target, DDL + DATA)
    monkeypatch.setenv("AIRFLOW_CONN_VERIFY_SRC", pg_server.uri(pg_db.rsplit("/", 1)[1]))
    monkeypatch.setenv("AIRFLOW_CONN_VERIFY_TGT", pg_server.uri("postgres"))
    path = tmp_path / "shop.yaml"
    path.write_text(
        "name: shop\n"
        "source: {kind: postgres, conn_id: verify_src, schemas: [public], exclude: ['audit']}\n"
        f"target: {{conn_id: verify_tgt, database: {pg_target.rsplit('/', 1)[1]}, dialect: postgres}}\n"
        "cdc: {enabled: false}\n"
    )
    return path


def test_cli_equal_exit_0_and_json(spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "result.json"
    assert main(["verify", "--spec", str(spec), "--json", str(out)]) == 0
    screen = capsys.readouterr().out
    assert "public.customers" in screen and "public.orders" in screen
    assert "audit" not in screen  # excluded by the spec
    assert "all tables match" in screen
    data = json.loads(out.read_text())
    assert data["ok"] is True and data["tables_checked"] == 2
    rows = {t["table"]: t["rows_source"] for t in data["tables"]}
    assert rows == {"public.customers": 30, "public.orders": 100}


def test_cli_difference_exit_1_with_keys(
    spec: Path, pg_target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_run(pg_target, ["UPDATE orders SET total = 1 WHERE id = 42", "DELETE FROM customers WHERE id = 7"])
    out = tmp_path / "result.json"
    assert main(["verify", "--spec", str(spec), "--json", str(out), "--chunk-rows", "20"]) == 1
    screen = capsys.readouterr().out
    assert "MISMATCH" in screen
    assert "missing in target, key (7)" in screen
    assert "mismatched, key (42): total" in screen
    data = json.loads(out.read_text())
    orders = next(t for t in data["tables"] if t["table"] == "public.orders")
    assert orders["mismatched_sample"] == [{"key": [42], "columns": ["total"]}]
    assert orders["chunks"] == 5
    # --tables narrows the run to the table that matches
    assert main(["verify", "--spec", str(spec), "--json", str(out), "--tables", "ord*"]) == 1
    assert [t["table"] for t in json.loads(out.read_text())["tables"]] == ["public.orders"]
    assert main(["verify", "--spec", str(spec), "--json", str(out), "--tables", "nothing*"]) == 2
