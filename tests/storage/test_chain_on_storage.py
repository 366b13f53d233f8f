"""The CLI chain with the dump on object storage: ``roachlift dump`` writes parts, manifests and
snapshot.json to S3 (a real S3 API server, moto, enforcing its key) or a ``file://`` URL;
``roachlift load --dump-dir <URL>`` COPYs them; ``roachlift verify`` reads the rejects there and
finds every table equal; and every row is compared outside roachlift too. Nothing of the dump is
written to local disk on the S3 path."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import psycopg
import pytest

from roachlift.cli import main
from roachlift.testing import PostgresServer, S3Server
from roachlift.testing.seed import seed_pagila

_ids = itertools.count()
CONN = "roachlift_s3"


def _pg_rows(dsn: str, table: str) -> list[str]:
    """Every row of ``table`` as PostgreSQL's own text of the whole row, sorted (outside roachlift)."""
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TIME ZONE 'UTC'; SET extra_float_digits = 3")
        return sorted(r[0] for r in conn.execute(f"SELECT t::text FROM public.{table} t"))  # type: ignore[arg-type]


def _tables(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'roachlift%' "
            "ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


def _spec(tmp_path: Path, out_dir: str, target_db: str, *, chunk_rows: int, extra: str = "") -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(
        f"""name: objstore_{next(_ids)}
source: {{kind: postgres, conn_id: st_src}}
target: {{conn_id: st_tgt, database: {target_db}, dialect: postgres}}
dump:
  out_dir: {out_dir}
  storage_conn_id: {CONN}
  chunk_rows: {chunk_rows}
  parallelism: 2
load: {{method: copy}}
cdc: {{enabled: false}}
{extra}""",
        encoding="utf-8",
    )
    return path


def _run_chain(
    pg_server: PostgresServer, tmp_path: Path, src_db: str, out_dir: str, chunk_rows: int
) -> tuple[str, dict[str, int]]:
    """extract -> convert -> dump -> load (COPY) -> verify; return (target DSN, exit codes)."""
    n = next(_ids)
    tgt_name = f"st_tgt_{n}"
    tgt = pg_server.create_database(tgt_name)
    mp = pytest.MonkeyPatch()
    mp.setenv("AIRFLOW_CONN_ST_SRC", pg_server.uri(src_db))
    mp.setenv("AIRFLOW_CONN_ST_TGT", pg_server.uri("postgres"))
    mp.chdir(tmp_path)  # whatever is written to the working folder would show up here
    spec = str(_spec(tmp_path, out_dir, tgt_name, chunk_rows=chunk_rows))
    ddl, phases = tmp_path / "ddl.sql", tmp_path / "phases"
    codes: dict[str, int] = {}
    try:
        codes["extract"] = main(["extract", "--spec", spec, "--out", str(ddl)])
        codes["convert"] = main(
            ["convert", "--from", "postgres", "--target", "postgres", "--out", str(phases), str(ddl)]
        )
        codes["dump"] = main(["dump", "--spec", spec])
        codes["load"] = main(
            [
                "load", "--spec", spec, "--target-url", pg_server.uri(tgt_name), "--dump-dir", out_dir,
                "--phase-dir", str(phases), "--method", "copy", "--dialect", "postgres",
            ]
        )  # fmt: skip
        codes["verify"] = main(["verify", "--spec", spec, "--json", str(tmp_path / "verify.json")])
    finally:
        mp.undo()
    return tgt, codes


def _object_names(s3_server: S3Server, bucket_url: str, prefix: str) -> list[str]:
    bucket = bucket_url.removeprefix("s3://")
    client = s3_server.client()
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)  # type: ignore[attr-defined]
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


@pytest.fixture(scope="module")
def pagila_src(pg_server: PostgresServer, corpus: Path) -> tuple[str, str]:
    """The Pagila-like Sakila database (15 tables, ~47k rows: Chinook-sized) as the source."""
    name = f"st_pagila_{os.getpid()}"
    return name, seed_pagila(pg_server, name, corpus)


@pytest.mark.parametrize("where", ["s3", "file"])
def test_pagila_through_object_storage(
    where: str,
    pg_server: PostgresServer,
    s3_server: S3Server,
    s3_bucket: str,
    pagila_src: tuple[str, str],
    tmp_path: Path,
) -> None:
    src_name, src = pagila_src
    out_dir = f"{s3_bucket}/pagila" if where == "s3" else f"file://{tmp_path}/dump"
    tgt, codes = _run_chain(pg_server, tmp_path, src_name, out_dir, chunk_rows=4000)
    assert codes == dict.fromkeys(["extract", "convert", "dump", "load", "verify"], 0)
    tables = _tables(src)
    assert len(tables) >= 15 and _tables(tgt) == tables
    assert {t: _pg_rows(tgt, t) for t in tables} == {t: _pg_rows(src, t) for t in tables}
    if where == "s3":
        names = _object_names(s3_server, s3_bucket, "pagila/")
        assert "pagila/snapshot.json" in names
        manifests = [n for n in names if n.endswith("/manifest.json")]
        assert len(manifests) == len(tables)
        assert sum(1 for n in names if "/part-" in n) > len(tables)  # the large tables have several parts
        assert not any("/range" in n or n.endswith(".tmp") for n in names)  # nothing left half-done
        local = sorted(p.name for p in tmp_path.iterdir())
        assert local == ["ddl.sql", "ddl.sql.json", "phases", "spec.yaml", "verify.json"]  # no dump here
    else:
        assert len(list((tmp_path / "dump").glob("*/manifest.json"))) == len(tables)


