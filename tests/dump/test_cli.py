"""The command line against the harness PostgreSQL: ``roachlift dump --spec SPEC --tables PATTERN --out
DIR`` and ``roachlift extract --spec SPEC --out FILE``, connections given as ``AIRFLOW_CONN_<ID>``."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from dump_helpers import drop_slots

from roachlift.cli import main
from roachlift.dump.manifest import table_dir_name
from roachlift.testing import PostgresServer

#: The console script installed with the package (``python -m roachlift`` when it is not there).
_SCRIPT = Path(sys.executable).with_name("roachlift")
ROACHLIFT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "roachlift"]

DDL = """
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id int PRIMARY KEY, note text, placed timestamptz);
CREATE TABLE shop.order_lines (order_id int REFERENCES shop.orders, line int, qty numeric(8,2),
                               PRIMARY KEY (order_id, line));
CREATE TABLE shop.customers (id int PRIMARY KEY, name text);
INSERT INTO shop.orders SELECT g, CASE WHEN g % 5 = 0 THEN 'multi' || chr(10) || 'line, "q"' END,
    timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute' FROM generate_series(1, 250) g;
INSERT INTO shop.order_lines SELECT g % 250 + 1, g, g * 0.5 FROM generate_series(1, 900) g;
INSERT INTO shop.customers VALUES (1, 'Ann'), (2, '');
ANALYZE;
"""


def _spec(tmp_path: Path, name: str, *, cdc: bool) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"""
name: {name}
source:
  kind: postgres
  conn_id: {name}_src
  schemas: [shop]
target:
  conn_id: {name}_dst
  database: shop
dump:
  chunk_rows: 100
  compression: gzip
  parallelism: 2
cdc:
  enabled: {str(cdc).lower()}
