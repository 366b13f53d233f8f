"""One naming rule through the whole chain (extract → convert → dump → load → CDC → verify) on real
MariaDB and PostgreSQL sources whose names are CamelCase (a Chinook-like Artist/Album/InvoiceLine),
quoted mixed case, reserved words and non-ASCII (Chinese, German ß), into a PostgreSQL target, under
both ``naming: lower`` and ``naming: preserve``; names colliding after folding stop the run at convert,
before any data moves."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import psycopg
import pymysql
import pytest

from roachlift import pipeline
from roachlift.config.connections import parse_uri
from roachlift.config.spec import parse_spec
from roachlift.errors import RoachliftError
from roachlift.load import progress
from roachlift.load.manifest import Manifest
from roachlift.results import RunResults
from roachlift.testing import MariaDBServer, PostgresServer

_ids = itertools.count()

MYSQL_DDL = [
    "CREATE TABLE `Artist` (`ArtistId` INT NOT NULL AUTO_INCREMENT, `Name` VARCHAR(120),"
    " PRIMARY KEY (`ArtistId`))",
    "CREATE TABLE `Album` (`AlbumId` INT NOT NULL AUTO_INCREMENT, `Title` VARCHAR(160) NOT NULL,"
    " `ArtistId` INT NOT NULL, PRIMARY KEY (`AlbumId`), KEY `IFK_AlbumArtistId` (`ArtistId`),"
    " CONSTRAINT `FK_AlbumArtistId` FOREIGN KEY (`ArtistId`) REFERENCES `Artist` (`ArtistId`))",
    "CREATE TABLE `InvoiceLine` (`InvoiceLineId` INT NOT NULL, `AlbumId` INT NOT NULL,"
    " `UnitPrice` DECIMAL(10,2) NOT NULL, `Quantity` INT NOT NULL, PRIMARY KEY (`InvoiceLineId`),"
    " CONSTRAINT `FK_InvoiceLineAlbumId` FOREIGN KEY (`AlbumId`) REFERENCES `Album` (`AlbumId`))",
    "CREATE TABLE `Order` (`Id` INT NOT NULL, `Select` VARCHAR(20), `user` INT, PRIMARY KEY (`Id`))",
    "CREATE TABLE `订单` (`编号` INT NOT NULL, `Straße` VARCHAR(40), `Größe` INT, PRIMARY KEY (`编号`))",
]
PG_DDL = [
    'CREATE TABLE "Artist" ("ArtistId" serial PRIMARY KEY, "Name" varchar(120))',
    'CREATE TABLE "Album" ("AlbumId" serial PRIMARY KEY, "Title" varchar(160) NOT NULL,'
    ' "ArtistId" int NOT NULL REFERENCES "Artist" ("ArtistId"))',
    'CREATE INDEX "IFK_AlbumArtistId" ON "Album" ("ArtistId")',
    'CREATE TABLE "InvoiceLine" ("InvoiceLineId" int PRIMARY KEY, "AlbumId" int NOT NULL'
    ' REFERENCES "Album" ("AlbumId"), "UnitPrice" numeric(10,2) NOT NULL, "Quantity" int NOT NULL)',
    'CREATE TABLE "Order" ("Id" int PRIMARY KEY, "Select" varchar(20), "user" int)',
    'CREATE TABLE "订单" ("编号" int PRIMARY KEY, "Straße" varchar(40), "Größe" int)',
]
SEED = [
    "INSERT INTO {q}Artist{q} ({q}ArtistId{q}, {q}Name{q})"
    " VALUES (1, 'AC/DC'), (2, 'Accept'), (3, 'Aerosmith')",
    "INSERT INTO {q}Album{q} ({q}AlbumId{q}, {q}Title{q}, {q}ArtistId{q}) VALUES"
    " (1, 'For Those About To Rock', 1), (2, 'Balls to the Wall', 2), (3, 'Restless and Wild', 2)",
    "INSERT INTO {q}InvoiceLine{q} VALUES (1, 1, 0.99, 1), (2, 2, 0.99, 2), (3, 3, 1.99, 1)",
    "INSERT INTO {q}Order{q} VALUES (1, 'desc', 7), (2, NULL, NULL)",
    "INSERT INTO {q}订单{q} VALUES (1, 'Hauptstraße 5', 42), (2, '北京', NULL)",
]
CHANGES = [
    "INSERT INTO {q}Artist{q} ({q}ArtistId{q}, {q}Name{q}) VALUES (4, 'Alanis Morissette')",
    "INSERT INTO {q}Album{q} ({q}AlbumId{q}, {q}Title{q}, {q}ArtistId{q})"
    " VALUES (4, 'Jagged Little Pill', 4)",
    "UPDATE {q}InvoiceLine{q} SET {q}Quantity{q} = 5 WHERE {q}InvoiceLineId{q} = 2",
    "DELETE FROM {q}InvoiceLine{q} WHERE {q}InvoiceLineId{q} = 3",
    "UPDATE {q}Order{q} SET {q}Select{q} = 'asc', {q}user{q} = 8 WHERE {q}Id{q} = 1",
    "INSERT INTO {q}订单{q} VALUES (3, 'Größenweg ß', 7)",
    "UPDATE {q}订单{q} SET {q}Straße{q} = 'Straße des 17. Juni' WHERE {q}编号{q} = 2",
]
#: target table -> its columns, per rule (the schema is the spec's target schema)
EXPECTED = {
    "lower": {
        "artist": ["artistid", "name"],
        "album": ["albumid", "title", "artistid"],
        "invoiceline": ["invoicelineid", "albumid", "unitprice", "quantity"],
        "order": ["id", "select", "user"],
        "订单": ["编号", "straße", "größe"],
    },
    "preserve": {
        "Artist": ["ArtistId", "Name"],
        "Album": ["AlbumId", "Title", "ArtistId"],
        "InvoiceLine": ["InvoiceLineId", "AlbumId", "UnitPrice", "Quantity"],
        "Order": ["Id", "Select", "user"],
        "订单": ["编号", "Straße", "Größe"],
    },
}


class Source:
    """A seeded source database on the harness server and how to write to it."""

    def __init__(self, kind: str, mariadb: MariaDBServer | None, pg: PostgresServer | None, db: str) -> None:
        self.kind, self.mariadb, self.pg, self.db = kind, mariadb, pg, db
        self.quote = "`" if kind == "mysql" else '"'

    def run(self, statements: list[str]) -> None:
        texts = [s.replace("{q}", self.quote) for s in statements]
        if self.kind == "mysql":
            assert self.mariadb is not None
            conn = pymysql.connect(**self.mariadb.connect_kwargs(self.db), autocommit=True)  # type: ignore[arg-type]
            try:
                with conn.cursor() as cur:
                    for text in texts:
                        cur.execute(text)
            finally:
                conn.close()
            return
        assert self.pg is not None
        with psycopg.connect(self.pg.dsn(self.db), autocommit=True) as conn:
            for text in texts:
                conn.execute(text)  # type: ignore[arg-type]

    @property
    def uri(self) -> str:
        if self.kind == "mysql":
            assert self.mariadb is not None
            return self.mariadb.uri(self.db)
        assert self.pg is not None
        return self.pg.uri(self.db)


def _source(kind: str, mariadb: MariaDBServer | None, pg: PostgresServer | None, ddl: list[str]) -> Source:
    name = f"nm_src_{next(_ids)}"
    if kind == "mysql":
        assert mariadb is not None
        mariadb.create_database(name)
    else:
        assert pg is not None
        pg.create_database(name)
    src = Source(kind, mariadb, pg, name)
    src.run(ddl)
    return src


def _context(src: Source, pg: PostgresServer, rule: str, schema: str) -> pipeline.RunContext:
    name = f"nm_{src.kind}_{rule}_{next(_ids)}"
    spec = parse_spec(
        {
            "name": name,
            "source": {
                "kind": src.kind,
                "conn_id": "src",
                "schemas": [src.db] if src.kind == "mysql" else [],
            },
            "target": {
                "conn_id": "tgt",
                "database": f"{name}_target",
                "dialect": "postgres",
                "schema": schema,
            },
            "load": {"method": "copy", "table_handling": "truncate"},
            "cdc": {"enabled": True, "lag_threshold_seconds": 5, "caught_up_for_seconds": 0},
            "naming": rule,
        }
    )
    return pipeline.RunContext.create(
        spec=spec,
        run_id="r1",
        mode="cutover",
        source=parse_uri(src.uri),
        target=parse_uri(pg.uri("postgres")),
    )


def _target_columns(ctx: pipeline.RunContext) -> dict[str, list[str]]:
    with ctx.connect_target() as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name NOT IN (%s, %s) ORDER BY table_name, ordinal_position",
            (ctx.spec.target.schema_, "roachlift_cdc_checkpoint", progress.TABLE_NAME),
        ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _run_chain(ctx: pipeline.RunContext, src: Source) -> RunResults:
    """Every step of the DAG in order, with source changes between the load and CDC."""
    results = RunResults()
    results.extract_ddl = pipeline.extract_step(ctx)
    results.convert_ddl = pipeline.convert_step(ctx)
    results.create_tables = pipeline.apply_phases_step(ctx, ["01_types", "02_tables"])
    results.dump = dumped = pipeline.dump_step(ctx)
    src.run(CHANGES)  # after the snapshot: only CDC can bring these over
    results.load_table = [pipeline.copy_table_step(ctx, Path(x["manifest"])) for x in dumped["loads"]]
    results.indexes = pipeline.apply_phases_step(ctx, ["03_indexes"])
    results.foreign_keys = pipeline.validate_constraints_step(ctx)
    results.views_and_sequences = pipeline.apply_phases_step(ctx, ["05_views", "sequences"])
    for _ in range(10):
        cdc = pipeline.cdc_step(ctx, max_seconds=5.0, drain=True)
        if cdc["caught_up"]:
            break
    results.cdc_catch_up = cdc
    results.verify = pipeline.verify_step(ctx, live=False)
    return results


def _check(ctx: pipeline.RunContext, src: Source, results: RunResults, rule: str) -> None:
    schema = ctx.spec.target.schema_
    expected = EXPECTED[rule]
    assert _target_columns(ctx) == dict(sorted(expected.items()))
    # the manifests name target tables and columns by the rule; load wrote exactly those
    assert results.dump is not None and results.verify is not None
    for item in results.dump["loads"]:
        m = Manifest.read(Path(item["manifest"]))
        short = m.target_table.removeprefix(f"{schema}.")
        assert m.columns == expected[short], m.table
        assert item["table_label"] == f"{m.table} → {m.target_table}"
        assert m.table.rpartition(".")[2] in {"Artist", "Album", "InvoiceLine", "Order", "订单"}
    # CDC brought the changes made after the snapshot; verify compared every table and found them equal
    with ctx.connect_target() as conn:
        album = "album" if rule == "lower" else "Album"
        title = '"title"' if rule == "lower" else '"Title"'
        rows = conn.execute(f'SELECT {title} FROM "{schema}"."{album}" ORDER BY 1').fetchall()  # type: ignore[arg-type]
    assert ("Jagged Little Pill",) in rows and len(rows) == 4
    tables = results.verify["tables"]
    assert len(tables) == 5 and all(t["ok"] for t in tables), tables
    assert {t["target_table"] for t in tables} == {f"{schema}.{t}" for t in expected}
    # the run report states the schema mapping once and every table as source → target
    report = pipeline.report_step(ctx, results)
    data = json.loads(Path(report["json"]).read_text(encoding="utf-8"))
    source_schema = src.db if src.kind == "mysql" else "public"
    assert data["names"] == f"{source_schema} → {schema} (naming: {rule})"
    labels = {s["table"] for s in data["steps"] if s["step"] in {"dump", "load", "verify"}}
    want = {
        f"{source_schema}.{s} → {schema}.{t}" for s, t in zip(EXPECTED["preserve"], expected, strict=True)
    }
    assert labels == want
    html = Path(report["html"]).read_text(encoding="utf-8")
    assert f"names: <b>{source_schema} → {schema} (naming: {rule})</b>" in html


@pytest.mark.parametrize(
    ("rule", "schema"), [("lower", "public"), ("preserve", "app")], ids=["lower", "preserve-app-schema"]
)
def test_mariadb_chain_under_each_naming_rule(
    rule: str,
    schema: str,
    mariadb_server: MariaDBServer,
    pg_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    src = _source("mysql", mariadb_server, None, MYSQL_DDL)
    src.run(SEED)
    ctx = _context(src, pg_server, rule, schema)
    _check(ctx, src, _run_chain(ctx, src), rule)


@pytest.mark.parametrize(
    ("rule", "schema"), [("lower", "app"), ("preserve", "public")], ids=["lower-app-schema", "preserve"]
)
def test_postgres_chain_under_each_naming_rule(
    rule: str, schema: str, pg_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    src = _source("postgres", None, pg_server, PG_DDL)
    src.run(SEED)
    ctx = _context(src, pg_server, rule, schema)
    try:
        _check(ctx, src, _run_chain(ctx, src), rule)
    finally:
        pipeline.release_change_stream(ctx)


@pytest.mark.parametrize("kind", ["mysql", "postgres"])
def test_names_colliding_after_folding_stop_the_run_at_convert(
    kind: str,
    mariadb_server: MariaDBServer,
    pg_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    q = "`" if kind == "mysql" else '"'
    ddl = [
        f"CREATE TABLE {q}Order{q} ({q}Id{q} INT PRIMARY KEY)",
        f"CREATE TABLE {q}ORDER{q} ({q}Id{q} INT PRIMARY KEY)",
        f"CREATE TABLE {q}Track{q} ({q}TrackId{q} INT PRIMARY KEY, {q}Name{q} TEXT)",
    ]
    if kind == "postgres":  # MySQL column names are case-insensitive: only PostgreSQL can hold these two
        ddl.append(
            f"CREATE TABLE {q}Genre{q} ({q}GenreId{q} INT PRIMARY KEY, {q}NAME{q} TEXT, {q}Name{q} TEXT)"
        )
    src = _source(kind, mariadb_server if kind == "mysql" else None, pg_server, ddl)
    ctx = _context(src, pg_server, "lower", "public")
    pipeline.extract_step(ctx)
    with pytest.raises(RoachliftError) as err:
        pipeline.convert_step(ctx)
    text = str(err.value)
    hit = re.search(r"table (\S+) and table (\S+) both become 'order' under naming: lower", text)
    assert hit is not None, text
    assert {hit.group(1).rpartition(".")[2], hit.group(2).rpartition(".")[2]} == {"Order", "ORDER"}
    assert "rename one on the source or use naming: preserve" in text
    assert re.search(r"(Order|ORDER) \(DDL line \d+\): table", text), text  # names the line too
    if kind == "postgres":
        hit = re.search(r"column (\S+) and column (\S+) both become 'name'", text)
        assert hit is not None, text
        assert {hit.group(1), hit.group(2)} == {"public.Genre.NAME", "public.Genre.Name"}
    assert not ctx.dump_dir.exists()  # nothing dumped, nothing loaded
    # under preserve the same schema converts, loads and verifies
    ctx = _context(src, pg_server, "preserve", "public")
    try:
        pipeline.extract_step(ctx)
        pipeline.convert_step(ctx)
        pipeline.apply_phases_step(ctx, ["01_types", "02_tables"])
        dumped = pipeline.dump_step(ctx)
        for item in dumped["loads"]:
            pipeline.copy_table_step(ctx, Path(item["manifest"]))
        assert all(t["ok"] for t in pipeline.verify_step(ctx, live=False)["tables"])
    finally:
        pipeline.release_change_stream(ctx)


def test_load_cli_takes_method_dialect_and_table_handling_from_the_spec(
    pg_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from roachlift.cli import main

    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.delenv("ROACHLIFT_TARGET_URL", raising=False)
    src = _source("postgres", None, pg_server, PG_DDL)
    src.run(SEED)
    ctx = _context(src, pg_server, "lower", "public")
    ctx = pipeline.RunContext.create(
        spec=ctx.spec.model_copy(update={"cdc": ctx.spec.cdc.model_copy(update={"enabled": False})}),
        run_id="r1",
        mode="cutover",
        source=ctx.source,
        target=ctx.target_server,
    )
    pipeline.extract_step(ctx)
    pipeline.convert_step(ctx)
    pipeline.dump_step(ctx)
    pg_server.create_database(ctx.target_database)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(
        f"name: {ctx.spec.name}\nsource: {{kind: postgres, conn_id: src}}\n"
        f"target: {{conn_id: cli_tgt, database: {ctx.target_database}, dialect: postgres}}\n"
        "load: {method: copy, table_handling: truncate}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AIRFLOW_CONN_CLI_TGT", pg_server.uri("postgres"))
    argv = [
        "load",
        "--spec",
        str(spec_file),
        "--dump-dir",
        str(ctx.dump_dir),
        "--phase-dir",
        str(ctx.convert_dir),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "load: method copy, dialect postgres, table handling truncate, schema public" in out
    assert "public.invoiceline" in out and "public.订单" in out
    assert main(argv) == 0  # a rerun truncates (the spec's handling), it does not fail on rows present
    with psycopg.connect(pg_server.dsn(ctx.target_database)) as conn:
        assert conn.execute("SELECT count(*) FROM album").fetchone() == (3,)
    # the command line still wins over the spec
    assert main([*argv, "--table-handling", "fail-if-not-empty"]) == 2
    assert "already holds 3 row(s)" in capsys.readouterr().err
