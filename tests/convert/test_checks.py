"""Load-time checks, advice items, view handling and error reporting."""

from __future__ import annotations

from pathlib import Path

from roachlift.convert import ConvertOptions, convert_ddl
from roachlift.convert.splitting import split_statements


def codes(result: object) -> set[str]:
    return {r.code for r in result.review}  # type: ignore[attr-defined]


def test_set_null_on_not_null_column_is_removed_with_warning() -> None:
    result = convert_ddl(
        "CREATE TABLE r (id INT PRIMARY KEY);\n"
        "CREATE TABLE p (id INT PRIMARY KEY, r_id INT NOT NULL, r2 INT,\n"
        "  CONSTRAINT fk1 FOREIGN KEY (r_id) REFERENCES r (id) ON DELETE SET NULL ON UPDATE CASCADE,\n"
        "  CONSTRAINT fk2 FOREIGN KEY (r2) REFERENCES r (id) ON DELETE SET NULL);",
        "mysql",
    )
    assert result.phases["04_foreign_keys"] == [
        "ALTER TABLE p ADD CONSTRAINT fk1 FOREIGN KEY (r_id) REFERENCES r (id) ON UPDATE CASCADE",
        "ALTER TABLE p ADD CONSTRAINT fk2 FOREIGN KEY (r2) REFERENCES r (id) ON DELETE SET NULL",
    ]
    [item] = [r for r in result.review if r.code == "fk_set_null_not_null"]
    assert item.object == "p.fk1" and item.line == 2 and item.severity == "warning"


def test_set_default_without_default_on_not_null_is_removed() -> None:
    result = convert_ddl(
        "CREATE TABLE r (id integer PRIMARY KEY);\n"
        "CREATE TABLE p (id integer PRIMARY KEY,\n"
        "  r_id integer NOT NULL REFERENCES r (id) ON DELETE SET DEFAULT);",
        "postgres",
    )
    assert "SET DEFAULT" not in result.phase_sql("04_foreign_keys")
    assert "fk_set_null_not_null" in codes(result)


def test_fk_to_missing_table_goes_to_manual_review() -> None:
    result = convert_ddl(
        "CREATE TABLE p (id INT PRIMARY KEY, x INT,\n"
        "  CONSTRAINT fk_x FOREIGN KEY (x) REFERENCES elsewhere (id));",
        "mysql",
    )
    assert result.phases["04_foreign_keys"] == []
    assert "fk_missing_table" in codes(result)
    assert [(m.kind, m.name) for m in result.manual_review] == [("foreign key", "fk_x")]


def test_fk_to_non_unique_columns_is_an_error() -> None:
    result = convert_ddl(
        "CREATE TABLE r (id INT PRIMARY KEY, code INT);\n"
        "CREATE TABLE p (id INT PRIMARY KEY, c INT, CONSTRAINT fk_c FOREIGN KEY (c) REFERENCES r (code));",
        "mysql",
    )
    assert [e.code for e in result.errors] == ["fk_no_unique_target"]
    assert result.phases["04_foreign_keys"] == []


def test_duplicate_index_names_are_prefixed_with_the_table() -> None:
    result = convert_ddl(
        "CREATE TABLE a (id INT PRIMARY KEY, s INT, KEY idx_s (s));\n"
        "CREATE TABLE b (id INT PRIMARY KEY, s INT, KEY idx_s (s));",
        "mysql",
    )
    assert [i["name"] for i in result.indexes] == ["idx_s", "b_idx_s"]
    assert "duplicate_index_name" in codes(result)


def test_long_source_names_are_errors_and_derived_names_are_shortened_stably() -> None:
    long = "a_really_long_column_name_that_goes_on_and_on_past_the_postgres_limit"
    result = convert_ddl(f"CREATE TABLE t (id INT PRIMARY KEY, {long} INT);", "mysql")
    errors = [r for r in result.review if r.severity == "error"]
    assert [e.code for e in errors] == ["identifier_too_long"] and long in errors[0].message
    # a name roachlift derives (index of a UNIQUE column) is shortened with a stable hash instead
    table = "t" * 40
    ddl = f"CREATE TABLE {table} (id INT PRIMARY KEY, code_of_the_thing INT UNIQUE);"
    first, again = convert_ddl(ddl, "postgres"), convert_ddl(ddl, "postgres")
    name = first.indexes[0]["name"]
    assert len(name) <= 63 and name.startswith(table) and name == again.indexes[0]["name"]
    assert not first.errors


def test_reserved_words_are_quoted_and_reported() -> None:
    ddl = 'CREATE TABLE "order" ("user" integer PRIMARY KEY, "Mixed" integer);'
    sql = convert_ddl(ddl, "postgres").phase_sql("02_tables")
    assert 'CREATE TABLE "order"' in sql and '"user" INT' in sql and "  mixed INT" in sql
    result = convert_ddl(ddl, "postgres", options=ConvertOptions(naming="preserve"))
    assert '"Mixed" INT' in result.phase_sql("02_tables")
    assert "reserved_word" in codes(result)


def test_advice_missing_pk_sequential_pk_and_prefix_index() -> None:
    result = convert_ddl(
        "CREATE TABLE logs (msg TEXT);\n"
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a INT, b INT, KEY ia (a), KEY iab (a, b));",
        "mysql",
    )
    by_code = {r.code: r for r in result.review}
    assert by_code["no_primary_key"].object == "logs"
    assert by_code["sequential_primary_key"].object == "t"
    assert "STORING" in by_code["prefix_index"].message


