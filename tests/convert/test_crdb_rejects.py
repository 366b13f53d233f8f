"""What a CockroachDB cluster would reject never reaches the phase files: each trap becomes an
``error`` review item naming the CockroachDB docs page, and the phase text that remains is valid.

Each rule is pinned against the CockroachDB source or docs line it comes from (quoted beside the
assertion). The CockroachDB-target phase files of the trap schema are also run on the real
PostgreSQL test server: the shared grammar (INT4, CREATE TYPE ... AS (...), COMMENT ON, MATCH FULL)
must at least parse and apply there.
"""

from __future__ import annotations

import re

import psycopg
import pytest

from roachlift.convert import PHASES, ConversionResult, ConvertOptions, convert_ddl
from roachlift.convert.crdb_compat import case_insensitive, has_citext, version_tuple
from roachlift.testing import MariaDBServer

TRAPS = """
CREATE TYPE public.addr AS (street text, zip varchar(10));
CREATE SEQUENCE public.ring_seq START WITH 1 MAXVALUE 10 CYCLE;
CREATE TABLE public.t (
    id integer NOT NULL,
    small smallint,
    big bigint,
    grid integer[][],
    tags text[],
    loc point DEFAULT '(0,0)'::point,
    span int4range,
    during tstzrange,
    attrs hstore,
    mac macaddr,
    net cidr,
    ip inet,
    b box,
    l line,
    c circle,
    home public.addr,
    CONSTRAINT t_pkey PRIMARY KEY (id)
);
CREATE TABLE public.child (id integer PRIMARY KEY, t_id integer);
ALTER TABLE ONLY public.child ADD CONSTRAINT child_t_fk FOREIGN KEY (t_id) REFERENCES public.t(id) MATCH FULL;
CREATE INDEX t_brin ON public.t USING brin (big);
CREATE INDEX t_span ON public.t USING gist (span);
COMMENT ON TABLE public.t IS 'the t table';
COMMENT ON COLUMN public.t.small IS 'it''s small';
COMMENT ON TYPE public.addr IS 'postal address';
COMMENT ON TABLE public.missing IS 'gone';
COMMENT ON SCHEMA public IS 'Standard public schema';
"""


def _convert(
    ddl: str, source: str = "postgres", target: str = "cockroachdb", **opts: object
) -> ConversionResult:
    return convert_ddl(ddl, source, target, ConvertOptions(**opts))  # type: ignore[arg-type]


def _items(result: ConversionResult, code: str) -> dict[str, str]:
    return {r.object: r.message for r in result.review if r.code == code}


def _all_sql(result: ConversionResult) -> str:
    return "\n".join(result.phase_sql(p) for p in PHASES)


@pytest.fixture(scope="module")
def traps() -> ConversionResult:
    return _convert(TRAPS)


def test_rejected_types_become_string_with_an_error_naming_the_docs(traps: ConversionResult) -> None:
    # docs data-types (src/current/v26.1/data-types.md) lists the supported types; ARRAY is
    # "A 1-dimensional, 1-indexed, homogeneous array of any non-array data type".
    bad = _items(traps, "crdb_unsupported_type")
    assert set(bad) == {
        "t.grid",
        "t.loc",
        "t.span",
        "t.during",
        "t.attrs",
        "t.mac",
        "t.net",
        "t.b",
        "t.l",
        "t.c",
    }
    assert "docs/stable/array" in bad["t.grid"] and "nested" in bad["t.grid"]
    assert all("docs/stable/data-types" in m for k, m in bad.items() if k != "t.grid")
    assert all(r.severity == "error" for r in traps.review if r.code.startswith("crdb_"))
    tables = traps.phase_sql("02_tables")
    for column in ("grid", "loc", "span", "during", "attrs", "mac", "net", "b", "l", "c"):
        assert re.search(rf"^  {column} TEXT\b", tables, re.M), column
    # kept: 1-D arrays, INET, the composite type created in phase 01
    assert "tags TEXT[]" in tables and "ip INET" in tables and "home addr" in tables
    # the default's cast follows the column (a cast to point would fail too)
    assert "DEFAULT CAST('(0,0)' AS TEXT)" in tables or "DEFAULT '(0,0)'::TEXT" in tables


