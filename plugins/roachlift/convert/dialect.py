"""A sqlglot dialect for CockroachDB, and identifier rules shared by both targets.

CockroachDB speaks PostgreSQL's SQL; where it accepts PostgreSQL's spelling of a type or clause the
dialect emits that spelling, so ``--target postgres`` output differs only in CockroachDB-only
constructs (``ON UPDATE`` column expressions, ``unique_rowid()``, ``GEOMETRY``, ``STORING``).
Type names: https://www.cockroachlabs.com/docs/stable/data-types
"""

from __future__ import annotations

import hashlib

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres

from roachlift.config.spec import TargetDialect
from roachlift.naming import MAX_IDENTIFIER, RESERVED, needs_quotes, quote_ident

__all__ = [
    "MAX_IDENTIFIER",
    "RESERVED",
    "CockroachDB",
    "fit_identifier",
    "identifier",
    "needs_quotes",
    "quote_ident",
    "render",
    "target_dialect",
]


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
            # https://www.cockroachlabs.com/docs/stable/int: "By default, INT is an alias for INT8";
            # INT4 keeps the 32-bit width of PostgreSQL's integer / MySQL's INT
            exp.DataType.Type.INT: "INT4",
        }


# Identifier rules (reserved words, quoting, the 63-byte limit) live in the one naming module.


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
    return CockroachDB if target == TargetDialect.COCKROACHDB else Postgres


def render(node: exp.Expression, target: str) -> str:
    """SQL text of an expression or type for ``target``."""
    return node.sql(dialect=target_dialect(target))
