"""A load task killed in the middle of a table and retried duplicates nothing (real PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from roachlift import pipeline
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.errors import RoachliftError
from roachlift.testing import PostgresServer

ROWS = 600_000
SPEC = {
    "name": "retry",
    "source": {"kind": "postgres", "conn_id": "src", "schemas": ["public"]},
    "target": {"conn_id": "tgt", "database": "retry_target", "dialect": "postgres"},
    "load": {"method": "copy", "table_handling": "truncate", "copy_batch_rows": 20_000},
    "cdc": {"enabled": False},
}
CHILD = """
import json, sys
from pathlib import Path
from roachlift import pipeline
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
args = json.loads(sys.argv[1])
ctx = pipeline.RunContext.create(spec=parse_spec(args["spec"]), run_id="r1", mode="cutover",
    source=parse_uri(args["source"]), target=parse_uri(args["target"]), table_handling=args["handling"])
pipeline.copy_table_step(ctx, Path(args["manifest"]))
"""


def _count(dsn: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT id) FROM big").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _kill_mid_load(args: dict[str, object], target: str) -> int:
    """Start the COPY load in a child process and SIGKILL it once some batches are committed."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(args)])
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if _count(target)[0] > 0:
                break
            time.sleep(0.005)
    finally:
        child.kill()
        child.wait()
    return _count(target)[0]


@pytest.mark.slow
def test_killed_copy_load_is_retried_without_duplicates(
    pg_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    src = pg_server.create_database("retry_src")
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute("CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL)")
        conn.execute(
            "INSERT INTO big SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, %s) g", (ROWS,)
        )
    pg_server.create_database("retry_target")
    spec = parse_spec(SPEC)
    source, target = parse_uri(pg_server.uri("retry_src")), parse_uri(pg_server.uri("postgres"))
    ctx = pipeline.RunContext.create(spec=spec, run_id="r1", mode="cutover", source=source, target=target)
    pipeline.extract_step(ctx)
    pipeline.convert_step(ctx)
    pipeline.apply_phases_step(ctx, ["01_types", "02_tables"])
    manifest = pipeline.dump_step(ctx)["manifests"][0]
    args: dict[str, object] = {
        "spec": SPEC,
        "source": pg_server.uri("retry_src"),
        "target": pg_server.uri("postgres"),
        "manifest": manifest,
    }
    tgt = pg_server.dsn("retry_target")

    partial = _kill_mid_load({**args, "handling": "truncate"}, tgt)
    assert 0 < partial < ROWS, f"the kill did not land mid-table ({partial} rows)"
    # the retry (same task, same handling) ends with every row exactly once
    summary = pipeline.copy_table_step(ctx, Path(manifest))
    assert _count(tgt) == (ROWS, ROWS)
    assert f"{ROWS:,} rows" in summary["summary"]

    # with fail-if-not-empty a retry after a kill refuses, naming the table and the rows it found
    _truncate(tgt)
    partial = _kill_mid_load({**args, "handling": "fail-if-not-empty"}, tgt)
    assert 0 < partial < ROWS
    strict = pipeline.RunContext.create(
        spec=spec,
        run_id="r1",
        mode="cutover",
        source=source,
        target=target,
        table_handling="fail-if-not-empty",
    )
    with pytest.raises(RoachliftError, match=rf"public\.big.* {partial} row"):
        pipeline.copy_table_step(strict, Path(manifest))
    assert _count(tgt) == (partial, partial)


def _truncate(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE big")
