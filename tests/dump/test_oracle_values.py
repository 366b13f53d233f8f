"""Oracle dump fidelity without a server: recorded fetch results (the Python values oracledb 26
returns for each Oracle type, with the Decimal output type handler) through the dump's encoder."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from decimal import Decimal
from typing import Any

import oracledb
import pytest

from roachlift import csvfmt
from roachlift.dump.oracle import (
    LOB,
    TEXT9,
    TEXT9_UTC,
    UTC,
    YM,
    FineTimes,
    column_expression,
    encode_rows,
    output_type_handler,
    read_lob,
    select_statement,
)


class _Meta:
    def __init__(self, type_code: Any) -> None:
        self.type_code = type_code


class _Cursor:
    """Only what an output type handler touches: ``arraysize`` and ``var``."""

    arraysize = 500

    def __init__(self) -> None:
        self.calls: list[tuple[Any, int]] = []

    def var(self, typ: Any, arraysize: int) -> str:
        self.calls.append((typ, arraysize))
        return "var"


def test_number_is_fetched_as_decimal_and_nothing_else_is_touched() -> None:
    cur = _Cursor()
    assert output_type_handler(cur, _Meta(oracledb.DB_TYPE_NUMBER)) == "var"
    assert cur.calls == [(decimal.Decimal, 500)]
    for other in (
        oracledb.DB_TYPE_BINARY_DOUBLE,
        oracledb.DB_TYPE_BINARY_FLOAT,
        oracledb.DB_TYPE_VARCHAR,
        oracledb.DB_TYPE_DATE,
        oracledb.DB_TYPE_CLOB,
    ):
        assert output_type_handler(cur, _Meta(other)) is None
    assert len(cur.calls) == 1


NUMBERS = [
    "12345678901234567890123456789012345678",  # NUMBER(38): 38 digits
    "-99999999999999999999999999999999999999",
    "0.12345678901234567890123456789012345678",
    "1234567890123456789.0123456789012345678",
    "9999999999999999999999999999",  # the identity MAXVALUE
    "1E+125",  # Oracle's largest magnitude order
    "-1E-130",
    "0",
]


@pytest.mark.parametrize("text", NUMBERS)
def test_38_digit_numbers_are_written_exactly(text: str) -> None:
    value = Decimal(text)
    out = encode_rows([(value,)], [None]).decode()
    assert Decimal(out.strip()) == value  # same number, every digit
    assert "E" not in out and "e" not in out
    if len(value.as_tuple().digits) > 17:
        # the driver's default (a float) would have changed it
        assert Decimal(repr(float(value))) != value


def test_dates_timestamps_and_zones() -> None:
    kinds = [None, None, UTC, UTC]
    rows = [
        (
            dt.datetime(2024, 2, 29, 23, 59, 59),  # DATE keeps its seconds
            dt.datetime(2024, 2, 29, 23, 59, 59, 123456),  # TIMESTAMP(6)
            dt.datetime(1999, 12, 31, 22, 0, 0, 500000),  # SYS_EXTRACT_UTC(TSTZ)
            dt.datetime(1, 1, 1, 0, 0, 0),  # year 1 (Oracle allows -4712..9999)
        )
    ]
    line = encode_rows(rows, kinds).decode()
    assert csvfmt.parse_line_fields(line.rstrip("\n")) == [
        "2024-02-29 23:59:59",
        "2024-02-29 23:59:59.123456",
        "1999-12-31 22:00:00.5+00",
        "0001-01-01 00:00:00+00",
    ]


def test_nanosecond_timestamps_are_kept_as_text_and_counted() -> None:
    fine = FineTimes(["A", "B", "C"])
    rows = [
        ("2024-01-02 03:04:05.123456789", "2024-01-02 03:04:05.120000000", "2024-01-02 03:04:05.000000001"),
        ("2024-01-02 03:04:05.000000000", None, "2024-01-02 03:04:05.123000000"),
    ]
    text = encode_rows(rows, [TEXT9, TEXT9, TEXT9_UTC], fine).decode().splitlines()
    assert csvfmt.parse_line_fields(text[0]) == [
        "2024-01-02 03:04:05.123456789",
        "2024-01-02 03:04:05.12",
        "2024-01-02 03:04:05.000000001+00",
    ]
    assert csvfmt.parse_line_fields(text[1]) == ["2024-01-02 03:04:05", None, "2024-01-02 03:04:05.123+00"]
    assert fine.counts == [1, 0, 1]


def test_select_expressions_per_type() -> None:
    assert column_expression("D", "DATE") == ('"D"', None)
    assert column_expression("T", "TIMESTAMP(6) WITH TIME ZONE") == ('SYS_EXTRACT_UTC("T")', UTC)
    assert column_expression("L", "TIMESTAMP(3) WITH LOCAL TIME ZONE") == (
        'SYS_EXTRACT_UTC(CAST("L" AS TIMESTAMP WITH TIME ZONE))',
        UTC,
    )
    assert column_expression("N", "TIMESTAMP(9)") == ("TO_CHAR(\"N\", 'YYYY-MM-DD HH24:MI:SS.FF9')", TEXT9)
    assert column_expression("Z", "TIMESTAMP(9) WITH TIME ZONE")[1] == TEXT9_UTC
    assert column_expression("C", "CLOB") == ('"C"', LOB)
    assert column_expression("X", "XMLTYPE") == ('XMLSERIALIZE(DOCUMENT "X" AS CLOB)', LOB)
    assert column_expression("Y", "INTERVAL YEAR(2) TO MONTH") == ('"Y"', YM)
    # a BLOB under IS JSON (ALL_JSON_COLUMNS, typed 'BLOB JSON' by the dictionary query): JSON text
    assert column_expression("J", "BLOB JSON") == ('JSON_SERIALIZE("J" RETURNING CLOB)', LOB)
    query, kinds = select_statement("APP", "Mixed Case", [("ID", "NUMBER"), ("B", "BLOB")])
    assert query == 'SELECT "ID", "B" FROM "APP"."Mixed Case" AS OF SCN :scn'
    assert kinds == [None, LOB]


def test_raw_intervals_and_floats() -> None:
    rows = [
        (
            b"\x00\x10\xff",  # RAW
            dt.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=500000),  # INTERVAL DS
            oracledb.IntervalYM(years=1, months=2),  # INTERVAL YM as oracledb returns it
            oracledb.IntervalYM(years=-3, months=-1),
            float("nan"),  # BINARY_DOUBLE
            float("-inf"),
            "",  # '' never comes back from Oracle (it is NULL) but must stay a quoted empty field
        )
    ]
    line = encode_rows(rows, [None, None, YM, YM, None, None, None]).decode().rstrip("\n")
    assert csvfmt.parse_line_fields(line) == [
        "\\x0010ff",
        "26:03:04.5",
        "1 years 2 months",
        "-3 years -1 months",
        "NaN",
        "-Infinity",
        "",
    ]


class _RecordedLob:
    """A CLOB/BLOB value as a locator serves it: ``read(offset, amount)`` with 1-based offsets
    counted in UTF-16 code units for CLOBs (the way Oracle counts AL16UTF16 characters)."""

    def __init__(self, value: str | bytes, chunk: int) -> None:
        self.value = value
        self.chunk = chunk
        self.reads: list[tuple[int, int]] = []
        self.type = oracledb.DB_TYPE_BLOB if isinstance(value, bytes) else oracledb.DB_TYPE_CLOB
        self.units = value if isinstance(value, bytes) else value.encode("utf-16-le")

    def size(self) -> int:
        return len(self.units) if isinstance(self.value, bytes) else len(self.units) // 2

    def getchunksize(self) -> int:
        return self.chunk

    def read(self, offset: int, amount: int) -> str | bytes:
        self.reads.append((offset, amount))
        if isinstance(self.value, bytes):
            return self.value[offset - 1 : offset - 1 + amount]
        raw = self.units[(offset - 1) * 2 : (offset - 1 + amount) * 2]
        if len(raw) >= 2 and 0xD800 <= int.from_bytes(raw[-2:], "little") <= 0xDBFF:
            raw = raw[:-2]  # never split a surrogate pair: return one unit less than asked
        return raw.decode("utf-16-le")


def test_lobs_are_read_in_chunks_with_utf16_offsets() -> None:
    text = ("abc€" * 5 + "😀x") * 40  # 😀 is two UTF-16 units
    lob = _RecordedLob(text, chunk=8)
    assert read_lob(lob, chunk=64) == text
    assert len(lob.reads) > 1 and all(amount == 64 for _, amount in lob.reads)
    offsets = [o for o, _ in lob.reads]
    assert offsets == sorted(set(offsets)) and offsets[0] == 1
    assert any((b - a) % 64 for a, b in itertools.pairwise(offsets))  # a short read happened
    blob = bytes(range(256)) * 9
    blob_lob = _RecordedLob(blob, chunk=100)
    assert read_lob(blob_lob, chunk=250) == blob
    assert [a for _, a in blob_lob.reads] == [200] * len(blob_lob.reads)
    assert read_lob(_RecordedLob(b"", chunk=8)) == b""
    assert read_lob(_RecordedLob("", chunk=8)) == ""


def test_lob_columns_encode_through_the_reader() -> None:
    rows = [(1, _RecordedLob('{"a": "é"}', 4), _RecordedLob(b"\x01\x02", 4)), (2, None, None)]
    lines = encode_rows(rows, [None, LOB, LOB]).decode().splitlines()
    assert csvfmt.parse_line_fields(lines[0]) == ["1", '{"a": "é"}', "\\x0102"]
    assert csvfmt.parse_line_fields(lines[1]) == ["2", None, None]
