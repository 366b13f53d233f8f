"""MySQL/MariaDB table dump: values streamed through the C client's unbuffered result.

Rows arrive over the C-level unbuffered fetch (``mysql_use_result``, what ``SSCursor`` wraps,
without its per-row Python objects) and are written in the :mod:`roachlift.csvfmt` convention. A
row is never one server-built string that ``max_allowed_packet`` could cut to NULL: values that can
be large are fetched as themselves and formatted here, so a value of any size arrives byte for byte;
only bounded values are printed by the server (the fastest path measured), consecutive ones joined
into one ``CONCAT_WS`` piece:

- LOB-sized values — TEXT types and JSON as their raw bytes (``CAST(c AS BINARY)`` for UTF-8
  columns, checked here to be valid UTF-8; other character sets converted to utf8mb4 by the server
  with a round-trip check, latin1 excepted: each of its 256 bytes maps), BLOB types as ``\\x`` +
  lower-case hex encoded here; LOB tables are fetched a few MB of rows at a time;
- bounded values, printed by the server: CHAR/VARCHAR/ENUM/SET quoted (quotes doubled: ``""`` is
  the empty string, an unquoted empty field NULL), BINARY/VARBINARY ``\\x`` + hex, spatial types
  as EWKB hex (:mod:`roachlift.geometry`), numbers, TIME and YEAR as the server prints them (FLOAT
  widened to DOUBLE first: the server prints a FLOAT with 6 significant digits, another float32,
  and the exact float32 as a DOUBLE in the shortest text that reads back to it, which the target's
  REAL / FLOAT4 parses to the same float32),
  DATE/DATETIME, TIMESTAMP in UTC with ``+00``, BIT(1) ``t``/``f``, BIT(n) the bit string. A value
  the target cannot hold is marked behind the byte 0xFF (which no UTF-8 text and no scalar holds)
  and the row takes the careful path;
- values the target cannot hold (NUL in text, the JSON escape ``\\u0000``, zero dates, bytes not
  valid in the column's character set) follow :mod:`roachlift.values`: by default the row goes to
  ``rejects.csv`` with its key, column and reason, the dump goes on; a lossy rule changes the value
  and counts it.

Server warnings raised while a statement ran (a value cut or converted) are read when it ends and
become an error naming the table and the key range read.

A large InnoDB table with a single-column integer primary key may be split into ``split`` key
ranges (cut evenly between ``MIN`` and ``MAX`` of the key, at least :data:`MIN_RANGE_ROWS` rows each
by the ``TABLE_ROWS`` estimate) dumped in parallel by worker transactions of the same snapshot. The
ranges cover every key (the first has no lower bound, the last no upper bound) and each is read
``ORDER BY`` the key — a range scan of the clustered index, no sort, the same order as the one-stream
full scan — so the ranges' parts, renamed ``part-00001...`` in range order, hold the same bytes as
one stream.
"""

from __future__ import annotations

import binascii
import importlib
import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from roachlift import csvfmt, geometry, values
from roachlift.config.spec import Compression
from roachlift.dump.manifest import ChunkedWriter, TableManifest, finish_table, start_table
from roachlift.dump.runner import Connections, PartSettings, dump_error, resume_plan, run_ranges
from roachlift.dump.snapshot import Snapshot
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text
from roachlift.quoting import mysql_ident as quote_ident
from roachlift.storage import StoragePath
from roachlift.values import ValueRules

log = logging.getLogger(__name__)

