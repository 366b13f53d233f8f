"""Oracle capture and freeze in the pipeline: install the trigger capture before the dump's SCN,
open the staging-table change stream, and make the migrated tables read-only at cutover.

Order matters: the capture is installed (and the staging rows of the captured tables cleared)
*before* the dump reads its SCN, so every change committed after the snapshot is staged. Changes
staged between the install and the SCN are already in the dump; applying them again is harmless,
because each staged change carries the whole row image (UPSERT) or the key (DELETE) and they are
applied in commit order. A DBA who cannot let roachlift create triggers runs the statements of
``roachlift cdc --spec S --oracle-setup-sql`` before the run: the install here is then a no-op
except for ``CREATE OR REPLACE TRIGGER`` and clearing old staged rows.

Freeze: ``ALTER TABLE ... READ ONLY`` on each migrated table (Oracle 11g and later; undone with
``READ WRITE``). The capture's schema trigger records ALTERs on captured tables as schema changes
that stop the stream, so it is disabled around the freeze (``ALTER TRIGGER ... DISABLE/ENABLE``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from roachlift.cdc.oracle import OracleSource, OracleTable, capture_sql, load_oracle_tables, quote_ident
from roachlift.config.connections import ConnInfo
from roachlift.config.spec import MigrationSpec
from roachlift.errors import RoachliftError

log = logging.getLogger(__name__)

STAGING = "ROACHLIFT_CDC_STAGING"
DDL_TRIGGER = "RL$CDC_DDL"


def owner_of(spec: MigrationSpec, source: ConnInfo) -> str:
    """The Oracle schema of the migration (first of ``source.schemas``, else the user)."""
    owner = (list(spec.source.schemas or []) or [str(source.user or "")])[0]
    if not owner:
        raise RoachliftError("no Oracle schema: name one in source.schemas or in the connection's login")
    return owner.upper()


def install_statements(owner: str, tables: Sequence[OracleTable], staging_exists: bool) -> list[str]:
    """The capture statements to run: the staging table and sequence only when missing."""
    statements = capture_sql(owner, tables)
    return statements[2:] if staging_exists else statements


def clear_statement(owner: str) -> str:
    """Deletes the staged rows of one captured table (bind ``:name``) before a new snapshot."""
    return f'DELETE FROM {quote_ident(owner)}."{STAGING}" WHERE "TABLE_NAME" = :name'


def read_only_statements(owner: str, tables: Sequence[str], on: bool, ddl_trigger: bool) -> list[str]:
    """``ALTER TABLE ... READ ONLY`` (or ``READ WRITE``) for each table, the capture's schema trigger
    disabled around them so the freeze is not taken for a schema change."""
    o = quote_ident(owner)
    mode = "READ ONLY" if on else "READ WRITE"
    body = [f"ALTER TABLE {o}.{quote_ident(t)} {mode}" for t in tables]
    if not ddl_trigger:
        return body
    trig = f"{o}.{quote_ident(DDL_TRIGGER)}"
    return [f"ALTER TRIGGER {trig} DISABLE", *body, f"ALTER TRIGGER {trig} ENABLE"]


def _connect(source: ConnInfo) -> Any:
    from roachlift.dump import oracle_connect

    return oracle_connect(source)


def _exists(cur: Any, query: str, **binds: Any) -> bool:
    cur.execute(query, binds)
    row = cur.fetchone()
    return bool(row and row[0])


#: Whether an object of the capture exists: the staging table, the schema (DDL) trigger.
_PROBES = {
    STAGING: "SELECT COUNT(*) FROM all_tables WHERE owner = :o AND table_name = :t",
    DDL_TRIGGER: "SELECT COUNT(*) FROM all_triggers WHERE owner = :o AND trigger_name = :t",
}
#: ``run(cursor, owner, tables, probed object exists)`` of :func:`_on_spec_tables`.
TableWork = Callable[[Any, str, list[OracleTable], bool], None]


def _on_spec_tables(
    spec: MigrationSpec, source: ConnInfo, *, probe: str, run: TableWork, nothing: str, failed: str
) -> tuple[str, list[OracleTable]]:
    """The shape install and freeze share: connect, list the spec's tables of the owner (none: an
    error, "nothing to ``nothing``"), ask whether ``probe`` exists, ``run`` the statements, commit.
    An Oracle error becomes one line: ``failed`` with ``{owner}`` and ``{exc}`` filled in."""
    import oracledb

    owner = owner_of(spec, source)
    conn = _connect(source)
    try:
        tables = load_oracle_tables(conn, owner, spec.source.wants)
        if not tables:
            raise RoachliftError(f"no table of {owner} matches the spec: nothing to {nothing}")
        with conn.cursor() as cur:
            run(cur, owner, tables, _exists(cur, _PROBES[probe], o=owner, t=probe))
        conn.commit()
    except oracledb.Error as exc:
        raise RoachliftError(failed.format(owner=owner, exc=exc)) from None
    finally:
        conn.close()
    return owner, tables


def install_capture(spec: MigrationSpec, source: ConnInfo) -> str:
    """Install (or refresh) the trigger capture of the spec's tables and clear their staged rows."""

    def install(cur: Any, owner: str, tables: list[OracleTable], staged: bool) -> None:
        for stmt in install_statements(owner, tables, staged):
            cur.execute(stmt)
        cur.executemany(clear_statement(owner), [{"name": t.name} for t in tables])

    owner, tables = _on_spec_tables(
        spec,
        source,
        probe=STAGING,
        run=install,
        nothing="capture",
        failed="installing the CDC capture on {owner} failed: {exc}. A DBA can install it with the "
        "statements printed by `roachlift cdc --spec <spec> --oracle-setup-sql`.",
    )
    log.info("CDC capture installed on %s: %d table trigger(s), staging cleared", owner, len(tables))
    return f"capture triggers on {len(tables)} table(s) of {owner}, staging table cleared"


def change_source(spec: MigrationSpec, source: ConnInfo) -> OracleSource:
    """The staging-table change stream of the spec's tables."""
    owner = owner_of(spec, source)
    conn = _connect(source)
    try:
        tables = load_oracle_tables(conn, owner, spec.source.wants)
    finally:
        conn.close()
    return OracleSource(lambda: _connect(source), owner, tables)


def set_read_only(spec: MigrationSpec, source: ConnInfo, on: bool) -> str:
    """Freeze (``on``) or unfreeze the spec's tables; returns what was done."""

    def alter(cur: Any, owner: str, tables: list[OracleTable], ddl_trigger: bool) -> None:
        for stmt in read_only_statements(owner, [t.name for t in tables], on, ddl_trigger):
            cur.execute(stmt)

    owner, tables = _on_spec_tables(
        spec,
        source,
        probe=DDL_TRIGGER,
        run=alter,
        nothing="freeze",
        failed=f"{'freezing' if on else 'unfreezing'} the tables of {{owner}} failed: {{exc}}",
    )
    mode = "READ ONLY" if on else "READ WRITE"
    log.info("%d table(s) of %s set %s", len(tables), owner, mode)
    return f"{len(tables)} table(s) of {owner} {mode}"
