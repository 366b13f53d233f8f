"""One focused case per type-mapping rule and per removed clause, for each source dialect."""

from __future__ import annotations

import pytest

from roachlift.convert import ConversionResult, ConvertOptions, convert_ddl


def convert(source: str, ddl: str, target: str = "cockroachdb", **opts: object) -> ConversionResult:
    return convert_ddl(ddl, source, target, ConvertOptions(**opts))  # type: ignore[arg-type]


def col(result: ConversionResult, table: str, column: str) -> dict[str, object]:
    for t in result.tables:
        if t.name == table:
            for c in t.columns:
                if c["name"] == column:
                    return c
    raise AssertionError(f"{table}.{column} not in {[t.name for t in result.tables]}")


def codes(result: ConversionResult) -> set[str]:
    return {r.code for r in result.review}


def tables_sql(result: ConversionResult) -> str:
    return result.phase_sql("02_tables")


ORACLE_TYPES = [
    ("VARCHAR2(10)", "VARCHAR(10)"),
    ("VARCHAR2(40 CHAR)", "VARCHAR(40)"),
    ("VARCHAR2(320 BYTE)", "VARCHAR(320)"),
    ("NVARCHAR2(5)", "VARCHAR(5)"),
    ("CHAR(1 BYTE)", "CHAR(1)"),
    ("NUMBER(4)", "SMALLINT"),
    ("NUMBER(4,0)", "SMALLINT"),
    ("NUMBER(9)", "INT4"),
    ("NUMBER(10,0)", "BIGINT"),
    ("NUMBER(18)", "BIGINT"),
    ("NUMBER(19)", "DECIMAL(19)"),
    ("NUMBER(38,0)", "DECIMAL(38)"),
    ("NUMBER(10,2)", "DECIMAL(10, 2)"),
    ("NUMBER", "DECIMAL"),
    ("NUMBER(*,2)", "DECIMAL"),
    ("NUMBER(5,*)", "DECIMAL"),
    ("FLOAT", "DOUBLE PRECISION"),
    ("FLOAT(126)", "DOUBLE PRECISION"),
    ("BINARY_DOUBLE", "DOUBLE PRECISION"),
    ("DATE", "TIMESTAMP"),
    ("TIMESTAMP(6)", "TIMESTAMP(6)"),
    ("TIMESTAMP (6) WITH TIME ZONE", "TIMESTAMPTZ(6)"),
    ("TIMESTAMP WITH LOCAL TIME ZONE", "TIMESTAMPTZ"),
    ("CLOB", "TEXT"),
    ("NCLOB", "TEXT"),
    ("LONG", "TEXT"),
    ("BLOB", "BYTEA"),
    ("RAW(2000)", "BYTEA"),
    ("LONG RAW", "BYTEA"),
]


@pytest.mark.parametrize(("source_type", "target_type"), ORACLE_TYPES)
def test_oracle_type(source_type: str, target_type: str) -> None:
    result = convert("oracle", f"CREATE TABLE t (id NUMBER(10) PRIMARY KEY, c {source_type});")
    assert result.errors == []
    assert col(result, "t", "c")["type"] == target_type


def test_oracle_bare_number_is_flagged_and_float8_by_option() -> None:
    result = convert("oracle", "CREATE TABLE t (id NUMBER(10) PRIMARY KEY, c NUMBER);")
    assert "bare_number" in codes(result)
    result = convert(
        "oracle", "CREATE TABLE t (id NUMBER(10) PRIMARY KEY, c NUMBER);", bare_number_as="float8"
    )
    assert col(result, "t", "c")["type"] == "DOUBLE PRECISION"


def test_oracle_raw16_sys_guid_becomes_uuid() -> None:
    result = convert("oracle", "CREATE TABLE t (id RAW(16) DEFAULT SYS_GUID() PRIMARY KEY);")
    assert col(result, "t", "id")["type"] == "UUID"
    assert "DEFAULT GEN_RANDOM_UUID()" in tables_sql(result).upper()


def test_oracle_defaults_sysdate_systimestamp() -> None:
    result = convert(
        "oracle",
        "CREATE TABLE t (id NUMBER(9) PRIMARY KEY, a DATE DEFAULT SYSDATE,\n"
        "  b TIMESTAMP DEFAULT SYSTIMESTAMP);",
    )
    sql = tables_sql(result)
    assert sql.count("DEFAULT CURRENT_TIMESTAMP") == 2
    assert "SYS" not in sql.upper()


