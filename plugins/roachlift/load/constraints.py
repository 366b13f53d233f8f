"""Constraints after the load: foreign keys added ``NOT VALID`` by phase 04, then ``VALIDATE
CONSTRAINT`` each, and every CHECK constraint left unvalidated.

IMPORT INTO leaves the foreign keys AND the CHECK constraints of the tables it loads unvalidated
(statements.SRC_IMPORT_JOB), so validation works from the catalog (every unvalidated constraint of the
schema), not only from phase 04. When a validation fails, a query fetches a sample of the orphan
keys (or of the rows a CHECK rejects), so the report names the constraint, the table and the values
to fix, not just the server's error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg

from roachlift.errors import RoachliftError
from roachlift.target import statements as st

log = logging.getLogger(__name__)

ORPHAN_SAMPLE = 10
_NOT_VALID_TAIL = re.compile(r"\s+NOT\s+VALID\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ForeignKey:
    """One foreign key from the catalog."""

    name: str
    table: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    validated: bool
    definition: str = ""


@dataclass
class ValidationResult:
    """Outcome of validating one foreign key; ``orphans`` holds sample child key tuples."""

    constraint: str
    table: str
    ref_table: str
    columns: list[str]
    ok: bool
    error: str | None = None
    orphans: list[tuple[object, ...]] = field(default_factory=list)
    #: "foreign_key" or "check"
    kind: str = "foreign_key"

    def describe(self) -> str:
        """One line for logs and errors."""
        if self.ok:
            return f"{self.table}: {self.constraint} valid"
        if self.kind == "check":
            rows = "; ".join(_fmt_key(o) for o in self.orphans) or "none found"
            return (
                f"{self.table}: check constraint {self.constraint} fails: {self.error}; "
                f"sample rejected rows: {rows}"
            )
        keys = ", ".join(_fmt_key(o) for o in self.orphans) or "none found"
        return (
            f"{self.table}: foreign key {self.constraint} ({', '.join(self.columns)}) -> {self.ref_table} "
            f"fails: {self.error}; sample orphan keys: {keys}"
        )


class ForeignKeyValidationError(RoachliftError):
    """One or more constraints (foreign keys, checks) did not validate; ``results`` holds every failure."""

    def __init__(self, results: Sequence[ValidationResult]) -> None:
        self.results = list(results)
        super().__init__(
            f"{len(self.results)} constraint(s) failed validation:\n"
            + "\n".join(f"  {r.describe()}" for r in self.results)
        )


def _fmt_key(key: tuple[object, ...]) -> str:
    return str(key[0]) if len(key) == 1 else "(" + ", ".join(str(v) for v in key) + ")"


def foreign_keys(conn: psycopg.Connection, schema: str) -> list[ForeignKey]:
    """Every foreign key of ``schema`` with its validation state."""
    with conn.transaction():
        rows = conn.execute(st.foreign_keys_query(), {"schema": schema}).fetchall()
    return [
        ForeignKey(
            name=r[0],
            table=f"{r[1]}.{r[2]}",
            ref_table=f"{r[3]}.{r[4]}",
            columns=list(r[5]),
            ref_columns=list(r[6]),
            validated=bool(r[7]),
            definition=str(r[8] or ""),
        )
        for r in rows
    ]


def unvalidated_foreign_keys(conn: psycopg.Connection, schema: str) -> list[ForeignKey]:
    """Foreign keys of ``schema`` not validated yet (added NOT VALID, or left so by IMPORT INTO)."""
    return [fk for fk in foreign_keys(conn, schema) if not fk.validated]


def orphan_keys(
    conn: psycopg.Connection, fk: ForeignKey, limit: int = ORPHAN_SAMPLE
) -> list[tuple[object, ...]]:
    """Up to ``limit`` distinct child key values of ``fk`` that have no parent row."""
    with conn.transaction():
        rows = conn.execute(
            st.orphan_sample(fk.table, fk.columns, fk.ref_table, fk.ref_columns, limit)
        ).fetchall()
    return [tuple(r) for r in rows]


def _validate(
    conn: psycopg.Connection,
    result: ValidationResult,
    what: str,
    sample: Callable[[], list[tuple[object, ...]]] | None,
) -> ValidationResult:
    """``ALTER TABLE ... VALIDATE CONSTRAINT`` of ``result``'s constraint; on failure the error and,
    from ``sample``, the rows it rejects (a failing sample query is logged, the result kept)."""
    try:
        with conn.transaction():
            conn.execute(st.validate_constraint(result.table, result.constraint))
    except psycopg.Error as exc:
        result.ok = False
        result.error = exc.diag.message_primary or str(exc)
        if sample is not None:
            try:
                result.orphans = sample()
            except psycopg.Error as sample_exc:  # the report still carries the validation error
                log.warning("%s: %s sample query failed: %s", result.table, what, sample_exc)
        log.error("%s", result.describe())
    else:
        label = "check constraint" if result.kind == "check" else "foreign key"
        log.info("%s: %s %s validated", result.table, label, result.constraint)
    return result


def validate_foreign_key(conn: psycopg.Connection, fk: ForeignKey) -> ValidationResult:
    """``ALTER TABLE ... VALIDATE CONSTRAINT``; on failure, sample the orphan keys."""
    result = ValidationResult(
        constraint=fk.name, table=fk.table, ref_table=fk.ref_table, columns=fk.columns, ok=True
    )
    return _validate(conn, result, "orphan-key", lambda: orphan_keys(conn, fk))


def validate_foreign_keys(conn: psycopg.Connection, schema: str) -> list[ValidationResult]:
    """Validate every unvalidated foreign key of ``schema``; one result each (failures included)."""
    return [validate_foreign_key(conn, fk) for fk in unvalidated_foreign_keys(conn, schema)]


@dataclass(frozen=True)
class CheckConstraint:
    """One CHECK constraint from the catalog; ``expression`` is its condition (catalog text)."""

    name: str
    table: str
    validated: bool
    expression: str


_CHECK_DEF = re.compile(r"^\s*CHECK\s*(.*?)(\s+NOT\s+VALID)?\s*$", re.IGNORECASE | re.DOTALL)


def check_constraints(conn: psycopg.Connection, schema: str) -> list[CheckConstraint]:
    """Every CHECK constraint of ``schema`` with its validation state."""
    with conn.transaction():
        rows = conn.execute(st.check_constraints_query(), {"schema": schema}).fetchall()
    out = []
    for name, nsp, table, validated, definition in rows:
        m = _CHECK_DEF.match(str(definition or ""))
        out.append(CheckConstraint(name, f"{nsp}.{table}", bool(validated), m.group(1) if m else ""))
    return out


def validate_check(conn: psycopg.Connection, check: CheckConstraint) -> ValidationResult:
    """``ALTER TABLE ... VALIDATE CONSTRAINT`` of a CHECK; on failure, sample the rejected rows."""
    result = ValidationResult(
        constraint=check.name, table=check.table, ref_table="", columns=[], ok=True, kind="check"
    )

    def rejected() -> list[tuple[object, ...]]:
        with conn.transaction():
            rows = conn.execute(st.check_violations(check.table, check.expression, ORPHAN_SAMPLE)).fetchall()
        return [tuple(r) for r in rows]

    return _validate(conn, result, "rejected-row", rejected if check.expression else None)


def validate_check_constraints(conn: psycopg.Connection, schema: str) -> list[ValidationResult]:
    """Validate every unvalidated CHECK constraint of ``schema`` (IMPORT INTO leaves them so)."""
    return [validate_check(conn, c) for c in check_constraints(conn, schema) if not c.validated]


def validate_constraints(conn: psycopg.Connection, schema: str) -> list[ValidationResult]:
    """Foreign keys, then CHECK constraints: every unvalidated one of ``schema``."""
    return validate_foreign_keys(conn, schema) + validate_check_constraints(conn, schema)


def drop_foreign_keys(conn: psycopg.Connection, schema: str, tables: Sequence[str]) -> list[ForeignKey]:
    """Drop every foreign key of ``schema`` from or to one of ``tables`` (``schema.name``) before
    a reload, so tables load in any order; returns them for :func:`restore_foreign_keys`."""
    wanted = set(tables)
    dropped = [fk for fk in foreign_keys(conn, schema) if fk.table in wanted or fk.ref_table in wanted]
    for fk in dropped:
        try:
            with conn.transaction():
                conn.execute(st.drop_constraint(fk.table, fk.name))
        except psycopg.Error as exc:
            raise RoachliftError(
                f"{fk.table}: dropping foreign key {fk.name} before reload failed: {exc}"
            ) from exc
        log.info("%s: foreign key %s dropped for the reload", fk.table, fk.name)
    return dropped


def restore_foreign_keys(conn: psycopg.Connection, schema: str, dropped: Sequence[ForeignKey]) -> int:
    """Re-add (``NOT VALID``) each dropped foreign key that phase 04 did not create again."""
    present = {(fk.table, fk.name) for fk in foreign_keys(conn, schema)}
    added = 0
    for fk in dropped:
        if (fk.table, fk.name) in present:
            continue
        definition = _NOT_VALID_TAIL.sub("", fk.definition)
        try:
            with conn.transaction():
                conn.execute(st.add_constraint_not_valid(fk.table, fk.name, definition))
        except psycopg.Error as exc:
            raise RoachliftError(f"{fk.table}: re-adding foreign key {fk.name} failed: {exc}") from exc
        added += 1
    return added


def raise_for_failures(results: Sequence[ValidationResult]) -> None:
    """Raise :class:`ForeignKeyValidationError` if any result failed."""
    failed = [r for r in results if not r.ok]
    if failed:
        raise ForeignKeyValidationError(failed)
