"""COPY-mode load benchmark: roachlift's streaming COPY against ``psql \\copy`` on the same files.

Generates ``--rows`` rows of CSV in the dump layout (the project's CSV convention: quoted
fields with commas, quotes and newlines, NULLs, empty strings), starts a PostgreSQL server with
the project's harness (or uses ``--dsn``), then loads the same files into two identical tables:
once with :func:`roachlift.load.copy.copy_files` (``--batch-rows`` rows per transaction) and
once with ``psql -c "\\copy t FROM STDIN CSV"``. Prints rows/s for each; the last line is
``ratio=<roachlift rows/s ÷ psql rows/s>``.

    python benchmarks/load.py --rows 1000000
"""

from __future__ import annotations

import argparse
import gzip
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

import psycopg

from roachlift.load.copy import copy_files
from roachlift.testing import PostgresServer

DDL = """CREATE TABLE {name} (
    id bigint PRIMARY KEY,
    customer text NOT NULL,
    amount numeric(12, 2),
    created timestamp NOT NULL,
    note text,
    flag boolean
)"""
COLUMNS = ["id", "customer", "amount", "created", "note", "flag"]
NOTES = ["", "plain", 'said "hi", left', "two\nlines", "comma, inside", "ünïcödé", "x" * 60]


def generate(out: Path, rows: int, rows_per_file: int, use_gzip: bool) -> list[Path]:
    """Write the CSV parts; returns their paths."""
    rnd = random.Random(20261126)
    folder = out / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    written = 0
    part = 0
    while written < rows:
        part += 1
        n = min(rows_per_file, rows - written)
        path = folder / (f"part-{part:05d}.csv" + (".gz" if use_gzip else ""))
        with (
            gzip.open(path, "wt", compresslevel=1, newline="") if use_gzip else path.open("w", newline="")
        ) as fh:
            buf: list[str] = []
            for i in range(written + 1, written + n + 1):
                note = rnd.choice(NOTES)
                if note == "" and i % 3:
                    note_field = ""  # NULL
                elif note == "" or any(c in note for c in ',"\n'):
                    note_field = '"' + note.replace('"', '""') + '"'
                else:
                    note_field = note
                amount = "" if i % 17 == 0 else f"{rnd.randint(0, 10**8) / 100:.2f}"
                buf.append(
                    f"{i},customer {i % 9973},{amount},2026-11-{1 + i % 28:02d} "
                    f"{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d},{note_field},{'t' if i % 2 else 'f'}\n"
                )
                if len(buf) >= 10_000:
                    fh.write("".join(buf))
                    buf.clear()
            fh.write("".join(buf))
        paths.append(path)
        written += n
    return paths


@contextmanager
def target(dsn: str | None) -> Iterator[str]:
    """A DSN: ``--dsn``, or a fresh database on a harness-started PostgreSQL server."""
    if dsn:
        yield dsn
        return
    server = PostgresServer()
    server.start()
    try:
        yield server.create_database("roachlift_bench")
    finally:
        server.stop()


def run_psql(dsn: str, table: str, paths: list[Path]) -> float:
    """Seconds for ``psql \\copy`` of every file (gzip files through ``gzip -dc``)."""
    psql = shutil.which("psql")
    if psql is None:
        raise SystemExit("psql not found: install the Debian package postgresql-client")
    started = time.monotonic()
    for path in paths:
        cmd = [psql, dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f"\\copy {table} FROM STDIN CSV"]
        if path.suffix == ".gz":
            unzip = subprocess.Popen(["gzip", "-dc", str(path)], stdout=subprocess.PIPE)
            subprocess.run(cmd, stdin=unzip.stdout, check=True)
            unzip.wait()
        else:
            with path.open("rb") as fh:
                subprocess.run(cmd, stdin=fh, check=True)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the last printed line is ``ratio=...``."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rows-per-file", type=int, default=1_000_000, help="dump chunk size (rows per part)")
    ap.add_argument("--batch-rows", type=int, default=100_000, help="roachlift rows per COPY transaction")
    ap.add_argument("--gzip", action="store_true", help="gzip the parts (psql reads them via gzip -dc)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each loader; the best is kept")
    ap.add_argument("--dsn", help="target PostgreSQL DSN (default: start one with the harness)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="roachlift-bench-") as tmp, target(args.dsn) as dsn:
        t0 = time.monotonic()
        paths = generate(Path(tmp), args.rows, args.rows_per_file, args.gzip)
        size = sum(p.stat().st_size for p in paths)
        took = time.monotonic() - t0
        print(f"generated {args.rows} rows in {len(paths)} file(s), {size / 1e6:.1f} MB, {took:.1f}s")
        with psycopg.connect(dsn, autocommit=True) as conn:
            for name in ("bench_roachlift", "bench_psql"):
                conn.execute(f"DROP TABLE IF EXISTS {name}")
                conn.execute(DDL.format(name=name))
            best_r = best_p = float("inf")
            for run in range(1, args.repeat + 1):
                for name in ("bench_roachlift", "bench_psql"):
                    conn.execute(f"TRUNCATE {name}")
                conn.execute("CHECKPOINT")
                p = run_psql(dsn, "bench_psql", paths)
                conn.execute("CHECKPOINT")
                started = time.monotonic()
                stats = copy_files(conn, "bench_roachlift", COLUMNS, paths, args.batch_rows)
                r = time.monotonic() - started
                best_r, best_p = min(best_r, r), min(best_p, p)
                print(f"run {run}: roachlift {r:.2f}s ({stats.batches} batches), psql {p:.2f}s")
            for name in ("bench_roachlift", "bench_psql"):
                row = conn.execute(f"SELECT count(*) FROM {name}").fetchone()
                if row is None or row[0] != args.rows:
                    raise SystemExit(f"{name}: expected {args.rows} rows, found {row}")
    r_rate, p_rate = args.rows / best_r, args.rows / best_p
    print(f"roachlift COPY: {r_rate:,.0f} rows/s ({best_r:.2f}s, batch {args.batch_rows} rows)")
    print(f"psql \\copy:     {p_rate:,.0f} rows/s ({best_p:.2f}s)")
    print(f"ratio={r_rate / p_rate:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