def test_oracle_names_follow_the_naming_rule_schema_dropped() -> None:
    ddl = 'CREATE TABLE "SHOP"."ORDERS" ("ORDER_ID" NUMBER(9) PRIMARY KEY, "MixedCase" CLOB);'
    result = convert("oracle", ddl)  # naming: lower (default)
    assert [t.name for t in result.tables] == ["orders"]
    assert col(result, "orders", "mixedcase")["type"] == "TEXT"
    sql = tables_sql(result)
    assert "CREATE TABLE orders (" in sql and "  mixedcase TEXT" in sql and "shop" not in sql.lower()
    kept = convert_ddl(ddl, "oracle", options=ConvertOptions(naming="preserve"))
    assert [t.name for t in kept.tables] == ["ORDERS"] and kept.tables[0].source_name == "SHOP.ORDERS"
    assert 'CREATE TABLE "ORDERS" (' in kept.phase_sql("02_tables")
    assert '"ORDER_ID" INT4 NOT NULL' in kept.phase_sql("02_tables")
    assert '"MixedCase" TEXT' in kept.phase_sql("02_tables")


ORACLE_STRIPPED = [
    ("USING INDEX", 'CONSTRAINT "PK" PRIMARY KEY ("ID") USING INDEX PCTFREE 10 TABLESPACE "USERS" ENABLE'),
    ("STORAGE", 'CONSTRAINT "PK" PRIMARY KEY ("ID") USING INDEX STORAGE(INITIAL 65536 NEXT 1048576) ENABLE'),
    ("ENABLE", 'CONSTRAINT "PK" PRIMARY KEY ("ID") ENABLE'),
]


@pytest.mark.parametrize(("word", "constraint"), ORACLE_STRIPPED, ids=[s[0] for s in ORACLE_STRIPPED])
def test_oracle_constraint_clauses_removed(word: str, constraint: str) -> None:
    ddl = f'CREATE TABLE "T" ("ID" NUMBER(9) NOT NULL ENABLE, {constraint}) ;'
    result = convert("oracle", ddl)
    assert result.errors == []
    sql = tables_sql(result)
    assert word not in sql.upper()
    assert "CONSTRAINT pk PRIMARY KEY (id)" in sql
    assert any("removed" in rule for rule in result.records[0].rules)


@pytest.mark.parametrize(
    "tail",
    [
        'TABLESPACE "USERS"',
        "PCTFREE 10 PCTUSED 40 INITRANS 1 MAXTRANS 255",
        "NOCOMPRESS LOGGING",
        "SEGMENT CREATION IMMEDIATE",
        "STORAGE(INITIAL 65536 NEXT 1048576 MINEXTENTS 1 BUFFER_POOL DEFAULT)",
        'LOB ("C") STORE AS SECUREFILE (TABLESPACE "USERS" ENABLE STORAGE IN ROW CHUNK 8192 NOCACHE LOGGING)',
    ],
)
def test_oracle_physical_attributes_removed_and_logged(tail: str) -> None:
    result = convert("oracle", f'CREATE TABLE "T" ("ID" NUMBER(9) PRIMARY KEY, "C" CLOB) {tail};')
    assert result.errors == []
    first_word = tail.split()[0].split("(")[0].upper()
    assert first_word not in tables_sql(result).upper()
    assert any(
        r.startswith("removed physical attributes") and first_word in r for r in result.records[0].rules
    )


def test_oracle_index_attributes_and_bitmap_removed() -> None:
    result = convert(
        "oracle",
        "CREATE TABLE t (id NUMBER(9) PRIMARY KEY, a VARCHAR2(5));\n"
        'CREATE BITMAP INDEX "S"."IX" ON "S"."T" ("A") PCTFREE 10 COMPUTE STATISTICS TABLESPACE "USERS";',
    )
    assert result.phases["03_indexes"] == ["CREATE INDEX ix ON t (a)"]


