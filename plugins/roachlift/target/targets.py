"""One object per target dialect: what the target can do, and the few statements in which they differ.

``target_for(spec.target.dialect)`` is the one place that decides "which target?"; callers ask a
capability (``target.import_into``) or a statement (``target.drop_database(name)``) instead of
comparing dialect names. The statements themselves stay in :mod:`roachlift.target.statements`
(the catalog, each beside its CockroachDB doc page or source file); a target only picks the form.
Registered by :class:`~roachlift.config.spec.TargetDialect`, as sqlglot registers its dialects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from psycopg import sql

from roachlift.config.spec import TargetDialect
from roachlift.errors import RoachliftError
from roachlift.target import statements as st


class Target:
    """A target server: capability flags and the statements that differ between targets."""

    dialect: ClassVar[TargetDialect]
    #: what a message calls it
    label: ClassVar[str]
    #: ``IMPORT INTO ... CSV DATA`` (st.DOC_IMPORT_INTO): load.method ``import``
    import_into: ClassVar[bool] = False
    #: ``userfile://`` storage, written through ``crdb_internal.user_file_upload`` (st.SRC_COPY_FILE_UPLOAD)
    userfile: ClassVar[bool] = False
    #: ``CREATE CHANGEFEED`` after cutover (st.DOC_CREATE_CHANGEFEED)
    changefeeds: ClassVar[bool] = False
    #: ``UPSERT INTO`` (st.DOC_UPSERT): a whole-row upsert that writes without reading
    upsert: ClassVar[bool] = False
    #: ``TRUNCATE`` may share the CDC batch's transaction (not on CockroachDB: st.DOC_TRUNCATE)
    transactional_truncate: ClassVar[bool] = False
    #: rehearsals load into a database of their own (``<db>_rehearsal_<date>``), dropped later
    rehearsal_databases: ClassVar[bool] = True

    def drop_database(self, name: str) -> sql.Composed:
        """Drop a (rehearsal) database and everything in it."""
        raise NotImplementedError

    def upsert_rows(
        self,
        table: sql.Identifier,
        columns: Sequence[str],
        key: Sequence[str],
        n_rows: int,
        *,
        whole_row: bool = True,
    ) -> sql.Composed:
        """A multi-row upsert of ``n_rows`` rows of ``columns`` on the primary key ``key``;
        ``whole_row`` is False for an image that lacks unchanged (TOAST) columns, which must keep
        their values: only ``INSERT ... ON CONFLICT`` for the columns given does that."""
        if self.upsert and whole_row:
            return st.upsert_into(table, columns, n_rows)
        return st.insert_on_conflict(table, columns, key, n_rows)

    def truncate_tables(self, tables: Sequence[sql.Identifier], closed: bool) -> list[sql.Composed]:
        """Empty ``tables`` (children first) inside the CDC batch's transaction: one ``TRUNCATE``
        when the target allows it in a transaction and no table outside the set references one
        inside it (``closed``), else one ``DELETE FROM`` per table, children first."""
        if not tables:
            return []
        if self.transactional_truncate and closed:
            return [st.truncate_in_transaction(tables)]
        return [st.delete_all(t) for t in tables]

    def require_import_into(self, what: str = "load.method import") -> None:
        """Raise a clear error when this target cannot run ``IMPORT INTO``."""
        if not self.import_into:
            raise RoachliftError(
                f"{what} needs a CockroachDB target; use load.method copy for {self.dialect}"
            )


class CockroachTarget(Target):
    """A CockroachDB cluster."""

    dialect = TargetDialect.COCKROACHDB
    label = "CockroachDB"
    import_into = True
    userfile = True
    changefeeds = True
    upsert = True
    transactional_truncate = False

    def drop_database(self, name: str) -> sql.Composed:
        return st.drop_database(name)


class PostgresTarget(Target):
    """PostgreSQL standing in for CockroachDB (CI, the demo): COPY only, no changefeeds."""

    dialect = TargetDialect.POSTGRES
    label = "PostgreSQL"
    transactional_truncate = True

    def drop_database(self, name: str) -> sql.Composed:
        return st.drop_database_postgres(name)


TARGETS: dict[TargetDialect, Target] = {t.dialect: t for t in (CockroachTarget(), PostgresTarget())}


def target_for(dialect: TargetDialect | str) -> Target:
    """The target object of ``dialect`` (``spec.target.dialect``, or a CLI's ``--dialect``)."""
    try:
        return TARGETS[TargetDialect(dialect)]
    except ValueError:
        known = ", ".join(TARGETS)
        raise RoachliftError(f"unknown target dialect {dialect!r}; use one of {known}") from None
