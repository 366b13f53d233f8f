"""Dump throughput: roachlift against ``psql \\copy`` (PostgreSQL) and ``mysql --batch --quick`` (MariaDB).

Starts the harness servers, builds a mixed-type table of ``--rows`` rows in each, dumps it with
roachlift (one worker, no compression, in a child process so its peak RSS is its own) and with the
native client, ``--repeat`` times each (best run counts; every run is printed, the machine may be
noisy), and prints rows/s of each and peak RSS at ``--rows`` and ``--rows / 10`` (flat memory means
both are about equal). PostgreSQL is also dumped as ``--split`` ctid ranges on parallel connections
sharing the snapshot (``split_ratio=``), and MariaDB as ``--split`` primary-key ranges on worker
transactions of one snapshot (``mysql_split_ratio=``). Times start after the child has imported its
modules and include the table listing, snapshot and connections. The last line is
``ratio=<roachlift rows/s ÷ psql rows/s>`` (one stream through ``dump_database``).

    .venv/bin/python benchmarks/dump.py --rows 1000000 [--only postgres] [--repeat 3] [--split 2]

``--lob`` instead times a MariaDB table of ``--lob-rows`` rows each holding a BLOB and a LONGTEXT of
1 to ``--lob-max-mb`` MB (sizes spread evenly), dumped by roachlift (values streamed and hex-encoded
in the client) against ``mysql --batch --quick`` reading ``HEX(blob)`` and the text, and prints
MB/s of each, roachlift's peak RSS (bounded by a few rows, not by the table), that the dumped BLOB
and TEXT bytes equal the source's (MD5 taken by the server) and ``lob_ratio=<native s ÷ roachlift s>``.

    .venv/bin/python benchmarks/dump.py --lob [--lob-rows 40] [--lob-max-mb 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pymysql

from roachlift.dump import manifest
from roachlift.testing import MariaDBServer, PostgresServer

CHILD = """
import json, resource, sys, time
from pathlib import Path
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.dump import dump_database, open_snapshot, target_table_name
from roachlift.dump.manifest import write_snapshot_json
import roachlift.extract, roachlift.dump.postgres, roachlift.dump.mysql  # imported before the clock starts
from roachlift.extract import list_tables
kind, uri, schema, table, out, split, compression = sys.argv[1:8]
spec = parse_spec({"name": "bench", "source": {"kind": kind, "conn_id": "s", "schemas": [schema],
                   "include": [table]}, "target": {"conn_id": "t", "database": "t"},
                   "dump": {"compression": compression,
                            "parallelism": int(split) if kind == "mysql" else 1, "chunk_rows": 10**9,
                            "chunk_mb": 100000},
                   "cdc": {"enabled": False}})
conninfo = parse_uri(uri)
t0 = time.monotonic()
if int(split) <= 1 or kind == "mysql":  # MySQL: one table, parallelism=split splits it into PK ranges
    result = dump_database(spec, conninfo, Path(out))
    rows, table_s = result.rows, result.tables[0].elapsed_s
else:  # one table as ctid ranges on parallel connections (what dump_database would do with split)
    from roachlift.dump import postgres
    name = list_tables(spec, conninfo)[0].qualified_name
    with open_snapshot(spec, conninfo) as snap:
        write_snapshot_json(Path(out), snap.position)
        conn = postgres.worker_connection(conninfo, snap)
        m = postgres.dump_table(conn, name, Path(out), snapshot=snap,
                                target_table=target_table_name(spec, name), chunk_rows=10**9,
                                chunk_mb=100000, compression=compression, split=int(split))
        conn.close()
    rows, table_s = m.rows, m.elapsed_s
seconds = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "seconds": seconds, "rss_mb": rss, "table_seconds": table_s}))
"""


#: Compression of roachlift's dumps (``--compression``).
COMPRESSION = ["none"]


def _child_dump(
    kind: str, uri: str, schema: str, table: str, out: Path, split: int = 1
) -> tuple[int, float, float]:
    """Run one roachlift dump in a child process: (rows, seconds, peak RSS MB of that child)."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, kind, uri, schema, table, str(out), str(split), COMPRESSION[0]],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"  {kind} {table}{f' split={split}' if split > 1 else ''}: {data['seconds']:.2f}s end to end,"
        f" {data['table_seconds']:.2f}s in the table dump, peak RSS {data['rss_mb']:.0f} MB"
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