MYSQL_TYPES = [
    ("TINYINT(1)", "BOOLEAN"),
    ("BIT(1)", "BOOLEAN"),
    ("TINYINT", "SMALLINT"),
    ("TINYINT UNSIGNED", "SMALLINT"),
    ("SMALLINT UNSIGNED", "INT4"),
    ("MEDIUMINT", "INT4"),
    ("MEDIUMINT UNSIGNED", "INT4"),
    ("INT UNSIGNED", "BIGINT"),
    ("INT(11)", "INT4"),
    ("BIGINT UNSIGNED", "DECIMAL(20)"),
    ("DECIMAL(10,2) UNSIGNED", "DECIMAL(10, 2)"),
    ("DOUBLE", "DOUBLE PRECISION"),
    ("FLOAT", "REAL"),
    ("DATETIME", "TIMESTAMP"),
    ("DATETIME(3)", "TIMESTAMP(3)"),
    ("TIMESTAMP", "TIMESTAMPTZ"),
    ("YEAR", "SMALLINT"),
    ("JSON", "JSONB"),
    ("TINYTEXT", "TEXT"),
    ("MEDIUMTEXT", "TEXT"),
    ("LONGTEXT", "TEXT"),
    ("BLOB", "BYTEA"),
    ("LONGBLOB", "BYTEA"),
    ("BINARY(16)", "BYTEA"),
    ("VARBINARY(10)", "BYTEA"),
    ("GEOMETRY", "GEOMETRY"),
    ("POINT", "GEOMETRY"),
    ("POLYGON", "GEOMETRY"),
    ("SET('a','b')", "TEXT"),
]


@pytest.mark.parametrize(("source_type", "target_type"), MYSQL_TYPES)
def test_mysql_type(source_type: str, target_type: str) -> None:
    result = convert("mysql", f"CREATE TABLE t (id INT PRIMARY KEY, c {source_type});")
    assert result.errors == []
    assert col(result, "t", "c")["type"] == target_type


@pytest.mark.parametrize(
    "source_type", ["TINYINT UNSIGNED", "INT UNSIGNED", "BIGINT UNSIGNED", "DECIMAL(5,2) UNSIGNED"]
)
def test_mysql_unsigned_adds_check(source_type: str) -> None:
    result = convert("mysql", f"CREATE TABLE t (id INT PRIMARY KEY, c {source_type} NOT NULL);")
    assert "CHECK (c >= 0)" in tables_sql(result)


def test_mysql_tinyint1_option_off() -> None:
    result = convert("mysql", "CREATE TABLE t (id INT PRIMARY KEY, c TINYINT(1));", tinyint1_as_bool=False)
    assert col(result, "t", "c")["type"] == "SMALLINT"


def test_mysql_enum_becomes_named_type_and_set_is_reviewed() -> None:
    result = convert(
        "mysql", "CREATE TABLE film (id INT PRIMARY KEY, rating ENUM('G','PG') DEFAULT 'G', sf SET('x','y'));"
    )
    assert result.phases["01_types"] == ["CREATE TYPE film_rating AS ENUM ('G', 'PG')"]
    assert col(result, "film", "rating")["type"] == "film_rating"
    assert "mysql_set" in codes(result)


def test_mysql_on_update_current_timestamp() -> None:
    ddl = (
        "CREATE TABLE t (id INT PRIMARY KEY,\n"
        "  u TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);"
    )
    assert "ON UPDATE NOW()" in tables_sql(convert("mysql", ddl))
    pg = convert("mysql", ddl, target="postgres")
    assert "ON UPDATE" not in tables_sql(pg)
    assert any("ON UPDATE" in d for d in pg.report.target_differences)


def test_mysql_zero_date_default_removed() -> None:
    result = convert(
        "mysql", "CREATE TABLE t (id INT PRIMARY KEY, d DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00');"
    )
    assert "0000" not in tables_sql(result)
    assert "  d TIMESTAMP,\n" in tables_sql(result)
    assert {"zero_date_default", "not_null_dropped"} <= codes(result)


@pytest.mark.parametrize(
    ("clause", "word"),
    [
        ("ENGINE=InnoDB", "ENGINE"),
        ("DEFAULT CHARSET=utf8mb4", "CHARSET"),
        ("COLLATE=utf8mb4_bin", "COLLATE"),
        ("AUTO_INCREMENT=42", "AUTO_INCREMENT"),
        ("COMMENT='people'", "COMMENT"),
        ("ROW_FORMAT=DYNAMIC", "ROW_FORMAT"),
    ],
)
def test_mysql_table_options_removed_and_logged(clause: str, word: str) -> None:
    result = convert("mysql", f"CREATE TABLE t (id INT PRIMARY KEY) {clause};")
    create = tables_sql(result).split(";")[0]  # a table COMMENT follows as COMMENT ON TABLE
    assert word not in create.upper()
    logged = "CHARACTER SET" if word == "CHARSET" else word
    assert any(logged in rule.upper() for rule in result.records[0].rules)


