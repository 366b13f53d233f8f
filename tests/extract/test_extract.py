"""Schema extraction: PostgreSQL catalog DDL round trip, MySQL SHOW CREATE, Oracle on recorded rows."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import psycopg
import pymysql
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dump"))
from dump_helpers import load_mysql_sakila, make_spec

from roachlift.config.connections import parse_uri
from roachlift.convert.splitting import split_statements
from roachlift.extract import extract_schema
from roachlift.extract.oracle import build_result, clean_ddl
from roachlift.testing import MariaDBServer, PostgresServer

PG_SCHEMA = """
CREATE TYPE status AS ENUM ('new', 'paid', 'it''s');
CREATE DOMAIN pos_int AS integer DEFAULT 1 NOT NULL CHECK (VALUE > 0);
CREATE SEQUENCE order_no START 100 INCREMENT 5;
CREATE TABLE customer (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    "Mixed Case" varchar(20) COLLATE "C" DEFAULT 'x',
    score pos_int
);
CREATE TABLE orders (
    id integer DEFAULT nextval('order_no') PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE ON UPDATE RESTRICT,
    st status NOT NULL DEFAULT 'new',
    total numeric(12,2) CHECK (total >= 0),
    doubled numeric GENERATED ALWAYS AS (total * 2) STORED
);
ALTER SEQUENCE order_no OWNED BY orders.id;
CREATE INDEX orders_cust_ix ON orders (customer_id, st DESC) WHERE total > 10;
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO customer (email) SELECT 'c' || g FROM generate_series(1, 50) g;
INSERT INTO orders (customer_id, total) SELECT 1 + g % 50, g FROM generate_series(1, 500) g;
ANALYZE;
"""


def _body(ddl: str) -> str:
    return "\n".join(line for line in ddl.splitlines() if not line.startswith("-- roachlift"))


def test_postgres_extract_rebuilds_the_same_schema(pg_server: PostgresServer, pg_db: str) -> None:
    with psycopg.connect(pg_db) as conn:
        conn.execute(PG_SCHEMA)
    spec = make_spec("ex_pg", "postgres", ["public"])
    first = extract_schema(spec, parse_uri(pg_server.uri(pg_db.rsplit("/", 1)[1])))
    assert [t.name for t in first.tables] == ["orders", "customer"]  # largest first
    assert first.tables[0].estimated_rows == 500 and first.tables[0].primary_key == ["id"]
    assert {(r.kind, r.name) for r in first.review} == {("trigger", "orders_touch"), ("function", "touch")}
    ddl = first.ddl
    for needed in ("AS ENUM ('new', 'paid', 'it''s')", "GENERATED ALWAYS AS IDENTITY", "ON DELETE CASCADE",
                   "GENERATED ALWAYS AS ((total * (2)::numeric)) STORED", '"Mixed Case"', "CREATE DOMAIN",
                   "WHERE (total > (10)::numeric)", "CREATE VIEW"):  # fmt: skip
        assert needed in ddl, needed
    assert (
        ddl.index("CREATE TABLE") < ddl.index("CREATE INDEX") < ddl.index("FOREIGN KEY") < ddl.index("VIEW")
    )

    copy_db = pg_db.rsplit("/", 1)[1] + "_copy"
    copy_dsn = pg_server.create_database(copy_db)
    with psycopg.connect(copy_dsn) as conn:
        conn.execute(ddl)  # the extracted DDL is valid PostgreSQL
    second = extract_schema(spec, parse_uri(pg_server.uri(copy_db)))
    assert re.sub(r"setval\([^)]*\)", "", _body(second.ddl)) == re.sub(r"setval\([^)]*\)", "", _body(ddl))


def test_mysql_extract_sakila(mariadb_server: MariaDBServer, mysql_db: str, corpus: Path) -> None:
    load_mysql_sakila(mariadb_server, mysql_db, corpus)
    with pymysql.connect(**mariadb_server.connect_kwargs(mysql_db)) as conn, conn.cursor() as cur:  # type: ignore[arg-type]
        cur.execute("ANALYZE TABLE payment, rental, film_actor")
    spec = make_spec("ex_my", "mysql", [mysql_db])
    result = extract_schema(spec, parse_uri(mariadb_server.uri(mysql_db)))
    names = [t.name for t in result.tables]
    assert len(names) == 16 and set(names[:2]) == {"payment", "rental"}
    film_actor = next(t for t in result.tables if t.name == "film_actor")
    assert film_actor.primary_key == ["actor_id", "film_id"]
    assert result.ddl.count("CREATE TABLE `") == 16 and "CREATE ALGORITHM" in result.ddl
    kinds = {(r.kind, r.name) for r in result.review}
    assert ("trigger", "ins_film") in kinds and ("procedure", "rewards_report") in kinds
    assert ("function", "get_customer_balance") in kinds


RECORDED_TABLES = [
    ("SHOP", "ORDERS", 120000, 9437184),
    ("SHOP", "CUSTOMERS", 5000, 524288),
    ("SHOP", "X_HIST", 9, 0),
]


def _statements(path: Path) -> list[str]:
    """The statements of a DBMS_METADATA export, as the converter's scanner cuts them."""
    return [s.text for s in split_statements(path.read_text(), "oracle")]


