"""Oracle table dump: ``SELECT ... AS OF SCN :scn`` through oracledb with a large arraysize.

Values keep every digit and instant (the verify reader reads them the same way, through
:func:`select_statement` and :func:`fix_value`):
- NUMBER and FLOAT(b) are fetched as ``Decimal`` by an output type handler (oracledb's default is a
  Python float, which rounds past 15-17 digits; 38-digit values stay exact);
- DATE keeps its time of day to the second; TIMESTAMP keeps its fraction; TIMESTAMP WITH TIME ZONE
  is read as ``SYS_EXTRACT_UTC`` and WITH LOCAL TIME ZONE through a cast to WITH TIME ZONE, both
  written with ``+00``; TIMESTAMP(7..9) are read as text with nine digits (Python datetimes stop at
  microseconds) and a value whose sub-microsecond digits are not zero is counted and logged, since
  the target keeps microseconds;
- RAW/BLOB as ``\\x`` hex; CLOB/NCLOB/BLOB are read from their locators in chunks (tables with LOB
  columns are fetched fewer rows at a time, so memory is one batch of values, not arraysize LOBs);
- INTERVAL DAY TO SECOND as ``H:MM:SS.ffffff``, INTERVAL YEAR TO MONTH as ``N years M months``;
  XMLTYPE serialized to text; BINARY_FLOAT/DOUBLE NaN and infinities spelled out.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import re
import threading
import time
from typing import Any

from roachlift import csvfmt
from roachlift.config.spec import Compression
from roachlift.dump.manifest import ChunkedWriter, TableManifest, finish_table, start_table
from roachlift.dump.runner import Connections, PartSettings, dump_error, run_ranges
from roachlift.dump.snapshot import Snapshot
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text
from roachlift.quoting import oracle_ident as quote_ident
from roachlift.storage import StoragePath

log = logging.getLogger(__name__)

ARRAYSIZE = 10_000
#: rows per fetch for a table with LOB columns (each row may carry megabytes)
LOB_ARRAYSIZE = 100
#: characters (CLOB) or bytes (BLOB) asked for per LOB read
LOB_CHUNK = 1 << 20

#: value kinds of a selected column (how :func:`fix_value` finishes its value)
UTC = "utc"
TEXT9 = "text9"
TEXT9_UTC = "text9_utc"
LOB = "lob"
YM = "ym"

_LOB_TYPES = ("CLOB", "NCLOB", "BLOB")
_TS_PRECISION = re.compile(r"^TIMESTAMP\s*\((\d)\)", re.I)
_TEXT9_FORMAT = "'YYYY-MM-DD HH24:MI:SS.FF9'"


def column_expression(name: str, data_type: str) -> tuple[str, str | None]:
    """(select expression, value kind) for one column of ``ALL_TAB_COLS.DATA_TYPE``."""
    c = quote_ident(name)
    upper = data_type.upper()
    m = _TS_PRECISION.match(upper)
    fine = bool(m and int(m.group(1)) > 6)
    if "TIME ZONE" in upper:
        zoned = f"CAST({c} AS TIMESTAMP WITH TIME ZONE)" if "LOCAL" in upper else c
        utc = f"SYS_EXTRACT_UTC({zoned})"
        return (f"TO_CHAR({utc}, {_TEXT9_FORMAT})", TEXT9_UTC) if fine else (utc, UTC)
    if fine:
        return f"TO_CHAR({c}, {_TEXT9_FORMAT})", TEXT9
    if upper.endswith(" JSON"):  # BLOB/RAW under IS JSON (ALL_JSON_COLUMNS): JSON text, 19c+
        return f"JSON_SERIALIZE({c} RETURNING CLOB)", LOB
    if upper in _LOB_TYPES:
        return c, LOB
    if upper.startswith("INTERVAL YEAR"):
        return c, YM
    if upper == "XMLTYPE":
        return f"XMLSERIALIZE(DOCUMENT {c} AS CLOB)", LOB
    return c, None


def select_statement(owner: str, name: str, columns: list[tuple[str, str]]) -> tuple[str, list[str | None]]:
    """The flashback query of one table, and each column's value kind."""
    exprs = [column_expression(col, dtype) for col, dtype in columns]
    select = ", ".join(e for e, _ in exprs)
    return (
        f"SELECT {select} FROM {quote_ident(owner)}.{quote_ident(name)} AS OF SCN :scn",
        [kind for _, kind in exprs],
    )


def output_type_handler(cursor: Any, metadata: Any) -> Any:
    """NUMBER (and FLOAT(b), also NUMBER internally) as ``Decimal``: no float rounding."""
    import oracledb

    if metadata.type_code is oracledb.DB_TYPE_NUMBER:
        return cursor.var(decimal.Decimal, arraysize=cursor.arraysize)
    return None


