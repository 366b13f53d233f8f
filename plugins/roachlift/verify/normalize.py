"""Value normalization for verify: one canonical text per value, the dump's CSV convention.

The canonical text of a value is :func:`roachlift.csvfmt.format_value` (the text the dump writes in
a CSV field: NULL is ``None``, the empty string stays ``""``, binary ``\\x`` + hex, booleans
``t``/``f``, timestamps ISO 8601 in UTC, floats ``NaN``/``Infinity``), made canonical where two
equal values can be written two ways:

- numbers compare by value: ``1.50`` (DECIMAL(10,2)), ``1.5`` and ``1.5e0`` are one number;
- a timestamp without a zone is read as UTC, the zone every dump session runs in (MySQL
  ``TIMESTAMP`` is read with ``time_zone = '+00:00'``), so every timestamp compares as an instant;
- JSON is re-serialized with sorted keys (``jsonb`` reorders keys, MySQL keeps them);
- a column that is boolean on one side (``tinyint(1)``/``bit(1)`` on MySQL) compares 0/1 as f/t;
- a MySQL ``BIT(n)`` (n > 1; the bytes PyMySQL returns) and its target ``bit(n)`` (the bit string
  the dump wrote) compare as the integer they hold (the target's width is fixed: BIT(n) -> bit(n));
- a 4-byte float on both sides (MySQL ``FLOAT``, read as the exact float32 widened to DOUBLE, and
  the target's ``real``, read from its shortest float4 text) compares as the float32 it is;
- PostgreSQL ``char(n)`` pads with blanks and MySQL ``CHAR`` strips them: trailing blanks are
  dropped for such columns;
- values the target cannot hold follow the spec's rules (:mod:`roachlift.values`): under
  ``zero_dates: null`` a MySQL zero date (``0000-00-00``, or a zero month or day) is NULL and under
  ``nul_in_text: strip`` text loses its NUL characters (and JSON its ``\\u0000`` escapes), as the
  dump wrote them; under the default rules they stay as they are (the dump rejected their rows);
- for Oracle sources the empty string is NULL.

All of it is in :func:`normalize`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import struct
from decimal import Decimal
from typing import Any

from roachlift.csvfmt import format_decimal, format_float, format_value
from roachlift.geometry import MYSQL_TYPES as MYSQL_GEOMETRY
from roachlift.geometry import mysql_to_ewkb_hex
from roachlift.values import NULL, STRIP, ValueRules, is_zero_date, without_nul

#: Column kinds that change how a value is normalized (see :func:`column_kind`).
KIND_JSON = "json"
KIND_BOOL = "bool"
KIND_BPCHAR = "bpchar"
KIND_TEMPORAL = "temporal"
#: MySQL spatial source: both sides compare as lower-case EWKB hex (roachlift.geometry)
KIND_GEOMETRY = "geometry"
#: MySQL BIT(n), n > 1: both sides compare as the integer the bits hold
KIND_BIT = "bit"
#: a 4-byte float on both sides: compared as float32
KIND_FLOAT4 = "float4"

_JSON_TYPES = {"json", "jsonb"}
_BOOL_TYPES = {"boolean", "bool"}
_FLOAT4_SOURCE = {"float", "real", "float4", "binary_float"}  # MySQL FLOAT is 4 bytes (FLOAT(p<=24))
_FLOAT4_TARGET = {"real", "float4"}
_BPCHAR_TYPES = {"character", "bpchar", "char"}
_TEMPORAL_TYPES = {
    "date",
    "datetime",
    "timestamp",
    "timestamp without time zone",
    "timestamp with time zone",
    "timestamptz",
}


def column_kind(source_type: str, target_type: str, *, source_column_type: str = "") -> str | None:
    """The normalization kind of a column from its catalog types on both sides (or ``None``).

    ``source_column_type`` is MySQL's full ``COLUMN_TYPE`` (``tinyint(1)``, ``bit(1)``), where the
    plain ``DATA_TYPE`` does not tell a boolean.
    """
    types = {source_type.lower(), target_type.lower()}
    full = source_column_type.lower()
    if types & _JSON_TYPES:
        return KIND_JSON
    if types & _BOOL_TYPES or full.startswith(("tinyint(1)", "bit(1)")):
        return KIND_BOOL
    if types & _BPCHAR_TYPES:
        return KIND_BPCHAR
    if types & _TEMPORAL_TYPES:
        return KIND_TEMPORAL
    if source_type.lower() in MYSQL_GEOMETRY:
        return KIND_GEOMETRY
    if source_type.lower() == "bit" and full.startswith("bit("):  # MySQL BIT(n) (bit(1) is bool above)
        return KIND_BIT
    if source_type.lower() in _FLOAT4_SOURCE and target_type.lower() in _FLOAT4_TARGET:
        return KIND_FLOAT4
    return None


def _bits(value: Any) -> Any:
    """The integer a BIT value holds (MySQL: big-endian bytes; target: the bit string), else itself."""
    if isinstance(value, bytes | bytearray | memoryview):
        return int.from_bytes(bytes(value), "big")
    if isinstance(value, str) and value and not value.strip("01"):
        return int(value, 2)
    return value


def _float4(value: Any) -> Any:
    """A float rounded to the float32 nearest to it (exact for a float32 read as a double)."""
    if isinstance(value, float) and math.isfinite(value):
        try:
            return struct.unpack("<f", struct.pack("<f", value))[0]
        except OverflowError:  # beyond the float32 range: not a float32, compared as it is
            return value
    return value


def _number(value: Decimal | float | int) -> str:
    """One text per number, whatever its type or scale (``1.50`` == ``1.5`` == ``1.5e0``)."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return format_float(value)
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if value.is_nan() or value.is_infinite():
        return format_decimal(value)
    if value == 0:
        return "0"
    # normalize() rounds to the context precision (28 digits by default): give it every digit, or
    # two NUMBER(38) values differing in their last digits would compare equal
    exact = decimal.Context(prec=max(len(value.as_tuple().digits), 1))
    return format(value.normalize(exact), "f")


