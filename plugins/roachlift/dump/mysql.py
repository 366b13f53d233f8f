"""MySQL/MariaDB table dump: an unbuffered server-side cursor streamed into the chunked writer.

The fastest path measured: the server renders each row as one CSV line (``CONCAT_WS`` over
per-type expressions that follow :mod:`roachlift.csvfmt`), and the client only joins lines — no
per-value Python work. Per type:

- strings (CHAR/VARCHAR/TEXT/ENUM/JSON): always quoted, quotes doubled, NUL characters (and in JSON
  the ``\\u0000`` escape) removed;
  ``""`` is the empty string and an unquoted empty field is NULL;
- binary (BINARY/VARBINARY/BLOB): ``\\x`` + lower-case hex; spatial types: EWKB hex (roachlift.geometry);
- DATE/DATETIME with a zero year, month or day (``0000-00-00``): NULL (the converter drops the NOT
  NULL and reports it); TIMESTAMP the same (its only zero value is ``0000-00-00 00:00:00``, found with
  one comparison: measured 40% cheaper than the three-part test), printed in UTC with ``+00``;
- BIT(1): ``t``/``f``; BIT(n): the bit string; SET: its MySQL text ``a,b`` (the converter maps SET to TEXT);
- numbers, TIME, YEAR: as the server prints them.

A large InnoDB table with a single-column integer primary key may be split into ``split`` key
ranges (cut evenly between ``MIN`` and ``MAX`` of the key, at least :data:`MIN_RANGE_ROWS` rows each
by the ``TABLE_ROWS`` estimate) dumped in parallel by worker transactions of the same snapshot. The
ranges cover every key (the first has no lower bound, the last no upper bound) and each is read
``ORDER BY`` the key — a range scan of the clustered index, no sort, the same order as the one-stream
full scan — so the ranges' parts, renamed ``part-00001...`` in range order, hold the same bytes as
one stream.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from roachlift import geometry
from roachlift.dump.manifest import (
    ChunkedWriter,
    PartFile,
    Progress,
    TableManifest,
    rename_parts,
    table_dir_name,
)
from roachlift.dump.snapshot import Snapshot
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text

log = logging.getLogger(__name__)

_FETCH = 4096
_STRING = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "json"}
_BINARY = {
    "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point",
    "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection",
}  # fmt: skip
_DATES = {"date", "datetime"}


def quote_ident(name: str) -> str:
    """A MySQL identifier in backquotes (the drivers have no identifier quoting of their own)."""
    return "`" + name.replace("`", "``") + "`"


def split_table(table: str, default_schema: str | None) -> tuple[str, str]:
    """``schema.name`` → (schema, name)."""
    schema, _, name = table.rpartition(".")
    schema = schema or default_schema or ""
    if not schema:
        raise RoachliftError(f"table {table}: no database given (use schema.table or set source.schemas)")
    return schema, name


def column_expression(name: str, data_type: str, column_type: str, precision: int | None) -> str:
    """The SQL expression printing one column in the csvfmt convention (NULL stays NULL)."""
    c = quote_ident(name)
    t = data_type.lower()
    if t in _STRING or t == "set":
        text = f"REPLACE(CONVERT({c} USING utf8mb4), CHAR(0 USING utf8mb4), '')"
        if t == "json":  # PostgreSQL/CockroachDB JSONB refuse the \u0000 escape
            text = f"REPLACE({text}, CONCAT(CHAR(92 USING utf8mb4), 'u0000'), '')"
        return f"CONCAT('\"', REPLACE({text}, '\"', '\"\"'), '\"')"
    if t in geometry.MYSQL_TYPES:  # EWKB hex, which CockroachDB reads as GEOMETRY (roachlift/geometry.py)
        return geometry.mysql_ewkb_hex_sql(c)
    if t in _BINARY:
        return f"CONCAT(CHAR(92, 120), LOWER(HEX({c})))"
    zero = f"YEAR({c}) = 0 OR MONTH({c}) = 0 OR DAYOFMONTH({c}) = 0"
    if t in _DATES:
        return f"IF({zero}, NULL, {c})"
    if t == "timestamp":  # only ever wholly zero (its range starts in 1970): one comparison, not three
        return f"IF({c} = 0, NULL, CONCAT({c}, '+00'))"
    if t == "bit":
        if (precision or 1) == 1:
            return f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} = 0 THEN 'f' ELSE 't' END"
        return f"LPAD(BIN({c}), {int(precision or 1)}, '0')"
    return c


def table_columns(conn: Any, schema: str, name: str) -> list[tuple[str, str, str, int | None]]:
    """(name, data type, column type, numeric precision) in order, generated columns left out."""
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
    for col, dtype, ctype, prec in rows:
        kind = "json" if _s(col) in json_cols else _s(dtype)
        out.append((_s(col), kind, _s(ctype), int(_s(prec)) if prec is not None else None))
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


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)


def select_statement(schema: str, name: str, columns: list[tuple[str, str, str, int | None]]) -> str:
    """``SELECT CONCAT_WS(',', ...) FROM db.table``: one CSV line per row."""
    parts = ", ".join(f"IFNULL({column_expression(*col)}, '')" for col in columns)
    return f"SELECT CONCAT_WS(',', {parts}) FROM {quote_ident(schema)}.{quote_ident(name)}"


#: Smallest PK range worth its own worker transaction, in rows (by the ``TABLE_ROWS`` estimate).
MIN_RANGE_ROWS = 100_000
_INTEGERS = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
#: PK ranges ``[first, end)``; ``None`` is unbounded.
KeyRange = tuple[int | None, int | None]


def range_statement(
    schema: str,
    name: str,
    columns: list[tuple[str, str, str, int | None]],
    key: str | None = None,
    key_range: KeyRange = (None, None),
) -> str:
    """:func:`select_statement`, narrowed to ``first <= key < end`` and read in ``key`` order."""
    stmt = select_statement(schema, name, columns)
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
    conn: Any, schema: str, name: str, columns: list[tuple[str, str, str, int | None]], split: int
) -> tuple[str | None, list[KeyRange]]:
    """(key column, ranges): several PK ranges when ``split`` > 1 and the table is a large InnoDB
    table with a single-column integer primary key, else ``(None, [whole table])``."""
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
    cur = conn.cursor()
    try:
        cur.execute(f"SHOW KEYS FROM {quote_ident(schema)}.{quote_ident(name)} WHERE Key_name = 'PRIMARY'")
        keys = [_s(r[4]) for r in cur.fetchall()]
    finally:
        cur.close()
    types = {c[0]: c[1].lower() for c in columns}
    if len(keys) != 1 or types.get(keys[0]) not in _INTEGERS:
        return whole
    key = keys[0]
    k = quote_ident(key)
    bounds = _one(conn, f"SELECT MIN({k}), MAX({k}) FROM {quote_ident(schema)}.{quote_ident(name)}")
    if bounds is None or bounds[0] is None:
        return whole
    ranges = key_ranges(int(_s(bounds[0])), int(_s(bounds[1])), int(_s(info[1])), split)
    return (key, ranges) if len(ranges) > 1 else whole


def _stream(conn: Any, stmt: str, writer: ChunkedWriter, stop: threading.Event | None = None) -> None:
    """Run ``stmt`` unbuffered on ``conn`` and hand its lines to ``writer`` (until ``stop`` is set).

    The C client's unbuffered result (what SSCursor wraps, minus its per-row Python work): rows
    stream from the server as the server formats them, one CSV line per row. Leaving early frees
    the result, which reads (and drops) the rest, so the connection stays usable.
    """
    cur = conn.cursor()
    cur.execute("SET SESSION net_write_timeout = 3600")
    cur.close()
    conn.query(stmt.encode())
    result = conn.use_result()
    try:
        while stop is None or not stop.is_set():
            rows = result.fetch_row(min(_FETCH, writer.rows_left))
            if not rows:
                break
            writer.write(b"\n".join([r[0] for r in rows]) + b"\n", len(rows))
    finally:
        del result


def _dump_ranges(
    conn: Any,
    extra: list[Any],
    table: str,
    stmts: list[str],
    folder: Path,
    chunk_rows: int,
    chunk_mb: int,
    compression: str,
) -> tuple[list[PartFile], int]:
    """Dump one statement per range in parallel (``conn`` the first, ``extra`` the others).

    On the first failure the other ranges stop and every file written is removed.
    """
    for old in [*folder.glob("part-*.csv*"), *folder.glob("range*-*.csv*")]:
        old.unlink()
    progress = Progress(table)
    writers = [
        ChunkedWriter(
            folder, table, chunk_rows, chunk_mb, compression,
            prefix=f"range{i + 1:03d}", clean=False, progress=progress,
        )
        for i in range(len(stmts))
    ]  # fmt: skip
    conns = [conn, *extra]
    failed = threading.Event()

    def run(i: int) -> None:
        try:
            _stream(conns[i], stmts[i], writers[i], failed)
        except BaseException:
            failed.set()
            raise

    try:
        with ThreadPoolExecutor(max_workers=len(stmts), thread_name_prefix="dump-range") as pool:
            futures = [pool.submit(run, i) for i in range(len(stmts))]
        first = next((e for f in futures if (e := f.exception()) is not None), None)
        if first is not None:
            raise first
        parts = [part for w in writers for part in w.finish()]
    except BaseException:
        for w in writers:
            w.abort()
        for old in folder.glob("range*-*.csv*"):
            old.unlink()
        raise
    progress.log()
    return rename_parts(folder, parts), sum(w.rows for w in writers)


def dump_table(
    conn: Any,
    table: str,
    out_dir: Path,
    *,
    snapshot: Snapshot,
    default_schema: str | None,
    target_table: str,
    chunk_rows: int,
    chunk_mb: int,
    compression: str,
    split: int = 1,
) -> TableManifest:
    """Stream one table into part files on ``conn`` (a MySQLdb connection inside the snapshot).

    ``split`` > 1 lets a large InnoDB table with a single-column integer primary key be dumped as up
    to ``split`` primary-key ranges in parallel: ``conn`` reads the first, and further worker
    transactions taken from ``snapshot`` (as many as it has free, given back after) the others.
    Each range is read in key order and its parts renamed ``part-00001...`` in range order, so the
    parts hold the same bytes as one stream.
    """
    MySQLdb: Any = importlib.import_module("MySQLdb")

    started = time.monotonic()
    schema, name = split_table(table, default_schema)
    columns = table_columns(conn, schema, name)
    folder = out_dir / table_dir_name(table)
    (folder / "manifest.json").unlink(missing_ok=True)  # never left pointing at parts rewritten below
    extra: list[Any] = []
    try:
        key, ranges = plan_ranges(conn, schema, name, columns, split)
        while len(extra) < len(ranges) - 1 and (worker := snapshot.take_worker()) is not None:
            extra.append(worker)
        if len(extra) < len(ranges) - 1 and key is not None:
            key, ranges = plan_ranges(conn, schema, name, columns, len(extra) + 1)
        stmts = [range_statement(schema, name, columns, key, r) for r in ranges]
        if len(stmts) == 1:
            writer = ChunkedWriter(folder, table, chunk_rows, chunk_mb, compression)
            try:
                _stream(conn, stmts[0], writer)
            except BaseException:
                writer.abort()
                for part in folder.glob("part-*.csv*"):
                    part.unlink()
                raise
            files, rows = writer.finish(), writer.rows
            writer.log_progress()
        else:
            log.info("dumping %s as %d primary-key ranges in parallel", table, len(stmts))
            files, rows = _dump_ranges(conn, extra, table, stmts, folder, chunk_rows, chunk_mb, compression)
    except MySQLdb.Error as exc:
        raise RoachliftError(f"dump of {table} failed: {exc}") from None
    except OSError as exc:
        where = exc.filename or folder
        raise RoachliftError(f"dump of {table}: cannot write {where}: {exc.strerror}") from None
    finally:
        for worker in extra:
            snapshot.give_back(worker)
    elapsed = time.monotonic() - started
    manifest = TableManifest(
        table=table,
        target_table=target_table,
        columns=[c[0] for c in columns],
        files=files,
        rows=rows,
        bytes=sum(f.bytes for f in files),
        compression=compression,
        snapshot=dict(snapshot.position),
        elapsed_s=round(elapsed, 3),
        rows_per_s=round(rows / elapsed, 1) if elapsed > 0 else 0.0,
    )
    manifest.write(folder)
    return manifest
