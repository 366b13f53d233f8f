"""Verify for Oracle sources without an Oracle server: recorded dictionary rows and recorded result
sets (the Python values oracledb returns, NUMBER through the Decimal handler) go through the Oracle
reader's own functions, and are compared with a real PostgreSQL target loaded from the dump's CSV of
the same rows -- so dump, load and verify agree on every value, and a changed value is caught."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from roachlift.dump.oracle import encode_rows, select_statement
from roachlift.verify.compare import MISMATCHED, MISSING, TableRef, _key_fn, _plan, _Tally, merge_streams
from roachlift.verify.oracle import fetch_query, finish_rows, is_integer, shape_from_rows, stream_query
from roachlift.verify.readers import Bounds, PostgresReader, TableShape, as_conninfo

#: ALL_TAB_COLS rows (column_name, data_type, data_precision, data_scale) of SHOP.ORDERS
COLUMNS = [
    ("ORDER_ID", "NUMBER", 12, 0),
    ("AMOUNT", "NUMBER", None, None),
    ("PLACED", "DATE", None, None),
    ("SHIPPED_AT", "TIMESTAMP(6) WITH TIME ZONE", None, 6),
    ("NOTE", "VARCHAR2", None, None),
    ("PAYLOAD", "CLOB", None, None),
    ("CODE", "RAW", None, None),
    ("STATUS", "CHAR", None, None),
]
PK = [("ORDER_ID",)]

#: result set of the stream query, as oracledb returns it (zoned column already UTC, naive)
ROWS = [
    (
        Decimal(1),
        Decimal("12345678901234567890123456789012345678"),
        dt.datetime(2024, 3, 1, 12, 30, 45),
        dt.datetime(2024, 3, 1, 3, 30, 45, 250000),
        "first",
        '{"b": 1, "a": [true, null]}',
        b"\x00\xab",
        "N ",
    ),
    (
        Decimal(2),
        Decimal("-0.000000000000000000000000000000000001"),
        dt.datetime(1999, 12, 31, 23, 59, 59),
        None,
        None,
        None,
        None,
        "Y ",
    ),
    (Decimal(10), Decimal("0"), dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1), "x", "{}", b"", "N "),
]

TARGET_DDL = """
CREATE TABLE orders (
  order_id BIGINT PRIMARY KEY,
  amount DECIMAL,
  placed TIMESTAMP,
  shipped_at TIMESTAMPTZ(6),
  note VARCHAR(100),
  payload JSONB,
  code BYTEA,
  status CHAR(2)
)
"""


class RecordedOracle:
    """The source side of verify over recorded dictionary rows and result sets, through the
    Oracle reader's own functions (shape_from_rows, stream_query, finish_rows)."""

    kind = "oracle"
    default_schema = "SHOP"

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows
        self.queries: list[str] = []

    def describe(self, schema: str, table: str) -> TableShape | None:
        if (schema.upper(), table.upper()) != ("SHOP", "ORDERS"):
            return None
        return shape_from_rows("SHOP", "ORDERS", COLUMNS, PK)

    def list_tables(self, schema: str) -> list[str]:
        return ["ORDERS"]

    def is_integer(self, column: Any) -> bool:
        return is_integer(column)

    def key_range(self, shape: TableShape, column: str) -> tuple[int | None, int | None]:
        return 1, 10

    def stream(
        self, shape: TableShape, columns: Sequence[str], order_by: Sequence[str], bounds: Bounds, batch: int
    ) -> Iterator[tuple[Any, ...]]:
        query, _binds, kinds = stream_query(shape, columns, order_by, bounds)
        self.queries.append(query)
        order = [c[0] for c in COLUMNS]
        picked = [tuple(r[order.index(c)] for c in columns) for r in sorted(self.rows)]
        yield from finish_rows(picked, kinds)

    def fetch(self, *args: Any) -> list[tuple[Any, ...]]:
        raise AssertionError("not used")

    def close(self) -> None:
        pass