_FETCH = 4096
#: Bytes of formatted rows gathered before one write; rows of LOB tables are fetched so that a
#: fetch holds about this much (memory is bounded by a few rows, not by the table).
_BATCH_BYTES = 8 << 20
_LOB_FETCH_BYTES = 4 << 20
_STRING = {"tinytext", "text", "mediumtext", "longtext", "json"}
_BINARY = {"tinyblob", "blob", "mediumblob", "longblob"}
#: Bounded types (at most 64 KB a value, far below ``max_allowed_packet``): printed by the server.
_SHORT_STRING = {"char", "varchar", "enum", "set"}
_SHORT_BINARY = {"binary", "varbinary"}
_GEOMETRY = set(geometry.MYSQL_TYPES)
_LOB = {"tinytext", "text", "mediumtext", "longtext", "json", "blob", "mediumblob", "longblob"} | _GEOMETRY
_DATES = {"date", "datetime"}
_UTF8 = {"utf8mb4", "utf8mb3", "utf8"}
_LOSSLESS = {"latin1"}  # every byte of MySQL's latin1 maps to a character and back
#: What a zero date prints as inside a server piece (no scalar text holds a control character).
#: Marks in server-printed fields, behind the byte 0xFF that no UTF-8 text and no scalar holds:
#: a zero date (``\xffZ``), text holding NUL (``"\xffN<text without NUL>"``), text whose bytes its
#: character set refuses (``"\xffC"``).
MARK = 0xFF
ZERO_MARK = b"\xffZ"
NUL_MARK = b"\xffN"
CHARSET_MARK = b"\xffC"
_ZERO_SQL = "CAST(CONCAT(CHAR(255), 'Z') AS BINARY)"  # both IF branches binary: no charset conversion


class Column(NamedTuple):
    """One dumped column as ``information_schema.COLUMNS`` describes it."""

    name: str
    data_type: str
    column_type: str
    precision: int | None
    charset: str | None = None


def split_table(table: str, default_schema: str | None) -> tuple[str, str]:
    """``schema.name`` → (schema, name)."""
    schema, _, name = table.rpartition(".")
    schema = schema or default_schema or ""
    if not schema:
        raise RoachliftError(f"table {table}: no database given (use schema.table or set source.schemas)")
    return schema, name


def column_expression(
    name: str, data_type: str, column_type: str, precision: int | None, charset: str | None = None
) -> str:
    """The SQL expression the server prints one scalar column with (NULL stays NULL; a zero date
    prints as :data:`ZERO_MARK`)."""
    c = quote_ident(name)
    t = data_type.lower()
    if t in _GEOMETRY:  # EWKB hex, which CockroachDB reads as GEOMETRY (roachlift/geometry.py)
        return geometry.mysql_ewkb_hex_sql(c)
    if t in _SHORT_BINARY:
        return f"CONCAT(CHAR(92, 120), LOWER(HEX({c})))"
    if t in _SHORT_STRING:
        return _short_text_expression(name, charset)
    zero = f"YEAR({c}) = 0 OR MONTH({c}) = 0 OR DAYOFMONTH({c}) = 0"
    if t in _DATES:
        return f"IF({zero}, {_ZERO_SQL}, CAST({c} AS BINARY))"
    if t == "timestamp":  # only ever wholly zero (its range starts in 1970): one comparison, not three
        return f"IF({c} = 0, {_ZERO_SQL}, CAST(CONCAT({c}, '+00') AS BINARY))"
    if t == "float":  # exact float32 as the shortest double text (FLOAT alone prints 6 digits)
        return f"CAST({c} AS DOUBLE)"
    if t == "bit":
        if (precision or 1) == 1:
            return f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} = 0 THEN 'f' ELSE 't' END"
        return f"LPAD(BIN({c}), {int(precision or 1)}, '0')"
    return c


# Field kinds of a row plan.
_SERVER, _TEXT, _CONVERTED, _BIN = range(4)


@dataclass
class _Step:
    """One selected expression and how the client turns it into CSV field(s)."""

    kind: int
    index: int  # position in the select list
    columns: list[int]  # table column positions it holds (several for a server piece)
    json: bool = False
    check: int = -1  # select position of the charset round-trip check (CONVERTED), -1: none


@dataclass
class RowPlan:
    """What to select for a table and how each row becomes one CSV line."""

    columns: list[Column]
    exprs: list[str] = field(default_factory=list)
    steps: list[_Step] = field(default_factory=list)
    key: list[int] = field(default_factory=list)  # primary-key column positions
    lob: bool = False


