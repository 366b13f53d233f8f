"""Benchmark ``roachlift verify`` against ``psql \\copy | sort | cmp`` on the same table.

Starts a harness PostgreSQL server, builds the same table of ``--rows`` rows in a source and a
target database, then times

1. ``roachlift verify --spec …`` (a child process; its peak RSS is sampled), and
2. ``cmp <(psql SRC -c "\\copy (select … order by id) to stdout" | sort) <(psql TGT … | sort)``,

and prints rows/s of each. The last line is ``ratio=<roachlift rows/s ÷ native rows/s>``.

    .venv/bin/python benchmarks/verify.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from roachlift.testing import PostgresServer  # noqa: E402

DDL = """
CREATE TABLE big (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    amount numeric(12,2),
    at timestamptz,
    flag boolean
)
"""
FILL = """
INSERT INTO big
SELECT g, 'customer ' || g || ' ' || md5(g::text), g * 0.37, timestamptz '2020-01-01+00' + g * interval '7 s',
       g %% 3 = 0
FROM generate_series(1, %s) AS g
"""


def build(dsn: str, rows: int) -> None:
    """Create and fill the table, then VACUUM ANALYZE it."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DDL)
        conn.execute(FILL, [rows])
        conn.execute("VACUUM ANALYZE big")


def run_roachlift(spec: Path, out: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Run ``roachlift verify``; return (seconds, exit code, peak RSS bytes)."""
    cmd = [sys.executable, "-m", "roachlift", "verify", "--spec", str(spec), "--json", str(out)]
    cmd += ["--no-recheck"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.02)
    stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - started
    print(stdout.rstrip())
    if proc.returncode not in (0, 1):
        print(stderr, file=sys.stderr)
    return elapsed, proc.returncode, peak


def run_native(src: str, tgt: str) -> tuple[float, int]:
    """``cmp`` of both sides' ``\\copy`` output, each through ``sort``; return (seconds, exit code)."""
    copy = "\\copy (SELECT * FROM big ORDER BY id) TO STDOUT"
    script = (
        "set -o pipefail; "
        f'cmp <(psql "$SRC" -X -q -c "{copy}" | LC_ALL=C sort) '
        f'<(psql "$TGT" -X -q -c "{copy}" | LC_ALL=C sort)'
    )
    started = time.monotonic()
    proc = subprocess.run(["bash", "-c", script], env={**os.environ, "SRC": src, "TGT": tgt}, check=False)
    return time.monotonic() - started, proc.returncode


def main(argv: list[str] | None = None) -> int:
    """Build, run both, print the figures; the last line is ``ratio=…``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows in the table (default 5,000,000)")
    args = parser.parse_args(argv)
    if shutil.which("psql") is None:
        print("psql not found: install the Debian package postgresql-client", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="roachlift-bench-verify-"))
    server = PostgresServer()
    server.start()
    try:
        src = server.create_database("bench_source")
        tgt = server.create_database("bench_target")
        t0 = time.monotonic()
        build(src, args.rows)
        build(tgt, args.rows)
        print(f"built 2 x {args.rows} rows in {time.monotonic() - t0:.1f}s", flush=True)
        spec = work / "bench.yaml"
        spec.write_text(
            "name: bench\n"
            "source: {kind: postgres, conn_id: bench_src, schemas: [public]}\n"
            "target: {conn_id: bench_tgt, database: bench_target, dialect: postgres}\n"
            "cdc: {enabled: false}\n"
        )
        env = {
            **os.environ,
            "AIRFLOW_CONN_BENCH_SRC": server.uri("bench_source"),
            "AIRFLOW_CONN_BENCH_TGT": server.uri("postgres"),
        }
        out = work / "result.json"
        rl_s, rl_rc, rss = run_roachlift(spec, out, env)
        result = json.loads(out.read_text())
        if rl_rc != 0 or not result["ok"]:
            print(f"roachlift verify reported a difference (exit {rl_rc}) on equal tables", file=sys.stderr)
            return 1
        native_s, native_rc = run_native(src, tgt)
        if native_rc != 0:
            print(f"native comparison failed (exit {native_rc})", file=sys.stderr)
            return 1
        rl_rate = args.rows / rl_s
        native_rate = args.rows / native_s
        print(f"rows={args.rows}")
        print(f"roachlift verify: {rl_s:.2f}s, {rl_rate:,.0f} rows/s, peak RSS {rss / 2**20:.1f} MiB")
        print(f"psql \\copy | sort | cmp: {native_s:.2f}s, {native_rate:,.0f} rows/s")
        print(f"ratio={rl_rate / native_rate:.3f}")
        return 0
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
