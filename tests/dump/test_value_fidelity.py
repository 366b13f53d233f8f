"""Every value survives MariaDB → dump → PostgreSQL, or is named: large objects, NUL, encodings,
zero dates, empty vs NULL, unusual names. Values are compared outside roachlift, by the servers'
own HEX/MD5 on both sides."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
from dump_helpers import copy_back, make_spec
from psycopg import sql

from roachlift.cli import main
from roachlift.config.connections import parse_uri
from roachlift.dump import dump_database, mysql
from roachlift.dump.manifest import table_dir_name
from roachlift.dump.snapshot import mysql_connect
from roachlift.errors import RoachliftError
from roachlift.testing import MariaDBServer, PostgresServer
from roachlift.values import RejectsFile, ValueRules, read_rejects
from roachlift.verify import TableRef, verify_tables

LOSSY = {"nul_in_text": "strip", "zero_dates": "null"}


def _my(server: MariaDBServer, db: str, *statements: str, many: tuple[str, list[Any]] | None = None) -> None:
    conn = pymysql.connect(**server.connect_kwargs(db), autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = ''")
            for stmt in statements:
                cur.execute(stmt)
            if many:
                cur.executemany(*many)
    finally:
        conn.close()


def _my_rows(server: MariaDBServer, db: str, query: str) -> list[tuple[Any, ...]]:
    conn = pymysql.connect(**server.connect_kwargs(db))  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def _pg(dsn: str, *statements: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for stmt in statements:
            conn.execute(stmt)  # type: ignore[arg-type]


def _pg_rows(dsn: str, query: str | sql.Composed) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return [tuple(r) for r in conn.execute(query).fetchall()]  # type: ignore[arg-type]


def test_64_mb_blob_and_longtext_arrive_byte_identical(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    every_byte = bytes(range(256)).hex()
    _my(
        mariadb_server,
        mysql_db,
        "CREATE TABLE lob (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT) CHARACTER SET utf8mb4",
        # 64 MB: every byte value, again and again; text with quotes, commas, newlines, 4-byte characters
        f"INSERT INTO lob VALUES (1, REPEAT(UNHEX('{every_byte}'), 262144),"
        " REPEAT(CONVERT('a\"b,\\n\\r😀é ' USING utf8mb4), 5592405)),"
        " (2, '', ''), (3, NULL, NULL), (4, UNHEX('00FF'), 'x')",
    )
    spec = make_spec("lob", "mysql", [mysql_db], chunk_mb=32)
    result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    (m,) = result.tables
    assert m.rows == 4 and m.rejected == 0
    target = pg_server.create_database(f"{mysql_db}_lob")
    _pg(target, "CREATE TABLE lob (id int PRIMARY KEY, b bytea, t text)")
    assert copy_back(target, tmp_path, f"{mysql_db}.lob", "public.lob") == 4
    source = _my_rows(
        mariadb_server, mysql_db, "SELECT id, LENGTH(b), MD5(b), LENGTH(t), MD5(t) FROM lob ORDER BY id"
    )
    back = _pg_rows(
        target,
        "SELECT id, length(b), md5(b), octet_length(t), md5(convert_to(t, 'UTF8')) FROM lob ORDER BY id",
    )
    assert source[0][1] == 64 << 20 and source[0][3] > 64 << 20
    assert [tuple(None if v is None else str(v) for v in r) for r in source] == [
        tuple(None if v is None else str(v) for v in r) for r in back
    ]


STRING_TYPES = {
    "c": "CHAR(5)",
    "vc": "VARCHAR(20)",
    "tt": "TINYTEXT",
    "tx": "TEXT",
    "mt": "MEDIUMTEXT",
    "lt": "LONGTEXT",
    "en": "ENUM('', 'a')",
    "st": "SET('a', 'b')",
    "bn": "BINARY(0)",
    "vb": "VARBINARY(10)",
    "bl": "BLOB",
    "lb": "LONGBLOB",
}


def test_empty_string_and_null_stay_apart_in_every_string_type(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    cols = ", ".join(f"{n} {t}" for n, t in STRING_TYPES.items())
    names = list(STRING_TYPES)
    empties, nulls = ", ".join(["''"] * len(names)), ", ".join(["NULL"] * len(names))
    _my(
        mariadb_server,
        mysql_db,
        f"CREATE TABLE e (id INT PRIMARY KEY, {cols})",
        f"INSERT INTO e VALUES (1, {empties}), (2, {nulls})",
    )
    dump_database(make_spec("empty", "mysql", [mysql_db]), parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    target = pg_server.create_database(f"{mysql_db}_e")
    pg_cols = ", ".join(f"{n} {'bytea' if n in {'bn', 'vb', 'bl', 'lb'} else 'text'}" for n in names)
    _pg(target, f"CREATE TABLE e (id int PRIMARY KEY, {pg_cols})")
    copy_back(target, tmp_path, f"{mysql_db}.e", "public.e")
    probe = ", ".join(f"{n} IS NULL, LENGTH({n})" for n in names)
    source = _my_rows(mariadb_server, mysql_db, f"SELECT id, {probe} FROM e ORDER BY id")
    back = _pg_rows(target, f"SELECT id, {probe.replace('LENGTH', 'octet_length')} FROM e ORDER BY id")
    norm = [tuple(int(v) if v is not None else None for v in r) for r in source]
    assert norm == [tuple(int(v) if v is not None else None for v in r) for r in back]
    assert norm[0][1::2] == (0,) * len(names) and norm[1][1::2] == (1,) * len(names)


def _nul_table(server: MariaDBServer, db: str) -> None:
    _my(
        server,
        db,
        "CREATE TABLE n (id INT PRIMARY KEY, s VARCHAR(20), d DATE, j JSON)",
        "INSERT INTO n VALUES (1, 'plain', '2024-02-29', '{\"k\": 1}'), (2, 'a\\0b', '2024-01-01', NULL),"
        " (3, 'ok', '0000-00-00', NULL), (4, 'fine', '2024-00-10', '[\"x\\\\u0000y\"]'),"
        " (5, NULL, NULL, NULL),"
        # an escaped backslash before u0000 is text, not a NUL: loaded as it is
        " (6, 'x', NULL, '[\"a\\\\\\\\u0000\"]')",
    )


def _verify_spec(tmp_path: Path, server: MariaDBServer, db: str, target_db: str, values: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "name: fidelity\n"
        f"source: {{kind: mysql, conn_id: fid_src, schemas: [{db}]}}\n"
        f"target: {{conn_id: fid_tgt, database: {target_db}, dialect: postgres}}\n"
        "cdc: {enabled: false}\n"
        f"values: {values}\n"
    )
    return path


def test_nul_and_zero_dates_are_rejected_by_default_and_verify_fails(
    mariadb_server: MariaDBServer,
    mysql_db: str,
    pg_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _nul_table(mariadb_server, mysql_db)
    out = tmp_path / "dump"
    result = dump_database(
        make_spec("nul", "mysql", [mysql_db]), parse_uri(mariadb_server.uri(mysql_db)), out
    )
    (m,) = result.tables
    assert m.rows == 3 and m.rejected == 3 and m.changed == {}
    with (out / table_dir_name(f"{mysql_db}.n") / "rejects.csv").open(newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines == [
        ["table", "key", "column", "reason"],
        [f"{mysql_db}.n", '["2"]', "s", "NUL character in text"],
        [f"{mysql_db}.n", '["3"]', "d", "zero date"],
        [f"{mysql_db}.n", '["4"]', "d", "zero date"],
        [f"{mysql_db}.n", '["4"]', "j", "NUL character in text"],
    ]
    assert b"a\x00b" not in (out / table_dir_name(f"{mysql_db}.n") / "rejects.csv").read_bytes()  # keys only
    target = pg_server.create_database(f"{mysql_db}_n")
    _pg(target, "CREATE TABLE n (id int PRIMARY KEY, s text, d date, j jsonb)")
    assert copy_back(target, out, f"{mysql_db}.n", "public.n") == 3
    assert _pg_rows(target, "SELECT id FROM n ORDER BY id") == [(1,), (5,), (6,)]
    assert _pg_rows(target, "SELECT j->>0 FROM n WHERE id = 6") == [("a\\u0000",)]

    rejects = read_rejects(out)
    res = verify_tables(
        mariadb_server.uri(mysql_db),
        pg_server.uri(target.rsplit("/", 1)[1]),
        [TableRef("n", mysql_db, None, "public")],
        rejects=rejects,
    )
    (t,) = res.tables
    assert not res.ok and t.rejected == 3 and t.missing == 0 and t.mismatched == 0
    assert t.rejected_sample == [(2,), (3,), (4,)]
    accepted = verify_tables(
        mariadb_server.uri(mysql_db),
        pg_server.uri(target.rsplit("/", 1)[1]),
        [TableRef("n", mysql_db, None, "public")],
        rules=ValueRules(accept_rejects=True),
        rejects=rejects,
    )
    assert accepted.ok and accepted.tables[0].rejected == 3

    # the CLI: exit 1, the rows named as rejected
    monkeypatch.setenv("AIRFLOW_CONN_FID_SRC", mariadb_server.uri(mysql_db))
    monkeypatch.setenv("AIRFLOW_CONN_FID_TGT", pg_server.uri("postgres"))
    spec = _verify_spec(tmp_path, mariadb_server, mysql_db, target.rsplit("/", 1)[1], "{}")
    report = tmp_path / "v.json"
    assert main(["verify", "--spec", str(spec), "--dump-dir", str(out), "--json", str(report)]) == 1
    screen = capsys.readouterr().out
    assert "REJECTED" in screen and "rejected by the dump (see its rejects.csv), key (2)" in screen
    data = json.loads(report.read_text())
    assert data["tables"][0]["rejected"] == 3 and data["tables"][0]["missing"] == 0
    spec = _verify_spec(
        tmp_path, mariadb_server, mysql_db, target.rsplit("/", 1)[1], "{accept_rejects: true}"
    )
    assert main(["verify", "--spec", str(spec), "--dump-dir", str(out), "--json", str(report)]) == 0


def test_lossy_rules_change_values_counted_and_verify_applies_them(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    _nul_table(mariadb_server, mysql_db)
    spec = make_spec("nul_lossy", "mysql", [mysql_db], LOSSY)
    result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    (m,) = result.tables
    assert m.rows == 6 and m.rejected == 0
    assert m.changed == {"NUL characters stripped": 2, "zero date loaded as NULL": 2}
    assert not (tmp_path / table_dir_name(f"{mysql_db}.n") / "rejects.csv").exists()
    target = pg_server.create_database(f"{mysql_db}_nl")
    _pg(target, "CREATE TABLE n (id int PRIMARY KEY, s text, d date, j jsonb)")
    copy_back(target, tmp_path, f"{mysql_db}.n", "public.n")
    assert _pg_rows(target, "SELECT s, d, j::text FROM n WHERE id IN (2, 3, 4) ORDER BY id") == [
        ("ab", __import__("datetime").date(2024, 1, 1), None),
        ("ok", None, None),
        ("fine", None, '["xy"]'),
    ]
    args = (mariadb_server.uri(mysql_db), pg_server.uri(target.rsplit("/", 1)[1]))
    refs = [TableRef("n", mysql_db, None, "public")]
    assert verify_tables(*args, refs, rules=ValueRules.from_spec(spec)).ok
    strict = verify_tables(*args, refs)  # without the rule, the changed values are differences
    assert strict.tables[0].mismatched == 3 and set(strict.tables[0].mismatched_columns) == {"s", "d", "j"}


def test_latin1_utf8mb4_and_bytes_invalid_in_their_charset(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    _my(
        mariadb_server,
        mysql_db,
        "CREATE TABLE enc (id INT PRIMARY KEY, l VARCHAR(40) CHARACTER SET latin1,"
        " u TEXT CHARACTER SET utf8mb4, u3 VARCHAR(40) CHARACTER SET utf8mb3,"
        " a VARCHAR(10) CHARACTER SET ascii)",
        "INSERT INTO enc VALUES (1, 'Crème brûlée, Straße', 'naïve 😀 🇩🇪 中文 \"q\"', 'Ærø', 'plain'),"
        " (2, CONVERT(UNHEX('80818D8F909DFF') USING latin1), '', '', ''), (3, NULL, NULL, NULL, NULL)",
    )
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
    with conn.cursor() as cur:  # a byte that is not ASCII, stored in an ascii column
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("SET NAMES binary")  # the client's bytes go in unconverted, unchecked
        cur.execute("INSERT INTO enc (id, a) VALUES (4, X'41E9')")
    conn.close()
    assert _my_rows(mariadb_server, mysql_db, "SELECT HEX(a) FROM enc WHERE id = 4") == [("41E9",)]
    result = dump_database(
        make_spec("enc", "mysql", [mysql_db]), parse_uri(mariadb_server.uri(mysql_db)), tmp_path
    )
    assert result.tables[0].rows == 3 and result.tables[0].rejected == 1
    (reject,) = read_rejects(tmp_path)[f"{mysql_db}.enc"]
    assert (reject.key, reject.column) == (("4",), "a")
    assert reject.reason == "bytes not valid in the column's character set ascii"
    target = pg_server.create_database(f"{mysql_db}_enc")
    _pg(target, "CREATE TABLE enc (id int PRIMARY KEY, l text, u text, u3 text, a text)")
    copy_back(target, tmp_path, f"{mysql_db}.enc", "public.enc")
    cols = ["l", "u", "u3", "a"]
    source = _my_rows(
        mariadb_server,
        mysql_db,
        "SELECT id, "
        + ", ".join(f"HEX(CONVERT({c} USING utf8mb4))" for c in cols)
        + " FROM enc WHERE id < 4",
    )
    back = _pg_rows(
        target,
        "SELECT id, "
        + ", ".join(f"upper(encode(convert_to({c}, 'UTF8'), 'hex'))" for c in cols)
        + " FROM enc ORDER BY id",
    )
    assert source == back
    assert "F09F9880" in back[0][2]  # 😀 as its four UTF-8 bytes


NAMES = ["订单", "客户", "Straße", "Order", "order", 'my "quoted" table', "two  spaces", "select", "Größe ß"]


def test_unusual_table_names_get_their_own_folders_and_exact_manifests(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    q = mysql.quote_ident
    statements = []
    for i, name in enumerate(NAMES):
        statements.append(
            f"CREATE TABLE {q(name)} ({q('ключ id')} INT PRIMARY KEY, {q('value')} VARCHAR(20))"
        )
        statements.append(
            f"INSERT INTO {q(name)} VALUES " + ", ".join(f"({i * 100 + k}, 'v{i}')" for k in range(i + 1))
        )
    _my(mariadb_server, mysql_db, *statements)
    spec = make_spec("names", "mysql", [mysql_db], parallelism=4)
    result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    by_name = {m.table: m for m in result.tables}
    assert set(by_name) == {f"{mysql_db}.{n}" for n in NAMES}
    folders = {table_dir_name(t) for t in by_name}
    assert len(folders) == len(NAMES)  # 订单/客户, Order/order, quotes and spaces: no collision
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == sorted(folders)
    for path in tmp_path.rglob("*"):  # dumps are data: the owner's only
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    for table in by_name:
        saved = json.loads((tmp_path / table_dir_name(table) / "manifest.json").read_text(encoding="utf-8"))
        assert saved["table"] == table and saved["columns"] == ["ключ id", "value"]
    target = pg_server.create_database(f"{mysql_db}_names")
    for i, name in enumerate(NAMES):
        _pg(target, sql.SQL("CREATE TABLE {} ({} int PRIMARY KEY, value text)").format(
            sql.Identifier(name), sql.Identifier("ключ id")).as_string())  # fmt: skip
        assert copy_back(target, tmp_path, f"{mysql_db}.{name}", f"public.{name}") == i + 1
        got = _pg_rows(target, sql.SQL("SELECT min({}), count(*), min(value) FROM {}").format(
            sql.Identifier("ключ id"), sql.Identifier(name)))  # fmt: skip
        assert got == [(i * 100, i + 1, f"v{i}")], name


def test_server_warnings_become_an_error_naming_the_table(
    mariadb_server: MariaDBServer, mysql_db: str, tmp_path: Path
) -> None:
    _my(
        mariadb_server,
        mysql_db,
        "CREATE TABLE w (id INT PRIMARY KEY, v VARCHAR(10))",
        "INSERT INTO w VALUES (1, 'x1')",
    )
    conn = mysql_connect(parse_uri(mariadb_server.uri(mysql_db)))
    try:
        columns = mysql.table_columns(conn, mysql_db, "w")
        plan = mysql.row_plan(columns, ["id"])
        # an expression the server has to convert with a warning ("Truncated incorrect INTEGER value")
        plan.exprs[0] = "CONCAT_WS(',', IFNULL(CAST(`v` AS SIGNED), ''))"
        writer = mysql.ChunkedWriter(tmp_path, f"{mysql_db}.w", 100, 10)
        formatter = mysql.RowFormatter(plan, ValueRules(), RejectsFile(tmp_path, "w"))
        with pytest.raises(
            RoachliftError, match=rf"dump of {mysql_db}\.w: .*server warned.*Truncated incorrect"
        ):
            mysql._stream(
                conn,
                mysql.select_statement(mysql_db, "w", plan),
                writer,
                formatter,
                f"{mysql_db}.w",
            )
    finally:
        conn.close()
