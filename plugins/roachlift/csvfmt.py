"""The CSV convention shared by dump, load, CDC value conversion and verify.

One convention, so the four can never disagree. It is PostgreSQL's ``COPY ... (FORMAT csv)``
convention, which both PostgreSQL's ``COPY FROM`` and CockroachDB's ``IMPORT INTO ... CSV DATA``
read back exactly:

- fields separated by ``,``; quote character ``"``, doubled inside a quoted field; rows end with ``\\n``;
  no header line;
- NULL is an *unquoted* empty field; the empty string is a quoted empty field ``""``
  (CockroachDB: ``nullif = ''``, and quoted values are never NULL unless ``allow_quoted_null``);
- fields holding the delimiter, a quote, a newline or carriage return, or a leading/trailing
  space are quoted;
- binary values are ``\\x`` followed by lower-case hex (PostgreSQL ``bytea_output = hex``; CockroachDB
  reads BYTES written this way);
- booleans ``t`` / ``f``; timestamps ISO 8601 with a space separator, fractional seconds as needed;
  ``timestamptz`` always with an explicit UTC offset (dumps run with ``TimeZone = UTC``);
- JSON as its text; arrays in PostgreSQL array-literal form ``{a,b}``; floats ``NaN``,
  ``Infinity``, ``-Infinity``.

Checked against CockroachDB's ``IMPORT INTO`` documentation
(https://www.cockroachlabs.com/docs/v24.1/import-into#import-options): for ``CSV DATA`` "without
``nullif``, empty values are interpreted as ``NULL`` by default, unless enclosed in double quotes",
and with ``nullif = ''`` the match is on *unquoted* values only ("any CSV input value that is
enclosed in double quotes, including an empty value, is interpreted as a string") unless
``allow_quoted_null`` is given. So the loader passes ``nullif = ''`` and never
``allow_quoted_null``; ``""`` then stays the empty string. PostgreSQL ``COPY FROM ... (FORMAT csv)``
reads the same file with its defaults. Values quoted also when they are exactly ``\\.`` (PostgreSQL's
end-of-data marker), as PostgreSQL itself does.

Per value: :func:`format_value` gives the text of one Python value (``None`` for NULL) exactly as
PostgreSQL's COPY prints the equivalent column; :func:`quote_field` quotes it; :func:`format_row` /
:func:`write_rows` write whole rows. CDC and verify use these to normalise MySQL/Oracle values.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import math as _math
import re as _re
import uuid as _uuid
from collections.abc import Iterable as _Iterable
from collections.abc import Sequence as _Sequence
from decimal import Decimal as _Decimal
from typing import IO as _IO

DELIMITER = ","
QUOTE = '"'
NULL = ""
ROW_TERMINATOR = "\n"
ENCODING = "utf-8"


# --- values -------------------------------------------------------------------------------------------


_NEEDS_QUOTE = _re.compile(r'[",\n\r]|^\s|\s$|^\\\.$')
_UTC = _dt.UTC


def _frac(micro: int) -> str:
    """Fractional seconds as PostgreSQL prints them: trailing zeros dropped, nothing when zero."""
    return "" if not micro else "." + f"{micro:06d}".rstrip("0")


def format_datetime(value: _dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]``; an aware value is converted to UTC and gets ``+00``."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(_UTC)
        # four-digit year spelled out: strftime("%Y") gives "1" for year 1 on glibc
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d} " + (
            value.strftime("%H:%M:%S") + _frac(value.microsecond) + "+00"
        )
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        + value.strftime("%H:%M:%S")
        + _frac(value.microsecond)
    )


def format_time(value: _dt.time) -> str:
    """``HH:MM:SS[.ffffff]`` (an aware time keeps its offset as ``+HH:MM``)."""
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}" + _frac(value.microsecond)
    offset = value.utcoffset()
    if offset is not None:
        text += _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone(offset)).strftime("%z")
    return text


def format_timedelta(value: _dt.timedelta) -> str:
    """A MySQL ``TIME`` / interval as ``[-]H:MM:SS[.ffffff]`` (hours may exceed 24)."""
    micros = value // _dt.timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    seconds, micro = divmod(micros, 1_000_000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{sign}{hours:02d}:{minute:02d}:{sec:02d}" + _frac(micro)


def format_float(value: float) -> str:
    """Shortest exact text; ``NaN``, ``Infinity``, ``-Infinity`` as PostgreSQL spells them."""
    if _math.isnan(value):
        return "NaN"
    if _math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def format_decimal(value: _Decimal) -> str:
    """Plain notation (never an exponent), ``NaN``/``Infinity`` spelled out."""
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "Infinity" if value > 0 else "-Infinity"
    return format(value, "f")


def format_bytes(value: bytes | bytearray | memoryview) -> str:
    """``\\x`` followed by lower-case hex."""
    return "\\x" + bytes(value).hex()


def format_json(value: object) -> str:
    """JSON text of a decoded document (non-ASCII kept). A ``\\u0000`` escape stays: JSONB refuses
    it, and dropping it is a rule of the spec (:mod:`roachlift.values`), never done here."""
    return _json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _array_element(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        return format_array(value)
    text = format_value(value)
    assert text is not None
    if text == "" or text.upper() == "NULL" or any(c in text for c in '{},"\\ \t\n\r'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def format_array(value: _Sequence[object]) -> str:
    """A PostgreSQL array literal ``{a,"b c",NULL}`` (nested lists become nested braces)."""
    return "{" + ",".join(_array_element(v) for v in value) + "}"


def format_value(value: object) -> str | None:
    """The text of ``value`` as it appears in a dump CSV field, before quoting; ``None`` for NULL.

    The same text PostgreSQL's ``COPY ... (FORMAT csv)`` writes for the equivalent column (session
    ``TimeZone=UTC``, ``DateStyle=ISO``, ``bytea_output=hex``), so MySQL, Oracle and CDC values
    compare equal to PostgreSQL-dumped ones. Strings keep NUL characters: PostgreSQL and CockroachDB
    text cannot hold them, and what happens to such a value is decided by the spec's rules
    (:mod:`roachlift.values`: reject the row, or strip and count), never silently here. Lists and
    tuples are arrays; dicts are JSON.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, _Decimal):
        return format_decimal(value)
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.time):
        return format_time(value)
    if isinstance(value, _dt.timedelta):
        return format_timedelta(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return format_bytes(value)
    if isinstance(value, _uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return format_json(value)
    if isinstance(value, list | tuple):
        return format_array(value)
    if isinstance(value, set | frozenset):  # MySQL SET as text; CDC orders members as declared first
        return ",".join(sorted(str(v) for v in value))
    return str(value)


def quote_field(text: str | None) -> str:
    """One CSV field: NULL unquoted empty, ``""`` for the empty string, quoted when needed."""
    if text is None:
        return NULL
    if text == "" or _NEEDS_QUOTE.search(text):
        return QUOTE + text.replace(QUOTE, QUOTE + QUOTE) + QUOTE
    return text


def format_row(values: _Iterable[object]) -> str:
    """One CSV line (with its terminator) for Python values."""
    return DELIMITER.join(quote_field(format_value(v)) for v in values) + ROW_TERMINATOR


def write_rows(out: _IO[str], rows: _Iterable[_Iterable[object]]) -> int:
    """Write ``rows`` of Python values to a text stream; return how many were written."""
    n = 0
    for row in rows:
        out.write(format_row(row))
        n += 1
    return n


def parse_line_fields(line: str) -> list[str | None]:
    """Split one CSV record (no terminator) back into texts, ``None`` for NULL (tests, verify)."""
    fields: list[str | None] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == QUOTE:
            buf: list[str] = []
            i += 1
            while True:
                j = line.index(QUOTE, i)
                buf.append(line[i:j])
                if j + 1 < n and line[j + 1] == QUOTE:
                    buf.append(QUOTE)
                    i = j + 2
                    continue
                i = j + 1
                break
            fields.append("".join(buf))
        else:
            j = line.find(DELIMITER, i)
            j = n if j < 0 else j
            fields.append(line[i:j] or None)
            i = j
        if i >= n:
            return fields
        i += 1  # the delimiter
        if i == n:
            fields.append(None)
            return fields
