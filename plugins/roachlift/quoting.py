"""Identifier quoting for source SQL that roachlift writes as text: the MySQL and Oracle drivers
have no identifier quoting of their own. (PostgreSQL-family SQL is composed with
``psycopg.sql.Identifier``; target DDL names are quoted by :func:`roachlift.naming.quote_ident`.)
"""

from __future__ import annotations

import re

from roachlift.errors import RoachliftError

#: Oracle: quoted identifiers may hold any character but ``"`` and NUL, 1 to 128 bytes (12.2+).
_ORACLE_IDENT = re.compile(r'^[^"\x00]{1,128}$')


def mysql_ident(name: str) -> str:
    """A MySQL/MariaDB identifier in backquotes (a backquote in the name doubled)."""
    return "`" + name.replace("`", "``") + "`"


def oracle_ident(name: str, error: type[RoachliftError] = RoachliftError) -> str:
    """An Oracle quoted identifier (case kept); a name Oracle cannot hold (``"``, NUL, empty, over
    128 characters) raises ``error`` naming it."""
    if not _ORACLE_IDENT.match(name):
        raise error(f"{name!r} is not a valid Oracle identifier")
    return f'"{name}"'