""",
        encoding="utf-8",
    )
    return path


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ROACHLIFT, *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=120
    )


@pytest.fixture
def shop(pg_server: PostgresServer, pg_db: str) -> str:
    """An Airflow connection URI of a database holding the ``shop`` schema."""
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(DDL)
    return pg_server.uri(pg_db.rsplit("/", 1)[1])


def test_cli_dump_selected_tables_from_one_snapshot(shop: str, pg_db: str, tmp_path: Path) -> None:
    name = f"cli_{pg_db.rsplit('/', 1)[1]}"
    env = {f"AIRFLOW_CONN_{name.upper()}_SRC": shop}
    out = tmp_path / "dump"
    try:
        proc = _run(["dump", "--spec", str(_spec(tmp_path, name, cdc=True)), "--tables", "order*",
                     "--out", str(out)], env)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "shop.orders: 250 rows" in proc.stdout and "shop.order_lines: 900 rows" in proc.stdout
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [table_dir_name("shop.order_lines"), table_dir_name("shop.orders"), "snapshot.json"]
        )
        snapshot = json.loads((out / "snapshot.json").read_text())
        assert snapshot["kind"] == "postgres" and snapshot["slot"] == f"roachlift_{name}" and snapshot["lsn"]
        with psycopg.connect(pg_db) as conn:
            slot = conn.execute(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s",
                (snapshot["slot"],),
            ).fetchone()
        assert slot is not None and slot[0] == snapshot["lsn"]
        orders = json.loads((out / table_dir_name("shop.orders") / "manifest.json").read_text())
        assert orders["columns"] == ["id", "note", "placed"] and orders["target_table"] == "public.orders"
        assert [f["rows"] for f in orders["files"]] == [100, 100, 50] and orders["snapshot"] == snapshot
        text = b""
        for f in orders["files"]:
            data = (out / table_dir_name("shop.orders") / f["path"]).read_bytes()
            assert f["path"].endswith(".csv.gz") and hashlib.sha256(data).hexdigest() == f["sha256"]
            text += gzip.decompress(data)
        rows = list(csv.reader(io.StringIO(text.decode(), newline="")))
        assert [int(r[0]) for r in rows] == list(range(1, 251))
        assert rows[4] == ["5", 'multi\nline, "q"', "2024-01-01 00:05:00+00"]
    finally:
        drop_slots(pg_db)


def test_cli_extract_writes_ddl_and_table_list(shop: str, pg_db: str, tmp_path: Path) -> None:
    name = f"cli_{pg_db.rsplit('/', 1)[1]}"
    out = tmp_path / "ddl" / "shop.sql"
    proc = _run(["extract", "--spec", str(_spec(tmp_path, name, cdc=False)), "--out", str(out)],
                {f"AIRFLOW_CONN_{name.upper()}_SRC": shop})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    ddl = out.read_text()
    for table in ("orders", "order_lines", "customers"):
        assert f"CREATE TABLE shop.{table}" in ddl or f'CREATE TABLE "shop"."{table}"' in ddl, table
    side = json.loads(out.with_name("shop.sql.json").read_text())
    names = [t["qualified_name"] for t in side["tables"]]
    assert names == ["shop.order_lines", "shop.orders", "shop.customers"]  # largest first


def test_cli_errors_are_one_line_messages(
    shop: str, pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"cli_{pg_db.rsplit('/', 1)[1]}"
    spec = str(_spec(tmp_path, name, cdc=False))
    monkeypatch.delenv(f"AIRFLOW_CONN_{name.upper()}_SRC", raising=False)
    assert main(["dump", "--spec", spec, "--out", str(tmp_path / "x")]) == 2
    assert f"AIRFLOW_CONN_{name.upper()}_SRC" in capsys.readouterr().err
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}_SRC", shop)
    assert main(["dump", "--spec", spec, "--tables", "nothing_like_this", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("roachlift dump: error:") and "nothing_like_this" in err
    assert not (tmp_path / "x" / "snapshot.json").exists()


def test_cli_dump_is_the_dag_dump_step(
    shop: str,
    pg_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``roachlift dump`` and the DAG's dump task run one function (pipeline.dump_source): the same
    manifests and snapshot.json, and one slot ledger, so neither replaces the other's slot."""
    from roachlift import pipeline, runstate
    from roachlift.config.connections import parse_uri
    from roachlift.config.spec import load_spec
    from roachlift.errors import RoachliftError

    name = f"cli_{pg_db.rsplit('/', 1)[1]}"
    spec_path = _spec(tmp_path, name, cdc=True)
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}_SRC", shop)
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    cli_out = tmp_path / "cli"
    ctx = pipeline.RunContext.create(
        spec=load_spec(spec_path),
        run_id="dag-run",
        mode="cutover",
        source=parse_uri(shop),
        target=parse_uri(shop),
    )
    slot = f"roachlift_{name}"
    try:
        assert main(["dump", "--spec", str(spec_path), "--out", str(cli_out), "--run-id", "cli-run"]) == 0
        owner = runstate.slot_owner(ctx.base_dir, slot)
        assert owner is not None and (owner["run_id"], owner["mode"]) == ("cli-run", "cutover")
        with pytest.raises(RoachliftError, match=f"{slot}.*belongs to run cli-run"):
            pipeline.dump_step(ctx)  # the DAG's run never replaces the CLI run's slot
        assert not ctx.dump_dir.exists()
        assert main(["release-slot", "--spec", str(spec_path)]) == 0
        result = pipeline.dump_step(ctx)
        owner = runstate.slot_owner(ctx.base_dir, slot)
        assert owner is not None and owner["run_id"] == "dag-run"
        again = ["dump", "--spec", str(spec_path), "--out", str(tmp_path / "again"), "--run-id", "cli-run"]
        assert main(again) == 2  # nor the CLI the DAG run's
        assert f"{slot!r} already exists on the source and belongs to run dag-run" in capsys.readouterr().err
    finally:
        drop_slots(pg_db)

    def listing(out: Path) -> list[str]:
        return sorted(p.name for p in out.iterdir())

    assert listing(cli_out) == listing(ctx.dump_dir)
    assert len(result["manifests"]) == 3
    cli_snap = json.loads((cli_out / "snapshot.json").read_text())
    dag_snap = json.loads((ctx.dump_dir / "snapshot.json").read_text())
    assert sorted(cli_snap) == sorted(dag_snap) and cli_snap["slot"] == dag_snap["slot"] == slot
    assert cli_snap["kind"] == dag_snap["kind"] == "postgres"
    for table in ("shop.orders", "shop.order_lines", "shop.customers"):
        cli_m, dag_m = (json.loads((out / table_dir_name(table) / "manifest.json").read_text())
                        for out in (cli_out, ctx.dump_dir))  # fmt: skip
        assert sorted(cli_m) == sorted(dag_m), table
        for key in ("table", "target_table", "columns", "target_columns", "rows", "compression", "rejected"):
            assert cli_m[key] == dag_m[key], (table, key)
        assert [f["rows"] for f in cli_m["files"]] == [f["rows"] for f in dag_m["files"]], table
        for cli_f, dag_f in zip(cli_m["files"], dag_m["files"], strict=True):
            data = [gzip.decompress((out / table_dir_name(table) / f["path"]).read_bytes())
                    for out, f in ((cli_out, cli_f), (ctx.dump_dir, dag_f))]  # fmt: skip
            assert data[0] == data[1], (table, cli_f["path"])
