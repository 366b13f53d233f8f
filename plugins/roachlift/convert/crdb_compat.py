"""What a CockroachDB cluster would reject, caught before the phase files are written.

Each rule below was checked in CockroachDB's own docs or source (path beside it). A construct the
cluster rejects never reaches a phase file: it is replaced by the nearest form that keeps the data
exact (the value's text in a ``STRING``, an ordinary index, no ``CYCLE``) and raises an ``error``
review item naming the CockroachDB docs page, so the convert step stops until a person has looked
(``pipeline.convert_step`` fails on errors). Behaviour the target keeps differently (case-insensitive
collations, MySQL ``TIME`` durations) raises a ``warning`` naming the column.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from roachlift.config.spec import SourceKind, TargetDialect
from roachlift.convert.model import Column, StatementRecord

if TYPE_CHECKING:
    from roachlift.convert.rules import ConversionState

DT = exp.DataType.Type
DOCS = "https://www.cockroachlabs.com/docs/stable/"
#: The CockroachDB release the converter writes for when the spec names none (``target.version``):
#: the newest release line with a full docs tree in cockroachdb/docs (src/current/v26.1).
DEFAULT_TARGET_VERSION = "26.1"
#: CITEXT exists from v25.3 (cockroachdb/docs src/current/v25.3/citext.md: "The CITEXT data type
#: stores case-insensitive strings"; no citext page in earlier versions).
CITEXT_SINCE = (25, 3)

#: Types a cluster accepts are listed on the data-types page (src/current/v26.1/data-types.md):
#: ARRAY ("A 1-dimensional, 1-indexed, homogeneous array of any non-array data type"), BIT, BOOL,
#: BYTES, COLLATE, DATE, ENUM, DECIMAL, FLOAT, INET, INT, INTERVAL, JSONB, OID, SERIAL, STRING,
#: TIME/TIMETZ, TIMESTAMP/TIMESTAMPTZ, TSQUERY, TSVECTOR, UUID, VECTOR, plus spatial types and
#: composite/enum types made with CREATE TYPE (create-type.md). PostgreSQL types outside that list:
_REJECTED: dict[object, str] = {
    DT.POINT: "point",
    DT.HSTORE: "hstore",
    DT.INT4RANGE: "int4range",
    DT.INT8RANGE: "int8range",
    DT.NUMRANGE: "numrange",
    DT.TSRANGE: "tsrange",
    DT.TSTZRANGE: "tstzrange",
    DT.DATERANGE: "daterange",
    DT.INT4MULTIRANGE: "int4multirange",
    DT.INT8MULTIRANGE: "int8multirange",
    DT.NUMMULTIRANGE: "nummultirange",
    DT.TSMULTIRANGE: "tsmultirange",
    DT.TSTZMULTIRANGE: "tstzmultirange",
    DT.DATEMULTIRANGE: "datemultirange",
}
#: PostgreSQL types sqlglot reads as user-defined names, with none on CockroachDB (data-types.md).
REJECTED_NAMES = frozenset(
    {
        "macaddr",
        "macaddr8",
        "cidr",
        "box",
        "line",
        "lseg",
        "path",
        "polygon",
        "circle",
        "txid_snapshot",
        "pg_snapshot",
        "pg_lsn",
        "int2vector",
        "oidvector",
        "regproc",
    }
)
#: User-defined type names CockroachDB has built in (tsvector.md, tsquery.md, citext.md, vector.md,
#: bit.md: "The BIT and VARBIT data types stores bit arrays").
_BUILTIN_NAMES = frozenset({"tsvector", "tsquery", "citext", "vector", "geometry", "geography", "varbit"})
#: ``USING name``: "Accepted values for name are btree, gin, and gist ... cspann ... hnsw is aliased
#: to cspann" (src/current/v25.4/create-index.md).
_INDEX_METHODS = frozenset({"gin", "gist", "cspann", "hnsw"})
#: MySQL collations that compare case-insensitively: ``_ci`` suffix, and the defaults of the common
#: character sets (MySQL/MariaDB docs; utf8mb4's default is utf8mb4_general_ci on MariaDB and
#: utf8mb4_0900_ai_ci on MySQL 8, both case-insensitive).
_CI_CHARSETS = frozenset(
    {"utf8mb4", "utf8mb3", "utf8", "latin1", "ascii", "ucs2", "utf16", "utf32", "cp1252"}
)
_STRING_TYPES = {DT.CHAR, DT.VARCHAR, DT.TEXT, DT.NCHAR, DT.NVARCHAR}


def version_tuple(text: str | None) -> tuple[int, int]:
    """``"25.3"`` / ``"v25.3.1"`` -> (25, 3); None -> :data:`DEFAULT_TARGET_VERSION`."""
    m = re.match(r"^\s*v?(\d+)\.(\d+)", text or DEFAULT_TARGET_VERSION)
    if not m:
        raise ValueError(f"target version {text!r}: expected MAJOR.MINOR, e.g. 25.3")
    return int(m.group(1)), int(m.group(2))


def has_citext(version: str | None) -> bool:
    """True when the target release has the CITEXT type (v25.3 and later)."""
    return version_tuple(version) >= CITEXT_SINCE


def apply(conv: ConversionState) -> None:
    """Replace and report every construct a CockroachDB cluster would reject (CockroachDB target)."""
    if conv.target != TargetDialect.COCKROACHDB:
        return
    replaced = _column_types(conv)
    _indexes(conv, replaced)
    _sequences(conv)
    _foreign_keys(conv)
    if conv.rules.name == SourceKind.MYSQL:
        _mysql_collations(conv)


def _unsupported(dt: exp.DataType, conv: ConversionState) -> str | None:
    """Why ``dt`` does not exist on CockroachDB (None when it does)."""
    if dt.this in _REJECTED:
        return f"type {_REJECTED[dt.this]}"
    if dt.this == DT.ARRAY:
        inner = dt.expressions[0] if dt.expressions else None
        if isinstance(inner, exp.DataType) and inner.this == DT.ARRAY:
            return "a nested (multi-dimensional) array"
        if isinstance(inner, exp.DataType):
            why = _unsupported(inner, conv)
            return f"an array of {why}" if why else None
        return None
    if dt.this == DT.USERDEFINED:
        kind = dt.args.get("kind")
        raw = (kind.name if isinstance(kind, exp.Expression) else str(kind or "")).split(".")[-1]
        name = raw.lower()
        if name in REJECTED_NAMES:
            return f"type {name}"
        if name == "citext" and not has_citext(conv.options.target_version):
            return f"type citext (CockroachDB {conv.options.target_version} predates v25.3)"
        created = {*conv.enums, *conv.composites}
        known = raw in created or name in created or name in _BUILTIN_NAMES
        if not known:
            return f"type {name}, which is not created by this schema"
    return None


def _column_types(conv: ConversionState) -> set[tuple[str, str]]:
    """Columns of types CockroachDB lacks become STRING (their text form loads exactly)."""
    replaced: set[tuple[str, str]] = set()
    for table in conv.tables.values():
        for col in table.columns:
            why = _unsupported(col.type, conv)
            if why is None:
                continue
            old = col.type.sql("postgres")
            col.type = exp.DataType.build("TEXT")
            _strip_casts(col, conv)
            replaced.add((table.name, col.name))
            page = "array" if "array" in why else "data-types"
            conv.review(
                "error",
                "crdb_unsupported_type",
                f"{table.name}.{col.name}",
                f"{old} is {why}, which CockroachDB does not have ({DOCS}{page}): the column is "
                "STRING holding each value's text exactly as the source prints it; choose a "
                "CockroachDB type (JSONB, INET, GEOMETRY, ...) and convert the values, or accept STRING",
                table.record,
            )
    return replaced


def _strip_casts(col: Column, conv: ConversionState) -> None:
    """Casts to a replaced type in the column's default or checks become casts to STRING."""
    for node in [col.default, *col.checks]:
        if node is None:
            continue
        for dt in list(node.find_all(exp.DataType)):
            if _unsupported(dt, conv) is not None:
                dt.replace(exp.DataType.build("TEXT"))


