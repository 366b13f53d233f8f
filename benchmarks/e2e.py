"""End to end: roachlift dump + load (COPY) + verify against the native tools, in the same run.

Starts a harness PostgreSQL server, generates a table set of ``--rows`` rows in all (several types,
a few wide text columns: ``orders`` half the rows, ``events`` 40 %, ``customers`` 10 %), then times

- roachlift: ``roachlift dump`` (uncompressed parts, like the native files), ``roachlift load
  --method copy`` into a fresh database, ``roachlift verify --no-recheck``; each a child process
  whose peak RSS (with its children) is sampled;
- native: ``psql -c "\\copy (SELECT * FROM t) TO 'f' CSV"`` per table, ``psql -c "\\copy t FROM 'f'
  CSV"`` into another fresh database, and per table
  ``cmp <(psql SRC -c "COPY (SELECT * FROM t ORDER BY id) TO STDOUT") <(psql TGT -c "…")``.

Prints seconds per phase for both, the peak RSS, and last ``ratio=<roachlift ÷ native>`` (total
seconds). Both targets are databases of the same server as the source (the machine's disks and
cores are shared by everything, so compare the two columns of one run, not runs of other days).

    .venv/bin/python benchmarks/e2e.py --rows 200000
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
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from roachlift.testing import PostgresServer  # noqa: E402

TABLES = {
    "customers": (
        """CREATE TABLE customers (
            id bigint PRIMARY KEY, name text NOT NULL, email varchar(120), country char(2),
            created date, vip boolean, credit numeric(14,2)
        )""",
        """INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com',
             chr(65 + g %% 26) || chr(65 + (g / 26) %% 26), date '2015-01-01' + g %% 3000, g %% 7 = 0,
             (g * 13.37)::numeric(14,2)
           FROM generate_series(1, %s) g""",
        0.1,
    ),
    "orders": (
        """CREATE TABLE orders (
            id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2), status text,
            created timestamptz, shipped timestamp, note text, address text, tags text[]
        )""",
        """INSERT INTO orders SELECT g, g %% 1000 + 1, (g * 0.37)::numeric(12,2),
             (ARRAY['new','paid','shipped','cancelled'])[g %% 4 + 1],
             timestamptz '2020-01-01+00' + g * interval '37 s',
             CASE WHEN g %% 5 = 0 THEN NULL ELSE timestamp '2020-01-02' + g * interval '41 s' END,
             repeat(md5(g::text), 4) || CASE WHEN g %% 9 = 0 THEN E' "quoted", multi\\nline' ELSE '' END,
             g || ' Main Street, ' || md5((g * 7)::text) || ', Springfield',
             ARRAY['t' || g %% 10, 'x']
           FROM generate_series(1, %s) g""",
        0.5,
    ),
    "events": (
        """CREATE TABLE events (
            id bigint PRIMARY KEY, at timestamptz NOT NULL, kind smallint, payload jsonb, body text,
            ratio double precision, ref uuid
        )""",
        """INSERT INTO events SELECT g, timestamptz '2021-06-01+00' + g * interval '1 s', (g %% 30)::smallint,
             jsonb_build_object('n', g, 's', md5(g::text), 'list', jsonb_build_array(g, g * 2)),
             repeat('lorem ipsum dolor sit amet ', 6 + g %% 5), g / 7.0, md5(g::text)::uuid
           FROM generate_series(1, %s) g""",
        0.4,
    ),
}


def build(dsn: str, rows: int, fill: bool) -> dict[str, int]:
    """Create the tables (and fill them when ``fill``); return rows per table."""
    counts = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name, (ddl, insert, share) in TABLES.items():
            n = max(1, int(rows * share))
            conn.execute(ddl)
            if fill:
                conn.execute(insert, [n])
                conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(name)))
            counts[name] = n
    return counts


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run ``cmd``, sampling the RSS of it and its children; return (seconds, peak RSS bytes)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    out, _ = proc.communicate()
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        print(out[-4000:], file=sys.stderr)
        raise SystemExit(f"{' '.join(cmd[:4])}... failed with exit {proc.returncode}")
    return elapsed, peak


def shell(script: str, env: dict[str, str]) -> float:
    """Run a bash script; return seconds (fail on a non-zero exit)."""
    started = time.monotonic()
    proc = subprocess.run(["bash", "-c", "set -euo pipefail; " + script], env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"native step failed (exit {proc.returncode}): {script[:200]}")
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Build, run both chains, print the figures; the last line is ``ratio=…``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows over all tables (default 200,000)")
    args = parser.parse_args(argv)
    if shutil.which("psql") is None:
        print("psql not found: install the Debian package postgresql-client", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="roachlift-bench-e2e-"))
    server = PostgresServer()
    server.start()
    try:
        src = server.create_database("e2e_source")
        rl_tgt = server.create_database("e2e_roachlift")
        nat_tgt = server.create_database("e2e_native")
        t0 = time.monotonic()
        counts = build(src, args.rows, fill=True)
        build(rl_tgt, args.rows, fill=False)
        build(nat_tgt, args.rows, fill=False)
        with psycopg.connect(src) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        print(
            f"built {sum(counts.values())} rows {counts} ({size[0] / 1e6 if size else 0:.0f} MB) "
            f"in {time.monotonic() - t0:.1f}s",
            flush=True,
        )

        spec = work / "e2e.yaml"
        spec.write_text(
            "name: e2e\n"
            "source: {kind: postgres, conn_id: e2e_src, schemas: [public]}\n"
            "target: {conn_id: e2e_tgt, database: e2e_roachlift, dialect: postgres}\n"
            f"dump: {{compression: none, out_dir: {work / 'rl_dump'}}}\n"
            "load: {method: copy}\n"
            "cdc: {enabled: false}\n"
        )
        phases = work / "phases"
        phases.mkdir()  # tables exist already: no phase to apply
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO / "plugins"),
            "AIRFLOW_CONN_E2E_SRC": server.uri("e2e_source"),
            "AIRFLOW_CONN_E2E_TGT": server.uri("postgres"),
            "ROACHLIFT_WORK_DIR": str(work / "rl_work"),
        }
        rl = [sys.executable, "-m", "roachlift"]
        rl_times: dict[str, float] = {}
        peaks: dict[str, int] = {}
        rl_times["dump"], peaks["dump"] = timed([*rl, "dump", "--spec", str(spec)], env)
        rl_times["load"], peaks["load"] = timed(
            [
                *rl,
                "load",
                "--spec",
                str(spec),
                "--dump-dir",
                str(work / "rl_dump"),
                "--phase-dir",
                str(phases),
                "--method",
                "copy",
                "--dialect",
                "postgres",
            ],
            env,
        )
        result = work / "verify.json"
        rl_times["verify"], peaks["verify"] = timed(
            [*rl, "verify", "--spec", str(spec), "--no-recheck", "--json", str(result)], env
        )
        verdict = json.loads(result.read_text())
        if not verdict["ok"]:
            print("roachlift verify found differences on a faithful copy", file=sys.stderr)
            return 1

        nenv = {**os.environ, "SRC": server.uri("e2e_source"), "TGT": server.uri("e2e_native")}
        ndir = work / "native"
        ndir.mkdir()
        nat: dict[str, float] = {}
        nat["dump"] = shell(
            "; ".join(
                f'psql "$SRC" -X -q -c "\\copy (SELECT * FROM {t}) TO \'{ndir / t}.csv\' CSV"' for t in TABLES
            ),
            nenv,
        )
        nat["load"] = shell(
            "; ".join(f'psql "$TGT" -X -q -c "\\copy {t} FROM \'{ndir / t}.csv\' CSV"' for t in TABLES), nenv
        )
        nat["verify"] = shell(
            "; ".join(
                f'cmp <(psql "$SRC" -X -q -c "COPY (SELECT * FROM {t} ORDER BY id) TO STDOUT") '
                f'<(psql "$TGT" -X -q -c "COPY (SELECT * FROM {t} ORDER BY id) TO STDOUT")'
                for t in TABLES
            ),
            nenv,
        )
        rows = sum(counts.values())
        print(f"rows={rows}")
        print(f"{'phase':<8} {'roachlift s':>12} {'native s':>10} {'ratio':>7}  peak RSS roachlift")
        for phase in ("dump", "load", "verify"):
            rl_s, nat_s = rl_times[phase], nat[phase]
            mib = peaks[phase] / 2**20
            print(f"{phase:<8} {rl_s:>12.2f} {nat_s:>10.2f} {rl_s / nat_s:>7.2f}  {mib:.0f} MiB")
        rl_total, nat_total = sum(rl_times.values()), sum(nat.values())
        print(
            f"{'total':<8} {rl_total:>12.2f} {nat_total:>10.2f} {rl_total / nat_total:>7.2f}"
            f"  {max(peaks.values()) / 2**20:.0f} MiB (max)"
        )
        print(f"ratio={rl_total / nat_total:.3f}")
        return 0
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