RECORDED_COLUMNS = [
    ("SHOP", "ORDERS", "ORDER_ID", "NUMBER(12,0)", "N", None),
    ("SHOP", "ORDERS", "STATUS", "VARCHAR2(20)", "N", "'NEW' "),
    ("SHOP", "CUSTOMERS", "CUSTOMER_ID", "NUMBER(10,0)", "N", None),
]
RECORDED_PKS = [("SHOP", "ORDERS", "ORDER_ID"), ("SHOP", "CUSTOMERS", "CUSTOMER_ID")]


def test_oracle_build_result_from_recorded_dictionary_rows(corpus: Path) -> None:
    statements = _statements(corpus / "oracle-export/shop-dbms-metadata.sql")
    tables = {
        ("SHOP", re.search(r'TABLE "SHOP"\."(\w+)"', s).group(1)): s  # type: ignore[union-attr]
        for s in statements
        if s.startswith("CREATE TABLE")
    }
    objects = [
        (
            "INDEX",
            "SHOP",
            "ORDERS_CUSTOMER_IX",
            "ORDERS",
            next(s for s in statements if "ORDERS_CUSTOMER_IX" in s),
        ),
        ("SEQUENCE", "SHOP", "ORDERS_SEQ", None, next(s for s in statements if "CREATE SEQUENCE" in s)),
        (
            "TRIGGER",
            "SHOP",
            "ORDERS_BI",
            None,
            next(s for s in statements if "TRIGGER" in s and "BEGIN" in s),
        ),
    ]
    spec = make_spec("ex_ora", "oracle", ["SHOP"])
    spec = spec.model_copy(update={"source": spec.source.model_copy(update={"exclude": ["*_HIST"]})})
    result = build_result(spec.source, RECORDED_TABLES, RECORDED_COLUMNS, RECORDED_PKS, tables, objects)
    assert [t.name for t in result.tables] == ["ORDERS", "CUSTOMERS"]
    assert result.tables[0].columns[1].default == "'NEW'" and result.tables[0].primary_key == ["ORDER_ID"]
    for gone in (
        "STORAGE",
        "TABLESPACE",
        "PCTFREE",
        "SEGMENT CREATION",
        "STORE AS",
        "NOCOMPRESS",
        "INITRANS",
    ):
        assert gone not in result.ddl, gone
    assert (
        'CREATE TABLE "SHOP"."ORDERS"' in result.ddl
        and '"LAST_LOGIN" TIMESTAMP (6) WITH TIME ZONE' in result.ddl
    )
    assert 'CONSTRAINT "CUSTOMERS_PK" PRIMARY KEY ("CUSTOMER_ID")' in result.ddl
    assert "CREATE SEQUENCE" in result.ddl and "CACHE 20" in result.ddl
    assert [r.name for r in result.review] == ["ORDERS_BI"] and "TRIGGER" not in result.ddl
    assert all(s.endswith(";") for s in result.ddl.split("\n\n") if s.startswith("CREATE"))