def test_mysql_column_charset_collate_comment_removed() -> None:
    result = convert(
        "mysql",
        "CREATE TABLE t (id INT PRIMARY KEY,\n"
        "  c VARCHAR(5) CHARACTER SET latin1 COLLATE latin1_bin COMMENT 'x');",
    )
    sql = tables_sql(result)
    create = sql.split(";")[0]
    assert "latin1" not in sql and "COMMENT" not in create
    assert "COMMENT ON COLUMN t.c IS 'x';" in sql  # docs comment-on: CockroachDB keeps column comments
    assert col(result, "t", "c")["type"] == "VARCHAR(5)"


def test_mysql_auto_increment_keeps_values_with_owned_sequence() -> None:
    result = convert("mysql", "CREATE TABLE t (id INT UNSIGNED NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));")
    assert result.phases["01_types"] == ["CREATE SEQUENCE t_id_seq"]
    assert "DEFAULT NEXTVAL('t_id_seq')" in tables_sql(result)
    assert [(s.name, s.table, s.column) for s in result.sequences] == [("t_id_seq", "t", "id")]
    assert "sequential_primary_key" in codes(result)


def test_serial_as_unique_rowid_and_uuid() -> None:
    ddl = "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY);"
    rowid = convert("mysql", ddl, serial_as="unique_rowid")
    assert "BIGINT NOT NULL DEFAULT UNIQUE_ROWID()" in tables_sql(rowid)
    assert rowid.phases["01_types"] == [] and rowid.sequences == []
    pg = convert("mysql", ddl, target="postgres", serial_as="unique_rowid")
    assert "NEXTVAL('t_id_seq')" in tables_sql(pg)
    uuid = convert("mysql", ddl, serial_as="uuid")
    assert "UUID NOT NULL DEFAULT GEN_RANDOM_UUID()" in tables_sql(uuid)
    assert "serial_as_uuid" in codes(uuid)


def test_mysql_inline_keys_become_phase3_indexes() -> None:
    result = convert(
        "mysql",
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(99), KEY ix_a (a), UNIQUE KEY (a, b), "
        "KEY ix_b (b(10)), FULLTEXT KEY ft (b));",
    )
    assert result.phases["03_indexes"] == [
        "CREATE INDEX ix_a ON t (a)",
        "ALTER TABLE t ADD CONSTRAINT t_a_b_key UNIQUE (a, b)",
        "CREATE INDEX ix_b ON t (b)",
    ]
    assert "fulltext_index" in codes(result)


def test_mysql_spatial_index_crdb_only() -> None:
    ddl = "CREATE TABLE t (id INT PRIMARY KEY, g POINT NOT NULL, SPATIAL KEY sp (g));"
    assert convert("mysql", ddl).phases["03_indexes"] == ["CREATE INDEX sp ON t USING GIST (g)"]
    pg = convert("mysql", ddl, target="postgres")
    assert (
        pg.phases["03_indexes"] == [] and col(pg, "t", "g")["type"] == "TEXT"
    )  # EWKB hex (roachlift.geometry)


POSTGRES_TYPES = [
    ("serial", "INT4"),
    ("bigserial", "BIGINT"),
    ("integer", "INT4"),
    ("character varying(45)", "VARCHAR(45)"),
    ("timestamp without time zone", "TIMESTAMP"),
    ("timestamp with time zone", "TIMESTAMPTZ"),
    ("numeric(5,2)", "DECIMAL(5, 2)"),
    ("text[]", "TEXT[]"),
    ("bytea", "BYTEA"),
    ("money", "DECIMAL(19, 2)"),
    ("jsonb", "JSONB"),
    ("uuid", "UUID"),
]


@pytest.mark.parametrize(("source_type", "target_type"), POSTGRES_TYPES)
def test_postgres_type(source_type: str, target_type: str) -> None:
    result = convert("postgres", f"CREATE TABLE t (id integer PRIMARY KEY, c {source_type});")
    assert result.errors == []
    assert col(result, "t", "c")["type"] == target_type