def _json(value: Any) -> str:
    """JSON with sorted keys and no blanks."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normalize(
    value: Any, kind: str | None = None, *, empty_is_null: bool = False, rules: ValueRules | None = None
) -> str | None:
    """The canonical text of ``value`` (``None`` for NULL); see the module docstring for the rules."""
    if value is None:
        return None
    strip = rules is not None and rules.nul_in_text == STRIP
    if kind == KIND_JSON:
        if isinstance(value, bytes | bytearray | memoryview):
            value = bytes(value).decode("utf-8", errors="replace")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return _json(without_nul(value) if strip else value)
    if kind == KIND_GEOMETRY:  # source: MySQL SRID + WKB bytes; target: EWKB (hex text or bytes)
        if isinstance(value, str):
            return value.lower().removeprefix("\\x")
        raw = bytes(value)
        try:
            return mysql_to_ewkb_hex(raw)
        except ValueError:
            return raw.hex()
    if kind == KIND_BIT:
        value = _bits(value)
    elif kind == KIND_FLOAT4:
        value = _float4(value)
    if kind == KIND_BOOL and isinstance(value, bool | int | bytes | bytearray | memoryview):
        if isinstance(value, bytes | bytearray | memoryview):
            value = int.from_bytes(bytes(value), "big")
        return "t" if value else "f"
    if isinstance(value, str):
        if strip and "\x00" in value:
            value = value.replace("\x00", "")
        if kind == KIND_BPCHAR:
            value = value.rstrip(" ")
        elif kind == KIND_TEMPORAL and is_zero_date(value):
            return None if rules is not None and rules.zero_dates == NULL else value
        if empty_is_null and value == "":
            return None
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int | float | Decimal):
        return _number(value)
    elif isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_value(value)


def values_equal(
    a: Any, b: Any, kind: str | None = None, *, empty_is_null: bool = False, rules: ValueRules | None = None
) -> bool:
    """True when ``a`` and ``b`` are the same value (Python equality first, then canonical text)."""
    if a == b and type(a) is type(b):
        return True
    e = empty_is_null
    return normalize(a, kind, empty_is_null=e, rules=rules) == normalize(
        b, kind, empty_is_null=e, rules=rules
    )


def to_jsonable(value: Any) -> Any:
    """A JSON-serializable form of a key value (ints and strings stay, the rest as canonical text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return normalize(value)
