"""Verify reader for Oracle sources (python-oracledb thin mode, no client libraries).

Rows are read and normalized exactly as the dump writes them (:mod:`roachlift.dump.oracle`): the
same select expressions (``SYS_EXTRACT_UTC`` for zoned timestamps, nine-digit text for
TIMESTAMP(7..9), LOBs read from their locators), NUMBER as ``Decimal``, DATE with its seconds; ''
is NULL in Oracle, and verify compares Oracle sources with ``empty_is_null``. Text keys are ordered
by ``NLS_SORT = BINARY`` (byte order of AL32UTF8, i.e. code-point order, as Python compares).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from roachlift.config.connections import ConnInfo
from roachlift.dump.oracle import fix_value, output_type_handler, select_statement
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text
from roachlift.quoting import oracle_ident as quote_ident
from roachlift.verify.readers import Bounds, Column, TableShape, batches

log = logging.getLogger(__name__)

#: keys per ``WHERE (k) IN (...)`` (Oracle allows 1000 expressions in one list)
FETCH_KEYS = 500


def shape_from_rows(
    schema: str, table: str, column_rows: Sequence[Sequence[Any]], pk_rows: Sequence[Sequence[Any]]
) -> TableShape | None:
    """A :class:`TableShape` from ``oracle_columns.sql`` and ``oracle_primary_key.sql`` rows.

    ``data_type`` is Oracle's DATA_TYPE in lower case (``number``, ``timestamp(6) with time zone``);
    ``detail`` is ``number(p,s)`` for numbers, the Oracle spelling for the rest."""
    if not column_rows:
        return None
    cols = []
    for name, data_type, precision, scale in column_rows:
        dtype = str(data_type)
        detail = dtype
        if dtype.upper() == "NUMBER":
            p = "*" if precision is None else int(precision)
            s = "" if scale is None else f",{int(scale)}"
            detail = f"NUMBER({p}{s})"
        cols.append(Column(str(name), dtype.lower(), detail.lower()))
    return TableShape(schema, table, tuple(cols), tuple(str(r[0]) for r in pk_rows))


def is_integer(column: Column) -> bool:
    """NUMBER with scale 0 (``NUMBER(p,0)``, ``NUMBER(*,0)``; INTEGER is NUMBER(*,0))."""
    return column.data_type == "number" and column.detail.endswith(",0)")


def _table(shape: TableShape) -> str:
    return f"{quote_ident(shape.schema)}.{quote_ident(shape.name)}"


def _select(shape: TableShape, columns: Sequence[str]) -> tuple[str, list[str | None]]:
    """``SELECT <dump expressions> FROM "OWNER"."T"`` and the value kinds."""
    query, kinds = select_statement(
        shape.schema, shape.name, [(c, shape.column(c).data_type.upper()) for c in columns]
    )
    return query.removesuffix(" AS OF SCN :scn"), kinds


def stream_query(
    shape: TableShape, columns: Sequence[str], order_by: Sequence[str], bounds: Bounds
) -> tuple[str, dict[str, Any], list[str | None]]:
    """The statement, binds and value kinds of one ordered stream."""
    query, kinds = _select(shape, columns)
    binds: dict[str, Any] = {}
    if bounds is not None:
        k = quote_ident(order_by[0])
        query += f" WHERE {k} >= :lo AND {k} < :hi"
        binds = {"lo": bounds[0], "hi": bounds[1]}
    if order_by:
        query += " ORDER BY " + ", ".join(quote_ident(c) for c in order_by)
    return query, binds, kinds


def fetch_query(
    shape: TableShape, columns: Sequence[str], key: Sequence[str], count: int
) -> tuple[str, list[str | None]]:
    """``SELECT … WHERE (k1, k2) IN ((:1, :2), …)`` for ``count`` keys (positional binds)."""
    query, kinds = _select(shape, columns)
    n = len(key)
    tuples = ", ".join("(" + ", ".join(f":{i * n + j + 1}" for j in range(n)) + ")" for i in range(count))
    cols = ", ".join(quote_ident(c) for c in key)
    return f"{query} WHERE ({cols}) IN ({tuples})", kinds


def finish_rows(rows: Sequence[Sequence[Any]], kinds: Sequence[str | None]) -> list[tuple[Any, ...]]:
    """Fetched rows with the dump's value fixes applied (UTC zones, nanosecond text, LOBs)."""
    active = [(i, k) for i, k in enumerate(kinds) if k is not None]
    if not active:
        return [tuple(r) for r in rows]
    out = []
    for row in rows:
        vals = list(row)
        for i, k in active:
            vals[i] = fix_value(vals[i], k)[0]
        out.append(tuple(vals))
    return out