def test_postgres_serial_and_identity_get_sequences() -> None:
    result = convert(
        "postgres",
        "CREATE TABLE t (id serial PRIMARY KEY, n bigint GENERATED BY DEFAULT AS IDENTITY);",
    )
    assert sorted(s.name for s in result.sequences) == ["t_id_seq", "t_n_seq"]
    assert "DEFAULT NEXTVAL('t_n_seq')" in tables_sql(result)


def test_postgres_domain_folded_into_base_type_and_check() -> None:
    result = convert(
        "postgres",
        "CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);\n"
        "CREATE TABLE film (id integer PRIMARY KEY, release_year year);",
    )
    assert col(result, "film", "release_year")["type"] == "INT4"
    assert "CHECK (release_year >= 1901 AND release_year <= 2155)" in tables_sql(result)
    assert result.phases["01_types"] == []


def test_postgres_review_items_for_inheritance_rules_exclusion() -> None:
    result = convert(
        "postgres",
        "CREATE TABLE p (id integer PRIMARY KEY, r tsrange, EXCLUDE USING gist (r WITH &&));\n"
        "CREATE TABLE c (CONSTRAINT ck CHECK (id > 0)) INHERITS (p);\n"
        "CREATE RULE r1 AS ON INSERT TO p DO INSTEAD NOTHING;\n",
    )
    assert [t.name for t in result.tables] == ["p"]
    assert {"exclusion_constraint", "manual_inherited_table", "manual_rule"} <= codes(result)
    assert {m.kind for m in result.manual_review} == {"inherited table", "rule"}


@pytest.mark.parametrize(
    "stmt",
    [
        "ALTER TABLE public.t OWNER TO postgres",
        "SET search_path = public, pg_catalog",
        "GRANT ALL ON SCHEMA public TO PUBLIC",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        "COMMENT ON SCHEMA public IS 'x'",
        "COMMENT ON FUNCTION f() IS 'x'",
    ],
)
def test_postgres_statements_removed_and_logged(stmt: str) -> None:
    result = convert("postgres", f"CREATE TABLE t (id integer PRIMARY KEY);\n{stmt};")
    record = result.records[1]
    assert record.status == "skipped" and record.rules and record.rules[0].startswith("removed")
    assert all(stmt.split()[0] not in s for phase in result.phases.values() for s in phase)


def test_postgres_alter_table_constraints_fold_into_phases() -> None:
    result = convert(
        "postgres",
        "CREATE SEQUENCE t_id_seq;\n"
        "CREATE TABLE t (id integer DEFAULT nextval('t_id_seq'::regclass) NOT NULL, u integer);\n"
        "ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n"
        "ALTER TABLE ONLY t ADD CONSTRAINT t_u_key UNIQUE (u);\n"
        "ALTER TABLE ONLY t ADD CONSTRAINT t_u_fkey FOREIGN KEY (u) REFERENCES t(id);\n"
        "ALTER SEQUENCE t_id_seq OWNED BY t.id;\n",
    )
    assert result.errors == []
    assert "CONSTRAINT t_pkey PRIMARY KEY (id)" in tables_sql(result)
    assert result.phases["03_indexes"] == ["ALTER TABLE t ADD CONSTRAINT t_u_key UNIQUE (u)"]
    assert result.phases["04_foreign_keys"] == [
        "ALTER TABLE t ADD CONSTRAINT t_u_fkey FOREIGN KEY (u) REFERENCES t (id)"
    ]
    assert [(s.name, s.table, s.column) for s in result.sequences] == [("t_id_seq", "t", "id")]


def test_mysql_enum_with_empty_label_becomes_checked_varchar() -> None:
    result = convert(
        "mysql", "CREATE TABLE t (id INT PRIMARY KEY, e ENUM('', 'yes', 'no') NOT NULL DEFAULT '');"
    )
    assert result.phases["01_types"] == []
    assert "e VARCHAR(3) NOT NULL DEFAULT '' CHECK (e IN ('', 'yes', 'no'))" in tables_sql(result)


def test_options_from_spec() -> None:
    from roachlift.config.spec import ConvertSpec

    opts = ConvertOptions.from_spec(
        ConvertSpec(tinyint1_as_bool=False, serial_as="uuid"), target_schema="app"
    )
    assert (opts.tinyint1_as_bool, opts.bare_number_as, opts.serial_as, opts.target_schema) == (
        False,
        "decimal",
        "uuid",
        "app",
    )