def _best(label: str, runs: list[float]) -> float:
    """Print every run of ``label`` and return the best (shortest) time."""
    ordered = sorted(runs)
    print(f"  {label}: runs {', '.join(f'{r:.2f}s' for r in runs)}; best {ordered[0]:.2f}s,"
          f" median {ordered[len(ordered) // 2]:.2f}s")  # fmt: skip
    return ordered[0]


def _same_output(folder: Path, native: Path) -> str:
    """``yes`` when the parts read in manifest order are byte-identical to the native tool's file."""
    manifest = json.loads((folder / "manifest.json").read_text())
    ours = b"".join(
        gzip.decompress(data) if f["path"].endswith(".gz") else data
        for f in manifest["files"]
        for data in [(folder / f["path"]).read_bytes()]
    )
    theirs = native.read_bytes()
    if ours == theirs:
        return "yes"
    return "same rows, other order" if sorted(ours.splitlines()) == sorted(theirs.splitlines()) else "NO"


def _bench_postgres(pg: PostgresServer, psql: str, rows: int, repeat: int, split: int, work: Path) -> float:
    """Dump the PostgreSQL table with roachlift (one stream, and ``split`` ctid ranges) and psql,
    ``repeat`` times each, interleaved; print every figure and return the one-stream ratio."""
    uri = pg.uri("bench")
    small_rows, _small_s, small_rss = _child_dump("postgres", uri, "public", "bench_small", work / "s")
    psql_cmd = [psql, "-X", "-q", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-d", "bench",
                "-c", "\\copy (SELECT * FROM bench) TO STDOUT CSV"]  # fmt: skip
    rl_runs, split_runs, native_runs, rss, split_rss = [], [], [], [], []
    for _ in range(repeat):
        rl_rows, rl_s, rl_rss = _child_dump("postgres", uri, "public", "bench", work / "pg")
        assert rl_rows == rows, rl_rows
        rl_runs.append(rl_s)
        rss.append(rl_rss)
        native_runs.append(_timed(psql_cmd, work / "psql.csv"))
        if split > 1:
            sp_rows, sp_s, sp_rss = _child_dump("postgres", uri, "public", "bench", work / "split", split)
            assert sp_rows == rows, sp_rows
            split_runs.append(sp_s)
            split_rss.append(sp_rss)
    rl_s = _best("postgres roachlift", rl_runs)
    native_s = _best("postgres psql \\copy", native_runs)
    native = rows / native_s
    print(f"postgres psql \\copy: {native:,.0f} rows/s ({native_s:.2f}s)")
    how = f"gzip via {manifest.DEFLATE.__name__}" if COMPRESSION[0] == "gzip" else "no compression"
    print(f"postgres roachlift ({how}): {rows / rl_s:,.0f} rows/s ({rl_s:.2f}s), peak RSS {max(rss):.0f} MB")
    print(f"postgres roachlift at {small_rows} rows: peak RSS {small_rss:.0f} MB")
    same = _same_output(work / "pg" / manifest.table_dir_name("public.bench"), work / "psql.csv")
    print(f"postgres roachlift output identical to psql: {same}")
    paired = sorted(n / r for r, n in zip(rl_runs, native_runs, strict=True))
    print(f"postgres ratio per paired run: {', '.join(f'{x:.3f}' for x in paired)}")
    if split > 1:
        sp_s = _best(f"postgres roachlift split={split}", split_runs)
        print(
            f"postgres roachlift split={split}: {rows / sp_s:,.0f} rows/s ({sp_s:.2f}s),"
            f" peak RSS {max(split_rss):.0f} MB"
        )
        same = _same_output(work / "split" / manifest.table_dir_name("public.bench"), work / "psql.csv")
        print(f"postgres roachlift split={split} output identical to psql: {same}")
        print(f"split_ratio={(rows / sp_s) / native:.3f}")
    return (rows / rl_s) / native