def test_nothing_rejected_is_left_in_the_phase_files(traps: ConversionResult) -> None:
    text = _all_sql(traps)
    for pattern in (
        r"\bCYCLE\b",
        r"USING\s+BRIN",
        r"\[\]\[\]",
        r"\bPOINT\b",
        r"RANGE\b",
        r"\bHSTORE\b",
        r"\bmacaddr\b",
        r"\bcidr\b",
        r"\bbox\b",
        r"\bline\b",
        r"\bcircle\b",
    ):
        assert re.search(pattern, text, re.I) is None, pattern


def test_sequence_cycle_and_index_methods(traps: ConversionResult) -> None:
    # pkg/sql/sequence.go: case tree.SeqOptCycle: return unimplemented.NewWithIssue(20961,
    #     "CYCLE option is not supported")
    (msg,) = _items(traps, "crdb_sequence_cycle").values()
    assert "docs/stable/create-sequence" in msg
    assert traps.phase_sql("01_types").count("CREATE SEQUENCE ring_seq MAXVALUE 10;") == 1
    # docs create-index: "Accepted values for `name` are `btree`, `gin`, and `gist`"
    assert "docs/stable/create-index" in _items(traps, "crdb_index_method")["t.t_brin"]
    indexes = traps.phase_sql("03_indexes")
    assert "CREATE INDEX t_brin ON t (big);" in indexes
    # GIST on a range column that became STRING: an ordinary index, not a spatial one
    assert "CREATE INDEX t_span ON t (span);" in indexes


def test_kept_constructs_composite_types_comments_match_full_int_width(traps: ConversionResult) -> None:
    # docs create-type: "CREATE TYPE IF NOT EXISTS my_point AS (x INT, y INT);"
    assert "CREATE TYPE addr AS (street TEXT, zip VARCHAR(10));" in traps.phase_sql("01_types")
    # pkg/sql/sem/tree/create.go: compositeKeyMatchMethodName = [...]string{ ... MatchFull: "MATCH FULL"
    assert "REFERENCES t (id) MATCH FULL;" in traps.phase_sql("04_foreign_keys")
    # docs comment-on: associates comments to databases, tables, columns, indexes, or types
    tables = traps.phase_sql("02_tables")
    assert "COMMENT ON TABLE t IS 'the t table';" in tables
    assert "COMMENT ON COLUMN t.small IS 'it''s small';" in tables
    assert "missing" not in _all_sql(traps) and "Standard public schema" not in _all_sql(traps)
    assert [r.object for r in traps.review if r.code == "comment_dropped"] == ["missing"]
    # docs int: "By default, `INT` is an alias for `INT8`" -> PostgreSQL's integer is written INT4
    assert "id INT4 NOT NULL" in traps.phase_sql("02_tables")
    assert "big BIGINT" in traps.phase_sql("02_tables")


def test_cockroachdb_phase_files_apply_on_postgresql(traps: ConversionResult, pg_db: str) -> None:
    """The grammar CockroachDB shares with PostgreSQL: the trap schema's CockroachDB phases run."""
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for phase in PHASES:
            for stmt in traps.phases[phase]:
                conn.execute(stmt)  # type: ignore[arg-type]
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't'"
            ).fetchall()
        )
        assert types["id"] == "integer" and types["mac"] == "text" and types["home"] == "USER-DEFINED"
        assert conn.execute("SELECT obj_description('t'::regclass)").fetchone() == ("the t table",)
        match = conn.execute(
            "SELECT confmatchtype FROM pg_constraint WHERE conname = 'child_t_fk'"
        ).fetchone()
        assert match == ("f",)
        conn.execute("INSERT INTO t (id, home, net) VALUES (1, ROW('Main St 1', '1000'), '10.0.0.0/8')")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO child VALUES (1, 2)")


def test_citext_follows_the_target_version() -> None:
    # cockroachdb/docs src/current/v25.3/citext.md: "The CITEXT data type stores case-insensitive strings"
    assert version_tuple("25.3") == (25, 3) and version_tuple("v26.1.2") == (26, 1)
    assert has_citext("25.3") and has_citext(None) and not has_citext("25.2")
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR"):
        version_tuple("latest")
    ddl = "CREATE TABLE u (id integer PRIMARY KEY, email citext UNIQUE);"
    new = _convert(ddl, target_version="25.3")
    assert "email citext" in new.phase_sql("02_tables").lower()
    old = _convert(ddl, target_version="25.2")
    assert "email TEXT" in old.phase_sql("02_tables")
    (item,) = [r for r in old.review if r.code == "citext"]
    assert item.severity == "warning" and "25.3" in item.message


