"""Dump throughput: roachlift against ``psql \\copy`` (PostgreSQL) and ``mysql --batch --quick`` (MariaDB).

Starts the harness servers, builds a mixed-type table of ``--rows`` rows in each, dumps it with
roachlift (one worker, no compression, in a child process so its peak RSS is its own) and with the
native client, and prints rows/s of each and peak RSS at ``--rows`` and ``--rows / 10`` (flat memory
means both are about equal). The last line is ``ratio=<roachlift rows/s ÷ psql rows/s>``.

    .venv/bin/python benchmarks/dump.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pymysql

from roachlift.testing import MariaDBServer, PostgresServer

CHILD = """
import json, resource, sys, time
from pathlib import Path
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.dump import dump_database
kind, uri, schema, table, out = sys.argv[1:6]
spec = parse_spec({"name": "bench", "source": {"kind": kind, "conn_id": "s", "schemas": [schema],
                   "include": [table]}, "target": {"conn_id": "t", "database": "t"},
                   "dump": {"compression": "none", "parallelism": 1, "chunk_rows": 10**9,
                            "chunk_mb": 100000},
                   "cdc": {"enabled": False}})
t0 = time.monotonic()
result = dump_database(spec, parse_uri(uri), Path(out))
seconds = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": result.rows, "seconds": seconds, "rss_mb": rss,
                  "table_seconds": result.tables[0].elapsed_s}))
"""


def _child_dump(kind: str, uri: str, schema: str, table: str, out: Path) -> tuple[int, float, float]:
    """Run one roachlift dump in a child process: (rows, seconds, peak RSS MB of that child)."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, kind, uri, schema, table, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"  {kind} {table}: {data['seconds']:.2f}s end to end, {data['table_seconds']:.2f}s in the table dump"
    )
    return int(data["rows"]), float(data["seconds"]), float(data["rss_mb"])


def _timed(cmd: list[str], out: Path) -> float:
    t0 = time.monotonic()
    with out.open("wb") as fh:
        subprocess.run(cmd, stdout=fh, check=True)
    return time.monotonic() - t0


def _build_pg(dsn: str, rows: int) -> None:
    with psycopg.connect(dsn) as conn:
        for name, n in (("bench_small", max(rows // 10, 1)), ("bench", rows)):
            conn.execute(
                f"CREATE TABLE {name} (id bigint PRIMARY KEY, i int, n numeric(12,2), f float8, t text,"
                " ts timestamptz, b boolean, by bytea)"
            )
            conn.execute(
                f"INSERT INTO {name} SELECT g, g %% 1000, g * 0.01, g / 7.0, 'name ' || g"
                " || CASE WHEN g %% 10 = 0"
                " THEN ', with \"quote\"' ELSE '' END, timestamptz '2020-01-01' + g * interval '1 second',"
                " g %% 2 = 0, decode(lpad(to_hex(g), 8, '0'), 'hex') FROM generate_series(1, %s) g",
                (n,),
            )
        conn.execute("ANALYZE")


def _build_my(kw: dict[str, object], rows: int) -> None:
    conn = pymysql.connect(**kw)
    with conn.cursor() as cur:
        for name, n in (("bench_small", max(rows // 10, 1)), ("bench", rows)):
            cur.execute(
                f"CREATE TABLE {name} (id BIGINT PRIMARY KEY, i INT, n DECIMAL(12,2), f DOUBLE,"
                " t VARCHAR(100),"
                " ts TIMESTAMP(6) NULL, b TINYINT(1), bi VARBINARY(16))"
            )
            cur.execute(
                f"INSERT INTO {name} SELECT seq, seq % 1000, seq * 0.01, seq / 7.0, CONCAT('name ', seq,"
                " IF(seq % 10 = 0, ', with \"quote\"', '')), TIMESTAMP('2020-01-01') + INTERVAL seq SECOND,"
                f" seq % 2, UNHEX(LPAD(HEX(seq), 8, '0')) FROM seq_1_to_{int(n)}"
            )
    conn.commit()
    conn.close()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows in the benchmark table")
    args = parser.parse_args(argv)
    psql = shutil.which("psql")
    mysql = shutil.which("mariadb") or shutil.which("mysql")
    if not psql or not mysql:
        print("psql and mysql/mariadb clients are needed", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="roachlift-bench-"))
    pg, my = PostgresServer(), MariaDBServer()
    try:
        pg.start()
        my.start()
        dsn = pg.create_database("bench")
        my.create_database("bench")
        t0 = time.monotonic()
        _build_pg(dsn, args.rows)
        _build_my(my.connect_kwargs("bench"), args.rows)
        print(f"built {args.rows} rows in each server in {time.monotonic() - t0:.1f}s", flush=True)

        small_rows, small_s, small_rss = _child_dump(
            "postgres", pg.uri("bench"), "public", "bench_small", work / "s"
        )
        rl_rows, rl_s, rl_rss = _child_dump("postgres", pg.uri("bench"), "public", "bench", work / "pg")
        assert rl_rows == args.rows, rl_rows
        native_s = _timed(
            [psql, "-X", "-q", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-d", "bench",
             "-c", "\\copy (SELECT * FROM bench) TO STDOUT CSV"],
            work / "psql.csv",
        )  # fmt: skip
        pg_ratio = (rl_rows / rl_s) / (args.rows / native_s)
        print(f"postgres roachlift: {rl_rows / rl_s:,.0f} rows/s ({rl_s:.2f}s), peak RSS {rl_rss:.0f} MB")
        print(
            f"postgres roachlift at {small_rows} rows: peak RSS {small_rss:.0f} MB"
            f" ({small_rows / small_s:,.0f} rows/s)"
        )
        print(f"postgres psql \\copy: {args.rows / native_s:,.0f} rows/s ({native_s:.2f}s)")

        msmall_rows, _ms, msmall_rss = _child_dump(
            "mysql", my.uri("bench"), "bench", "bench_small", work / "ms"
        )
        my_rows, my_s, my_rss = _child_dump("mysql", my.uri("bench"), "bench", "bench", work / "my")
        assert my_rows == args.rows, my_rows
        mnative_s = _timed(
            [mysql, "-h", "127.0.0.1", "-P", str(my.port), "-u", "root", "--batch", "--quick", "bench",
             "-e", "SELECT * FROM bench"],
            work / "mysql.tsv",
        )  # fmt: skip
        my_ratio = (my_rows / my_s) / (args.rows / mnative_s)
        print(f"mysql roachlift: {my_rows / my_s:,.0f} rows/s ({my_s:.2f}s), peak RSS {my_rss:.0f} MB")
        print(f"mysql roachlift at {msmall_rows} rows: peak RSS {msmall_rss:.0f} MB")
        print(f"mysql client --batch --quick: {args.rows / mnative_s:,.0f} rows/s ({mnative_s:.2f}s)")
        print(f"mysql_ratio={my_ratio:.3f}")
        print(f"ratio={pg_ratio:.3f}")
    finally:
        my.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
