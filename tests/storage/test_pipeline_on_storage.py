"""The DAG's steps with ``dump.out_dir`` on S3 (moto, enforcing its key): every file a step hands to
the next (DDL, phase files, dump parts and manifests, snapshot.json, load marks, CDC log, lag
samples, slot ledger, run report and history) lives there, so steps run as if on two workers with
different local work folders, the loads split between them, and neither folder gets a file.
Once with the core opening the bucket from ``AIRFLOW_CONN_<ID>``, once with the Airflow layer's
``ObjectStoragePath`` (what the operators hand in)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from roachlift import pipeline, storage
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.results import RunResults
from roachlift.testing import PostgresServer, S3Server

_ids = itertools.count()
CONN = "roachlift_s3"
DDL = """
CREATE TABLE author (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE book (id bigint PRIMARY KEY, author_id int REFERENCES author (id), title text,
  price numeric(10,2), published date, blurb text);
INSERT INTO author SELECT g, 'author ' || g FROM generate_series(1, 500) g;
INSERT INTO book SELECT g, 1 + g % 500, 'title ' || g || ' "quoted", comma', g / 7.0,
  date '2000-01-01' + g % 9000, CASE WHEN g % 5 = 0 THEN NULL ELSE repeat('x', g % 300) || E'\\nline' END
  FROM generate_series(1, 30000) g;
"""
CHANGES = [
    "INSERT INTO author VALUES (501, 'after the snapshot')",
    "UPDATE book SET title = 'changed' WHERE id = 7",
    "DELETE FROM book WHERE id = 8",
]


def _rows(dsn: str, table: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return sorted(r[0] for r in conn.execute(f"SELECT t::text FROM public.{table} t"))  # type: ignore[arg-type]


def _context(pg: PostgresServer, src_db: str, bucket: str, root: Any) -> pipeline.RunContext:
    n = next(_ids)
    spec = parse_spec(
        {
            "name": f"objstore_dag_{n}",
            "source": {"kind": "postgres", "conn_id": "src"},
            "target": {"conn_id": "tgt", "database": f"objstore_dag_tgt_{n}", "dialect": "postgres"},
            "dump": {"out_dir": f"{bucket}/work", "storage_conn_id": CONN, "chunk_rows": 7000},
            "load": {"method": "copy"},
            "cdc": {"enabled": True, "lag_threshold_seconds": 5, "caught_up_for_seconds": 0},
        }
    )
    return pipeline.RunContext.create(
        spec=spec,
        run_id="manual__2026-11-30T12:00:00+00:00",
        mode="rehearsal",
        source=parse_uri(pg.uri(src_db)),
        target=parse_uri(pg.uri("postgres")),
        storage_root=root,
    )


def _on(worker: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next steps run on ``worker``: its own local work folder."""
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(worker))


@pytest.mark.parametrize("opened_by", ["core", "airflow"])
def test_dag_steps_share_nothing_on_local_disk(
    opened_by: str,
    pg_server: PostgresServer,
    s3_server: S3Server,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    src_db = f"objstore_src_{next(_ids)}"
    src = pg_server.create_database(src_db)
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute(DDL)  # type: ignore[arg-type]
    root = None
    if opened_by == "airflow":
        from airflow.sdk import ObjectStoragePath

        root = ObjectStoragePath(f"{s3_bucket}/work", conn_id=CONN)
    ctx = _context(pg_server, src_db, s3_bucket, root)
    w1, w2 = tmp_path / "worker1", tmp_path / "worker2"
    w1.mkdir()
    w2.mkdir()
    results = RunResults()
    try:
        _on(w1, monkeypatch)
        results.extract_ddl = pipeline.extract_step(ctx)
        results.convert_ddl = pipeline.convert_step(ctx)
        _on(w2, monkeypatch)
        results.create_tables = pipeline.apply_phases_step(ctx, ["01_types", "02_tables"])
        _on(w1, monkeypatch)
        results.dump = dumped = pipeline.dump_step(ctx)
        with psycopg.connect(src, autocommit=True) as conn:
            for text in CHANGES:
                conn.execute(text)  # type: ignore[arg-type]
        loads = []
        for i, item in enumerate(dumped["loads"]):  # the mapped loads, split over both workers
            assert item["manifest"].startswith(str(ctx.root)), item["manifest"]
            _on(w1 if i % 2 else w2, monkeypatch)
            loads.append(pipeline.copy_table_step(ctx, item["manifest"]))
        results.load_table = loads
        _on(w2, monkeypatch)
        results.indexes = pipeline.apply_phases_step(ctx, ["03_indexes"])
        results.foreign_keys = pipeline.validate_constraints_step(ctx)
        results.views_and_sequences = pipeline.apply_phases_step(ctx, ["05_views", "sequences"])
        _on(w1, monkeypatch)
        for _ in range(10):
            cdc = pipeline.cdc_step(ctx, max_seconds=5.0, drain=True)
            if cdc["caught_up"]:
                break
        results.cdc_catch_up = cdc
        _on(w2, monkeypatch)
        results.verify = pipeline.verify_step(ctx, live=False)
        report = pipeline.report_step(ctx, results)
    finally:
        pipeline.release_change_stream(ctx)
    assert results.verify is not None
    assert [t["ok"] for t in results.verify["tables"]] == [True, True]
    tgt = pg_server.uri(ctx.target_database).replace("postgres://", "postgresql://")
    for table in ("author", "book"):
        assert _rows(tgt, table) == _rows(src, table)
    assert loads[0]["loaded"] == [1, 2] and loads[1]["loaded"] == [2, 2]  # marks seen across workers
    assert list(w1.iterdir()) == [] and list(w2.iterdir()) == []  # no worker kept a file
    run = storage.describe(ctx.work_dir)
    assert run.startswith(f"{s3_bucket}/work/{ctx.spec.name}/runs/")
    assert report["json"].endswith("/report.json") and storage.describe(report["json"]).startswith(run)
    data = json.loads(storage.read_text(ctx.path(report["json"])))
    assert data["outcome"] == "rehearsal ok" or data["outcome"].startswith("failed before"), data["outcome"]
    assert data["lag_samples"], "lag samples were kept on the bucket"
    names = [str(p) for p in storage.files(ctx.work_dir, "**/*")]
    for expected in ("source_ddl.sql", "convert/02_tables.sql", "dump/snapshot.json", "report.html"):
        assert any(n.endswith(expected) for n in names), expected
    # the slot ledger lives there too: the dump registered the slot, the release forgot it
    assert json.loads(storage.read_text(ctx.base_dir / "slots.json")) == {}
    with psycopg.connect(src) as conn:
        slot = f"roachlift_{ctx.spec.name}_rehearsal"
        assert (
            conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchall() == []
        )
