"""The duration estimate: the model, learning from history, and samples on real servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from roachlift.config.connections import parse_uri
from roachlift.config.spec import MigrationSpec, parse_spec
from roachlift.estimate import (
    DEFAULT_RANGE,
    LOAD_PROBE_FACTOR,
    VERIFY_DIGEST_RATE_FACTOR,
    VERIFY_DIGEST_TABLE_OVERHEAD_S,
    VERIFY_RATE_FACTOR,
    Sample,
    TableSize,
    calibration,
    estimate_migration,
    predict,
    raw_prediction,
    write_json,
)
from roachlift.testing import MariaDBServer, PostgresServer

SIZES = [TableSize("public.big", 1_000_000, 80_000_000), TableSize("public.small", 100, 8_000)]
SAMPLE = Sample("public.big", rows=50_000, csv_bytes=4_000_000, dump_seconds=0.5, load_seconds=2.0)


def spec(kind: str, schemas: list[str], parallelism: int = 1) -> MigrationSpec:
    return parse_spec(
        {
            "name": "est",
            "source": {"kind": kind, "conn_id": "src", "schemas": schemas},
            "target": {"conn_id": "dst", "database": "t", "dialect": "postgres"},
            "dump": {"parallelism": parallelism},
        }
    )


def test_raw_model_is_overhead_plus_rows_over_the_sampled_rate() -> None:
    raw = raw_prediction(SIZES, SAMPLE, parallelism=1, cores=2)
    rows = 1_000_100
    assert raw["dump"] == pytest.approx(0.02 + rows / 100_000)  # 50,000 rows in 0.5 s
    assert raw["load"] == pytest.approx(0.06 + rows / (25_000 * LOAD_PROBE_FACTOR))  # 50,000 rows in 2 s
    assert raw["verify"] == pytest.approx(0.2 + rows / (100_000 * VERIFY_RATE_FACTOR))
    # a PostgreSQL source: verify compares chunk digests, about the dump's read rate
    digests = raw_prediction(SIZES, SAMPLE, parallelism=1, cores=2, digests=True)
    assert digests["verify"] == pytest.approx(
        2 * VERIFY_DIGEST_TABLE_OVERHEAD_S + rows / (100_000 * VERIFY_DIGEST_RATE_FACTOR)
    )
    assert digests["verify"] < raw["verify"] and digests["dump"] == raw["dump"]
    # parallel dump workers, capped by the cores and the tables
    assert raw_prediction(SIZES, SAMPLE, parallelism=8, cores=2)["dump"] == pytest.approx(
        0.02 + rows / 200_000
    )


def test_a_table_without_a_row_count_is_sized_by_bytes_per_row() -> None:
    unknown = [TableSize("public.big", 0, 80_000_000)]  # reltuples -1 before the first ANALYZE
    raw = raw_prediction(unknown, SAMPLE, parallelism=1, cores=1)
    assert raw["dump"] == pytest.approx(0.01 + 1_000_000 / 100_000)  # 80 MB / 80 bytes per row


def test_without_history_the_range_is_the_default_and_json_has_the_contract() -> None:
    est = predict(SIZES, SAMPLE, parallelism=1, cores=1)
    data = est.to_json()
    assert set(data["phases"]) == {"dump", "load", "verify"}
    assert {"total_seconds", "low", "high"} <= set(data)
    assert data["total_seconds"] == pytest.approx(sum(data["phases"].values()), abs=0.2)
    assert est.low == pytest.approx(est.total_seconds * DEFAULT_RANGE[0])
    assert est.high == pytest.approx(est.total_seconds * DEFAULT_RANGE[1])
    assert "no earlier run" in est.basis
    two = predict(SIZES, SAMPLE, parallelism=1, cores=1, verify_passes=2)
    assert two.total_seconds == pytest.approx(est.total_seconds + est.phases["verify"])


def test_history_calibrates_each_phase_by_the_median_ratio() -> None:
    raw = raw_prediction(SIZES, SAMPLE, parallelism=1, cores=1)
    # three rehearsals: dump took 2x, 3x, 4x the raw prediction; load 0.5x each time; verify unknown
    history: list[dict[str, Any]] = [
        {"estimate_raw": raw, "phase_seconds": {"dump": raw["dump"] * f, "load": raw["load"] * 0.5}}
        for f in (2.0, 4.0, 3.0)
    ]
    history.append({"run_id": "no estimate", "phase_seconds": {"dump": 1.0}})  # ignored
    factor, spread = calibration(history)
    assert factor == {"dump": pytest.approx(3.0), "load": pytest.approx(0.5)}
    assert spread["dump"] == (pytest.approx(2.0), pytest.approx(4.0))
    est = predict(SIZES, SAMPLE, parallelism=1, cores=1, history=history)
    assert est.phases["dump"] == pytest.approx(raw["dump"] * 3.0)
    assert est.phases["load"] == pytest.approx(raw["load"] * 0.5)
    assert est.phases["verify"] == pytest.approx(raw["verify"])
    assert est.phase_ranges["dump"] == [
        pytest.approx(raw["dump"] * 2 * 0.85),
        pytest.approx(raw["dump"] * 4 * 1.15),
    ]
    assert "calibrated on 3 earlier run(s)" in est.basis


def _fill_pg(dsn: str, rows: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, note text, amount numeric(10,2), at timestamptz)"
        )
        conn.execute(
            "INSERT INTO big SELECT g, 'row, \"' || g || E'\"\\nline', g / 7.0, now() "
            "FROM generate_series(1, %s) g",
            (rows,),
        )
        conn.execute("CREATE TABLE small (id int PRIMARY KEY)")
        conn.execute("INSERT INTO small SELECT generate_series(1, 10)")
        conn.execute("ANALYZE")


def test_estimate_on_postgres_samples_both_servers_and_leaves_nothing_behind(
    pg_server: PostgresServer, pg_db: str, tmp_path: Path
) -> None:
    _fill_pg(pg_db, 20_000)
    source = parse_uri(pg_server.uri(pg_db.rsplit("/", 1)[1]))
    target = parse_uri(
        pg_server.uri(pg_server.create_database(f"{pg_db.rsplit('/', 1)[1]}_tgt").rsplit("/", 1)[1])
    )
    est = estimate_migration(
        spec("postgres", ["public"]), source, target, history_dir=tmp_path, task_overhead_s=1.0
    )
    assert est.tables == 2 and est.rows == 20_010
    assert est.sample["table"] == "public.big" and est.sample["rows"] == 20_000  # rows span two lines each
    assert est.sample["dump_rows_per_s"] > 0 and est.sample["load_rows_per_s"] > 0
    assert all(v > 0 for v in est.phases.values()) and est.low < est.total_seconds < est.high
    assert est.raw_phases["load"] > 2.0  # each of the 2 tables' load tasks adds the task overhead
    with psycopg.connect(target.postgres_conninfo()) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'roachlift_estimate%'"
        ).fetchone()
    assert left == (0,)
    out = tmp_path / "est.json"
    write_json(est, out)
    assert set(json.loads(out.read_text())["phases"]) == {"dump", "load", "verify"}


def test_estimate_on_mysql_samples_the_largest_table(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, pg_db: str
) -> None:
    import pymysql

    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db))
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE rental (id INT PRIMARY KEY, note VARCHAR(40), at DATETIME) ENGINE=InnoDB")
        cur.executemany("INSERT INTO rental VALUES (%s, %s, NOW())", [(i, f"r,{i}") for i in range(1, 3001)])
        cur.execute("CREATE TABLE tiny (id INT PRIMARY KEY) ENGINE=InnoDB")
        cur.execute("ANALYZE TABLE rental, tiny")
    conn.commit()
    conn.close()
    source = parse_uri(mariadb_server.uri(mysql_db))
    target = parse_uri(pg_server.uri(pg_db.rsplit("/", 1)[1]))
    est = estimate_migration(spec("mysql", [mysql_db]), source, target)
    assert est.sample["table"] == f"{mysql_db}.rental" and est.sample["rows"] == 3000
    assert est.tables == 2 and est.sample["load_rows_per_s"] > 0
