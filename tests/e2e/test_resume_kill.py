"""kill -9 the COPY load of a large table at random points, rerun: it resumes, never restarts.

The table (``ROACHLIFT_TEST_RESUME_ROWS`` rows, default 2,000,000; text with quotes, commas,
newlines, NULLs and empty strings) is dumped by roachlift (gzip parts), then loaded by a child
process that is SIGKILLed at random points several times; each rerun is what an Airflow retry does
(``resume``). At the end: the target equals the source (chunk digests computed by PostgreSQL), the
progress table shows one unbroken sequence of batches, and PostgreSQL's own inserted-row counter
(``pg_stat_user_tables.n_tup_ins``) shows that only the batches open at the kills were sent twice
— a reload from the start would have inserted at least the committed rows again.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from roachlift import pipeline
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.testing import PostgresServer

ROWS = int(os.environ.get("ROACHLIFT_TEST_RESUME_ROWS", "2000000"))
BATCH = 50_000
KILLS = 4
SPEC = {
    "name": "resume",
    "source": {"kind": "postgres", "conn_id": "src", "schemas": ["public"]},
    "target": {"conn_id": "tgt", "database": "resume_target", "dialect": "postgres"},
    "dump": {"chunk_rows": ROWS // 5 + 1, "compression": "gzip", "parallelism": 2},
    "load": {"method": "copy", "table_handling": "truncate", "copy_batch_rows": BATCH},
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
    source=parse_uri(args["source"]), target=parse_uri(args["target"]))
pipeline.copy_table_step(ctx, Path(args["manifest"]), resume=args["resume"])
"""
PROGRESS = (
    "SELECT committed_rows, batches FROM public.roachlift_load_progress WHERE target_table = 'public.big'"
)
CHUNK_DIGESTS = (
    "SELECT id / 100000, count(*), md5(string_agg(t::text, '|' ORDER BY id)) FROM big t GROUP BY 1 ORDER BY 1"
)


def _one(dsn: str, query: str) -> tuple | None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        try:
            return conn.execute(query).fetchone()  # type: ignore[arg-type]
        except psycopg.errors.UndefinedTable:
            return None


def _committed(dsn: str) -> int:
    row = _one(dsn, PROGRESS)
    return int(row[0]) if row else 0


def _inserted(dsn: str) -> int:
    """PostgreSQL's count of rows inserted into ``big`` (committed or not), once it settles."""
    last, stable_since = -1, time.monotonic()
    while time.monotonic() - stable_since < 1.5:
        row = _one(dsn, "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'big'")
        now = int(row[0]) if row else 0
        if now != last:
            last, stable_since = now, time.monotonic()
        time.sleep(0.2)
    return last


@pytest.mark.slow
def test_killed_load_resumes_at_the_last_committed_batch(
    pg_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    src = pg_server.create_database("resume_src")
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id int PRIMARY KEY, n numeric(12,2), ts timestamptz, a text, b text, c text)"
        )
        conn.execute(
            """INSERT INTO big SELECT g, g / 7.0, timestamptz '2020-01-01' + g * interval '1 second',
                 CASE g %% 5 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'q"u,o' || E'\\n' || 'te'
                   ELSE md5(g::text) END,
                 repeat(md5((g * 3)::text), 2),
                 CASE WHEN g %% 11 = 0 THEN E'line\\r\\nbreak' ELSE 'x' || g END
               FROM generate_series(1, %s) g""",
            (ROWS,),
        )
    pg_server.create_database("resume_target")
    tgt = pg_server.dsn("resume_target")
    spec = parse_spec(SPEC)
    source, target = parse_uri(pg_server.uri("resume_src")), parse_uri(pg_server.uri("postgres"))
    ctx = pipeline.RunContext.create(spec=spec, run_id="r1", mode="cutover", source=source, target=target)
    pipeline.extract_step(ctx)
    pipeline.convert_step(ctx)
    pipeline.apply_phases_step(ctx, ["01_types", "02_tables"])
    manifest = pipeline.dump_step(ctx)["manifests"][0]
    assert len(json.loads(Path(manifest).read_text())["files"]) >= 5
    args = {"spec": SPEC, "source": pg_server.uri("resume_src"), "target": pg_server.uri("postgres")}

    rnd = random.Random(20)
    kill_points: list[int] = []
    inserted_before = _inserted(tgt)
    for attempt in range(KILLS):
        before = _committed(tgt)
        # somewhere in the next stretch of the table, at least two batches past where this try starts
        goal = before + BATCH * rnd.randint(2, max(2, (ROWS - before) // BATCH // (KILLS - attempt + 1)))
        run = {**args, "manifest": manifest, "resume": attempt > 0}
        child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(run)])
        deadline = time.monotonic() + 300
        try:
            while time.monotonic() < deadline and child.poll() is None and _committed(tgt) < goal:
                time.sleep(rnd.uniform(0.0, 0.05))
            time.sleep(rnd.uniform(0.0, 0.3))  # land anywhere inside a batch
        finally:
            child.kill()
            child.wait()
        committed = _committed(tgt)
        assert before < committed < ROWS, f"kill {attempt + 1} did not land mid-table ({committed} rows)"
        assert _one(tgt, "SELECT count(*) FROM big") == (committed,)
        # rows sent in this try beyond those it committed: at most the batch open at the kill (all
        # of it when the kill fell between its last row and its commit); a restart from the first
        # row would also have re-sent the ``before`` rows, at least two batches
        inserted = _inserted(tgt)
        wasted = inserted - inserted_before - (committed - before)
        assert 0 <= wasted <= BATCH, (attempt, before, committed, wasted)
        assert before == 0 or wasted < before
        kill_points.append(committed)
        inserted_before = inserted

    summary = pipeline.copy_table_step(ctx, Path(manifest), resume=True)
    assert f"{ROWS:,} rows" in summary["summary"]
    # the rate is of the rows this try sent, not of the whole table
    assert f"continued after {kill_points[-1]:,} rows committed earlier" in summary["summary"]
    (stat,) = summary["stats"]  # the report's row: the table's total rows, the rate of this try's rows
    assert (stat["rows"], stat["resumed_rows"]) == (ROWS, kill_points[-1])
    assert "continued after" in stat["detail"]
    assert _one(tgt, PROGRESS) == (ROWS, -(-ROWS // BATCH))  # one unbroken sequence of batches
    with psycopg.connect(src) as s, psycopg.connect(tgt) as t:
        assert t.execute(CHUNK_DIGESTS).fetchall() == s.execute(CHUNK_DIGESTS).fetchall()
    assert _inserted(tgt) - inserted_before == ROWS - kill_points[-1]  # the last try: only the rest