def test_mysql_case_insensitive_keys_and_time_durations_are_named() -> None:
    ddl = """CREATE TABLE `customer` (
  `customer_id` smallint(5) unsigned NOT NULL AUTO_INCREMENT,
  `email` varchar(50) DEFAULT NULL,
  `code` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `last_name` varchar(45) NOT NULL,
  `bio` text,
  `shift` time DEFAULT NULL,
  PRIMARY KEY (`customer_id`),
  UNIQUE KEY `uk_email` (`email`),
  UNIQUE KEY `uk_code` (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;"""
    result = _convert(ddl, "mysql")
    unique = _items(result, "case_insensitive_unique")
    assert set(unique) == {"customer.email"}
    assert (
        "utf8mb4_general_ci" in unique["customer.email"] and "docs/stable/collate" in unique["customer.email"]
    )
    (others,) = _items(result, "case_insensitive_compare").values()
    assert "last_name" in others and "bio" in others and "code" not in others
    time = _items(result, "mysql_time_duration")
    assert "838:59:59" in time["customer.shift"] and "INTERVAL" in time["customer.shift"]
    assert not result.errors  # warnings: the schema still converts
    assert case_insensitive("utf8mb4_0900_ai_ci", None) and not case_insensitive("utf8mb4_0900_as_cs", None)
    assert not case_insensitive(None, "binary") and case_insensitive(None, "latin1")


def test_collations_read_from_a_real_mariadb_show_create_table(
    mariadb_server: MariaDBServer, mysql_db: str
) -> None:
    """SHOW CREATE TABLE text from a real server (its own spelling of charsets and collations)."""
    import pymysql

    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE staff (id INT PRIMARY KEY, username VARCHAR(16) NOT NULL UNIQUE,"
                " token VARCHAR(40) COLLATE utf8mb4_bin UNIQUE, note TEXT) DEFAULT CHARSET=utf8mb4"
            )
            cur.execute("SHOW CREATE TABLE staff")
            row = cur.fetchone()
    finally:
        conn.close()
    assert row is not None
    result = _convert(str(row[1]) + ";", "mysql")
    unique = _items(result, "case_insensitive_unique")
    assert set(unique) == {"staff.username"}, (row[1], result.review)


def test_mysql_comments_kept_as_comment_on(pg_db: str) -> None:
    # docs comment-on: "associates comments to databases, tables, columns, indexes, or types"
    ddl = (
        "CREATE TABLE `film` (`film_id` int NOT NULL COMMENT 'the film''s key', `title` varchar(9),"
        " PRIMARY KEY (`film_id`)) ENGINE=InnoDB COMMENT='one row per film';"
    )
    result = _convert(ddl, "mysql")
    tables = result.phase_sql("02_tables")
    assert "COMMENT ON TABLE film IS 'one row per film';" in tables
    assert "COMMENT ON COLUMN film.film_id IS 'the film''s key';" in tables
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for phase in PHASES:
            for stmt in result.phases[phase]:
                conn.execute(stmt)  # type: ignore[arg-type]
        got = conn.execute("SELECT col_description('film'::regclass, 1), obj_description('film'::regclass)")
        assert got.fetchone() == ("the film's key", "one row per film")


def test_target_version_in_the_spec() -> None:
    from roachlift.config.spec import parse_spec
    from roachlift.errors import SpecError

    base: dict[str, object] = {
        "name": "m",
        "source": {"kind": "postgres", "conn_id": "s"},
        "target": {"conn_id": "t", "database": "d"},
    }
    assert parse_spec(base).target.version == "26.1"
    spec = parse_spec({**base, "target": {"conn_id": "t", "database": "d", "version": "25.2"}})
    assert spec.target.version == "25.2" and not has_citext(spec.target.version)
    with pytest.raises(SpecError, match=r"target\.version"):
        parse_spec({**base, "target": {"conn_id": "t", "database": "d", "version": "latest"}})


def test_quoted_enum_and_composite_names_are_known() -> None:
    ddl = (
        "CREATE TYPE public.\"Mood\" AS ENUM ('ok', 'sad');\n"
        'CREATE TYPE public."Pair" AS (a integer, b text);\n'
        'CREATE TABLE t (id integer PRIMARY KEY, m public."Mood", p public."Pair", x public.nowhere);\n'
    )
    result = _convert(ddl)
    assert set(_items(result, "crdb_unsupported_type")) == {"t.x"}
    tables = result.phase_sql("02_tables")
    # the default naming rule (roachlift.naming "lower") folds the quoted names like every other name
    assert "m mood" in tables and "p pair" in tables and "x TEXT" in tables