#: Data nobody designed the storage path for: names in Chinese and mixed case (naming: lower maps
#: ``Order`` to ``order``), a 20 MB bytea and a 20 MB text that span several 8 MiB upload blocks, empty
#: strings beside NULLs, NaN, a 30-digit numeric, control characters, quotes, CR/LF and backslashes.
ADVERSARIAL = """
CREATE TABLE "订单" ("编号" int PRIMARY KEY, "Straße" text, "Größe" numeric, blob bytea, note text);
CREATE TABLE "Order" ("Id" int PRIMARY KEY, "订单编号" int REFERENCES "订单" ("编号"), "Select" text);
INSERT INTO "订单" VALUES
  (1, 'Ünïcødé ✓ 𝄞', 12345678901234567890.123456789, decode(repeat('00ff', 10485760), 'hex'),
   'tab' || chr(9) || 'here' || chr(1) || 'ctl'),
  (2, '', 0, ''::bytea, NULL),
  (3, NULL, 'NaN', NULL, repeat('long text ', 2000000)),
  (4, 'quote " comma , newline ' || chr(10) || ' cr ' || chr(13) || ' bs ' || chr(92),
   -0.000000000000000001, decode('00', 'hex'), chr(92) || 'N');
INSERT INTO "Order" SELECT g, 1 + g % 4, CASE WHEN g % 2 = 0 THEN 'a' END FROM generate_series(1, 5000) g;
"""


@pytest.mark.parametrize("where", ["s3", "file"])
def test_unplanned_names_and_values_through_object_storage(
    where: str, pg_server: PostgresServer, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    """Every value arrives exactly (PostgreSQL's own text of each row, compared outside roachlift)."""
    name = f"st_odd_{where}_{os.getpid()}"
    src = pg_server.create_database(name)
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute(ADVERSARIAL)  # type: ignore[arg-type]
    out_dir = f"{s3_bucket}/odd" if where == "s3" else f"file://{tmp_path}/dump"
    tgt, codes = _run_chain(pg_server, tmp_path, name, out_dir, chunk_rows=2)
    assert codes == dict.fromkeys(["extract", "convert", "dump", "load", "verify"], 0)
    assert json.loads((tmp_path / "verify.json").read_text())["tables_checked"] == 2
    for source_table, target_table in (('"订单"', '"订单"'), ('"Order"', "order")):
        assert _pg_rows(tgt, target_table) == _pg_rows(src, source_table), source_table


def test_wrong_credential_and_missing_bucket_fail_clearly(
    pg_server: PostgresServer,
    s3_server: S3Server,
    s3_bucket: str,
    pagila_src: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    src_name, _ = pagila_src
    monkeypatch.setenv("AIRFLOW_CONN_ST_SRC", pg_server.uri(src_name))
    monkeypatch.setenv("AIRFLOW_CONN_ST_TGT", pg_server.uri("postgres"))
    monkeypatch.setenv("AIRFLOW_CONN_ROACHLIFT_S3", s3_server.conn_uri(secret="Wr0ng-S3cret"))
    spec = str(_spec(tmp_path, f"{s3_bucket}/x", "unused", chunk_rows=1000))
    assert main(["dump", "--spec", spec]) == 2
    err = capsys.readouterr().err
    assert f"{s3_bucket}/x: cannot write to: access denied (" in err
    assert "Wr0ng-S3cret" not in err and s3_server.secret_key not in err and "Traceback" not in err
    monkeypatch.setenv("AIRFLOW_CONN_ROACHLIFT_S3", s3_server.conn_uri())
    spec = str(_spec(tmp_path, "s3://no-such-bucket-here/dumps", "unused", chunk_rows=1000))
    assert main(["dump", "--spec", spec]) == 2
    err = capsys.readouterr().err
    assert "s3://no-such-bucket-here/dumps: cannot write to: not found (" in err
    assert _object_names(s3_server, s3_bucket, "") == []  # nothing was written anywhere
    assert main(["load", "--spec", spec, "--target-url", pg_server.uri("postgres"), "--dump-dir",
                 "s3://no-such-bucket-here/dumps", "--phase-dir", str(tmp_path)]) == 2  # fmt: skip
    assert "s3://no-such-bucket-here/dumps: cannot read: not found (" in capsys.readouterr().err


def test_cdc_cli_reads_the_snapshot_position_from_the_bucket(s3_bucket: str) -> None:
    """``roachlift cdc --spec`` starts where the dump's snapshot ended: its snapshot.json is read
    from ``dump.out_dir`` on the bucket (or from ``--snapshot`` given as a URL)."""
    from roachlift import storage
    from roachlift.cdc.cli import snapshot_position
    from roachlift.cdc.model import CdcError
    from roachlift.config.spec import parse_spec

    position = {"kind": "postgres", "slot": "roachlift_x", "lsn": "0/16B3748", "snapshot": "00000003-1"}
    root = storage.resolve(f"{s3_bucket}/cdc", CONN)
    storage.write_text(root / "snapshot.json", json.dumps(position))
    spec = parse_spec(
        {
            "name": "cdc_from_bucket",
            "source": {"kind": "postgres", "conn_id": "s"},
            "target": {"conn_id": "t", "database": "d"},
            "dump": {"out_dir": f"{s3_bucket}/cdc", "storage_conn_id": CONN},
        }
    )
    assert snapshot_position(spec) == position
    assert snapshot_position(spec, f"{s3_bucket}/cdc/snapshot.json") == position
    with pytest.raises(CdcError, match=rf"^{s3_bucket}/nothing/snapshot.json: cannot read the dump's"):
        snapshot_position(spec, f"{s3_bucket}/nothing/snapshot.json")
