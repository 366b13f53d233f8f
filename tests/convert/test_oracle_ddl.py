"""Oracle DDL as DBAs write it and as DBMS_METADATA.GET_DDL prints it (fixtures in cases/), plus one
focused case per clause: parenthesised ADD lists, IDENTITY options, DEFAULT ON NULL, virtual
columns, IS JSON, NOVALIDATE/DISABLE, synonyms, statement order, key types, effort grades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roachlift.convert import ConversionResult, convert_ddl, write_output
from roachlift.convert.report import grade_objects

CASES = Path(__file__).parent / "cases"


def _convert(text: str) -> ConversionResult:
    return convert_ddl(text, "oracle")


def _col(result: ConversionResult, table: str, column: str) -> dict[str, object]:
    for t in result.tables:
        if t.name == table:
            for c in t.columns:
                if c["name"] == column:
                    return c
    raise AssertionError(f"{table}.{column} missing")


def _codes(result: ConversionResult) -> list[str]:
    return [r.code for r in result.review]


@pytest.fixture(scope="module")
def dba() -> ConversionResult:
    return _convert((CASES / "oracle_dba_script.sql").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def get_ddl() -> ConversionResult:
    return _convert((CASES / "oracle_get_ddl.sql").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["dba", "get_ddl"])
def test_fixture_converts_without_errors(name: str, request: pytest.FixtureRequest) -> None:
    result: ConversionResult = request.getfixturevalue(name)
    assert result.errors == [], [r.message for r in result.errors]
    assert all(t.primary_key for t in result.tables), [t.name for t in result.tables if not t.primary_key]


def test_dba_script_keys_come_from_parenthesised_add_lists(dba: ConversionResult) -> None:
    pks = {t.name: t.primary_key for t in dba.tables}
    assert pks == {
        "ticket_events": ["event_id"],
        "tickets": ["ticket_id"],
        "agents": ["agent_id"],
        "teams": ["team_code"],
        "ticket_tags": ["ticket_id", "tag"],
    }
    fks = {(f["table"], f["name"]): (f["ref_table"], f["ref_columns"]) for f in dba.foreign_keys}
    assert fks == {
        ("ticket_events", "ticket_events_ticket_fk"): ("tickets", ["ticket_id"]),
        ("ticket_events", "ticket_events_agent_fk"): ("agents", ["agent_id"]),
        ("ticket_tags", "ticket_tags_ticket_fk"): ("tickets", ["ticket_id"]),
    }
    # the disabled foreign key is not created but kept for a person
    assert ("agents.agents_team_fk") in {m.name for m in dba.manual_review}
    assert "agents_login_uk" in {i["name"] for i in dba.indexes}
    # ALTER ... ADD (col) and MODIFY (col type) on tables created earlier in the file
    assert _col(dba, "agents", "email")["type"] == "VARCHAR(320)"
    assert _col(dba, "tickets", "subject")["type"] == "VARCHAR(300)"
    assert _col(dba, "tickets", "subject")["nullable"] is False


def test_identity_with_every_option(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    assert _col(dba, "tickets", "ticket_id")["type"] == "BIGINT"
    assert _col(get_ddl, "accounts", "account_id")["type"] == "BIGINT"
    types_sql = get_ddl.phase_sql("01_types")
    assert "CREATE SEQUENCE payments_payment_id_seq START WITH 100;" in types_sql
    assert "9999999999999999999999999999" not in types_sql
    tables = get_ddl.phase_sql("02_tables")
    assert "account_id BIGINT NOT NULL DEFAULT NEXTVAL('accounts_account_id_seq')" in tables
    assert "ON NULL" not in tables and "NOKEEP" not in tables and "NOSCALE" not in tables
    seq_events = dba.phase_sql("01_types")
    assert "CREATE SEQUENCE ticket_events_event_id_seq;" in seq_events


def test_default_on_null_becomes_default_and_not_null(
    dba: ConversionResult, get_ddl: ConversionResult
) -> None:
    prio = _col(dba, "tickets", "priority")
    assert (prio["type"], prio["nullable"]) == ("SMALLINT", False)
    assert "priority SMALLINT NOT NULL DEFAULT 3" in dba.phase_sql("02_tables")
    assert _col(get_ddl, "accounts", "credit")["nullable"] is False


def test_virtual_columns_become_stored_computed(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    tables = dba.phase_sql("02_tables")
    assert "price_tax DECIMAL(14, 2) GENERATED ALWAYS AS (ROUND(price * 1.2, 2)) STORED" in tables
    assert "subject_len INT4 GENERATED ALWAYS AS (LENGTH(subject)) STORED" in tables
    assert _col(dba, "tickets", "subject_len")["computed"] is True
    assert "virtual_column_type" in _codes(dba)
    assert "code_upper VARCHAR(20) GENERATED ALWAYS AS (UPPER(code)) STORED" in get_ddl.phase_sql("02_tables")


def test_is_json_check_makes_jsonb_and_is_dropped(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    assert _col(dba, "ticket_events", "payload")["type"] == "JSONB"
    assert _col(dba, "tickets", "attrs")["type"] == "JSONB"
    assert _col(get_ddl, "accounts", "profile")["type"] == "JSONB"
    for result in (dba, get_ddl):
        assert "IS JSON" not in result.phase_sql("02_tables").upper()
    assert _codes(dba).count("is_json_check") == 2


def test_json_check_added_later_changes_the_existing_column() -> None:
    r = _convert(
        "CREATE TABLE t (id NUMBER(9) PRIMARY KEY, doc CLOB);\n"
        "ALTER TABLE t ADD CONSTRAINT t_doc_json CHECK (doc IS JSON);"
    )
    assert r.errors == [] and _col(r, "t", "doc")["type"] == "JSONB"


def test_storage_clauses_listed_once(get_ddl: ConversionResult) -> None:
    items = [r for r in get_ddl.review if r.code == "oracle_physical_clauses"]
    assert len(items) == 1
    for word in ("TABLESPACE", "STORAGE", "PCTFREE", "LOB", "NOLOGGING", "COMPRESS", "PARTITION BY"):
        assert word in items[0].message
    text = "".join(get_ddl.phase_sql(p) for p in ("02_tables", "03_indexes", "04_foreign_keys"))
    for leftover in ("TABLESPACE", "STORAGE", "PCTFREE", "SECUREFILE", "ENABLE", "NOVALIDATE", "USING INDEX"):
        assert leftover not in text.upper()


def test_novalidate_and_disable(get_ddl: ConversionResult) -> None:
    objects = {(r.code, r.object) for r in get_ddl.review}
    assert ("novalidate_constraint", "invoices.invoices_amount_ck") in objects
    assert ("disabled_constraint", "invoices.invoices_old_ck") in objects
    assert ("disabled_constraint", "payments.payments_account_fk") in objects
    assert "invoices_old_ck" not in get_ddl.phase_sql("02_tables")
    assert {f["name"] for f in get_ddl.foreign_keys} == {"invoices_account_fk", "payments_invoice_fk"}
    manual = {m.name: m.text for m in get_ddl.manual_review}
    assert manual["invoices.invoices_old_ck"].startswith("ALTER TABLE invoices ADD CONSTRAINT")


def test_partitioning_dropped_with_a_note(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    assert ("oracle_partitioning", "ticket_tags") in {(r.code, r.object) for r in dba.review}
    assert ("oracle_partitioning", "invoices") in {(r.code, r.object) for r in get_ddl.review}
    assert "PARTITION" not in get_ddl.phase_sql("02_tables") + get_ddl.phase_sql("03_indexes")


def test_types(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    expect = {
        ("ticket_events", "happened_at"): "TIMESTAMPTZ(3)",
        ("ticket_events", "local_seen"): "TIMESTAMPTZ",
        ("ticket_events", "waited"): "INTERVAL",
        ("ticket_events", "sla"): "INTERVAL",
        ("tickets", "row_ref"): "TEXT",
        ("tickets", "legacy_key"): "BYTEA",
        ("tickets", "body_xml"): "TEXT",
        ("tickets", "opened_on"): "TIMESTAMP",
    }
    for (t, c), typ in expect.items():
        assert _col(dba, t, c)["type"] == typ, (t, c)
    assert _col(get_ddl, "invoices", "src_rowid")["type"] == "TEXT"
    assert _col(get_ddl, "invoices", "doc")["type"] == "TEXT"
    assert _col(get_ddl, "invoices", "amount")["type"] == "DECIMAL(38, 10)"


def test_key_families_share_one_integer_type(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    # bare NUMBER identity key referenced by NUMBER(19) columns: INT8 on both sides
    for t, c in [("tickets", "ticket_id"), ("ticket_events", "ticket_id"), ("ticket_tags", "ticket_id")]:
        assert _col(dba, t, c)["type"] == "BIGINT", (t, c)
    for t, c in [("invoices", "invoice_id"), ("payments", "invoice_id"), ("invoices", "account_id")]:
        assert _col(get_ddl, t, c)["type"] == "BIGINT", (t, c)
    assert "fk_type_mismatch" not in _codes(dba) + _codes(get_ddl)
    assert "number_key_integer" in _codes(get_ddl)


def test_bare_number_key_referenced_by_number19() -> None:
    r = _convert(
        "CREATE TABLE parent (id NUMBER PRIMARY KEY, v NUMBER);\n"
        "CREATE TABLE child (id NUMBER(9) PRIMARY KEY, parent_id NUMBER(19) REFERENCES parent(id));"
    )
    assert _col(r, "parent", "id")["type"] == "BIGINT"
    assert _col(r, "child", "parent_id")["type"] == "BIGINT"
    assert _col(r, "parent", "v")["type"] == "DECIMAL"  # not a key: stays exact
    assert "fk_type_mismatch" not in _codes(r)


def test_fractional_key_family_is_left_alone() -> None:
    r = _convert(
        "CREATE TABLE p (id NUMBER(10,2) PRIMARY KEY);\n"
        "CREATE TABLE c (id NUMBER(9) PRIMARY KEY, p_id NUMBER(10,2) REFERENCES p(id));"
    )
    assert _col(r, "p", "id")["type"] == "DECIMAL(10, 2)"
    assert _col(r, "c", "p_id")["type"] == "DECIMAL(10, 2)"


def test_statements_in_any_order() -> None:
    r = _convert(
        "ALTER TABLE orders ADD (CONSTRAINT orders_pk PRIMARY KEY (id), "
        "CONSTRAINT orders_c_fk FOREIGN KEY (c_id) REFERENCES customers);\n"
        "CREATE INDEX orders_c_ix ON orders (c_id);\n"
        "CREATE TABLE orders (id NUMBER(10), c_id NUMBER(10));\n"
        "CREATE TABLE customers (id NUMBER(10) CONSTRAINT customers_pk PRIMARY KEY);\n"
    )
    assert r.errors == []
    assert {t.name: t.primary_key for t in r.tables} == {"orders": ["id"], "customers": ["id"]}
    assert [f["name"] for f in r.foreign_keys] == ["orders_c_fk"]


def test_alter_on_unknown_table_is_a_clear_error() -> None:
    r = _convert("ALTER TABLE ghost ADD CONSTRAINT ghost_pk PRIMARY KEY (id);")
    assert [e.object for e in r.errors] == ["ghost"]
    assert "not defined in this file" in r.errors[0].message


def test_synonyms_and_object_types_go_to_review(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    kinds = {(m.kind, m.name) for m in dba.manual_review + get_ddl.manual_review}
    assert {("synonym", "hd_tickets"), ("synonym", "helpdesk_agents"), ("synonym", "inv")} <= kinds
    assert {("type", "address_t"), ("type", "money_t")} <= kinds


def test_effort_grades_and_totals(get_ddl: ConversionResult, tmp_path: Path) -> None:
    effort = grade_objects(get_ddl.records)
    grades = {(o["kind"], o["object"]): o["grade"] for o in effort["objects"]}
    assert grades[("type", "money_t")] == "C"
    assert grades[("synonym", "inv")] == "B"
    assert grades[("view", "open_invoices")] == "A"
    assert grades[("table", "invoices")] == "B"  # NOVALIDATE, DISABLE, UROWID, XMLTYPE
    assert effort["overall"] == "C"
    assert sum(effort["totals"].values()) == len(effort["objects"])
    assert effort["units"] == sum({"A": 1, "B": 5, "C": 20}[o["grade"]] for o in effort["objects"])
    # offline: the same grades from report.json alone
    write_output(get_ddl, tmp_path)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert grade_objects(report["statements"]) == effort == report["effort"]
    assert "Migration effort" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_comments_are_carried_to_the_target(dba: ConversionResult, get_ddl: ConversionResult) -> None:
    tables = get_ddl.phase_sql("02_tables")
    assert "COMMENT ON COLUMN invoices.terms IS 'payment terms'" in tables
    assert "COMMENT ON TABLE invoices IS 'issued invoices'" in tables
    assert "COMMENT ON COLUMN tickets.priority IS '1 = highest, 5 = lowest'" in dba.phase_sql("02_tables")
    r = _convert("CREATE TABLE t (id NUMBER(9) PRIMARY KEY);\nCOMMENT ON COLUMN t.nope IS 'x';")
    assert "COMMENT" not in r.phase_sql("02_tables") and "comment_dropped" in _codes(r)


def test_timestamp_precision_above_six_is_clamped_and_flagged() -> None:
    r = _convert("CREATE TABLE t (id NUMBER(9) PRIMARY KEY, a TIMESTAMP(9), b TIMESTAMP(9) WITH TIME ZONE);")
    assert (_col(r, "t", "a")["type"], _col(r, "t", "b")["type"]) == ("TIMESTAMP(6)", "TIMESTAMPTZ(6)")
    assert _codes(r).count("timestamp_precision") == 2


def test_dba_alters_and_23ai_types() -> None:
    r = _convert(
        "CREATE TABLE t (id NUMBER(9), doc JSON, ok BOOLEAN,\n"
        "  n NUMBER(3) DEFAULT ON NULL FOR INSERT ONLY 1);\n"
        'CREATE UNIQUE INDEX "T_PK_IX" ON t (id);\n'
        "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id) USING INDEX t_pk_ix ENABLE;\n"
        "ALTER TABLE t ENABLE ROW MOVEMENT;\n"
        "ALTER TABLE t NOLOGGING;\n"
        "ALTER TABLE t MODIFY CONSTRAINT t_pk DISABLE;\n"
        "ALTER TABLE t DISABLE CONSTRAINT t_pk;\n"
    )
    assert r.errors == []
    assert (_col(r, "t", "doc")["type"], _col(r, "t", "ok")["type"]) == ("JSONB", "BOOLEAN")
    assert _col(r, "t", "n")["nullable"] is False
    assert r.indexes == []  # the PK's backing index is the PK itself on the target
    assert [m.kind for m in r.manual_review] == ["constraint state", "constraint state"]
    assert [x.status for x in r.records][3:5] == ["skipped", "skipped"]


def test_bare_number_key_has_no_contradicting_decimal_item() -> None:
    r = _convert(
        "CREATE TABLE regions (region_id NUMBER CONSTRAINT region_id_nn NOT NULL,\n"
        "  name VARCHAR2(25), v NUMBER);\n"
        "ALTER TABLE regions ADD (CONSTRAINT reg_id_pk PRIMARY KEY (region_id));\n"
    )
    objects = {(x.code, x.object) for x in r.review}
    assert ("bare_number", "regions.region_id") not in objects
    assert ("bare_number", "regions.v") in objects and ("number_key_integer", "regions.region_id") in objects