def _short_text_expression(name: str, charset: str | None) -> str:
    """A CHAR/VARCHAR/ENUM/SET value quoted by the server (quotes doubled), or marked: text holding
    NUL as :data:`NUL_MARK` + the text without it, bytes its character set refuses as
    :data:`CHARSET_MARK` (UTF-8 columns: the server refuses invalid UTF-8 on the way in)."""
    c = quote_ident(name)
    cs = (charset or "utf8mb4").lower()
    text = f"CONVERT({c} USING utf8mb4)"
    nul = "CHAR(0 USING utf8mb4)"
    quoted = f"CAST(CONCAT('\"', REPLACE({text}, '\"', '\"\"'), '\"') AS BINARY)"
    stripped = f"CONCAT('\"', CHAR(255), 'N', REPLACE(REPLACE({text}, {nul}, ''), '\"', '\"\"'), '\"')"
    expr = f"IF(LENGTH(REPLACE({text}, {nul}, '')) < LENGTH({text}), CAST({stripped} AS BINARY), {quoted})"
    if cs in _UTF8 or cs in _LOSSLESS:
        return expr
    check = f"CAST(CONVERT({text} USING {cs}) AS BINARY) <> CAST({c} AS BINARY)"
    return f"IF({check}, CAST(CONCAT('\"', CHAR(255), 'C\"') AS BINARY), {expr})"


def _text_expression(col: Column) -> tuple[str, str | None, bool]:
    """(expression, round-trip check or None, converted) for a string column."""
    c = quote_ident(col.name)
    charset = (col.charset or "").lower()
    if not charset or charset in _UTF8:  # MySQL's JSON type has no character set: it is utf8mb4
        return (f"CAST({c} AS BINARY)" if charset else c), None, False
    text = f"CONVERT({c} USING utf8mb4)"
    if charset in _LOSSLESS:
        return text, None, True
    check = f"CAST(CONVERT({text} USING {charset}) AS BINARY) = CAST({c} AS BINARY)"
    return text, check, True


def row_plan(columns: list[Column], key_columns: list[str] | None = None) -> RowPlan:
    """The select list and the client's formatting steps for ``columns`` (in file order)."""
    plan = RowPlan(columns)
    names = [c.name for c in columns]
    plan.key = [names.index(k) for k in key_columns or [] if k in names]
    piece: list[int] = []

    def flush() -> None:
        if piece:
            parts = ", ".join(f"IFNULL({column_expression(*columns[i])}, '')" for i in piece)
            plan.exprs.append(f"CONCAT_WS(',', {parts})")
            plan.steps.append(_Step(_SERVER, len(plan.exprs) - 1, list(piece)))
            piece.clear()

    for i, col in enumerate(columns):
        t = col.data_type.lower()
        plan.lob = plan.lob or t in _LOB
        if t in _STRING:
            flush()
            expr, check, converted = _text_expression(col)
            plan.exprs.append(expr)
            step = _Step(_CONVERTED if converted else _TEXT, len(plan.exprs) - 1, [i], json=t == "json")
            if check is not None:
                plan.exprs.append(check)
                step.check = len(plan.exprs) - 1
            plan.steps.append(step)
        elif t in _BINARY:
            flush()
            plan.exprs.append(quote_ident(col.name))
            plan.steps.append(_Step(_BIN, len(plan.exprs) - 1, [i]))
        else:
            piece.append(i)
    flush()
    return plan