class OracleReader:
    """One oracledb connection; the session sorts text by code point and reads in UTC."""

    kind = "oracle"

    def __init__(self, info: ConnInfo) -> None:
        from roachlift.dump import oracle_connect

        self.info = info
        self.conn = oracle_connect(info)
        self.default_schema = str(info.extra.get("schema") or info.user or "").upper()
        cur = self.conn.cursor()
        try:
            cur.execute("ALTER SESSION SET NLS_SORT = BINARY NLS_COMP = BINARY TIME_ZONE = 'UTC'")
        finally:
            cur.close()

    def _rows(self, query: str, binds: Any = None) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        try:
            cur.outputtypehandler = output_type_handler
            cur.execute(query, binds or {})
            return list(cur.fetchall())
        finally:
            cur.close()

    def describe(self, schema: str, table: str) -> TableShape | None:
        """Columns and primary key from the dictionary (the name as given, then upper case)."""
        for owner, name in dict.fromkeys([(schema, table), (schema.upper(), table.upper())]):
            binds = {"owner": owner, "name": name}
            shape = shape_from_rows(
                owner,
                name,
                self._rows(sql_text("verify/oracle_columns.sql"), binds),
                self._rows(sql_text("verify/oracle_primary_key.sql"), binds),
            )
            if shape is not None:
                return shape
        return None

    def list_tables(self, schema: str) -> list[str]:
        """Ordinary tables of ``schema``."""
        from roachlift.extract.oracle import is_capture_object

        rows = self._rows(sql_text("verify/oracle_tables.sql"), {"owner": schema.upper()})
        return [str(r[0]) for r in rows if not is_capture_object(str(r[0]))]

    def is_integer(self, column: Column) -> bool:
        """NUMBER with scale 0."""
        return is_integer(column)

    def key_range(self, shape: TableShape, column: str) -> tuple[int | None, int | None]:
        """``MIN`` and ``MAX`` of ``column`` as integers."""
        c = quote_ident(column)
        rows = self._rows(f"SELECT MIN({c}), MAX({c}) FROM {_table(shape)}")
        lo, hi = rows[0] if rows else (None, None)
        return (None if lo is None else int(lo), None if hi is None else int(hi))

    def stream(
        self, shape: TableShape, columns: Sequence[str], order_by: Sequence[str], bounds: Bounds, batch: int
    ) -> Iterator[tuple[Any, ...]]:
        """``SELECT … ORDER BY key`` fetched ``batch`` rows at a time."""
        query, binds, kinds = stream_query(shape, columns, order_by, bounds)
        cur = self.conn.cursor()
        try:
            cur.arraysize = batch
            cur.prefetchrows = batch
            cur.outputtypehandler = output_type_handler
            cur.execute(query, binds)
            for rows in batches(cur, batch):
                yield from finish_rows(rows, kinds)
        finally:
            cur.close()

    def fetch(
        self, shape: TableShape, columns: Sequence[str], key: Sequence[str], keys: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """The rows whose key is one of ``keys``, ``FETCH_KEYS`` keys per statement."""
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), FETCH_KEYS):
            part = keys[start : start + FETCH_KEYS]
            query, kinds = fetch_query(shape, columns, key, len(part))
            out.extend(finish_rows(self._rows(query, [v for k in part for v in k]), kinds))
        return out

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            self.conn.close()


def open_oracle_reader(info: ConnInfo) -> OracleReader:
    """Connect to an Oracle source (a clear error when the server cannot be reached)."""
    try:
        return OracleReader(info)
    except RoachliftError:
        raise
    except Exception as exc:
        raise RoachliftError(f"cannot connect to {info.redacted()}: {exc}") from None
