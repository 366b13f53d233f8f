"""Verify MariaDB -> PostgreSQL: mixed types compare equal; each kind of difference is found."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from roachlift.config.connections import ConnInfo
from roachlift.verify import TableRef, verify_table

from .conftest import pg_run

MY_TABLE = """
CREATE TABLE items (
    id int PRIMARY KEY,
    name varchar(40),
    note varchar(40),
    price decimal(10,2),
    ratio double,
    created datetime(3),
    seen timestamp NULL,
    active tinyint(1),
    flag bit(1),
    payload varbinary(16),
    doc json,
    code char(6),
    born date,
    starts time,
    big bigint unsigned
)
"""

PG_TABLE = """
CREATE TABLE items (
    id integer PRIMARY KEY,
    name text,
    note text,
    price numeric(10,2),
    ratio double precision,
    created timestamp(3),
    seen timestamptz,
    active boolean,
    flag boolean,
    payload bytea,
    doc jsonb,
    code char(6),
    born date,
    starts time,
    big numeric(20)
)
"""


def _rows(n: int) -> list[tuple[object, ...]]:
    rows = []
    for i in range(1, n + 1):
        rows.append(
            (
                i,
                f"name {i} é",
                "" if i % 4 == 0 else f"n{i}",
                f"{i}.50",
                i / 3,
                f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:05.250",
                f"2024-02-{1 + i % 28:02d} 23:{i % 60:02d}:00",
                i % 2,
                i % 2,
                bytes([i % 256, 0, 255]),
                f'{{"b": {i}, "a": [1, "x"], "c": null}}',
                f"c{i}",
                f"1990-05-{1 + i % 28:02d}",
                f"{i % 24:02d}:30:15",
                18446744073709551615 - i,
            )
        )
    return rows


def _load(my_run: Callable[..., None], pg_target: str, n: int = 40) -> None:
    my_run(MY_TABLE)
    pg_run(pg_target, PG_TABLE)
    rows = _rows(n)
    marks = ", ".join(["%s"] * 15)
    my_run([], many=(f"INSERT INTO items VALUES ({marks})", rows))
    pg_vals = []
    for row in rows:
        r = list(row)
        r[6] = str(r[6]) + "+00"  # MySQL TIMESTAMP was written in UTC
        r[7] = bool(r[7])
        r[8] = bool(r[8])
        pg_vals.append(r)
    with psycopg.connect(pg_target, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany(f"INSERT INTO items VALUES ({marks})", pg_vals)


def test_mysql_to_postgres_equal_mixed_types(
    my_run: Callable[..., None], my_source: ConnInfo, mysql_db: str, pg_target: str
) -> None:
    _load(my_run, pg_target)
    res = verify_table(my_source, pg_target, TableRef("items", mysql_db, None, "public"), chunk_rows=15)
    assert res.error is None
    assert res.ok, res.to_dict()
    assert (res.rows_source, res.rows_target) == (40, 40)
    assert res.table == f"{mysql_db}.items" and res.target_table == "public.items"
    assert res.chunks == 3


def test_mysql_to_postgres_differences(
    my_run: Callable[..., None], my_source: ConnInfo, mysql_db: str, pg_target: str
) -> None:
    _load(my_run, pg_target)
    pg_run(
        pg_target,
        [
            "UPDATE items SET price = 99.99 WHERE id = 2",
            "DELETE FROM items WHERE id = 3",
            "INSERT INTO items (id, name) VALUES (500, 'extra')",
            "UPDATE items SET seen = '2024-02-06 23:05:00+01' WHERE id = 5",  # zone changed
            "UPDATE items SET note = NULL WHERE id = 8",  # '' in MariaDB
            'UPDATE items SET active = NOT active, doc = \'{"a": [1, "x"], "b": 0}\' WHERE id = 9',
            "UPDATE items SET created = created + interval '1 millisecond' WHERE id = 10",
        ],
    )
    res = verify_table(my_source, pg_target, TableRef.parse(f"{mysql_db}.items"), sample_size=3)
    assert not res.ok, res.to_dict()
    assert res.missing_sample == [(3,)] and res.extra_sample == [(500,)]
    assert res.mismatched == 5
    # the sample keeps the 3 lowest keys; the column counts cover every mismatch
    assert [(m.key, m.columns) for m in res.mismatched_sample] == [
        ((2,), ("price",)),
        ((5,), ("seen",)),
        ((8,), ("note",)),
    ]
    assert res.mismatched_columns == {"price": 1, "seen": 1, "note": 1, "active": 1, "doc": 1, "created": 1}


def test_mysql_text_key_in_case_insensitive_collation(
    my_run: Callable[..., None], my_source: ConnInfo, mysql_db: str, pg_target: str
) -> None:
    # utf8mb4_general_ci sorts a < B < c; Python and PostgreSQL "C" sort B < a < c
    my_run(
        [
            "CREATE TABLE codes (code varchar(10) PRIMARY KEY, label varchar(20))",
            "INSERT INTO codes VALUES ('a', 'x'), ('B', 'y'), ('c', 'z'), ('Ω', 'w'), ('_', 'v')",
        ]
    )
    pg_run(
        pg_target,
        [
            "CREATE TABLE codes (code text PRIMARY KEY, label text)",
            "INSERT INTO codes VALUES ('a', 'x'), ('B', 'y'), ('c', 'z'), ('Ω', 'changed'), ('_', 'v')",
        ],
    )
    res = verify_table(my_source, pg_target, TableRef("codes"))
    assert (res.missing, res.extra, res.mismatched) == (0, 0, 1), res.to_dict()
    assert res.mismatched_sample[0].key == ("Ω",)