def _bench_mysql(my: MariaDBServer, mysql: str, rows: int, repeat: int, split: int, work: Path) -> None:
    """Dump the MariaDB table with roachlift (one stream, and ``split`` primary-key ranges on worker
    transactions of one snapshot) and the mysql client ``repeat`` times each, interleaved."""
    msmall_rows, _ms, msmall_rss = _child_dump("mysql", my.uri("bench"), "bench", "bench_small", work / "ms")
    rl_runs, split_runs, native_runs, rss, split_rss = [], [], [], [], []
    for _ in range(repeat):
        my_rows, my_s, my_rss = _child_dump("mysql", my.uri("bench"), "bench", "bench", work / "my")
        assert my_rows == rows, my_rows
        rl_runs.append(my_s)
        rss.append(my_rss)
        native_runs.append(
            _timed(
                [mysql, "-h", "127.0.0.1", "-P", str(my.port), "-u", "root", "--batch", "--quick", "bench",
                 "-e", "SELECT * FROM bench"],
                work / "mysql.tsv",
            )
        )  # fmt: skip
        if split > 1:
            sp_rows, sp_s, sp_rss = _child_dump(
                "mysql", my.uri("bench"), "bench", "bench", work / "mysplit", split
            )
            assert sp_rows == rows, sp_rows
            split_runs.append(sp_s)
            split_rss.append(sp_rss)
    my_s = _best("mysql roachlift", rl_runs)
    mnative_s = _best("mysql client", native_runs)
    native = rows / mnative_s
    print(f"mysql roachlift: {rows / my_s:,.0f} rows/s ({my_s:.2f}s), peak RSS {max(rss):.0f} MB")
    print(f"mysql roachlift at {msmall_rows} rows: peak RSS {msmall_rss:.0f} MB")
    print(f"mysql client --batch --quick: {native:,.0f} rows/s ({mnative_s:.2f}s)")
    if split > 1:
        sp_s = _best(f"mysql roachlift split={split}", split_runs)
        print(
            f"mysql roachlift split={split}: {rows / sp_s:,.0f} rows/s ({sp_s:.2f}s),"
            f" peak RSS {max(split_rss):.0f} MB"
        )
        ours = [work / d / manifest.table_dir_name("bench.bench") for d in ("my", "mysplit")]
        same = _same_output(ours[1], _concat_parts(ours[0], work / "my-one.csv"))
        print(f"mysql roachlift split={split} output identical to one stream: {same}")
        print(f"mysql_split_ratio={(rows / sp_s) / native:.3f}")
    print(f"mysql_ratio={(rows / my_s) / native:.3f}")


