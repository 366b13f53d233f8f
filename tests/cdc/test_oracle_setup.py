"""Oracle capture install and freeze statements (no server: the generated SQL and its order)."""

from __future__ import annotations

import pytest

from roachlift.cdc.model import CdcError
from roachlift.cdc.oracle import OracleTable
from roachlift.cdc.oracle_setup import clear_statement, install_statements, owner_of, read_only_statements
from roachlift.config.connections import parse_uri
from roachlift.config.spec import MigrationSpec
from roachlift.errors import RoachliftError

T = OracleTable("ORDERS", (("ID", "NUMBER(10)"), ("NOTE", "VARCHAR2(40)")), ("ID",))
U = OracleTable("Mixed Case", (("ID", "NUMBER(10)"),), ("ID",))


def _spec(schemas: list[str]) -> MigrationSpec:
    return MigrationSpec.model_validate(
        {
            "name": "ora",
            "source": {"kind": "oracle", "conn_id": "src", "schemas": schemas},
            "target": {"conn_id": "tgt", "database": "ora"},
        }
    )


def test_install_creates_the_staging_table_only_when_missing() -> None:
    fresh = install_statements("SHOP", [T, U], staging_exists=False)
    again = install_statements("SHOP", [T, U], staging_exists=True)
    assert fresh[0].startswith('CREATE TABLE "SHOP"."ROACHLIFT_CDC_STAGING"')
    assert fresh[1].startswith('CREATE SEQUENCE "SHOP"."ROACHLIFT_CDC_SEQ"')
    assert fresh[2:] == again
    assert all(s.startswith("CREATE OR REPLACE TRIGGER") for s in again)
    assert 'ON "SHOP"."Mixed Case"' in again[1] and '"RL$CDC_DDL"' in again[-1]
    assert clear_statement("SHOP") == 'DELETE FROM "SHOP"."ROACHLIFT_CDC_STAGING" WHERE "TABLE_NAME" = :name'


def test_freeze_is_read_only_per_table_with_the_ddl_trigger_paused() -> None:
    assert read_only_statements("SHOP", ["ORDERS", "Mixed Case"], True, ddl_trigger=True) == [
        'ALTER TRIGGER "SHOP"."RL$CDC_DDL" DISABLE',
        'ALTER TABLE "SHOP"."ORDERS" READ ONLY',
        'ALTER TABLE "SHOP"."Mixed Case" READ ONLY',
        'ALTER TRIGGER "SHOP"."RL$CDC_DDL" ENABLE',
    ]
    assert read_only_statements("SHOP", ["ORDERS"], False, ddl_trigger=False) == [
        'ALTER TABLE "SHOP"."ORDERS" READ WRITE'
    ]
    with pytest.raises(CdcError):
        read_only_statements("SHOP", ['BAD"NAME'], True, ddl_trigger=False)


def test_owner_from_spec_or_login() -> None:
    src = parse_uri("oracle://app:secret@db:1521/ORCLPDB1")
    assert owner_of(_spec(["shop"]), src) == "SHOP"
    assert owner_of(_spec([]), src) == "APP"
    with pytest.raises(RoachliftError):
        owner_of(_spec([]), parse_uri("oracle://db:1521/ORCLPDB1"))


def test_json_blob_columns_are_read_back_as_json_text() -> None:
    table = OracleTable("PRODUCTS", (("ID", "NUMBER"), ("DETAILS", "BLOB JSON"), ("IMG", "BLOB")), ("ID",))
    assert table.lob_columns() == ["DETAILS", "IMG"] and table.json_columns() == ["DETAILS"]
    trigger = install_statements("CO", [table], staging_exists=True)[0]
    assert "DETAILS" not in trigger and "IMG" not in trigger  # read by key, not carried in the trigger
