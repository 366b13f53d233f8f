"""Oracle trigger capture: the generated SQL, and recorded staging rows parsed into changes."""

from __future__ import annotations

import contextlib
import datetime as dt
import os

import pytest

from roachlift.cdc.model import CdcError, Op, SchemaChangedError
from roachlift.cdc.oracle import (
    OracleTable,
    capture_sql,
    convert_oracle_value,
    drop_capture_sql,
    seq_ranges,
    staged_changes,
)

ORDERS = OracleTable(
    "ORDERS",
    (
        ("ORDER_ID", "NUMBER(10)"),
        ("CUSTOMER", "VARCHAR2(40)"),
        ("PLACED", "DATE"),
        ("SHIPPED_AT", "TIMESTAMP(6) WITH TIME ZONE"),
        ("TOTAL", "NUMBER(12,2)"),
        ("NOTE", "CLOB"),
        ("TOKEN", "RAW(16)"),
        ("RATIO", "BINARY_DOUBLE"),
        ("LOGGED", "TIMESTAMP(3)"),
    ),
    ("ORDER_ID",),
)
LINES = OracleTable(
    "ORDER_LINES", (("ORDER_ID", "NUMBER"), ("LINE_NO", "NUMBER"), ("PHOTO", "BLOB")), ("ORDER_ID", "LINE_NO")
)


def test_generated_capture_sql() -> None:
    statements = capture_sql("SHOP", [ORDERS, LINES])
    assert statements[0].startswith('CREATE TABLE "SHOP"."ROACHLIFT_CDC_STAGING"')
    assert statements[1] == 'CREATE SEQUENCE "SHOP"."ROACHLIFT_CDC_SEQ" CACHE 1000 ORDER'
    trigger = statements[2]
    assert 'CREATE OR REPLACE TRIGGER "SHOP"."RL$CDC_ORDERS"' in trigger
    assert 'AFTER INSERT OR UPDATE OR DELETE ON "SHOP"."ORDERS"' in trigger
    assert "FOR EACH ROW" in trigger
    assert "v_txn := DBMS_TRANSACTION.LOCAL_TRANSACTION_ID(TRUE);" in trigger
    assert "CASE WHEN v_op <> 'I' THEN JSON_OBJECT(" in trigger  # no PL/SQL BOOLEAN inside SQL
    assert """JSON_OBJECT(KEY 'ORDER_ID' VALUE :OLD."ORDER_ID" NULL ON NULL RETURNING CLOB)""" in trigger
    assert """KEY 'PLACED' VALUE TO_CHAR(:NEW."PLACED", 'YYYY-MM-DD"T"HH24:MI:SS')""" in trigger
    assert (
        """KEY 'SHIPPED_AT' VALUE TO_CHAR(SYS_EXTRACT_UTC(:NEW."SHIPPED_AT"), """
        """'YYYY-MM-DD"T"HH24:MI:SS.FF9')""" in trigger
    )
    assert """KEY 'TOKEN' VALUE RAWTOHEX(:NEW."TOKEN")""" in trigger
    assert """KEY 'RATIO' VALUE TO_CHAR(:NEW."RATIO")""" in trigger
    assert """KEY 'NOTE' VALUE :NEW."NOTE\"""" in trigger
    assert "{" not in trigger and "--" not in trigger
    lines = statements[3]
    assert "PHOTO" not in lines  # BLOBs are read back by key, not carried in the JSON
    ddl = statements[4]
    assert 'AFTER TRUNCATE OR ALTER OR DROP OR RENAME ON "SHOP".SCHEMA' in ddl
    assert "PRAGMA AUTONOMOUS_TRANSACTION" in ddl and "v_name IN ('ORDERS', 'ORDER_LINES')" in ddl
    assert len(statements) == 5
    assert drop_capture_sql("SHOP", [ORDERS])[0] == 'DROP TRIGGER "SHOP"."RL$CDC_ORDERS"'


def test_table_without_key_and_bad_identifiers_are_refused() -> None:
    with pytest.raises(CdcError, match=r"SHOP\.LOG has no primary key"):
        capture_sql("SHOP", [OracleTable("LOG", (("MSG", "VARCHAR2(10)"),), ())])
    with pytest.raises(CdcError, match="not a valid Oracle identifier"):
        capture_sql('SH"OP', [ORDERS])


# Rows as the drain query returns them through oracledb (CLOBs read to str).
RECORDED = [
    (
        101,
        "7.12.900",
        "I",
        "SHOP",
        "ORDERS",
        dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC),
        None,
        '{"ORDER_ID":1,"CUSTOMER":"Ann","PLACED":"2024-05-01T09:59:58","SHIPPED_AT":"2024-05-01T08:00:00.250000",'
        '"TOTAL":12.5,"NOTE":"line1\\nline2, \\"q\\"","TOKEN":"00FF","RATIO":"Nan",'
        '"LOGGED":"2024-05-01T10:00:00.000000"}',
    ),
    (
        102,
        "7.12.900",
        "U",
        "SHOP",
        "ORDERS",
        None,
        '{"ORDER_ID":1}',
        '{"ORDER_ID":2,"CUSTOMER":null,"PLACED":null,"SHIPPED_AT":null,"TOTAL":1E+3,"NOTE":"","TOKEN":null,'
        '"RATIO":"-1.5E-007","LOGGED":null}',
    ),
    (103, "8.1.5", "D", "SHOP", "ORDERS", None, '{"ORDER_ID":2}', None),
    (104, "ddl-104", "T", "SHOP", "ORDER_LINES", None, None, "TRUNCATE"),
]


