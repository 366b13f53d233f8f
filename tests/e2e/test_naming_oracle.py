"""Oracle's upper-case dictionary names (CORE.CLIENTS, CLIENT_ID) through convert, the dump manifest,
the load and CDC apply, on recorded dictionary rows and staging rows (no Oracle server here) into a
real PostgreSQL target, under both naming rules."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest

from roachlift.cdc.apply import BatchApplier, TargetCatalog
from roachlift.cdc.oracle import OracleTable, staged_changes
from roachlift.config.spec import parse_spec
from roachlift.convert import ConvertOptions, convert_ddl, write_output
from roachlift.dump import target_table_name, with_target_names
from roachlift.dump.manifest import PartFile, TableManifest, table_dir_name
from roachlift.extract.oracle import build_result
from roachlift.load.loader import load_table
from roachlift.load.phases import apply_phases
from roachlift.naming import Naming
from roachlift.target.targets import PostgresTarget

RECORDED_TABLES = [("CORE", "CLIENTS", 3, 65536), ("CORE", "ACCOUNTS", 3, 65536)]
RECORDED_COLUMNS = [
    ("CORE", "CLIENTS", "CLIENT_ID", "NUMBER(10,0)", "N", None),
    ("CORE", "CLIENTS", "FULL_NAME", "VARCHAR2(200)", "Y", None),
    ("CORE", "CLIENTS", "Nickname", "VARCHAR2(40)", "Y", None),
    ("CORE", "ACCOUNTS", "ACCOUNT_ID", "NUMBER(12,0)", "N", None),
    ("CORE", "ACCOUNTS", "CLIENT_ID", "NUMBER(10,0)", "N", None),
    ("CORE", "ACCOUNTS", "BALANCE", "NUMBER(14,2)", "Y", None),
]
RECORDED_PKS = [("CORE", "CLIENTS", "CLIENT_ID"), ("CORE", "ACCOUNTS", "ACCOUNT_ID")]
# DBMS_METADATA.GET_DDL text as Oracle writes it: every name quoted, in the dictionary's case
DDL = {
    ("CORE", "CLIENTS"): """
  CREATE TABLE "CORE"."CLIENTS"
   (	"CLIENT_ID" NUMBER(10,0) NOT NULL ENABLE,
	"FULL_NAME" VARCHAR2(200),
	"Nickname" VARCHAR2(40),
	CONSTRAINT "CLIENTS_PK" PRIMARY KEY ("CLIENT_ID")
  USING INDEX PCTFREE 10 INITRANS 2 MAXTRANS 255 TABLESPACE "USERS"  ENABLE
   ) SEGMENT CREATION IMMEDIATE
  PCTFREE 10 PCTUSED 40 INITRANS 1 MAXTRANS 255 NOCOMPRESS LOGGING
  TABLESPACE "USERS" """,
    ("CORE", "ACCOUNTS"): """
  CREATE TABLE "CORE"."ACCOUNTS"
   (	"ACCOUNT_ID" NUMBER(12,0) NOT NULL ENABLE,
	"CLIENT_ID" NUMBER(10,0) NOT NULL ENABLE,
	"BALANCE" NUMBER(14,2),
	CONSTRAINT "ACCOUNTS_PK" PRIMARY KEY ("ACCOUNT_ID")
  USING INDEX  ENABLE,
	CONSTRAINT "ACCOUNTS_CLIENT_FK" FOREIGN KEY ("CLIENT_ID")
		REFERENCES "CORE"."CLIENTS" ("CLIENT_ID") ENABLE
   ) SEGMENT CREATION DEFERRED
  TABLESPACE "USERS" """,
}
#: the CSV the Oracle dumper writes for each table (AS OF SCN), in dictionary column order
DUMPED = {
    "CORE.CLIENTS": "1,Ann Lee,annie\n2,Jürgen Groß,\n3,王芳,fang\n",
    "CORE.ACCOUNTS": "10,1,100.25\n11,2,0.00\n12,3,-5.50\n",
}
# staging rows (SEQ, TXN, OP, TABLE_OWNER, TABLE_NAME, CHANGED_AT, OLD_KEY, NEW_ROW) after the SCN
STAGED = [
    (
        201,
        "4.1.7",
        "I",
        "CORE",
        "CLIENTS",
        None,
        None,
        '{"CLIENT_ID":4,"FULL_NAME":"Dörte Weiß","Nickname":"dw"}',
    ),
    (
        202,
        "4.1.7",
        "U",
        "CORE",
        "ACCOUNTS",
        None,
        '{"ACCOUNT_ID":11}',
        '{"ACCOUNT_ID":11,"CLIENT_ID":4,"BALANCE":10.5}',
    ),
    (203, "4.2.1", "D", "CORE", "ACCOUNTS", None, '{"ACCOUNT_ID":12}', None),
]
EXPECTED = {
    "lower": (
        "clients",
        ["client_id", "full_name", "nickname"],
        "accounts",
        ["account_id", "client_id", "balance"],
    ),
    "preserve": (
        "CLIENTS",
        ["CLIENT_ID", "FULL_NAME", "Nickname"],
        "ACCOUNTS",
        ["ACCOUNT_ID", "CLIENT_ID", "BALANCE"],
    ),
}


@pytest.mark.parametrize("rule", ["lower", "preserve"])
def test_oracle_upper_case_names_follow_one_rule_from_dictionary_to_cdc(
    rule: str, pg_db: str, tmp_path: Path
) -> None:
    spec = parse_spec(
        {
            "name": "core_ora",
            "source": {"kind": "oracle", "conn_id": "src", "schemas": ["CORE"]},
            "target": {"conn_id": "tgt", "database": "t", "dialect": "postgres"},
            "naming": rule,
        }
    )
    naming = Naming.from_spec(spec)
    clients, client_cols, accounts, account_cols = EXPECTED[rule]
    extracted = build_result(spec.source, RECORDED_TABLES, RECORDED_COLUMNS, RECORDED_PKS, DDL, [])
    assert {t.qualified_name for t in extracted.tables} == {"CORE.CLIENTS", "CORE.ACCOUNTS"}
    extracted.tables.sort(key=lambda t: t.name != "CLIENTS")  # parents first for the load

    # convert: the phase files name the tables and columns by the rule
    converted = convert_ddl(extracted.ddl, "oracle", "postgres", ConvertOptions(naming=rule))
    assert not converted.errors, [e.message for e in converted.errors]
    assert {t.name: [c["name"] for c in t.columns] for t in converted.tables} == {
        clients: client_cols,
        accounts: account_cols,
    }
    assert {t.source_name for t in converted.tables} == {"CORE.CLIENTS", "CORE.ACCOUNTS"}
    write_output(converted, tmp_path / "convert")

    # dump manifests: target_table and target_columns from the same rule
    out = tmp_path / "dump"
    manifests = []
    for info in extracted.tables:
        folder = out / table_dir_name(info.qualified_name)
        folder.mkdir(parents=True)
        data = DUMPED[info.qualified_name].encode()
        (folder / "part-00001.csv").write_bytes(data)
        part = PartFile("part-00001.csv", data.count(b"\n"), len(data), hashlib.sha256(data).hexdigest())
        manifest = TableManifest(
            table=info.qualified_name,
            target_table=target_table_name(spec, info.qualified_name),
            columns=[c.name for c in info.columns],
            files=[part],
            rows=part.rows,
            bytes=part.bytes,
        )
        manifests.append(with_target_names(spec, manifest, out))
    assert [(m.target_table, m.target_columns) for m in manifests] == [
        (f"public.{clients}", client_cols),
        (f"public.{accounts}", account_cols),
    ]
    assert naming.label("CORE.CLIENTS") == f"CORE.CLIENTS → public.{clients}"

    # load into the real target: phases, then each manifest, then the foreign keys
    with psycopg.connect(pg_db, autocommit=True) as conn:
        apply_phases(conn, tmp_path / "convert", ["types", "tables"])
        for m in manifests:
            load_table(
                conn, out / table_dir_name(m.table) / "manifest.json", "copy", target_dialect="postgres"
            )
        apply_phases(conn, tmp_path / "convert", ["indexes", "foreign_keys"])

        # CDC: the recorded staging rows, upper-case names, applied through the same rule
        tables = {
            "CLIENTS": OracleTable(
                "CLIENTS",
                (("CLIENT_ID", "NUMBER(10,0)"), ("FULL_NAME", "VARCHAR2(200)"), ("Nickname", "VARCHAR2(40)")),
                ("CLIENT_ID",),
            ),
            "ACCOUNTS": OracleTable(
                "ACCOUNTS",
                (("ACCOUNT_ID", "NUMBER(12,0)"), ("CLIENT_ID", "NUMBER(10,0)"), ("BALANCE", "NUMBER(14,2)")),
                ("ACCOUNT_ID",),
            ),
        }
        applier = BatchApplier(conn, TargetCatalog(conn, "public", naming), PostgresTarget())
        with conn.transaction():
            for change in staged_changes(STAGED, tables):
                applier.add(change)
            applier.flush()

        q_clients = naming.sql("CLIENTS")
        q_accounts = naming.sql("ACCOUNTS")
        got_clients = conn.execute(f"SELECT * FROM {q_clients} ORDER BY 1").fetchall()  # type: ignore[arg-type]
        got_accounts = conn.execute(f"SELECT * FROM {q_accounts} ORDER BY 1").fetchall()  # type: ignore[arg-type]
    assert [tuple(str(v) if v is not None else None for v in r) for r in got_clients] == [
        ("1", "Ann Lee", "annie"),
        ("2", "Jürgen Groß", None),
        ("3", "王芳", "fang"),
        ("4", "Dörte Weiß", "dw"),
    ]
    assert [tuple(str(v) for v in r) for r in got_accounts] == [("10", "1", "100.25"), ("11", "4", "10.50")]