def _load_target(dsn: str, rows: list[tuple[Any, ...]]) -> None:
    """The target as the pipeline leaves it: the converted table, loaded from the dump's CSV."""
    _, kinds = select_statement("SHOP", "ORDERS", [(c[0], c[1]) for c in COLUMNS])
    data = encode_rows(rows, kinds)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(TARGET_DDL)
        with conn.cursor().copy("COPY orders FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(io.BytesIO(data).read())


def _compare(dsn: str, source_rows: list[tuple[Any, ...]]) -> _Tally:
    src = RecordedOracle(source_rows)
    tgt = PostgresReader(as_conninfo(dsn))
    try:
        plan = _plan(src, tgt, TableRef("ORDERS", "SHOP", None, "public"), True)
        tally = _Tally("SHOP.ORDERS", 100, 60.0)
        merge_streams(
            plan,
            src.stream(plan.source, plan.names, plan.names[: plan.key_len], None, 100),
            tgt.stream(plan.target, plan.target_names, plan.target_names[: plan.key_len], None, 100),
            _key_fn(plan.source, plan.names[: plan.key_len]),
            _key_fn(plan.target, plan.target_names[: plan.key_len]),
            tally,
        )
        assert src.queries[0].startswith(
            'SELECT "ORDER_ID", "AMOUNT", "PLACED", SYS_EXTRACT_UTC("SHIPPED_AT")'
        )
        assert src.queries[0].endswith('FROM "SHOP"."ORDERS" ORDER BY "ORDER_ID"')
        return tally
    finally:
        tgt.close()


def test_dictionary_rows_give_the_shape() -> None:
    shape = shape_from_rows("SHOP", "ORDERS", COLUMNS, PK)
    assert shape is not None and shape.primary_key == ("ORDER_ID",)
    assert [(c.name, c.data_type, c.detail) for c in shape.columns[:3]] == [
        ("ORDER_ID", "number", "number(12,0)"),
        ("AMOUNT", "number", "number(*)"),
        ("PLACED", "date", "date"),
    ]
    assert is_integer(shape.column("ORDER_ID")) and not is_integer(shape.column("AMOUNT"))
    assert shape_from_rows("SHOP", "NONE", [], []) is None


def test_stream_and_fetch_statements() -> None:
    shape = shape_from_rows("SHOP", "ORDERS", COLUMNS, PK)
    assert shape is not None
    query, binds, kinds = stream_query(shape, ["ORDER_ID", "SHIPPED_AT", "PAYLOAD"], ["ORDER_ID"], (1, 5))
    assert query == (
        'SELECT "ORDER_ID", SYS_EXTRACT_UTC("SHIPPED_AT"), "PAYLOAD" FROM "SHOP"."ORDERS" '
        'WHERE "ORDER_ID" >= :lo AND "ORDER_ID" < :hi ORDER BY "ORDER_ID"'
    )
    assert binds == {"lo": 1, "hi": 5} and kinds == [None, "utc", "lob"]
    query, _ = fetch_query(shape, ["ORDER_ID", "NOTE"], ["ORDER_ID", "NOTE"], 2)
    assert query.endswith('WHERE ("ORDER_ID", "NOTE") IN ((:1, :2), (:3, :4))')


def test_recorded_rows_equal_the_loaded_target(pg_db: str) -> None:
    _load_target(pg_db, ROWS)
    tally = _compare(pg_db, ROWS)
    assert dict(tally.counts) == {} and tally.rows_source == tally.rows_target == 3


def test_a_changed_last_digit_and_a_missing_row_are_caught(pg_db: str) -> None:
    _load_target(pg_db, ROWS[1:])
    changed = list(ROWS)
    changed[1] = (Decimal(2), Decimal("-0.000000000000000000000000000000000002"), *ROWS[1][2:])
    changed[2] = (Decimal(10), Decimal("0"), dt.datetime(2024, 1, 1, 0, 0, 1), *ROWS[2][3:])
    tally = _compare(pg_db, changed)
    assert tally.counts[MISSING] == 1 and tally.counts[MISMATCHED] == 2
    assert dict(tally.columns) == {"AMOUNT": 1, "PLACED": 1}


def test_empty_string_in_the_target_equals_oracle_null(pg_db: str) -> None:
    _load_target(pg_db, ROWS)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("UPDATE orders SET note = '' WHERE order_id = 2")
    assert dict(_compare(pg_db, ROWS).counts) == {}


@pytest.mark.parametrize(
    "value", ["12345678901234567890123456789012345678", "-0.12345678901234567890123456789012345678", "9E+125"]
)
def test_numbers_beyond_float_precision_compare_exactly(pg_db: str, value: str) -> None:
    rows = [(Decimal(1), Decimal(value), *ROWS[0][2:])]
    _load_target(pg_db, rows)
    assert dict(_compare(pg_db, rows).counts) == {}
    off = Decimal(value[:-1] + ("1" if value[-1] != "1" else "2"))  # last digit changed
    assert dict(_compare(pg_db, [(Decimal(1), off, *ROWS[0][2:])]).counts) == {MISMATCHED: 1}


def test_zoned_timestamp_keys_compare_with_the_target() -> None:
    shape = shape_from_rows("SHOP", "EVENTS", [("AT", "TIMESTAMP(6) WITH TIME ZONE", None, 6)], [("AT",)])
    assert shape is not None
    (row,) = finish_rows([(dt.datetime(2024, 1, 1, 3, 0),)], ["utc"])
    key = _key_fn(shape, ["AT"])(row)
    assert key == dt.datetime(2024, 1, 1, 3, 0) and key.tzinfo is None  # comparable with the target's key
    local = shape_from_rows("SHOP", "E2", [("AT", "TIMESTAMP(3) WITH LOCAL TIME ZONE", None, 3)], [("AT",)])
    assert local is not None and _key_fn(local, ["AT"])(row).tzinfo is None
