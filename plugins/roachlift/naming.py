"""One naming rule from source to target, used by every step.

A source object (schema, table, column, constraint, index, sequence) has one *exact* name: the
name its catalog stores (PostgreSQL folds unquoted names to lower case, Oracle to upper case,
MySQL keeps them as written). :class:`Naming` maps that exact name to its target name, and every
step asks it: convert (the DDL), dump (``target_table`` and ``target_columns`` of each manifest),
load (which reads the manifest), CDC (the applier's table and column names), verify, the run report
and the DAG's mapped task labels. No step derives a name on its own.

The spec chooses the rule (``naming:``):

- ``lower`` (default): the name in lower case (``Album`` -> ``album``, ``CLIENT_ID`` ->
  ``client_id``), written unquoted where PostgreSQL/CockroachDB allow it, quoted only where still
  needed (reserved words, characters outside ``[a-z0-9_$]``);
- ``preserve``: the exact source name, quoted (``"Album"``, ``"CLIENT_ID"``), like MOLT's
  ``--case-sensitive``; applications keep using the names they know, quoted.

:func:`check_names` finds what the target cannot hold one to one: two source names that become
the same target name (``Order`` and ``ORDER`` under ``lower``), names longer than 63 bytes
(PostgreSQL truncates them silently: NAMEDATALEN in src/include/pg_config_manual.h; CockroachDB
documents 128 bytes as its limit, "not enforced", cockroachdb/docs
src/current/v24.2/schema-design-overview.md "Hard limits" -- roachlift keeps to 63 so both targets
hold the same names), and names that are not valid identifiers. Convert reports each as an error
naming the source names and the DDL line, before any data moves. Over-long index and constraint
names, which no data step uses, are shortened with a stable hash and a warning instead. Reserved
words are quoted (valid on both targets) and reported as info.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

NamingRule = Literal["lower", "preserve"]
NAMING_RULES: tuple[str, ...] = get_args(NamingRule)

#: The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); it truncates longer ones.
MAX_IDENTIFIER = 63

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

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\ufffd]")
_TO_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TO_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def needs_quotes(name: str) -> bool:
    """True when ``name`` must be double-quoted: upper case, odd characters or reserved."""
    return not _PLAIN.fullmatch(name) or name in RESERVED


def quote_ident(name: str) -> str:
    """``name`` quoted only where needed."""
    if needs_quotes(name):
        return '"' + name.replace('"', '""') + '"'
    return name


@dataclass(frozen=True)
class Naming:
    """The naming rule of one migration: source name -> target name.

    ``source_kind`` only matters for :meth:`source_name`, which reads a name out of source DDL
    text; the mapping itself (:meth:`name`) takes the exact source name.
    """

    rule: str = "lower"
    target_schema: str = "public"
    source_kind: str = "postgres"

    def __post_init__(self) -> None:
        if self.rule not in NAMING_RULES:
            raise ValueError(f"naming rule {self.rule!r} is not one of {', '.join(NAMING_RULES)}")

    @classmethod
    def from_spec(cls, spec: Any) -> Naming:
        """The rule, target schema and source kind of a :class:`~roachlift.config.spec.MigrationSpec`."""
        return cls(
            rule=str(getattr(spec, "naming", "lower")),
            target_schema=spec.target.schema_,
            source_kind=spec.source.kind,
        )

    # --- the source side -------------------------------------------------------------------------
    def source_name(self, raw: str, quoted: bool) -> str:
        """The exact name the source catalog stores for ``raw`` as written in its DDL.

        PostgreSQL folds unquoted names to lower case (ASCII letters only, as its lexer does for
        multi-byte encodings), Oracle to upper case; MySQL keeps names as written (backticks or not).
        """
        if quoted or self.source_kind == "mysql":
            return raw
        if self.source_kind == "oracle":
            return raw.translate(_TO_UPPER)
        return raw.translate(_TO_LOWER)

    # --- the target side -------------------------------------------------------------------------
    def name(self, source_name: str) -> str:
        """The target name of an exact source name (any kind of object), unquoted text."""
        if self.rule == "preserve":
            return source_name
        # str.lower, not casefold: casefold turns German ß into "ss" and changes the name.
        return source_name.lower()

    def sql(self, source_name: str) -> str:
        """The target name as SQL text: quoted where needed (``preserve``: wherever case matters)."""
        return quote_ident(self.name(source_name))

    def table(self, source_table: str) -> str:
        """``<target schema>.<target name>`` of ``[schema.]table`` (every source schema maps to the
        spec's one target schema)."""
        return f"{self.target_schema}.{self.name(source_table.rpartition('.')[2])}"

    def columns(self, source_columns: Iterable[str]) -> list[str]:
        """Target names of source columns, in order."""
        return [self.name(c) for c in source_columns]

    def label(self, source_table: str) -> str:
        """``source -> target`` of one table, as logs, the report and task labels show it."""
        return self.pair(source_table, self.table(source_table))

    @staticmethod
    def pair(source: str, target: str) -> str:
        """``source → target`` of two names already known (a manifest's, a verify result's)."""
        return f"{source} → {target}"

    def schema_mapping(self, source_schemas: Iterable[str]) -> str:
        """The schema mapping stated once: ``sakila → public (naming: lower)``."""
        names = ", ".join(dict.fromkeys(s for s in source_schemas if s)) or "(default schema)"
        return f"{names} → {self.target_schema} (naming: {self.rule})"


@dataclass(frozen=True)
class NameProblem:
    """A name the target cannot hold one to one (severity ``error``) or must quote (``info``)."""

    severity: Literal["info", "warning", "error"]
    code: str
    object: str
    message: str
    #: source line of the object's definition, when known
    line: int | None = None


@dataclass(frozen=True)
class SourceObject:
    """One named source object to check: ``scope`` is where names must be unique (a schema for
    tables, views and sequences; a table for its columns and constraints)."""

    kind: str
    scope: str
    name: str
    #: how messages name it (``sakila.Order``, ``Album.AlbumId``); default ``scope.name``
    display: str = ""
    #: source line of its definition, when known
    line: int | None = None


#: Kinds whose name must keep exactly to its target name (data steps address them by name).
_DATA_KINDS = frozenset({"schema", "table", "view", "column", "sequence", "type"})


def check_names(naming: Naming, objects: Iterable[SourceObject]) -> list[NameProblem]:
    """Collisions after mapping, names over 63 bytes, invalid names and reserved words.

    Two objects collide when they share a scope and their target names are equal although their
    source names differ; tables, views, sequences and types share one namespace per schema.
    """
    problems: list[NameProblem] = []
    seen: dict[tuple[str, str], SourceObject] = {}
    reported_reserved: set[tuple[str, str]] = set()
    for obj in objects:
        target = naming.name(obj.name)
        where = _qual(obj)
        bad = _invalid(obj)
        if bad:
            problems.append(
                NameProblem(
                    "error", "invalid_identifier", where, f"{obj.kind} name {obj.name!r} {bad}", obj.line
                )
            )
            continue
        if len(target.encode("utf-8")) > MAX_IDENTIFIER and obj.kind in _DATA_KINDS:
            problems.append(
                NameProblem(
                    "error",
                    "identifier_too_long",
                    where,
                    f"{obj.kind} name {obj.name!r} is {len(target.encode('utf-8'))} bytes; the target keeps "
                    f"{MAX_IDENTIFIER} (PostgreSQL truncates longer names silently): rename it on the source",
                    obj.line,
                )
            )
        namespace = "relation" if obj.kind in {"table", "view", "sequence", "type"} else obj.kind
        key = (f"{namespace}:{obj.scope}", target)
        other = seen.get(key)
        if other is not None and other.name != obj.name:
            problems.append(
                NameProblem(
                    "error",
                    "name_collision",
                    where,
                    f"{other.kind} {_qual(other)} and {obj.kind} {_qual(obj)} both become {target!r} under "
                    f"naming: {naming.rule}"
                    + (
                        "; rename one on the source or use naming: preserve"
                        if naming.rule == "lower" and other.name.lower() == obj.name.lower()
                        else "; rename one on the source"
                    ),
                    obj.line,
                )
            )
            continue
        seen.setdefault(key, obj)
        if target in RESERVED and (obj.kind, target) not in reported_reserved:
            reported_reserved.add((obj.kind, target))
            problems.append(
                NameProblem(
                    "info",
                    "reserved_word",
                    where,
                    f"{target} is a reserved word in CockroachDB/PostgreSQL: it is quoted in the output; "
                    "queries must quote it too",
                    obj.line,
                )
            )
    return problems


def _qual(obj: SourceObject) -> str:
    return obj.display or (f"{obj.scope}.{obj.name}" if obj.scope else obj.name)


def _invalid(obj: SourceObject) -> str | None:
    if not obj.name:
        return "is empty"
    if _BAD_CHARS.search(obj.name):
        return "holds a control character or an undecodable byte (U+FFFD)"
    if obj.kind in {"schema", "table"} and "." in obj.name:
        return "holds a dot: roachlift passes tables between steps as schema.table"
    return None


__all__ = [
    "MAX_IDENTIFIER",
    "NAMING_RULES",
    "RESERVED",
    "NameProblem",
    "Naming",
    "NamingRule",
    "SourceObject",
    "check_names",
    "needs_quotes",
    "quote_ident",
]
