"""Estimate vs actual: ``roachlift estimate`` against the measured dump, load and verify.

Starts a PostgreSQL server with the project's harness and, for two sources (the Pagila demo data,
and one table of ``--rows`` rows, 1,000,000 by default), runs twice: estimate, then the real
steps of the chain without Airflow (extract, convert, create tables, dump, COPY load of every
table, verify) into a fresh target database, timing dump, load and verify. The second estimate
learns from the first run (the rehearsal history), as a scheduled rehearsal would. Prints per
phase the estimate, the actual and actual ÷ estimate; the last line is
``ratio=<actual total ÷ estimate total>`` of the last run (within 0.5-2 is the goal).

    python benchmarks/estimate.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

import psycopg

from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.estimate import PHASES, estimate_migration
from roachlift.runreport import RunReport, StepStat, write_report
from roachlift.testing import PostgresServer
from roachlift.testing.seed import seed_pagila

BIG_DDL = """CREATE TABLE orders (
    id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12, 2), created timestamptz NOT NULL,
    note text, flag boolean)"""
BIG_FILL = """INSERT INTO orders
SELECT g, 'customer ' || (g %% 9973), (g %% 100000) / 100.0, timestamptz '2026-01-01' + g * interval '1 s',
       CASE g %% 5 WHEN 0 THEN NULL WHEN 1 THEN 'said "hi", left' WHEN 2 THEN E'two\\nlines' ELSE 'plain' END,
       g %% 2 = 0
FROM generate_series(1, %s) g"""


def actual_run(
    name: str, server: PostgresServer, source_db: str, run: int, exclude: list[str]
) -> dict[str, float]:
    """The chain's steps without Airflow into ``<name>_target_<run>``; seconds of dump, load, verify."""
    from roachlift import pipeline

    spec = parse_spec(
        {
            "name": name,
            "source": {"kind": "postgres", "conn_id": "src", "schemas": ["public"], "exclude": exclude},
            "target": {"conn_id": "dst", "database": f"{name}_target_{run}", "dialect": "postgres"},
            "load": {"method": "copy"},
            "cdc": {"enabled": False},
        }
    )
    ctx = pipeline.RunContext.create(
        spec=spec,
        run_id=f"bench{run}",
        mode="cutover",
        source=parse_uri(server.uri(source_db)),
        target=parse_uri(server.uri("postgres")),
    )
    pipeline.extract_step(ctx)
    pipeline.convert_step(ctx)
    pipeline.apply_phases_step(ctx, ["01_types", "02_tables"])
    started = time.monotonic()
    dumped = pipeline.dump_step(ctx)
    dump_s = time.monotonic() - started
    started = time.monotonic()
    for manifest in dumped["manifests"]:
        pipeline.copy_table_step(ctx, Path(manifest))
    load_s = time.monotonic() - started
    started = time.monotonic()
    pipeline.verify_step(ctx, live=False)
    verify_s = time.monotonic() - started
    return {"dump": dump_s, "load": load_s, "verify": verify_s}


def bench(name: str, server: PostgresServer, source_db: str, reports: Path, exclude: list[str]) -> float:
    """Two rounds of estimate + actual; returns actual ÷ estimate of the last round's total."""
    spec = parse_spec(
        {
            "name": name,
            "source": {"kind": "postgres", "conn_id": "src", "schemas": ["public"], "exclude": exclude},
            "target": {"conn_id": "dst", "database": "postgres", "dialect": "postgres"},
        }
    )
    ratio = 0.0
    for run in (1, 2):
        est = estimate_migration(
            spec, parse_uri(server.uri(source_db)), parse_uri(server.uri("postgres")), history_dir=reports
        )
        actual = actual_run(name, server, source_db, run, exclude)
        total = sum(actual.values())
        print(f"{name} run {run}: {est.rows:,} rows in {est.tables} tables; {est.basis}")
        for p in PHASES:
            r = actual[p] / est.phases[p]
            print(f"  {p:>7}: estimate {est.phases[p]:7.2f} s, actual {actual[p]:7.2f} s, ratio {r:.2f}")
        ratio = total / est.total_seconds
        print(
            f"  {'total':>7}: estimate {est.total_seconds:7.2f} s ({est.low:.2f}-{est.high:.2f}), "
            f"actual {total:7.2f} s, ratio {ratio:.2f}"
        )
        report = RunReport(
            migration=name, run_id=f"bench{run}", mode="rehearsal", started_at=time.time() - total
        )
        report.estimate = est.to_json()
        report.phase_seconds = actual
        report.steps = [StepStat(p, seconds=s, phase=p) for p, s in actual.items()]
        report.outcome = "rehearsal ok"
        write_report(report, reports / f"run{run}", reports)  # the history the next estimate learns from
    return ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the large table")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="roachlift-bench-") as tmp:
        os.environ["ROACHLIFT_WORK_DIR"] = tmp
        server = PostgresServer()
        server.start()
        try:
            seed_pagila(server, "bench_pagila")
            big = server.create_database("bench_big")
            with psycopg.connect(big, autocommit=True) as conn:
                conn.execute(BIG_DDL)
                conn.execute(BIG_FILL, (args.rows,))
                conn.execute("ANALYZE orders")
            ratios: dict[str, Any] = {}
            ratios["pagila"] = bench("pagila", server, "bench_pagila", Path(tmp) / "r_pagila", ["payment_p*"])
            ratios["big"] = bench(f"big{args.rows}", server, "bench_big", Path(tmp) / "r_big", [])
        finally:
            server.stop()
    print(" ".join(f"{k}_ratio={v:.2f}" for k, v in ratios.items()))
    print(f"ratio={ratios['big']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
