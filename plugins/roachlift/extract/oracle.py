"""Oracle extract: ``DBMS_METADATA.GET_DDL`` with session transforms that drop storage clauses.

Fetching (``include/sql/extract/oracle/*.sql``) is separate from building the result
(:func:`build_result`), so the building and cleaning is tested on recorded dictionary rows without
a server. :func:`clean_ddl` also strips the physical clauses an export made *without* the
transforms carries (``STORAGE(...)``, ``TABLESPACE``, ``PCTFREE``, ``SEGMENT CREATION``, ``LOB ...
STORE AS`` ...), which sqlglot cannot parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from roachlift.config.connections import ConnInfo
from roachlift.config.spec import SourceSpec
from roachlift.errors import RoachliftError
from roachlift.extract import ColumnInfo, ExtractResult, ReviewItem, TableInfo, sort_tables
from roachlift.paths import sql_text
from roachlift.quoting import oracle_ident as _q

#: Object types whose DDL goes into the DDL text, in this order after the tables.
DDL_TYPES = ("SEQUENCE", "INDEX", "REF_CONSTRAINT", "VIEW")
#: Object types that become review items (DBMS_METADATA spelling).
REVIEW_TYPES = {
    "TRIGGER": "TRIGGER",
    "PROCEDURE": "PROCEDURE",
    "FUNCTION": "FUNCTION",
    "PACKAGE": "PACKAGE_SPEC",
    "PACKAGE BODY": "PACKAGE_BODY",
    "TYPE": "TYPE_SPEC",
}

_PAREN_CLAUSES = re.compile(r"\b(STORAGE)\s*\(", re.IGNORECASE)
_LOB = re.compile(r"\bLOB\s*\([^)]*\)\s*STORE\s+AS\b[^(]*\(", re.IGNORECASE)
_SIMPLE_CLAUSES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bTABLESPACE\s+(\"[^\"]+\"|\w+)",
        r"\bSEGMENT\s+CREATION\s+(IMMEDIATE|DEFERRED)",
        r"\b(PCTFREE|PCTUSED|INITRANS|MAXTRANS)\s+\d+",
        r"\bCOMPUTE\s+STATISTICS\b",
        r"\bNOCOMPRESS\b",
        r"\bCOMPRESS(\s+(BASIC|FOR\s+\w+(\s+\w+)?))?\b(?!\s*\()",
        r"\bNOLOGGING\b",
        r"\bLOGGING\b",
        r"\bNOPARALLEL\b",
        r"\bNOCACHE\b",
        r"\bMONITORING\b",
    )
]


def _strip_paren_clause(text: str, pattern: re.Pattern[str]) -> str:
    """Remove ``KEYWORD ( ... )`` with balanced parentheses wherever ``pattern`` matches."""
    while True:
        m = pattern.search(text)
        if not m:
            return text
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        text = text[: m.start()] + text[i:]


def clean_ddl(ddl: str) -> str:
    """One DBMS_METADATA statement without physical attributes, whitespace tidied, ending in ``;``."""
    text = ddl.strip()
    if not text.upper().startswith(("CREATE SEQUENCE",)):
        parts = re.split(r"('(?:[^']|'')*')", text)  # odd parts are string literals: left alone
        for i in range(0, len(parts), 2):
            part = _strip_paren_clause(parts[i], _PAREN_CLAUSES)
            part = _strip_paren_clause(part, _LOB)
            for pattern in _SIMPLE_CLAUSES:
                part = pattern.sub("", part)
            parts[i] = re.sub(
                r"\bUSING\s+INDEX\s+(?=(ENABLE|DISABLE)\b|,|\)|;|$)", "", part, flags=re.IGNORECASE
            )
        text = "".join(parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n\s*\n+", "\n", text)
    text = re.sub(r"\s+;", ";", text.rstrip())
    return text if text.endswith(";") else text + ";"


def build_result(
    source: SourceSpec,
    table_rows: Iterable[Sequence[Any]],
    column_rows: Iterable[Sequence[Any]],
    pk_rows: Iterable[Sequence[Any]],
    table_ddl: dict[tuple[str, str], str],
    object_ddl: Iterable[tuple[str, str, str, str | None, str]],
    comment_rows: Iterable[Sequence[Any]] = (),
) -> ExtractResult:
    """Assemble the extract result from dictionary rows and DDL texts.

    ``table_rows``: (owner, table, num_rows, bytes); ``column_rows``: (owner, table, column, type,
    nullable 'Y'/'N', default); ``pk_rows``: (owner, table, column) in key order; ``table_ddl``:
    GET_DDL text per (owner, table); ``object_ddl``: (object type, owner, name, table, GET_DDL text);
    ``comment_rows``: (owner, table, column or None, comment) from ALL_TAB/COL_COMMENTS.
    """
    tables = {
        (o, t): TableInfo(o, t, int(n or 0), total_bytes=int(b or 0))
        for o, t, n, b in table_rows
        if source.wants(f"{o}.{t}") and not is_capture_object(t)
    }
    for o, t, col, ctype, nullable, default in column_rows:
        info = tables.get((o, t))
        if info is not None:
            dflt = str(default).strip() if default is not None else None
            info.columns.append(ColumnInfo(col, ctype, nullable == "Y", dflt or None))
    for o, t, col in pk_rows:
        info = tables.get((o, t))
        if info is not None:
            info.primary_key.append(col)
    owners = sorted({o for o, _ in tables})
    out = [f"-- roachlift extract: Oracle schemas {', '.join(owners)}", "\n-- tables"]
    for key in sorted(tables):
        if key in table_ddl:
            out.append(clean_ddl(table_ddl[key]))
    objects = [x for x in object_ddl if not is_capture_object(x[2])]
    review: list[ReviewItem] = []
    for kind in DDL_TYPES:
        mine = [
            (o, n, tbl, ddl)
            for k, o, n, tbl, ddl in objects
            if k == kind
            and (tbl is None or (o, tbl) in tables)
            and (kind != "VIEW" or source.wants(f"{o}.{n}"))
        ]
        if mine:
            out.append(f"\n-- {kind.lower().replace('_', ' ')}s")
        out += [clean_ddl(ddl) for _, _, _, ddl in mine]
    comments = [comment_statement(o, t, c, text) for o, t, c, text in comment_rows if (o, t) in tables]
    if comments:
        out.append("\n-- comments")
        out += comments
    for k, o, n, tbl, ddl in objects:
        if k in REVIEW_TYPES:
            review.append(ReviewItem(k.lower(), o, n, ddl.strip(), f"{o}.{tbl}" if tbl else None))
    return ExtractResult("oracle", "\n".join(out) + "\n", sort_tables(list(tables.values())), review)


#: roachlift's own CDC capture objects on the source (staging table, sequence, triggers)
CAPTURE_OBJECTS = re.compile(r"^(ROACHLIFT_CDC_STAGING|ROACHLIFT_CDC_SEQ|RL\$CDC_.*)$")


def is_capture_object(name: str) -> bool:
    """True for the objects ``roachlift cdc`` installs on an Oracle source (never migrated)."""
    return bool(CAPTURE_OBJECTS.match(name))


def comment_statement(owner: str, table: str, column: str | None, text: str) -> str:
    """``COMMENT ON TABLE|COLUMN "O"."T"["."C"] IS '...'`` from a dictionary comment row."""
    target = f"{_q(owner)}.{_q(table)}" + (f".{_q(column)}" if column else "")
    literal = "'" + str(text).replace("'", "''") + "'"
    return f"COMMENT ON {'COLUMN' if column else 'TABLE'} {target} IS {literal};"


def _owners(source: SourceSpec, conninfo: ConnInfo) -> str:
    owners = [s.upper() for s in source.schemas] or ([conninfo.user.upper()] if conninfo.user else [])
    if not owners:
        raise RoachliftError("source.schemas is empty and the connection names no user")
    return ",".join(owners)


def _fetch(cur: Any, query: str, **binds: Any) -> list[tuple[Any, ...]]:
    cur.execute(sql_text(f"extract/oracle/{query}.sql"), binds)
    return [tuple(v.read() if hasattr(v, "read") else v for v in row) for row in cur.fetchall()]


def _get_ddl(cur: Any, object_type: str, name: str, owner: str) -> str:
    rows = _fetch(cur, "get_ddl", object_type=object_type, name=name, owner=owner)
    return str(rows[0][0]) if rows and rows[0][0] is not None else ""


def list_tables(source: SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
    """Wanted tables with estimates, columns and primary keys, largest first."""
    from roachlift.dump import oracle_connect

    owners = _owners(source, conninfo)
    with oracle_connect(conninfo) as conn, conn.cursor() as cur:
        return build_result(
            source,
            _fetch(cur, "tables", owners=owners),
            _fetch(cur, "columns", owners=owners),
            _fetch(cur, "primary_keys", owners=owners),
            {},
            [],
        ).tables


def extract(source: SourceSpec, conninfo: ConnInfo) -> ExtractResult:
    """GET_DDL for the wanted tables, sequences, indexes, foreign keys and views; code to review."""
    from roachlift.dump import oracle_connect

    owners = _owners(source, conninfo)
    with oracle_connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute(sql_text("extract/oracle/transform.sql"))
        table_rows = _fetch(cur, "tables", owners=owners)
        wanted = [(o, t) for o, t, _n, _b in table_rows if source.wants(f"{o}.{t}")]
        table_ddl = {(o, t): _get_ddl(cur, "TABLE", t, o) for o, t in wanted}
        objects = []
        for kind, owner, name, table in _fetch(cur, "objects", owners=owners):
            mtype = REVIEW_TYPES.get(kind, kind)
            objects.append((kind, owner, name, table, _get_ddl(cur, mtype, name, owner)))
        return build_result(
            source,
            table_rows,
            _fetch(cur, "columns", owners=owners),
            _fetch(cur, "primary_keys", owners=owners),
            table_ddl,
            objects,
            _fetch(cur, "comments", owners=owners),
        )
