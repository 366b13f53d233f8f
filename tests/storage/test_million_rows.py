"""1M rows (about 190 MB of CSV) dumped to S3 (moto) and to a ``file://`` URL by ``roachlift dump``
in its own process, COPYed back by ``roachlift load --dump-dir <URL>``, verified equal by
``roachlift verify`` and by an ordered md5 of both tables. The dump process's peak RSS is read from
the kernel: streaming parts (at most one 8 MiB block per open S3 part) keeps it far below the
table's size, so a dump holding a table or a part in memory would fail the bound."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from roachlift.cli import main
from roachlift.testing import PostgresServer, S3Server

ROWS = 1_000_000
CONN = "roachlift_s3"
#: The table is ~190 MB of CSV; a dump that held it (or a 64 MB part) in memory would pass this.
RSS_BOUND_MB = 250


@pytest.fixture(scope="module")
def million(pg_server: PostgresServer) -> str:
    name = f"st_million_{os.getpid()}"
    dsn = pg_server.create_database(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, n int, amount numeric(12,2), at timestamptz, "
            "note text, tag varchar(20))"
        )
        conn.execute(
            f"INSERT INTO big SELECT g, g % 1000, g / 3.0, timestamptz '2020-01-01' + g * interval '1 s', "
            f"md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || CASE WHEN g % 10 = 0 THEN "
            f"E'\\n\"quoted\", comma' ELSE '' END, CASE WHEN g % 3 = 0 THEN NULL ELSE 't' || g % 97 END "
            f"FROM generate_series(1, {ROWS}) g"
        )
        conn.execute("ANALYZE big")
    return name


def _digest(dsn: str) -> tuple[int, str]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*), md5(string_agg(b::text, '|' ORDER BY id)) FROM big b").fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


@pytest.mark.slow
@pytest.mark.parametrize("where", ["s3", "file"])
def test_million_rows_through_object_storage(
    where: str,
    million: str,
    pg_server: PostgresServer,
    s3_server: S3Server,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = f"{s3_bucket}/million" if where == "s3" else f"file://{tmp_path}/dump"
    target = f"st_million_tgt_{where}_{os.getpid()}"
    pg_server.create_database(target)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"""name: million_{where}
source: {{kind: postgres, conn_id: st_src}}
target: {{conn_id: st_tgt, database: {target}, dialect: postgres}}
dump: {{out_dir: "{out_dir}", storage_conn_id: {CONN}, chunk_rows: 250000, parallelism: 2}}
load: {{method: copy}}
cdc: {{enabled: false}}
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("AIRFLOW_CONN_ST_SRC", pg_server.uri(million))
    monkeypatch.setenv("AIRFLOW_CONN_ST_TGT", pg_server.uri("postgres"))
    phases = tmp_path / "phases"
    ddl = tmp_path / "ddl.sql"
    assert main(["extract", "--spec", str(spec), "--out", str(ddl)]) == 0
    assert (
        main(["convert", "--from", "postgres", "--target", "postgres", "--out", str(phases), str(ddl)]) == 0
    )
    started = time.monotonic()
    log = tmp_path / "dump.log"
    with log.open("wb") as fh:
        proc = psutil.Popen(
            [sys.executable, "-m", "roachlift", "dump", "--spec", str(spec)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "plugins")},
        )
        peak = 0
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, proc.memory_info().rss)
            time.sleep(0.05)
    dump_s = time.monotonic() - started
    assert proc.returncode == 0, log.read_text()[-3000:]
    peak_mb = peak / 2**20
    started = time.monotonic()
    code = main(
        [
            "load", "--spec", str(spec), "--target-url", pg_server.uri(target), "--dump-dir", out_dir,
            "--phase-dir", str(phases), "--method", "copy", "--dialect", "postgres",
        ]
    )  # fmt: skip
    load_s = time.monotonic() - started
    assert code == 0
    assert main(["verify", "--spec", str(spec), "--json", str(tmp_path / "verify.json")]) == 0
    src_digest = _digest(pg_server.dsn(million))
    assert src_digest[0] == ROWS
    assert _digest(pg_server.dsn(target)) == src_digest
    print(f"\n{where}: dump {dump_s:.1f}s (peak RSS {peak_mb:.0f} MB), load {load_s:.1f}s")
    assert 0 < peak_mb < RSS_BOUND_MB, f"dump peak RSS {peak_mb:.0f} MB"