def _indexes(conv: ConversionState, replaced: set[tuple[str, str]]) -> None:
    for idx in conv.indexes:
        cols = {c.name for c in idx.columns if isinstance(c, exp.Column)}
        if idx.using and any((idx.table, c) in replaced for c in cols):
            idx.record.rules.append(f"{idx.name}: USING {idx.using.upper()} dropped (column now STRING)")
            idx.using = None
            continue
        if idx.using and idx.using not in _INDEX_METHODS:
            conv.review(
                "error",
                "crdb_index_method",
                f"{idx.table}.{idx.name}",
                f"USING {idx.using.upper()}: CockroachDB accepts only btree, gin, gist (and cspann/hnsw "
                f"for vectors) ({DOCS}create-index); written as an ordinary index on the same columns",
                idx.record,
            )
            idx.using = None


def _sequences(conv: ConversionState) -> None:
    # pkg/sql/sequence.go: case tree.SeqOptCycle: return unimplemented.NewWithIssue(20961,
    # "CYCLE option is not supported")
    for seq in conv.sequences.values():
        if seq.cycle:
            seq.cycle = False
            conv.review(
                "error",
                "crdb_sequence_cycle",
                seq.name,
                f'CYCLE: CockroachDB rejects it ("CYCLE option is not supported", {DOCS}create-sequence); '
                "written without CYCLE, so nextval fails at the limit instead of wrapping around",
                seq.record,
            )


def _foreign_keys(conv: ConversionState) -> None:
    # pkg/sql/sem/tree/create.go: MatchPartial // Note: PARTIAL not actually supported at this point.
    for fk in conv.fks:
        if getattr(fk, "match", None) == "PARTIAL":
            fk.match = None
            conv.review(
                "error",
                "crdb_match_partial",
                f"{fk.table}.{fk.name}",
                f"MATCH PARTIAL is not supported ({DOCS}foreign-key); written with the default MATCH SIMPLE",
                fk.record,
            )


