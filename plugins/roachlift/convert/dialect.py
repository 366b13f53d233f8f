"""A sqlglot dialect for CockroachDB, and identifier rules shared by both targets.

CockroachDB speaks PostgreSQL's SQL; where it accepts PostgreSQL's spelling of a type or clause the
dialect emits that spelling, so ``--target postgres`` output differs only in CockroachDB-only
constructs (``ON UPDATE`` column expressions, ``unique_rowid()``, ``GEOMETRY``, ``STORING``).
Type names: https://www.cockroachlabs.com/docs/stable/data-types
"""

from __future__ import annotations

import hashlib
import re

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres


class CockroachDB(Postgres):
    """CockroachDB: PostgreSQL's grammar with CockroachDB's type mapping."""

    # NULLs sort first in ascending order (https://www.cockroachlabs.com/docs/stable/order-by);
    # sqlglot then writes NULLS FIRST/LAST only where the source's ordering differs.
    NULL_ORDERING = "nulls_are_small"

    class Generator(Postgres.Generator):  # type: ignore[valid-type,misc]
        """Generator: PostgreSQL spellings CockroachDB accepts, CockroachDB-only types kept."""

        TYPE_MAPPING = {
            **Postgres.Generator.TYPE_MAPPING,
            # https://www.cockroachlabs.com/docs/stable/timestamp
            exp.DataType.Type.TIMESTAMPLTZ: "TIMESTAMPTZ",
            # https://www.cockroachlabs.com/docs/stable/bytes (BYTEA is an alias of BYTES)
            exp.DataType.Type.MEDIUMBLOB: "BYTEA",
            exp.DataType.Type.LONGBLOB: "BYTEA",
            exp.DataType.Type.TINYBLOB: "BYTEA",
            # https://www.cockroachlabs.com/docs/stable/float (FLOAT4 is REAL)
            exp.DataType.Type.FLOAT: "REAL",
        }


#: PostgreSQL's reserved key words (PostgreSQL docs, appendix "SQL Key Words") plus the words
#: CockroachDB also reserves (https://www.cockroachlabs.com/docs/stable/keywords-and-identifiers).
RESERVED = frozenset(
    [
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "binary",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "group",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "intersect",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "natural",
        "not",
        "notnull",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "overlaps",
        "placing",
        "primary",
        "references",
        "returning",
        "right",
        "select",
        "session_user",
        "similar",
        "some",
        "symmetric",
        "system_user",
        "table",
        "tablesample",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
        "family",
        "index",
        "nothing",
    ]
)

#: The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer names are truncated
#: silently there, so the converter shortens them itself and says so.
MAX_IDENTIFIER = 63

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def needs_quotes(name: str) -> bool:
    """True when ``name`` must be double-quoted: upper case, odd characters or reserved."""
    return not _PLAIN.fullmatch(name) or name in RESERVED


def quote_ident(name: str) -> str:
    """``name`` quoted only where needed."""
    if needs_quotes(name):
        return '"' + name.replace('"', '""') + '"'
    return name


def fit_identifier(name: str) -> str:
    """``name`` shortened to 63 bytes with a stable hash suffix when longer."""
    if len(name.encode("utf-8")) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    cut = name.encode("utf-8")[: MAX_IDENTIFIER - 9].decode("utf-8", "ignore")
    return f"{cut}_{digest}"


def identifier(name: str) -> exp.Identifier:
    """A sqlglot identifier for a converted name, quoted only where needed."""
    return exp.Identifier(this=name, quoted=needs_quotes(name))


def target_dialect(target: str) -> type[Postgres]:
    """The sqlglot dialect class that writes ``target`` ('cockroachdb' or 'postgres')."""
    return CockroachDB if target == "cockroachdb" else Postgres


def render(node: exp.Expression, target: str) -> str:
    """SQL text of an expression or type for ``target``."""
    return node.sql(dialect=target_dialect(target))
