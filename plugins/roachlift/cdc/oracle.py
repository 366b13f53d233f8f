"""Oracle source without LogMiner: generated triggers write each row change into a staging table.

:func:`capture_sql` generates, for the tables of a schema, the staging table and its ``ORDER``
sequence, one ``AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW`` trigger per table (the old key
and the new row as JSON text, every value already in the CSV convention's shape), and a schema
trigger that records ``TRUNCATE`` (applied as a truncate) and other DDL (stops the stream).

:class:`OracleSource` drains the staging table in sequence order — only committed rows are visible,
and rows of one source row are ordered by the row lock, so sequence order is a valid apply order.
It takes the oldest rows, widened (in one read-only snapshot) until every transaction in the range is
whole and no committed row inside the range is left out; after the target commit it deletes exactly
the drained rows. The checkpoint holds the drained
sequence ranges, so a crash between the target commit and that delete applies nothing twice.
BLOB/RAW-over-2000 columns are not in the trigger's JSON: the reader reads their current value by
key (a later change of the row follows in the staging table anyway).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from roachlift import csvfmt
from roachlift.cdc.model import CdcError, Change, Commit, Event, Op, Position, Row, SchemaChangedError
from roachlift.paths import sql_text
from roachlift.quoting import oracle_ident

#: Oracle identifiers in CDC SQL; a name Oracle cannot hold stops the change stream (CdcError).
quote_ident = functools.partial(oracle_ident, error=CdcError)

log = logging.getLogger(__name__)

#: nine fraction digits (TIMESTAMP(9)); the value is written as the dump writes it (see _timestamp)
_TS_FORMAT = "'YYYY-MM-DD\"T\"HH24:MI:SS.FF9'"
_DATE_FORMAT = "'YYYY-MM-DD\"T\"HH24:MI:SS'"
LOB_TYPES = {"BLOB", "BFILE", "LONG RAW"}
NUMBER_TYPES = {"NUMBER", "FLOAT", "INTEGER", "SMALLINT", "DECIMAL"}
BINARY_FLOAT_TYPES = {"BINARY_FLOAT", "BINARY_DOUBLE"}


def quote_literal(text: str) -> str:
    """An Oracle string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class OracleTable:
    """What the trigger generator needs of one table: columns ``(name, data_type)`` and primary key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]

    def lob_columns(self) -> list[str]:
        """Columns the trigger cannot carry as JSON text (read back by key by the reader)."""
        return [c for c, t in self.columns if _base(t) in LOB_TYPES or _base(t).endswith(" JSON")]

    def json_columns(self) -> list[str]:
        """BLOB/RAW columns under an IS JSON check (type suffixed ' JSON'): read as JSON text."""
        return [c for c, t in self.columns if _base(t).endswith(" JSON")]

    def types(self) -> dict[str, str]:
        """Column name → base data type."""
        return {c: _base(t) for c, t in self.columns}


def _base(data_type: str) -> str:
    t = data_type.upper().strip()
    if t.startswith("TIMESTAMP"):
        if "LOCAL TIME ZONE" in t:
            return "TIMESTAMP WITH LOCAL TIME ZONE"
        return "TIMESTAMP WITH TIME ZONE" if "TIME ZONE" in t else "TIMESTAMP"
    return re.sub(r"\(.*\)", "", t).strip()


def value_expr(ref: str, data_type: str) -> str:
    """The SQL expression putting column ``ref`` (``:NEW."C"``) into the JSON row image."""
    t = _base(data_type)
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"):
        return f"TO_CHAR(SYS_EXTRACT_UTC({ref}), {_TS_FORMAT})"
    if t == "TIMESTAMP":
        return f"TO_CHAR({ref}, {_TS_FORMAT})"
    if t == "DATE":
        return f"TO_CHAR({ref}, {_DATE_FORMAT})"
    if t == "RAW":
        return f"RAWTOHEX({ref})"
    if t in BINARY_FLOAT_TYPES:
        return f"TO_CHAR({ref})"
    return ref  # numbers stay JSON numbers; strings and CLOBs stay strings


def _json_args(table: OracleTable, names: Sequence[str], row_ref: str) -> str:
    types = table.types()
    return ", ".join(
        f"KEY {quote_literal(c)} VALUE {value_expr(f'{row_ref}.{quote_ident(c)}', types[c])}" for c in names
    )


def trigger_name(table: str) -> str:
    """The row trigger of ``table`` (``RL$CDC_<table>``, cut to Oracle's 128 characters)."""
    return ("RL$CDC_" + table)[:128]


def capture_sql(owner: str, tables: Sequence[OracleTable]) -> list[str]:
    """Every statement that sets up trigger capture for ``tables`` of schema ``owner``, in order."""
    o = quote_ident(owner)
    statements = [
        s.strip() for s in _strip_comments(sql_text("cdc/oracle_staging.sql")).split(";") if s.strip()
    ]
    statements = [s.replace("{owner}", o) for s in statements]
    row_trigger = _strip_comments(sql_text("cdc/oracle_row_trigger.sql"))
    for table in tables:
        if not table.key:
            raise CdcError(
                f"Oracle table {owner}.{table.name} has no primary key: trigger capture needs one to apply "
                "UPDATEs and DELETEs; add a primary key or exclude the table"
            )
        carried = [c for c, _t in table.columns if c not in table.lob_columns()]
        statements.append(
            row_trigger.replace("{owner_lit}", quote_literal(owner))
            .replace("{table_lit}", quote_literal(table.name))
            .replace("{owner}", o)
            .replace("{table}", quote_ident(table.name))
            .replace("{trigger}", quote_ident(trigger_name(table.name)))
            .replace("{old_key}", _json_args(table, table.key, ":OLD"))
            .replace("{new_row}", _json_args(table, carried, ":NEW"))
        )
    if tables:
        statements.append(
            _strip_comments(sql_text("cdc/oracle_ddl_trigger.sql"))
            .replace("{owner_lit}", quote_literal(owner))
            .replace("{owner}", o)
            .replace("{tables_lit}", ", ".join(quote_literal(t.name) for t in tables))
        )
    return statements


def drop_capture_sql(owner: str, tables: Sequence[OracleTable]) -> list[str]:
    """Statements that remove the triggers, the staging table and the sequence (after cutover)."""
    o = quote_ident(owner)
    out = [f"DROP TRIGGER {o}.{quote_ident(trigger_name(t.name))}" for t in tables]
    out += [f'DROP TRIGGER {o}."RL$CDC_DDL"', f'DROP TABLE {o}."ROACHLIFT_CDC_STAGING" PURGE']
    out.append(f'DROP SEQUENCE {o}."ROACHLIFT_CDC_SEQ"')
    return out


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")).strip()


# --- reading staged rows -------------------------------------------------------------------------------
def convert_oracle_value(value: Any, base_type: str) -> str | None:
    """A JSON value from the trigger as CSV-convention text (same as the dump's for that column)."""
    if value is None:
        return None
    if base_type in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"):
        return _timestamp(str(value), utc=True)
    if base_type == "TIMESTAMP":
        return _timestamp(str(value), utc=False)
    if base_type == "DATE":
        return csvfmt.format_value(dt.datetime.fromisoformat(str(value)))
    if base_type == "RAW":
        return csvfmt.format_value(bytes.fromhex(str(value)))
    if base_type in BINARY_FLOAT_TYPES:
        special = {"Nan": "NaN", "NaN": "NaN", "Inf": "Infinity", "-Inf": "-Infinity"}
        text = str(value).strip()
        return special.get(text) or csvfmt.format_value(float(text))
    if base_type in NUMBER_TYPES and isinstance(value, str):
        return csvfmt.format_value(Decimal(value))
    return csvfmt.format_value(value)


def _timestamp(text: str, utc: bool) -> str:
    """``YYYY-MM-DDTHH:MI:SS.fffffffff`` -> the dump's text: microseconds when the last three digits
    are zero, else all nine (the target rounds them; the dump counts such values)."""
    from roachlift.dump.oracle import fix_value

    kind = "text9_utc" if utc else "text9"
    value, _ = fix_value(text.replace("T", " ", 1), kind)
    return csvfmt.format_value(value) or ""


def _parse_json(text: Any) -> dict[str, Any] | None:
    if text is None:
        return None
    if hasattr(text, "read"):  # an oracledb LOB
        text = text.read()
    return json.loads(text, parse_float=Decimal)


LobFetcher = Callable[[str, str, dict[str, Any], list[str]], dict[str, Any] | None]


def staged_changes(
    rows: Sequence[Sequence[Any]],
    tables: dict[str, OracleTable],
    *,
    fetch_lobs: LobFetcher | None = None,
) -> Iterator[Change]:
    """Changes from staging rows ``(SEQ, TXN, OP, TABLE_OWNER, TABLE_NAME, CHANGED_AT, OLD_KEY, NEW_ROW)``
    in sequence order. ``tables`` maps table names to their :class:`OracleTable`."""
    for seq, _txn, op, owner, name, _at, old_key, new_row in rows:
        full = f"{owner}.{name}"
        if op == "S":
            raise SchemaChangedError(
                f"source table {full} changed mid-stream ({_parse_text(new_row)} at staging sequence {seq}). "
                "Apply the same DDL to the target, regenerate the capture triggers (roachlift cdc "
                "--oracle-setup-sql), then restart `roachlift cdc`."
            )
        table = tables.get(name)
        if table is None:
            raise CdcError(f"staged change {seq} is for {full}, which is not a captured table of this spec")
        if op == "T":
            yield Change(Op.TRUNCATE, full)
            continue
        types = table.types()
        old = _convert(_parse_json(old_key), types)
        new_raw = _parse_json(new_row)
        new = _convert(new_raw, types)
        if new is not None and table.lob_columns():
            if fetch_lobs is None:
                raise CdcError(
                    f"{full} has BLOB column(s) {', '.join(table.lob_columns())}: use the live reader"
                )
            key_values = {k: new_raw[k] for k in table.key} if new_raw else {}
            lobs = fetch_lobs(owner, name, key_values, table.lob_columns())
            if lobs is None:
                if op == "U":
                    continue  # row deleted since: its DELETE follows in the staging table
                lobs = dict.fromkeys(table.lob_columns())
            new.update({c: csvfmt.format_value(v) for c, v in lobs.items()})
        if op == "I":
            yield Change(Op.INSERT, full, new=new, key_columns=table.key)
        elif op == "U":
            yield Change(Op.UPDATE, full, new=new, old_key=old, key_columns=table.key)
        elif op == "D":
            yield Change(Op.DELETE, full, old_key=old, key_columns=table.key)
        else:
            raise CdcError(f"staged change {seq} of {full} has unknown operation {op!r}")


def _parse_text(value: Any) -> str:
    return str(value.read() if hasattr(value, "read") else value)


def _convert(image: dict[str, Any] | None, types: dict[str, str]) -> Row | None:
    if image is None:
        return None
    return {k: convert_oracle_value(v, types.get(k, "VARCHAR2")) for k, v in image.items()}


def seq_ranges(seqs: Sequence[int]) -> list[list[int]]:
    """Consecutive runs ``[[lo, hi], ...]`` of sorted sequence numbers."""
    out: list[list[int]] = []
    for s in sorted(seqs):
        if out and s == out[-1][1] + 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return out


class OracleSource:
    """Drains the staging table through an ``oracledb`` connection; see the module docstring."""

    kind = "oracle"

    def __init__(self, connect: Callable[[], Any], owner: str, tables: Sequence[OracleTable]) -> None:
        self.connect = connect
        self.owner = owner
        self.tables = {t.name: t for t in tables}
        self.conn: Any = None

    def open(self, resume: Position | None) -> Position:
        """Connect; delete rows a crashed run applied but did not delete."""
        self.conn = self.connect()
        if resume and resume.get("ranges"):
            self.release(resume)
        return {"seq": int(resume["seq"]) if resume else 0, "ranges": []}

    def _drain_sql(self, name: str) -> str:
        return _strip_comments(sql_text(name)).replace("{owner}", quote_ident(self.owner))

    def read(self, max_changes: int) -> Iterator[Event]:
        """The oldest ``max_changes`` staged rows, widened until every transaction in the range is whole
        and the range holds every row up to its end; one commit for all of it."""
        rows: list[tuple[Any, ...]] = []
        with self.conn.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")  # one view of the staging table for all queries
            try:
                cur.execute(self._drain_sql("cdc/oracle_drain.sql"), n=max_changes)
                rows = [tuple(r) for r in cur.fetchall()]
                if rows:
                    lo, hi = int(rows[0][0]) - 1, int(rows[-1][0])
                    while True:
                        cur.execute(self._drain_sql("cdc/oracle_drain_tail.sql"), lo=lo, hi=hi)
                        tail = cur.fetchone()
                        if tail is None or tail[0] is None:
                            break
                        cur.execute(self._drain_sql("cdc/oracle_drain_range.sql"), lo=hi, hi=int(tail[0]))
                        rows += [tuple(r) for r in cur.fetchall()]
                        hi = int(tail[0])
            finally:
                self.conn.commit()  # ends the read-only transaction
        if not rows:
            return
        yield from staged_changes(rows, self.tables, fetch_lobs=self._fetch_lobs)
        seqs = [int(r[0]) for r in rows]
        when = max((r[5] for r in rows if r[5] is not None), default=None)
        yield Commit({"seq": max(seqs), "ranges": seq_ranges(seqs)}, when)

    def _fetch_lobs(
        self, owner: str, name: str, key: dict[str, Any], columns: list[str]
    ) -> dict[str, Any] | None:
        where = " AND ".join(f"{quote_ident(k)} = :{i}" for i, k in enumerate(key))
        json_cols = set(self.tables[name].json_columns()) if name in self.tables else set()
        cols = ", ".join(
            f"JSON_SERIALIZE({quote_ident(c)} RETURNING CLOB)" if c in json_cols else quote_ident(c)
            for c in columns
        )
        query = f"SELECT {cols} FROM {quote_ident(owner)}.{quote_ident(name)} WHERE {where}"
        with self.conn.cursor() as cur:
            cur.execute(query, list(key.values()))
            row = cur.fetchone()
        if row is None:
            return None
        return {c: (v.read() if hasattr(v, "read") else v) for c, v in zip(columns, row, strict=True)}

    def release(self, position: Position) -> None:
        """Delete exactly the drained rows (by the sequence ranges recorded in the checkpoint)."""
        table = f'{quote_ident(self.owner)}."ROACHLIFT_CDC_STAGING"'
        with self.conn.cursor() as cur:
            for lo, hi in position.get("ranges", []):
                cur.execute(f'DELETE FROM {table} WHERE "SEQ" BETWEEN :lo AND :hi', lo=lo, hi=hi)
        self.conn.commit()

    def lag(self, position: Position) -> tuple[int | None, int | None]:
        """Staged rows not applied yet."""
        with self.conn.cursor() as cur:
            cur.execute(f'SELECT COUNT(*) FROM {quote_ident(self.owner)}."ROACHLIFT_CDC_STAGING"')
            (n,) = cur.fetchone()
        return None, int(n)

    def close(self) -> None:
        """Close the connection."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def load_oracle_tables(
    conn: Any, owner: str, wants: Callable[[str], bool] | None = None
) -> list[OracleTable]:
    """Captured tables of ``owner`` from the Oracle dictionary (``oracledb`` connection)."""
    by_table: dict[str, tuple[list[tuple[str, str]], list[tuple[int, str]]]] = {}
    with conn.cursor() as cur:
        cur.execute(_strip_comments(sql_text("cdc/oracle_tables.sql")), owner=owner)
        for table, column, data_type, key_pos in cur:
            if wants is not None and not wants(f"{owner}.{table}"):
                continue
            cols, key = by_table.setdefault(table, ([], []))
            cols.append((column, data_type))
            if key_pos:
                key.append((int(key_pos), column))
    return [
        OracleTable(name, tuple(cols), tuple(c for _p, c in sorted(key)))
        for name, (cols, key) in sorted(by_table.items())
    ]