_TABLE_COLLATE = re.compile(r"\bCOLLATE\s*=?\s*`?(\w+)", re.I)
_TABLE_CHARSET = re.compile(r"\bCHARSET\s*=?\s*`?(\w+)", re.I)
_COLUMN_LINE = re.compile(r"^\s*`((?:[^`]|``)+)`\s+(.*)$")


def case_insensitive(collation: str | None, charset: str | None) -> bool:
    """Does a MySQL column with this collation/charset compare case-insensitively?"""
    if collation:
        c = collation.lower()
        return c.endswith("_ci") or ("_ci_" in c)
    if charset:
        return charset.lower() in _CI_CHARSETS
    return True  # no charset named: the server default (latin1/utf8mb4) is case-insensitive


def _mysql_collations(conv: ConversionState) -> None:
    """Case-insensitive MySQL strings become case-sensitive STRING: name every column where that
    changes which rows are unique (warning) and list the others (info)."""
    keyed = _key_columns(conv)
    for table in conv.tables.values():
        source = table.record.source
        options = _table_options(source)
        t_coll = _last(_TABLE_COLLATE, options)
        t_charset = _last(_TABLE_CHARSET, options)
        per_column = _column_collations(source)
        key_cols: list[tuple[Column, str]] = []
        other_cols: list[tuple[Column, str]] = []
        for col in table.columns:
            if col.type.this not in _STRING_TYPES:
                continue
            coll, charset = per_column.get(col.source_name.lower(), (None, None))
            if not case_insensitive(coll or (None if charset else t_coll), charset or t_charset):
                continue
            effective = (
                coll
                or t_coll
                or (f"{charset or t_charset} default" if (charset or t_charset) else "server default")
            )
            (key_cols if col.name in keyed.get(table.name, set()) else other_cols).append((col, effective))
        for col, effective in key_cols:
            hint = "CITEXT" if has_citext(conv.options.target_version) else "a unique index on lower(col)"
            conv.review(
                "warning",
                "case_insensitive_unique",
                f"{table.name}.{col.name}",
                f"collation {effective} compares case-insensitively, CockroachDB STRING does not "
                f"({DOCS}collate): 'abc' and 'ABC' were one key in the source and become two; "
                f"consider {hint}",
                table.record,
            )
        if other_cols:
            names = ", ".join(c.name for c, _ in other_cols)
            conv.review(
                "info",
                "case_insensitive_compare",
                table.name,
                f"columns {names}: case-insensitive collation in the source, case-sensitive comparisons "
                f"on CockroachDB ({DOCS}collate)",
                table.record,
            )


def _table_options(source: str) -> str:
    """The text after a CREATE TABLE's column list (``ENGINE=... DEFAULT CHARSET=... COLLATE=...``)."""
    from roachlift.convert.rules import close_paren

    start = source.find("(")
    end = close_paren(source, start) if start >= 0 else -1
    return source[end + 1 :] if end > 0 else ""


def _last(pattern: re.Pattern[str], text: str) -> str | None:
    hits = pattern.findall(text)
    return hits[-1] if hits else None


def _column_collations(source: str) -> dict[str, tuple[str | None, str | None]]:
    """``{column: (collation, charset)}`` from a MySQL CREATE TABLE, one column per line."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for line in source.splitlines():
        m = _COLUMN_LINE.match(line)
        if not m:
            continue
        rest = m.group(2)
        coll = re.search(r"\bCOLLATE\s+`?(\w+)", rest, re.I)
        cs = re.search(r"\b(?:CHARACTER\s+SET|CHARSET)\s+`?(\w+)", rest, re.I)
        out[m.group(1).replace("``", "`").lower()] = (
            coll.group(1) if coll else None,
            cs.group(1) if cs else None,
        )
    return out


def _key_columns(conv: ConversionState) -> dict[str, set[str]]:
    """Columns of each table that are part of its primary key or a unique index."""
    out: dict[str, set[str]] = {name: set(t.primary_key) for name, t in conv.tables.items()}
    for idx in conv.indexes:
        if idx.unique:
            out.setdefault(idx.table, set()).update(idx.column_names())
    return out


def mysql_time_review(table: str, column: str, record: StatementRecord, conv: ConversionState) -> None:
    """MySQL TIME is a duration (-838:59:59 .. 838:59:59); CockroachDB TIME is a time of day."""
    conv.review(
        "warning",
        "mysql_time_duration",
        f"{table}.{column}",
        "MySQL TIME holds durations from -838:59:59 to 838:59:59; CockroachDB TIME is a time of day "
        f"({DOCS}time): values below 00:00:00 or from 24:00:01 on fail to load; if the column holds "
        "durations, change it to INTERVAL",
        record,
    )


__all__ = ["REJECTED_NAMES", "apply", "case_insensitive", "has_citext", "mysql_time_review", "version_tuple"]