def _clob_units(text: str) -> int:
    """Length of ``text`` in CLOB offsets (UTF-16 code units: a character above U+FFFF counts 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def read_lob(lob: Any, chunk: int = LOB_CHUNK) -> str | bytes:
    """The whole value of a CLOB/BLOB locator, read ``chunk`` characters/bytes at a time."""
    size = lob.size()
    unit = max(int(lob.getchunksize() or 1), 1)
    step = max(unit, (chunk // unit) * unit)
    parts: list[Any] = []
    offset = 1  # LOB offsets start at 1
    while offset <= size:
        part = lob.read(offset, step)
        if not part:
            break
        parts.append(part)
        offset += _clob_units(part) if isinstance(part, str) else len(part)
    if parts:
        return "".join(parts) if isinstance(parts[0], str) else b"".join(parts)
    import oracledb

    return b"" if getattr(lob, "type", None) is oracledb.DB_TYPE_BLOB else ""


def _text9(value: str, utc: bool) -> tuple[Any, bool]:
    """A nine-digit timestamp text -> datetime when it fits microseconds, else the text (True)."""
    head, _, frac = value.partition(".")
    frac = frac.ljust(9, "0")
    if frac[6:] == "000":
        parsed = dt.datetime.strptime(f"{head}.{frac[:6]}", "%Y-%m-%d %H:%M:%S.%f")
        return (parsed.replace(tzinfo=dt.UTC) if utc else parsed), False
    return f"{head}.{frac.rstrip('0')}" + ("+00" if utc else ""), True


def fix_value(value: Any, kind: str | None) -> tuple[Any, bool]:
    """The value as the CSV convention and verify want it; True when sub-microsecond digits stay."""
    if value is None:
        return None, False
    if kind == UTC and isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC), False
    if kind in (TEXT9, TEXT9_UTC) and isinstance(value, str):
        return _text9(value, kind == TEXT9_UTC)
    if kind == LOB and hasattr(value, "read"):
        return read_lob(value), False
    if kind == YM:  # oracledb.IntervalYM(years, months)
        return f"{value.years} years {value.months} months", False
    return value, False


class FineTimes:
    """Counts, per column, values whose sub-microsecond digits the target will round."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.counts = [0] * len(names)

    def report(self, table: str) -> None:
        """Log one warning per column with such values."""
        for name, n in zip(self.names, self.counts, strict=True):
            if n:
                log.warning(
                    "%s.%s: %d value(s) carry nanoseconds; the target keeps microseconds (rounded)",
                    table,
                    name,
                    n,
                )


def encode_rows(
    rows: list[tuple[Any, ...]], kinds: list[str | None] | list[bool], fine: FineTimes | None = None
) -> bytes:
    """CSV bytes of fetched Oracle rows (``kinds`` from :func:`select_statement`; True = UTC)."""
    norm = [UTC if k is True else None if k is False else k for k in kinds]
    active = [(i, k) for i, k in enumerate(norm) if k is not None]
    out: list[str] = []
    for row in rows:
        vals = list(row)
        for i, k in active:
            vals[i], kept = fix_value(vals[i], k)
            if kept and fine is not None:
                fine.counts[i] += 1
        out.append(csvfmt.format_row(vals))
    return "".join(out).encode(csvfmt.ENCODING)


def dump_table(
    conn: Any,
    table: str,
    out_dir: StoragePath,
    *,
    snapshot: Snapshot,
    target_table: str,
    chunk_rows: int,
    chunk_mb: int,
    compression: Compression,
) -> TableManifest:
    """Stream one Oracle table (``OWNER.NAME``) as of the snapshot SCN into part files."""
    started = time.monotonic()
    owner, _, name = table.rpartition(".")
    folder = start_table(out_dir, table)
    try:
        cur = conn.cursor()
        try:
            cur.execute(sql_text("dump/oracle_columns.sql"), owner=owner, name=name)
            columns = [(str(r[0]), str(r[1])) for r in cur.fetchall()]
        finally:
            cur.close()
    except Exception as exc:
        raise dump_error(exc, table) from None
    if not columns:
        raise RoachliftError(f"table {table} not found (or has no columns) in the source database")
    query, kinds = select_statement(owner, name, columns)
    fine = FineTimes([c[0] for c in columns])
    batch = LOB_ARRAYSIZE if LOB in kinds else ARRAYSIZE

    def stream(worker: Any, _i: int, writer: ChunkedWriter, stop: threading.Event) -> None:
        fine.counts = [0] * len(columns)  # a resumed try reads every row again
        cur = worker.cursor()
        cur.arraysize = batch
        cur.prefetchrows = batch
        cur.outputtypehandler = output_type_handler
        try:
            cur.execute(query, scn=snapshot.position["scn"])
            while not stop.is_set():
                rows = cur.fetchmany(min(batch, writer.rows_left))
                if not rows:
                    break
                writer.write(encode_rows(rows, kinds, fine), len(rows))
        finally:
            cur.close()

    files = run_ranges(
        table, folder, snapshot, [None], ["the whole table"],
        PartSettings(chunk_rows, chunk_mb, compression), stream,
        Connections(1, lambda: conn, lambda _c: None),
    )  # fmt: skip
    fine.report(table)
    manifest = TableManifest(
        table=table,
        target_table=target_table,
        columns=[c[0] for c in columns],
        files=files,
        compression=compression,
        snapshot=dict(snapshot.position),
    )
    return finish_table(folder, manifest, started)