def table_columns(conn: Any, schema: str, name: str) -> list[Column]:
    """The table's columns in order, generated columns left out (MariaDB JSON typed ``json``)."""
    cur = conn.cursor()
    try:
        cur.execute(sql_text("dump/mysql_columns.sql"), (schema, name))
        rows = cur.fetchall()
    finally:
        cur.close()
    if not rows:
        raise RoachliftError(f"table {schema}.{name} not found (or has no columns) in the source database")
    json_cols = _mariadb_json_columns(conn, schema, name)
    out = []
    for col, dtype, ctype, prec, charset in rows:
        kind = "json" if _s(col) in json_cols else _s(dtype)
        out.append(
            Column(
                _s(col),
                kind,
                _s(ctype),
                int(_s(prec)) if prec is not None else None,
                _s(charset) if charset is not None else None,
            )
        )
    return out


def _mariadb_json_columns(conn: Any, schema: str, name: str) -> set[str]:
    """MariaDB's JSON columns (LONGTEXT + json_valid check); empty on MySQL, whose JSON is a type."""
    MySQLdb: Any = importlib.import_module("MySQLdb")

    cur = conn.cursor()
    try:
        cur.execute(sql_text("dump/mariadb_json_columns.sql"), (schema, name))
        return {_s(r[0]) for r in cur.fetchall()}
    except MySQLdb.Error:
        return set()
    finally:
        cur.close()


def primary_key(conn: Any, schema: str, name: str) -> list[str]:
    """The primary-key columns in key order (empty without one)."""
    cur = conn.cursor()
    try:
        cur.execute(f"SHOW KEYS FROM {quote_ident(schema)}.{quote_ident(name)} WHERE Key_name = 'PRIMARY'")
        rows = sorted(cur.fetchall(), key=lambda r: int(_s(r[3])))
    finally:
        cur.close()
    return [_s(r[4]) for r in rows]


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)


def select_statement(schema: str, name: str, plan: RowPlan) -> str:
    """``SELECT <values> FROM db.table``."""
    return f"SELECT {', '.join(plan.exprs)} FROM {quote_ident(schema)}.{quote_ident(name)}"


#: Smallest PK range worth its own worker transaction, in rows (by the ``TABLE_ROWS`` estimate).
MIN_RANGE_ROWS = 100_000
_INTEGERS = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
#: PK ranges ``[first, end)``; ``None`` is unbounded.
KeyRange = tuple[int | None, int | None]


def range_statement(
    schema: str,
    name: str,
    plan: RowPlan,
    key: str | None = None,
    key_range: KeyRange = (None, None),
) -> str:
    """:func:`select_statement`, narrowed to ``first <= key < end`` and read in ``key`` order."""
    stmt = select_statement(schema, name, plan)
    if key is None:
        return stmt
    k = quote_ident(key)
    first, end = key_range
    conds = ([f"{k} >= {int(first)}"] if first is not None else []) + (
        [f"{k} < {int(end)}"] if end is not None else []
    )
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    return f"{stmt}{where} ORDER BY {k}"