def test_recorded_rows_become_changes() -> None:
    changes = list(staged_changes(RECORDED, {"ORDERS": ORDERS, "ORDER_LINES": LINES}))
    assert [c.op for c in changes] == [Op.INSERT, Op.UPDATE, Op.DELETE, Op.TRUNCATE]
    first = changes[0]
    assert first.table == "SHOP.ORDERS" and first.key_columns == ("ORDER_ID",)
    assert first.new == {
        "ORDER_ID": "1",
        "CUSTOMER": "Ann",
        "PLACED": "2024-05-01 09:59:58",
        "SHIPPED_AT": "2024-05-01 08:00:00.25+00",
        "TOTAL": "12.5",
        "NOTE": 'line1\nline2, "q"',
        "TOKEN": "\\x00ff",
        "RATIO": "NaN",
        "LOGGED": "2024-05-01 10:00:00",
    }
    assert changes[1].old_key == {"ORDER_ID": "1"}
    assert changes[1].new is not None and changes[1].new["TOTAL"] == "1000"
    assert changes[1].new["RATIO"] == "-1.5e-07" and changes[1].new["NOTE"] == ""
    assert changes[2].old_key == {"ORDER_ID": "2"} and changes[2].new is None
    assert changes[3].table == "SHOP.ORDER_LINES"


def test_recorded_ddl_row_stops_and_blobs_need_the_live_reader() -> None:
    ddl = [(105, "ddl-105", "S", "SHOP", "ORDERS", None, None, "ALTER")]
    with pytest.raises(SchemaChangedError, match=r"SHOP\.ORDERS changed mid-stream \(ALTER"):
        list(staged_changes(ddl, {"ORDERS": ORDERS}))
    blob = [(106, "9.1.1", "I", "SHOP", "ORDER_LINES", None, None, '{"ORDER_ID":1,"LINE_NO":1}')]
    with pytest.raises(CdcError, match="BLOB column"):
        list(staged_changes(blob, {"ORDER_LINES": LINES}))
    fetched = list(
        staged_changes(blob, {"ORDER_LINES": LINES}, fetch_lobs=lambda o, t, k, cols: {"PHOTO": b"\x89PNG"})
    )
    assert fetched[0].new == {"ORDER_ID": "1", "LINE_NO": "1", "PHOTO": "\\x89504e47"}


def test_values_and_ranges() -> None:
    assert convert_oracle_value("Inf", "BINARY_FLOAT") == "Infinity"
    assert convert_oracle_value("2024-01-02T03:04:05", "DATE") == "2024-01-02 03:04:05"
    # TIMESTAMP(9) values as the trigger writes them: the same text as the dump's
    ts = "TIMESTAMP WITH TIME ZONE"
    assert convert_oracle_value("2024-01-02T03:04:05.120000000", "TIMESTAMP") == "2024-01-02 03:04:05.12"
    assert convert_oracle_value("2024-01-02T03:04:05.000000000", ts) == "2024-01-02 03:04:05+00"
    assert convert_oracle_value("2024-01-02T03:04:05.123456789", ts) == "2024-01-02 03:04:05.123456789+00"
    assert seq_ranges([5, 3, 4, 9, 11, 10]) == [[3, 5], [9, 11]]


@pytest.mark.oracle
@pytest.mark.skipif(
    not os.environ.get("ROACHLIFT_TEST_ORACLE_DSN"),
    reason="no Oracle server: set ROACHLIFT_TEST_ORACLE_DSN=user/password@host:port/service to run",
)
def test_live_oracle_capture(pg_target: str) -> None:  # pragma: no cover - needs Oracle
    import oracledb

    from roachlift.cdc.apply import run_applier
    from roachlift.cdc.oracle import OracleSource

    from .conftest import execute, rows

    dsn = os.environ["ROACHLIFT_TEST_ORACLE_DSN"]
    user, rest = dsn.split("/", 1)
    password, address = rest.split("@", 1)
    table = OracleTable("RL_CDC_T", (("ID", "NUMBER(10)"), ("NAME", "VARCHAR2(20)")), ("ID",))
    conn = oracledb.connect(user=user, password=password, dsn=address)
    owner = user.upper()
    with conn.cursor() as cur:
        for stmt in [*drop_capture_sql(owner, [table]), 'DROP TABLE "RL_CDC_T" PURGE']:
            with contextlib.suppress(oracledb.DatabaseError):
                cur.execute(stmt)
        cur.execute('CREATE TABLE "RL_CDC_T" ("ID" NUMBER(10) PRIMARY KEY, "NAME" VARCHAR2(20))')
        for stmt in capture_sql(owner, [table]):
            cur.execute(stmt)
        cur.execute("INSERT INTO \"RL_CDC_T\" VALUES (1, 'a')")
        cur.execute("INSERT INTO \"RL_CDC_T\" VALUES (2, 'b')")
        cur.execute('UPDATE "RL_CDC_T" SET "ID" = 3, "NAME" = \'c\' WHERE "ID" = 2')
        cur.execute('DELETE FROM "RL_CDC_T" WHERE "ID" = 1')
    conn.commit()
    execute(pg_target, "CREATE TABLE rl_cdc_t (id int PRIMARY KEY, name text)")
    source = OracleSource(lambda: oracledb.connect(user=user, password=password, dsn=address), owner, [table])
    stats = run_applier(source, pg_target, migration="ora")
    assert stats.changes == 4
    assert rows(pg_target, "SELECT id, name FROM rl_cdc_t") == [(3, "c")]
