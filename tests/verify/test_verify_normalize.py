"""The normalization rules verify compares values with (no server needed)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from roachlift.csvfmt import format_value
from roachlift.values import ValueRules
from roachlift.verify.normalize import (
    KIND_BIT,
    KIND_BOOL,
    KIND_BPCHAR,
    KIND_FLOAT4,
    KIND_JSON,
    KIND_TEMPORAL,
    column_kind,
    normalize,
    values_equal,
)

TOKYO = dt.timezone(dt.timedelta(hours=9))


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        (Decimal("1.50"), Decimal("1.5"), None),
        (5, Decimal("5.000"), None),
        (0.1, Decimal("0.1"), None),
        (float("nan"), Decimal("NaN"), None),
        (dt.datetime(2024, 1, 1, 10, 0), dt.datetime(2024, 1, 1, 19, 0, tzinfo=TOKYO), None),
        (1, True, KIND_BOOL),
        (b"\x01", True, KIND_BOOL),
        ('{"b": 1, "a": [1, "x"]}', {"a": [1, "x"], "b": 1}, KIND_JSON),
        ("ab", "ab    ", KIND_BPCHAR),
        (dt.timedelta(hours=26, seconds=5), dt.timedelta(days=1, hours=2, seconds=5), None),
        (uuid.UUID(int=7), "00000000-0000-0000-0000-000000000007", None),
        (memoryview(b"\x00\xff"), b"\x00\xff", None),
    ],
)
def test_equal_values_in_two_representations(a: object, b: object, kind: str | None) -> None:
    assert values_equal(a, b, kind)


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("", None, None),
        (Decimal("1.5"), Decimal("1.51"), None),
        (dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC), dt.datetime(2024, 1, 1, 10, 0, tzinfo=TOKYO), None),
        (1, True, None),
        ("ab", "ab  ", None),
        ('{"a": 1}', {"a": 2}, KIND_JSON),
        (b"a", "a", None),
    ],
)
def test_different_values_stay_different(a: object, b: object, kind: str | None) -> None:
    assert not values_equal(a, b, kind)


def test_oracle_empty_string_is_null() -> None:
    assert values_equal("", None, empty_is_null=True)
    assert normalize("", empty_is_null=True) is None


def test_follows_the_dump_csv_convention() -> None:
    stamp = dt.datetime(2024, 1, 1, 1, 2, 3, 500, tzinfo=dt.UTC)
    for value in ("text", b"\x00\x10", True, dt.date(2024, 2, 29), stamp):
        assert normalize(value) == format_value(value)
    assert normalize(dt.datetime(2024, 1, 1, 1, 2, 3)) == "2024-01-01 01:02:03+00"
    assert normalize(None) is None


def test_column_kinds_from_both_catalogs() -> None:
    assert column_kind("tinyint", "boolean", source_column_type="tinyint(1)") == KIND_BOOL
    assert column_kind("longtext", "jsonb") == KIND_JSON
    assert column_kind("char", "character") == KIND_BPCHAR
    assert column_kind("datetime", "timestamp without time zone") == KIND_TEMPORAL
    assert column_kind("int", "integer") is None


def test_numbers_differing_past_28_digits_are_different() -> None:
    a = Decimal("12345678901234567890123456789012345678")
    assert not values_equal(a, a + 1)
    assert normalize(a) == "12345678901234567890123456789012345678"
    assert (
        normalize(Decimal("1.2345678901234567890123456789012345670"))
        == "1.234567890123456789012345678901234567"
    )


def test_value_rules_apply_only_when_the_spec_chose_them() -> None:
    lossy = ValueRules(nul_in_text="strip", zero_dates="null")
    for zero in ("0000-00-00 00:00:00", "0000-00-00", "2024-00-10", "2024-05-00 10:00:00"):
        assert values_equal(zero, None, KIND_TEMPORAL, rules=lossy), zero
        assert not values_equal(zero, None, KIND_TEMPORAL), zero  # default: the dump rejected the row
    assert values_equal("a\x00b", "ab", rules=lossy)
    assert not values_equal("a\x00b", "ab")  # never equal by default: the NUL is a difference
    assert values_equal('{"k": "v\\u0000"}', {"k": "v"}, KIND_JSON, rules=lossy)
    assert not values_equal('{"k": "v\\u0000"}', {"k": "v"}, KIND_JSON)


def test_mysql_bit_float_and_json_strings() -> None:
    """MySQL BIT(n) bytes against the target's bit string, FLOAT (exact float32 as a double) against
    REAL (its shortest float4 text) and JSON texts: equal values equal, different ones different."""
    assert column_kind("bit", "bit", source_column_type="bit(10)") == KIND_BIT
    assert column_kind("float", "real") == KIND_FLOAT4
    assert column_kind("double", "real") is None  # a double in a real is not called equal
    assert values_equal(b"\x02\x01", "1000000001", KIND_BIT)
    assert values_equal(b"\x00\x00", "0000000000", KIND_BIT)
    assert not values_equal(b"\x02\x01", "1000000011", KIND_BIT)
    assert not values_equal(b"\x02\x01", None, KIND_BIT)
    assert values_equal(0.10000000149011612, 0.1, KIND_FLOAT4)  # float32 0.1 widened / its float4 text
    assert values_equal(16777216.0, 16777216.0, KIND_FLOAT4)
    assert not values_equal(16777216.0, 16777200.0, KIND_FLOAT4)  # MySQL's 6-digit text: another float32
    assert not values_equal(123456792.0, 123457000.0, KIND_FLOAT4)
    assert values_equal('"\\\\N"', '"\\\\N"', KIND_JSON)
    assert values_equal('"\\\\N"', '"\\u005cN"', KIND_JSON)  # one JSON string, two spellings
    assert not values_equal('"\\\\N"', '"\\\\M"', KIND_JSON)
    assert not values_equal("{}", '"{}"', KIND_JSON)  # an object is not the string holding its text