def key_ranges(low: int, high: int, rows: int, split: int, min_rows: int | None = None) -> list[KeyRange]:
    """At most ``split`` contiguous key ranges of about ``min_rows`` (default :data:`MIN_RANGE_ROWS`)
    rows or more, cut evenly between the lowest and highest key, covering every key.

    The first range has no lower bound and the last no upper bound, so every row is in exactly one.
    """
    least = MIN_RANGE_ROWS if min_rows is None else min_rows
    count = max(1, min(split, rows // max(least, 1), high - low + 1))
    if count == 1:
        return [(None, None)]
    bounds: list[int | None] = [None, *(low + (high - low + 1) * i // count for i in range(1, count)), None]
    return [(bounds[i], bounds[i + 1]) for i in range(count)]


def _one(conn: Any, query: str, args: tuple[Any, ...] | None = None) -> tuple[Any, ...] | None:
    cur = conn.cursor()
    try:
        cur.execute(query, args)
        row: tuple[Any, ...] | None = cur.fetchone()
        return row
    finally:
        cur.close()


def plan_ranges(
    conn: Any, schema: str, name: str, columns: list[Column], keys: list[str], split: int
) -> tuple[str | None, list[KeyRange]]:
    """(key column, ranges): several PK ranges when ``split`` > 1 and the table is a large InnoDB
    table with a single-column integer primary key ``keys``, else ``(None, [whole table])``."""
    whole: tuple[str | None, list[KeyRange]] = (None, [(None, None)])
    if split <= 1:
        return whole
    info = _one(
        conn,
        "SELECT ENGINE, TABLE_ROWS FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (schema, name),
    )
    if info is None or _s(info[0]).lower() != "innodb" or int(_s(info[1] or 0)) < 2 * MIN_RANGE_ROWS:
        return whole
    types = {c.name: c.data_type.lower() for c in columns}
    if len(keys) != 1 or types.get(keys[0]) not in _INTEGERS:
        return whole
    key = keys[0]
    k = quote_ident(key)
    bounds = _one(conn, f"SELECT MIN({k}), MAX({k}) FROM {quote_ident(schema)}.{quote_ident(name)}")
    if bounds is None or bounds[0] is None:
        return whole
    ranges = key_ranges(int(_s(bounds[0])), int(_s(bounds[1])), int(_s(info[1])), split)
    return (key, ranges) if len(ranges) > 1 else whole


def _piece_fields(piece: bytes) -> list[bytes | None]:
    """The fields of a server piece (a CSV line: quoted strings may hold commas), unquoted; ``None``
    for NULL. Bytes are carried through latin-1, which maps each byte to one character and back."""
    return [
        None if f is None else f.encode("latin-1") for f in csvfmt.parse_line_fields(piece.decode("latin-1"))
    ]


def _valid_utf8(value: bytes) -> bool:
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


_QUOTE = b'"'
#: A ``\\u0000`` escape in JSON text (an even run of backslashes before it: not an escaped backslash).
_JSON_NUL = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def _quoted(value: bytes) -> bytes:
    return _QUOTE + value.replace(_QUOTE, b'""') + _QUOTE


class RowFormatter:
    """Turns fetched rows into CSV lines: a fast path for clean rows, a careful one for rows holding
    a value the target cannot hold (applies :mod:`roachlift.values` rules, writes rejects)."""

    def __init__(self, plan: RowPlan, rules: ValueRules, rejects: values.RejectsFile) -> None:
        self.plan = plan
        self.rules = rules
        self.rejects = rejects
        self.charset_rejects = 0  # values whose bytes the declared character set refused (rejected)
        self._fast = self._compile()

    def _compile(self) -> Callable[[tuple[Any, ...]], list[bytes] | None]:
        """The function for one row, generated for this plan (as ``dataclasses`` generates
        ``__init__``: only select positions go into the source, never a name or a value).

        It tests every value for what the target cannot hold with C-level byte searches (a NUL, the
        JSON ``\\u0000`` escape, the zero-date mark, a failed charset check, UTF-8 validity of
        non-ASCII text) and hands a row that has any to :meth:`_careful`; else it returns the fields.
        """
        width = max(len(self.plan.exprs), 1)
        tests: list[str] = []
        outs: list[str] = []
        for s in self.plan.steps:
            v = f"v{s.index}"
            if s.kind == _SERVER:
                marked = _DATES | _SHORT_STRING | {"timestamp"}
                if any(self.plan.columns[c].data_type.lower() in marked for c in s.columns):
                    tests.append(f"{MARK} in {v}")  # a mark (an int test: a C memchr)
                outs.append(v)
            elif s.kind == _BIN:
                outs.append(f"(E if {v} is None else X + hexlify({v}))")
            else:
                bad = [f"0 in {v}"]
                if s.json:
                    bad.append(f"J in {v}")
                if s.check >= 0:
                    bad.append(f"row[{s.check}] != ONE")
                if s.kind == _TEXT:
                    bad.append(f"not ({v}.isascii() or utf8({v}))")
                tests.append(f"({v} is not None and ({' or '.join(bad)}))")
                outs.append(f"(E if {v} is None else F % {v} if 34 not in {v} else F % {v}.replace(Q, QQ))")
        names = ", ".join(f"v{i}" for i in range(width))
        source = (
            "def fields(row):\n"
            f"    {names}{',' if width == 1 else ''} = row\n"
            + (f"    if {' or '.join(tests)}:\n        return careful(row)\n" if tests else "")
            + f"    return [{', '.join(outs)}]\n"
        )
        scope: dict[str, Any] = {
            "J": b"\\u0000", "ONE": b"1", "E": b"", "X": b"\\x", "F": b'"%s"',
            "Q": _QUOTE, "QQ": b'""', "hexlify": binascii.hexlify, "utf8": _valid_utf8,
            "careful": self._careful,
        }  # fmt: skip
        exec(compile(source, f"<row formatter of {len(self.plan.columns)} columns>", "exec"), scope)
        fn: Callable[[tuple[Any, ...]], list[bytes] | None] = scope["fields"]
        return fn

    @property
    def fields_function(self) -> Callable[[tuple[Any, ...]], list[bytes] | None]:
        """``row -> fields`` (CSV fields in file order, ``None`` when the row was rejected)."""
        return self._fast

    def fields(self, row: tuple[Any, ...]) -> list[bytes] | None:
        """The CSV fields of ``row`` in file order, or ``None`` when the row was rejected."""
        return self._fast(row)

    def _careful(self, row: tuple[Any, ...]) -> list[bytes] | None:
        cols = self.plan.columns
        out: list[bytes] = [b""] * len(cols)
        plain: list[bytes | None] = [None] * len(cols)  # unquoted texts (keys)
        problems: list[tuple[str, str]] = []
        changes: list[str] = []
        for step in self.plan.steps:
            v = row[step.index]
            if step.kind == _SERVER:
                texts = _piece_fields(v or b"")
                for ci, text in zip(step.columns, texts, strict=True):
                    name = cols[ci].name
                    if text is None:  # NULL
                        out[ci], plain[ci] = b"", None
                    elif cols[ci].data_type.lower() not in _SHORT_STRING:
                        if text == ZERO_MARK:
                            try:
                                values.zero_date(name, self.rules)
                                changes.append(values.CHANGED_ZERO_DATE)
                            except values.ValueRejected as exc:
                                problems.append((exc.column, exc.reason))
                            text = None
                        out[ci], plain[ci] = text or b"", text
                    elif text == CHARSET_MARK:
                        problems.append((name, values.invalid_charset_reason(cols[ci].charset or "utf8mb4")))
                        self.charset_rejects += 1
                    else:
                        if text.startswith(NUL_MARK):
                            try:
                                values.check_nul(name, self.rules)
                                changes.append(values.CHANGED_NUL)
                            except values.ValueRejected as exc:
                                problems.append((exc.column, exc.reason))
                            text = text[len(NUL_MARK) :]
                        out[ci], plain[ci] = _quoted(text), text
                continue
            ci = step.columns[0]
            if v is None:
                continue
            if step.kind == _BIN:
                out[ci] = b"\\x" + binascii.hexlify(v)
                plain[ci] = out[ci]
                continue
            name = cols[ci].name
            bad = step.check >= 0 and row[step.check] != b"1"
            if step.kind == _TEXT and not bad:
                try:
                    v.decode()
                except UnicodeDecodeError:
                    bad = True
            if bad:
                problems.append((name, values.invalid_charset_reason(cols[ci].charset or "utf8mb4")))
                self.charset_rejects += 1
            if b"\x00" in v or (step.json and _JSON_NUL.search(v)):
                try:
                    values.check_nul(name, self.rules)
                    v = v.replace(b"\x00", b"")
                    v = _JSON_NUL.sub(rb"\1", v) if step.json else v
                    changes.append(values.CHANGED_NUL)
                except values.ValueRejected as exc:
                    problems.append((exc.column, exc.reason))
            out[ci] = _quoted(v)
            plain[ci] = v
        if problems:
            key = [
                None if plain[k] is None else bytes(plain[k] or b"").decode("utf-8", "backslashreplace")
                for k in self.plan.key
            ]
            self.rejects.add(key, problems)
            return None
        for reason in changes:
            self.rejects.count_change(reason)
        return out


#: "Cannot convert 'x' character 0x.. to 'utf8mb4'": the charset check's own warning, for values
#: the formatter has already rejected.
_CANNOT_CONVERT = 1977


def _warnings(conn: Any, expected_convert: bool) -> list[str]:
    """``SHOW WARNINGS`` of the statement that just ended, as text (the charset check's own
    conversion warnings left out when ``expected_convert``: those values are in rejects.csv)."""
    if not conn.warning_count():
        return []
    cur = conn.cursor()
    try:
        cur.execute("SHOW WARNINGS")
        rows = cur.fetchall()
    finally:
        cur.close()
    return [
        f"{_s(r[0])} {_s(r[1])}: {_s(r[2])}"
        for r in rows
        if not (expected_convert and int(_s(r[1])) == _CANNOT_CONVERT)
    ]


def _stream(
    conn: Any,
    stmt: str,
    writer: ChunkedWriter,
    formatter: RowFormatter,
    where: str,
    stop: threading.Event | None = None,
) -> None:
    """Run ``stmt`` unbuffered on ``conn`` and write its rows through ``formatter`` (until ``stop``).

    The C client's unbuffered result (what SSCursor wraps, minus its per-row Python work): rows
    stream from the server as they are read. LOB tables fetch a few rows at a time (about
    :data:`_BATCH_BYTES`), so memory follows the row size, not the table. Leaving early frees the
    result, which reads (and drops) the rest, so the connection stays usable. Server warnings of
    the statement become a :class:`RoachliftError` naming ``where`` (the table and key range).
    """
    cur = conn.cursor()
    cur.execute("SET SESSION net_write_timeout = 3600")
    cur.close()
    conn.query(stmt.encode())
    result = conn.use_result()
    fields = formatter.fields_function
    join, newline = b",".join, b"\n"
    lob = formatter.plan.lob
    want = 1 if lob else _FETCH
    biggest = 0
    finished = False
    try:
        while stop is None or not stop.is_set():
            rows = result.fetch_row(min(want, writer.rows_left))
            if not rows:
                finished = True
                break
            if not lob:
                lines = [join(out) for out in map(fields, rows) if out is not None]
                if lines:
                    n = len(lines)
                    lines.append(b"")
                    writer.write(newline.join(lines), n)
                continue
            lines = []
            largest = 0
            parts: list[bytes] | None = None
            for out in map(fields, rows):
                if out is None:  # rejected
                    continue
                n = sum(map(len, out))
                largest = max(largest, n)
                if n > _BATCH_BYTES:  # a large row is written as it is, never copied into a batch
                    if lines:
                        writer.write(newline.join([*lines, b""]), len(lines))
                        lines = []
                    parts = [b","] * (2 * len(out) - 1)
                    parts[::2] = out
                    writer.write_parts([*parts, b"\n"], 1)
                else:
                    lines.append(join(out))
            if lines:
                writer.write(newline.join([*lines, b""]), len(lines))
            biggest = max(biggest, largest)  # the next fetch holds about _LOB_FETCH_BYTES at most
            want = max(1, min(_FETCH, _LOB_FETCH_BYTES // max(biggest, 1)))
            rows = out = parts = None  # freed before the next fetch
    finally:
        del result
    if finished:
        warned = _warnings(conn, formatter.charset_rejects > 0)
        if warned:
            raise RoachliftError(
                f"dump of {where}: the server warned while reading the rows, so a value may have been "
                f"cut or converted: {'; '.join(warned[:5])}"
            )


def range_text(key: str | None, key_range: KeyRange) -> str:
    """The rows a primary-key range reads, for error messages."""
    if key is None:
        return "the whole table"
    first, end = key_range
    low = "" if first is None else f"{first} <= "
    high = "" if end is None else f" < {end}"
    return f"rows with {low}{key}{high}"


def dump_table(
    conn: Any,
    table: str,
    out_dir: StoragePath,
    *,
    snapshot: Snapshot,
    default_schema: str | None,
    target_table: str,
    chunk_rows: int,
    chunk_mb: int,
    compression: Compression,
    split: int = 1,
    rules: ValueRules | None = None,
) -> TableManifest:
    """Stream one table into part files on ``conn`` (a MySQLdb connection inside the snapshot).

    ``split`` > 1 lets a large InnoDB table with a single-column integer primary key be dumped as up
    to ``split`` primary-key ranges in parallel: ``conn`` reads the first, and further worker
    transactions taken from ``snapshot`` (as many as it has free, given back after) the others.
    Each range is read in key order and its parts renamed ``part-00001...`` in range order, so the
    parts hold the same bytes as one stream. ``rules`` (default: reject) decide what happens to
    values the target cannot hold; rejected rows go to ``rejects.csv`` beside the parts. A try
    interrupted while the snapshot is held is resumed by finished part (roachlift.dump.runner); every
    range is read again then, so ``rejects.csv`` is written whole again.
    """
    MySQLdb: Any = importlib.import_module("MySQLdb")

    started = time.monotonic()
    schema, name = split_table(table, default_schema)
    folder = start_table(out_dir, table)
    settings = PartSettings(chunk_rows, chunk_mb, compression)
    rejects = values.RejectsFile(folder, table)
    extra: list[Any] = []
    try:
        columns = table_columns(conn, schema, name)
        keys = primary_key(conn, schema, name)
        plan = row_plan(columns, keys)
        formatter = RowFormatter(plan, rules or values.DEFAULT_RULES, rejects)
        rejects.reset()
        ranges: list[tuple[str | None, KeyRange]] = list(resume_plan(snapshot, table, settings) or [])
        if not ranges:
            key, found = plan_ranges(conn, schema, name, columns, keys, split)
            ranges = [(key, r) for r in found]
        while len(extra) < len(ranges) - 1 and (worker := snapshot.take_worker()) is not None:
            extra.append(worker)
        if len(extra) < len(ranges) - 1 and resume_plan(snapshot, table, settings) is None:
            key, found = plan_ranges(conn, schema, name, columns, keys, len(extra) + 1)
            ranges = [(key, r) for r in found]
        stmts = [range_statement(schema, name, plan, k, r) for k, r in ranges]
        labels = [range_text(k, r) for k, r in ranges]
        if len(stmts) > 1:
            log.info("dumping %s as %d primary-key ranges in parallel", table, len(stmts))
        free: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for c in [conn, *extra][: len(stmts)]:
            free.put(c)

        def stream(worker: Any, i: int, writer: ChunkedWriter, stop: threading.Event) -> None:
            where = table if len(stmts) == 1 else f"{table} ({labels[i]})"
            _stream(worker, stmts[i], writer, formatter, where, stop)

        def drop(lost: Any) -> None:  # its transaction is gone: never given back to the snapshot
            if lost in extra:
                extra.remove(lost)
            lost.close()

        files = run_ranges(
            table, folder, snapshot, ranges, labels, settings, stream,
            Connections(free.qsize(), free.get, free.put, drop=drop), reread_done=True,
        )  # fmt: skip
    except MySQLdb.Error as exc:
        raise dump_error(exc, table) from None
    finally:
        rejects.close()
        for worker in extra:
            snapshot.give_back(worker)
    manifest = TableManifest(
        table=table,
        target_table=target_table,
        columns=[c.name for c in columns],
        files=files,
        compression=compression,
        snapshot=dict(snapshot.position),
        rejected=rejects.rows,
        changed=dict(rejects.changed),
    )
    return finish_table(folder, manifest, started)