def _build_my_lob(kw: dict[str, object], rows: int, max_mb: int) -> int:
    """``lob``: ``rows`` rows of a BLOB and a LONGTEXT of 1..``max_mb`` MB each; returns total bytes."""
    conn = pymysql.connect(**kw)
    total = 0
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE lob (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT) CHARACTER SET utf8mb4")
        for i in range(rows):
            mb = 1 + (i * (max_mb - 1)) // max(rows - 1, 1)
            blob = os.urandom(mb << 20)
            text_mb = max(1, mb // 2)
            cur.execute(  # text: quotes, commas, newlines and 4-byte characters (12 bytes a repeat)
                "INSERT INTO lob VALUES (%s, %s, REPEAT(CONVERT(%s USING utf8mb4), %s))",
                (i, blob, 'a"b,\n😀xy', (text_mb << 20) // 12),
            )
            total += len(blob) + ((text_mb << 20) // 12) * 12
            conn.commit()
    conn.close()
    return total


def _lob_checksums(kw: dict[str, object]) -> list[tuple[int, str, str]]:
    """(id, MD5 of the BLOB, MD5 of the text's UTF-8 bytes) per row, taken by the server."""
    conn = pymysql.connect(**kw)
    with conn.cursor() as cur:
        cur.execute("SELECT id, MD5(b), MD5(CONVERT(t USING utf8mb4)) FROM lob ORDER BY id")
        rows = [(int(r[0]), str(r[1]), str(r[2])) for r in cur.fetchall()]
    conn.close()
    return rows


def _dumped_checksums(folder: Path) -> list[tuple[int, str, str]]:
    """The same checksums over roachlift's CSV (read with the csv module, hex decoded)."""
    out = []
    data = _concat_parts(folder, folder.parent / "lob-all.csv")
    with data.open(newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            blob = bytes.fromhex(row[1][2:])
            out.append((int(row[0]), hashlib.md5(blob).hexdigest(), hashlib.md5(row[2].encode()).hexdigest()))
    data.unlink()
    return sorted(out)


def _bench_lob(my: MariaDBServer, mysql: str, rows: int, max_mb: int, repeat: int, work: Path) -> None:
    """roachlift against ``mysql --batch --quick`` reading ``HEX(b)`` on the LOB table."""
    total = _build_my_lob(my.connect_kwargs("bench"), rows, max_mb)
    mb = total / 1e6
    print(f"lob table: {rows} rows, {mb:.0f} MB of BLOB + LONGTEXT (1-{max_mb} MB a value)", flush=True)
    rl_runs, native_runs, rss = [], [], []
    cmd = [mysql, "-h", "127.0.0.1", "-P", str(my.port), "-u", "root", "--batch", "--quick",
           "--max-allowed-packet=1G", "bench", "-e", "SELECT id, HEX(b), t FROM lob"]  # fmt: skip
    for _ in range(repeat):
        got, rl_s, rl_rss = _child_dump("mysql", my.uri("bench"), "bench", "lob", work / "lob")
        assert got == rows, got
        rl_runs.append(rl_s)
        rss.append(rl_rss)
        native_runs.append(_timed(cmd, work / "lob.tsv"))
    rl_s = _best("lob roachlift", rl_runs)
    native_s = _best("lob mysql --batch --quick HEX(b)", native_runs)
    same = _dumped_checksums(work / "lob" / manifest.table_dir_name("bench.lob")) == _lob_checksums(
        my.connect_kwargs("bench")
    )
    print(f"lob roachlift: {mb / rl_s:,.0f} MB/s ({rl_s:.2f}s), peak RSS {max(rss):.0f} MB")
    print(f"lob mysql client: {mb / native_s:,.0f} MB/s ({native_s:.2f}s)")
    print(f"lob values byte-identical to the source (server MD5): {'yes' if same else 'NO'}")
    print(f"lob_ratio={native_s / rl_s:.3f}")


def _concat_parts(folder: Path, out: Path) -> Path:
    """The parts of ``folder`` read in manifest order, written to ``out`` (uncompressed)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    with out.open("wb") as fh:
        for f in manifest["files"]:
            data = (folder / f["path"]).read_bytes()
            fh.write(gzip.decompress(data) if f["path"].endswith(".gz") else data)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows in the benchmark table")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each dump; the best one counts")
    parser.add_argument("--only", choices=("postgres", "mysql"), help="benchmark one source only")
    parser.add_argument(
        "--split",
        type=int,
        default=2,
        help="also time each table as N parallel ranges (PostgreSQL ctid, MySQL primary key; 1: no)",
    )
    parser.add_argument(
        "--compression", choices=("none", "gzip"), default="none", help="roachlift's part files"
    )
    parser.add_argument("--lob", action="store_true", help="time the MariaDB BLOB/LONGTEXT table instead")
    parser.add_argument("--lob-rows", type=int, default=40, help="rows of the LOB table")
    parser.add_argument("--lob-max-mb", type=int, default=20, help="largest BLOB in MB (text: half)")
    args = parser.parse_args(argv)
    COMPRESSION[0] = args.compression
    if args.lob:
        return _main_lob(args)
    do_pg, do_my = args.only in (None, "postgres"), args.only in (None, "mysql")
    psql = shutil.which("psql")
    mysql = shutil.which("mariadb") or shutil.which("mysql")
    if (do_pg and not psql) or (do_my and not mysql):
        print("psql and mysql/mariadb clients are needed", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="roachlift-bench-"))
    pg, my = PostgresServer(), MariaDBServer()
    try:
        t0 = time.monotonic()
        if do_pg:
            pg.start()
            _build_pg(pg.create_database("bench"), args.rows)
        if do_my:
            my.start()
            my.create_database("bench")
            _build_my(my.connect_kwargs("bench"), args.rows)
        print(f"built {args.rows} rows in each server in {time.monotonic() - t0:.1f}s", flush=True)
        if do_my:
            assert mysql is not None
            _bench_mysql(my, mysql, args.rows, args.repeat, args.split, work)
        if do_pg:
            assert psql is not None
            print(f"ratio={_bench_postgres(pg, psql, args.rows, args.repeat, args.split, work):.3f}")
    finally:
        if do_my:
            my.stop()
        if do_pg:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _main_lob(args: argparse.Namespace) -> int:
    mysql = shutil.which("mariadb") or shutil.which("mysql")
    if not mysql:
        print("the mysql/mariadb client is needed", file=sys.stderr)
        return 2
    csv.field_size_limit(1 << 30)
    work = Path(tempfile.mkdtemp(prefix="roachlift-bench-"))
    my = MariaDBServer()
    try:
        my.start()
        my.create_database("bench")
        _bench_lob(my, mysql, args.lob_rows, args.lob_max_mb, args.repeat, work)
    finally:
        my.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