def test_clean_ddl_keeps_literals_and_terminates() -> None:
    text = clean_ddl("""CREATE TABLE "A"."T" ("C" VARCHAR2(10) DEFAULT 'TABLESPACE X')
  PCTFREE 10 TABLESPACE "USERS" STORAGE(INITIAL 65536 NEXT (1)) """)
    assert text == 'CREATE TABLE "A"."T" ("C" VARCHAR2(10) DEFAULT \'TABLESPACE X\');'
    assert "STORAGE" not in text and "PCTFREE" not in text and text.endswith(";")


@pytest.mark.oracle
def test_oracle_live_extract() -> None:
    dsn = os.environ.get("ROACHLIFT_TEST_ORACLE_DSN")
    if not dsn:
        pytest.skip("ROACHLIFT_TEST_ORACLE_DSN is not set (oracle://user:password@host:1521/service)")
    conninfo = parse_uri(dsn)
    spec = make_spec("ex_ora_live", "oracle", [str(conninfo.user).upper()])
    result = extract_schema(spec, conninfo)
    assert "STORAGE(" not in result.ddl
    assert all(t.schema == str(conninfo.user).upper() for t in result.tables)


def test_oracle_comments_from_recorded_dictionary_rows_convert(corpus: Path) -> None:
    from roachlift.convert import convert_ddl

    statements = _statements(corpus / "oracle-export/shop-dbms-metadata.sql")
    tables = {
        ("SHOP", re.search(r'TABLE "SHOP"\."(\w+)"', s).group(1)): s  # type: ignore[union-attr]
        for s in statements
        if s.startswith("CREATE TABLE")
    }
    comments = [
        ("SHOP", "ORDERS", None, "One row per order; it's the fact table"),
        ("SHOP", "ORDERS", "STATUS", "NEW, PAID\nor SHIPPED"),
        ("SHOP", "ORDERS_HIST", None, "excluded table: no comment"),
    ]
    spec = make_spec("ex_ora", "oracle", ["SHOP"])
    spec = spec.model_copy(update={"source": spec.source.model_copy(update={"exclude": ["*_HIST"]})})
    result = build_result(spec.source, RECORDED_TABLES, RECORDED_COLUMNS, RECORDED_PKS, tables, [], comments)
    assert """COMMENT ON TABLE "SHOP"."ORDERS" IS 'One row per order; it''s the fact table';""" in result.ddl
    assert "ORDERS_HIST" not in result.ddl
    converted = convert_ddl(result.ddl, "oracle").phase_sql("02_tables")
    assert "COMMENT ON TABLE orders IS 'One row per order; it''s the fact table'" in converted
    assert "COMMENT ON COLUMN orders.status IS 'NEW, PAID\nor SHIPPED'" in converted


def test_oracle_capture_objects_are_never_extracted() -> None:
    spec = make_spec("ex_ora", "oracle", ["SHOP"])
    tables = [("SHOP", "ORDERS", 10, 65536), ("SHOP", "ROACHLIFT_CDC_STAGING", 3, 65536)]
    objects = [
        ("SEQUENCE", "SHOP", "ROACHLIFT_CDC_SEQ", None, 'CREATE SEQUENCE "SHOP"."ROACHLIFT_CDC_SEQ" ORDER;'),
        ("TRIGGER", "SHOP", "RL$CDC_ORDERS", None, "CREATE TRIGGER ..."),
        ("TRIGGER", "SHOP", "ORDERS_BI", None, "CREATE TRIGGER orders_bi ..."),
    ]
    ddl = {("SHOP", "ORDERS"): 'CREATE TABLE "SHOP"."ORDERS" ("ID" NUMBER);'}
    result = build_result(spec.source, tables, [], [], ddl, objects)
    assert [t.name for t in result.tables] == ["ORDERS"]
    assert "ROACHLIFT_CDC" not in result.ddl and [r.name for r in result.review] == ["ORDERS_BI"]
