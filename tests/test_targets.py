"""The target objects: one per TargetDialect, capabilities, and the statements in which they differ."""

from __future__ import annotations

import psycopg
import pytest

from roachlift.config.spec import TargetDialect
from roachlift.errors import RoachliftError
from roachlift.target.targets import TARGETS, CockroachTarget, PostgresTarget, target_for
from roachlift.testing import PostgresServer

#: capability -> (CockroachDB, PostgreSQL)
CAPABILITIES = {
    "import_into": (True, False),
    "userfile": (True, False),
    "changefeeds": (True, False),
    "upsert": (True, False),
    "transactional_truncate": (False, True),
    "rehearsal_databases": (True, True),
}


def test_every_dialect_has_one_target() -> None:
    assert set(TARGETS) == set(TargetDialect)
    for dialect in TargetDialect:
        assert target_for(dialect).dialect is dialect
        assert target_for(str(dialect)) is target_for(dialect)  # a CLI's --dialect string
    with pytest.raises(
        RoachliftError, match="unknown target dialect 'sybase'; use one of cockroachdb, postgres"
    ):
        target_for("sybase")


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
@pytest.mark.parametrize("dialect", list(TargetDialect))
def test_capabilities(dialect: TargetDialect, capability: str) -> None:
    crdb, pg = CAPABILITIES[capability]
    assert getattr(target_for(dialect), capability) is (crdb if dialect is TargetDialect.COCKROACHDB else pg)


def test_import_into_is_refused_by_name_on_postgres() -> None:
    CockroachTarget().require_import_into()
    with pytest.raises(
        RoachliftError,
        match=r"^t: IMPORT INTO needs a CockroachDB target; use load\.method copy for postgres$",
    ):
        PostgresTarget().require_import_into("t: IMPORT INTO")


def test_drop_database_forms(pg_server: PostgresServer) -> None:
    """CockroachDB's ``CASCADE`` form is refused by PostgreSQL; the PostgreSQL target's form drops a
    database another session still holds open (``WITH (FORCE)``)."""
    assert CockroachTarget().drop_database("x_rehearsal_1").as_string(None) == (
        'DROP DATABASE IF EXISTS "x_rehearsal_1" CASCADE'
    )
    dsn = pg_server.create_database("targets_rehearsal_20260101")
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as admin, psycopg.connect(dsn):
        with pytest.raises(psycopg.errors.SyntaxError):
            admin.execute(CockroachTarget().drop_database("targets_rehearsal_20260101"))
        admin.execute(PostgresTarget().drop_database("targets_rehearsal_20260101"))
        gone = admin.execute("SELECT 1 FROM pg_database WHERE datname = 'targets_rehearsal_20260101'")
        assert gone.fetchone() is None