def test_views_in_dependency_order_and_unknown_relations_reviewed() -> None:
    result = convert_ddl(
        "CREATE TABLE t (id integer PRIMARY KEY);\n"
        "CREATE VIEW v2 AS SELECT id FROM v1;\n"
        "CREATE VIEW v1 AS SELECT id FROM t;\n"
        "CREATE VIEW v3 AS SELECT id FROM nowhere;\n",
        "postgres",
    )
    assert result.views == ["v1", "v2"]
    assert "view_needs_review" in codes(result)
    assert [m.name for m in result.manual_review] == ["v3"]


def test_mysql_view_with_loose_group_by_goes_to_review() -> None:
    result = convert_ddl(
        "CREATE TABLE s (id INT PRIMARY KEY, city VARCHAR(9), n INT);\n"
        "CREATE VIEW ok AS SELECT s.id, s.city, SUM(s.n) AS total FROM s GROUP BY s.id;\n"
        "CREATE VIEW bad AS SELECT s.city, SUM(s.n) AS total FROM s GROUP BY s.n;\n",
        "mysql",
    )
    assert result.views == ["ok"]
    assert any(r.code == "view_needs_review" and r.object == "bad" for r in result.review)


def test_oracle_implicit_number_string_comparison_fixed_in_views() -> None:
    result = convert_ddl(
        "CREATE TABLE c (id INT PRIMARY KEY, active CHAR(1));\n"
        "CREATE VIEW v AS SELECT decode(c.active, 1, 'yes', 'no') AS a FROM c WHERE c.active = 1;\n",
        "oracle",
    )
    sql = result.phase_sql("05_views")
    assert "c.active = '1'" in sql and "= 1" not in sql
    assert "implicit_conversion" in codes(result)


def test_unparseable_statement_is_an_error_with_line_and_text_rest_converted() -> None:
    text = (
        "CREATE TABLE a (id INT PRIMARY KEY);\n"
        "\n"
        "CREATE TABLE b (id INT PRIMARY KEY, x INT CHECK (x >>>> 1));\n"
        "THIS IS NOT SQL AT ALL;\n"
        "CREATE TABLE c (id INT PRIMARY KEY);\n"
    )
    result = convert_ddl(text, "mysql")
    assert [t.name for t in result.tables] == ["a", "c"]
    assert [(e.line, e.code) for e in result.errors] == [(3, "statement_failed"), (4, "statement_failed")]
    assert "CREATE TABLE b" in result.errors[0].message
    assert "THIS IS NOT SQL" in result.errors[1].message
    assert result.report.summary["statements_failed"] == 2


def test_garbage_input_never_raises() -> None:
    for source in ("oracle", "mysql", "postgres"):
        result = convert_ddl("CREATE TABLE (((; ALTER TABLE x ADD; CREATE INDEX ON; '", source)
        assert result.errors
        assert all(e.line is not None for e in result.errors)


def test_splitting_handles_delimiters_dollar_quotes_versioned_comments_and_slash() -> None:
    mysql = split_statements(
        "/*!40101 SET NAMES utf8 */;\nDELIMITER ;;\n"
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a=1; END;;\n"
        "DELIMITER ;\nCREATE TABLE x (a INT /* c; */, b VARCHAR(3) DEFAULT ';'); # done\n",
        "mysql",
    )
    assert [s.line for s in mysql] == [1, 3, 5]
    assert mysql[0].text == "SET NAMES utf8"
    assert mysql[1].text.endswith("END")
    pg = split_statements(
        "CREATE FUNCTION f() RETURNS int AS $_$ SELECT 1; $_$ LANGUAGE sql;\nSELECT 2;", "postgres"
    )
    assert len(pg) == 2 and "$_$ SELECT 1; $_$" in pg[0].text
    ora = split_statements(
        "CREATE TABLE t (a INT);\n/\n"
        "CREATE OR REPLACE TRIGGER x\nBEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  NULL;\nEND;\n/\n"
        "CREATE INDEX i ON t(a);\n",
        "oracle",
    )
    assert [(s.line, s.text.split()[1]) for s in ora] == [(1, "TABLE"), (3, "OR"), (9, "INDEX")]


def test_oracle_plsql_script_goes_entirely_to_manual_review(corpus: Path) -> None:
    text = (corpus / "sakila/oracle/sakila-schema-pl-sql.sql").read_text(encoding="utf-8")
    result = convert_ddl(text, "oracle")
    assert result.errors == [] and result.tables == []
    kinds = {m.kind for m in result.manual_review}
    assert kinds == {"plsql block", "type", "package"}
    assert all(m.text.strip() for m in result.manual_review)


def test_script_noise_is_skipped_and_logged() -> None:
    oracle = convert_ddl(
        "SET DEFINE OFF;\nPROMPT creating tables\nALTER SESSION SET CURRENT_SCHEMA = app;\n"
        "CREATE TABLE t (id NUMBER(9) PRIMARY KEY);\n"
        "EXEC DBMS_STATS.GATHER_SCHEMA_STATS('APP');\nSPOOL off\n",
        "oracle",
    )
    assert oracle.errors == [] and [t.name for t in oracle.tables] == ["t"]
    assert [r.status for r in oracle.records] == [
        "skipped",
        "skipped",
        "skipped",
        "converted",
        "skipped",
        "skipped",
    ]
    mysql = convert_ddl(
        "CREATE TABLE t (id INT PRIMARY KEY);\n/*!40000 ALTER TABLE `t` DISABLE KEYS */;\n"
        "LOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES (1);\nUNLOCK TABLES;\n",
        "mysql",
    )
    assert mysql.errors == [] and [r.status for r in mysql.records][1:] == ["skipped"] * 4
    pg = convert_ddl(
        "\\restrict abc\nCREATE TABLE t (id integer PRIMARY KEY);\n\\unrestrict abc\n", "postgres"
    )
    assert pg.errors == [] and [r.status for r in pg.records] == ["skipped", "converted", "skipped"]
