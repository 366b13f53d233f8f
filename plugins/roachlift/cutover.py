"""Freeze and unfreeze application writes on the source at cutover, per source kind.

A freeze takes the write privileges (INSERT, UPDATE, DELETE, TRUNCATE) on the migrated tables away
from the application's roles, ends their open write transactions, and then reads the source
position at which nothing more can change: the drain applies changes exactly up to there.
Everything the freeze changed is written to a :class:`FreezeRecord` file *before* it is changed,
so :func:`unfreeze_source_writes` restores exactly those privileges, even after a crash mid-freeze.

- PostgreSQL: ``REVOKE`` per table (and partition) from the roles named in ``cutover.app_roles``
  (with the groups they inherit from and PUBLIC), or from every role but the migration's own;
  PostgreSQL checks privileges at every statement, so an open session is refused at once. Open
  write transactions of those roles are terminated, then ``LOCK TABLE ... IN SHARE MODE`` waits for
  any writer still inside a statement before the freeze position is read.
- MySQL/MariaDB: ``REVOKE`` of schema- and table-level INSERT/UPDATE/DELETE/DROP per migrated
  schema (never ``read_only``, which freezes every schema of the server and does not bind SUPER);
  the accounts' sessions are killed, because a schema-level privilege change reaches an open
  session only at its next ``USE``.

- Oracle: ``ALTER TABLE ... READ ONLY`` per table (every session, the owner's too).

A new source kind adds a :class:`SourceFreezer` subclass, returned by its adapter's ``freezer``
(:mod:`roachlift.sources`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import psycopg
from psycopg import sql

from roachlift import storage
from roachlift.config.connections import ConnInfo
from roachlift.config.spec import MigrationSpec
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text
from roachlift.storage import StoragePath

log = logging.getLogger(__name__)

FREEZE_FILE = "freeze.json"


@dataclass
class FreezeRecord:
    """What a freeze changed on the source (``grants`` revoked) and where it left the source."""

    kind: str
    run_id: str
    database: str
    state: str = "freezing"  # freezing | frozen
    started_at: float = field(default_factory=time.time)
    frozen_at: float | None = None
    position: dict[str, Any] | None = None
    grants: list[dict[str, Any]] = field(default_factory=list)
    sessions_ended: int = 0
    not_frozen: list[str] = field(default_factory=list)

    def save(self, path: StoragePath) -> None:
        """Write atomically (a crash leaves the old or the new record, never half of one)."""
        storage.ensure_dir(path.parent)
        storage.write_text(path, json.dumps(asdict(self), indent=2, default=str))

    @classmethod
    def load(cls, path: StoragePath) -> FreezeRecord | None:
        """The record at ``path``, or None when the source is not frozen by roachlift."""
        if not path.is_file():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    @staticmethod
    def _mysql_scope(g: dict[str, Any]) -> str:
        return f"{g.get('schema')}.{g.get('table') or '*'}"

    def summary(self) -> str:
        """One line: what is frozen and since when."""
        roles = sorted({g["grantee"] for g in self.grants})
        # PostgreSQL: per table; MySQL: per schema (``schema.*``) or per table
        scopes = sorted({g["table"] if "." in g["table"] else self._mysql_scope(g) for g in self.grants})
        text = (
            f"{self.state} by run {self.run_id}: write privileges of {', '.join(roles) or 'no role'} "
            f"revoked on {', '.join(scopes) if len(scopes) <= 3 else f'{len(scopes)} tables'}, "
            f"{self.sessions_ended} session(s) ended"
        )
        if self.not_frozen:
            text += f"; NOT frozen: {'; '.join(self.not_frozen)}"
        return text


class SourceFreezer:
    """Freeze/unfreeze for one source kind; subclasses implement the four methods."""

    kind: ClassVar[str] = ""

    def __init__(self, spec: MigrationSpec, source: ConnInfo) -> None:
        self.spec = spec
        self.source = source

    def describe(self, tables: list[str]) -> str:
        """What :meth:`freeze` will do, for the approval text."""
        raise NotImplementedError

    def freeze(self, tables: list[str], record: FreezeRecord, save: Callable[[], None]) -> None:
        """Revoke, end open writers, set ``record.position``; call ``save`` before each change."""
        raise NotImplementedError

    def unfreeze(self, record: FreezeRecord) -> str:
        """Give back exactly what ``record`` says was revoked."""
        raise NotImplementedError

    def current_position(self) -> dict[str, Any]:
        """The source's current change-stream position."""
        raise NotImplementedError


def _split(table: str) -> tuple[str, str]:
    schema, _, name = table.rpartition(".")
    return schema, name


# --- PostgreSQL --------------------------------------------------------------------------------------
class PostgresFreezer(SourceFreezer):
    """REVOKE per table from the application roles; see the module docstring."""

    kind = "postgres"
    LOCK_TIMEOUT_S = 5
    ATTEMPTS = 4

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.source.postgres_conninfo(), autocommit=True)

    def _grants(self, conn: psycopg.Connection, tables: list[str]) -> list[tuple[Any, ...]]:
        pairs = [_split(t) for t in tables]
        return conn.execute(
            sql_text("cutover/pg_write_grants.sql"),
            {"schemas": [p[0] or "public" for p in pairs], "names": [p[1] for p in pairs]},
        ).fetchall()

    def _plan(
        self, conn: psycopg.Connection, tables: list[str]
    ) -> tuple[list[dict[str, Any]], list[str], list[str], list[int]]:
        """(grants to revoke, login roles whose sessions count as application writers, not frozen,
        table oids)."""
        row = conn.execute("SELECT current_user").fetchone()
        me = str(row[0]) if row else ""
        rows = self._grants(conn, tables)
        named = list(self.spec.cutover.app_roles)
        not_frozen: list[str] = []
        if named:
            known = {
                r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (named,))
            }
            missing = [r for r in named if r not in known]
            if missing:
                raise RoachliftError(
                    f"cutover.app_roles: role(s) {', '.join(missing)} do not exist on the source"
                )
            supers = [
                r[0]
                for r in conn.execute(
                    "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) AND rolsuper", (named,)
                )
            ]
            if supers:
                raise RoachliftError(
                    f"cutover.app_roles: {', '.join(supers)} is a superuser; privileges cannot be revoked "
                    "from a superuser, so the freeze could not stop its writes"
                )
            # the named roles and every role they inherit privileges from
            holders = {
                r[0]
                for r in conn.execute(
                    "SELECT r.rolname FROM pg_roles r, unnest(%s::text[]) AS a(name) "
                    "WHERE pg_has_role(a.name, r.oid, 'USAGE')",
                    (named,),
                )
            } | {"PUBLIC"}
            writers = named
        else:
            holders = {r[2] for r in rows if r[2] != me and not r[5]}
            not_frozen = sorted({f"superuser {r[2]}" for r in rows if r[5] and r[2] != me})
            writers = [
                r[0]
                for r in conn.execute(
                    "SELECT rolname FROM pg_roles"
                    " WHERE rolcanlogin AND NOT rolsuper AND rolname <> current_user"
                )
            ]
        grants = [
            {
                "table": f"{r[0]}.{r[1]}",
                "schema": r[0],
                "name": r[1],
                "grantee": r[2],
                "privilege": r[3],
                "grantable": bool(r[4]),
            }
            for r in rows
            if r[2] in holders and r[2] != me
        ]
        oids = sorted({int(r[6]) for r in rows})
        return grants, writers, not_frozen, oids

    def describe(self, tables: list[str]) -> str:
        with self._connect() as conn:
            grants, writers, not_frozen, _ = self._plan(conn, tables)
        roles = sorted({g["grantee"] for g in grants})
        text = (
            f"revoke INSERT/UPDATE/DELETE/TRUNCATE on {len(tables)} table(s) from "
            f"{', '.join(roles) or 'no role (none holds write privileges)'}, end the open write "
            f"transactions of {', '.join(writers) or 'no role'}; reads go on; restored exactly on unfreeze"
        )
        return text + (f". NOT frozen: {'; '.join(not_frozen)}" if not_frozen else "")

    @staticmethod
    def _grant_target(g: dict[str, Any]) -> sql.Composable:
        return sql.SQL("PUBLIC") if g["grantee"] == "PUBLIC" else sql.Identifier(g["grantee"])

    def freeze(self, tables: list[str], record: FreezeRecord, save: Callable[[], None]) -> None:
        with self._connect() as conn:
            grants, writers, not_frozen, oids = self._plan(conn, tables)
            record.grants, record.not_frozen = grants, not_frozen
            save()  # before the first REVOKE: an unfreeze after a crash knows what to give back
            with conn.transaction():
                for g in grants:
                    conn.execute(
                        sql.SQL("REVOKE {} ON TABLE {} FROM {}").format(
                            sql.SQL(g["privilege"]),
                            sql.Identifier(g["schema"], g["name"]),
                            self._grant_target(g),
                        )
                    )
            self._check_revoked(conn, writers, oids)
            record.sessions_ended = self._end_writers(conn, writers, oids)
            record.position = self._barrier(conn, tables, writers, oids, record)

    def _check_revoked(self, conn: psycopg.Connection, writers: list[str], oids: list[int]) -> None:
        """Every application role must now be refused: a grant by another grantor would survive."""
        left = conn.execute(
            "SELECT r, c::regclass::text, p FROM unnest(%s::text[]) AS r, unnest(%s::oid[]) AS c, "
            "unnest(ARRAY['INSERT','UPDATE','DELETE','TRUNCATE']) AS p WHERE has_table_privilege(r, c, p)",
            (writers, oids),
        ).fetchall()
        if left:
            sample = ", ".join(f"{r[0]} may {r[2]} {r[1]}" for r in left[:5])
            raise RoachliftError(
                f"the freeze could not take every write privilege away ({sample}): a grant made by "
                "another grantor survives a REVOKE; run the cutover as the tables' owner or a superuser"
            )

    def _end_writers(self, conn: psycopg.Connection, writers: list[str], oids: list[int]) -> int:
        ended = 0
        for pid, user in conn.execute(
            sql_text("cutover/pg_open_writers.sql"), {"roles": writers, "oids": oids}
        ):
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            log.info("ended the open write transaction of %s (pid %s)", user, pid)
            ended += 1
        return ended

    def _barrier(
        self,
        conn: psycopg.Connection,
        tables: list[str],
        writers: list[str],
        oids: list[int],
        record: FreezeRecord,
    ) -> dict[str, Any]:
        """SHARE-lock every table once (waits for writers still inside a statement), then read the
        position: every change of the migrated tables is before it."""
        idents = [sql.Identifier(*_split(t)) for t in tables]
        for attempt in range(self.ATTEMPTS):
            try:
                with conn.transaction():
                    conn.execute(
                        sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{self.LOCK_TIMEOUT_S}s"))
                    )
                    conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(idents)))
                    row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
                assert row is not None
                return {"kind": "postgres", "lsn": str(row[0])}
            except psycopg.errors.LockNotAvailable:
                log.warning("a writer still holds a table (attempt %d): ending it", attempt + 1)
                record.sessions_ended += self._end_writers(conn, writers, oids)
        raise RoachliftError(
            f"the freeze could not lock the migrated tables within {self.ATTEMPTS} x "
            f"{self.LOCK_TIMEOUT_S}s: a session of a role the freeze does not cover keeps writing"
        )

    def unfreeze(self, record: FreezeRecord) -> str:
        with self._connect() as conn, conn.transaction():
            for g in record.grants:
                conn.execute(
                    sql.SQL("GRANT {} ON TABLE {} TO {}{}").format(
                        sql.SQL(g["privilege"]),
                        sql.Identifier(g["schema"], g["name"]),
                        self._grant_target(g),
                        sql.SQL(" WITH GRANT OPTION" if g["grantable"] else ""),
                    )
                )
        roles = sorted({g["grantee"] for g in record.grants})
        return f"{len(record.grants)} write privilege(s) of {', '.join(roles) or 'no role'} restored"

    def current_position(self) -> dict[str, Any]:
        with self._connect() as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        return {"kind": "postgres", "lsn": str(row[0]) if row else None}


# --- MySQL / MariaDB ---------------------------------------------------------------------------------
class MySQLFreezer(SourceFreezer):
    """REVOKE of schema/table write privileges per migrated schema; see the module docstring."""

    kind = "mysql"

    def _connect(self) -> Any:
        import pymysql

        return pymysql.connect(**self.source.mysql_kwargs(server_only=True), autocommit=True)

    def _schemas(self, tables: list[str]) -> list[str]:
        found = sorted({_split(t)[0] for t in tables if _split(t)[0]})
        return (
            found
            or list(self.spec.source.schemas)
            or ([self.source.database] if self.source.database else [])
        )

    def _accounts(self) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        for name in self.spec.cutover.app_roles:
            user, _, host = name.partition("@")
            out.append((user.strip("'`"), host.strip("'`") or None))
        return out

    def _plan(self, cur: Any, tables: list[str]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        """(grants to revoke, user names whose sessions end, not frozen)."""
        cur.execute("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)")
        me = str(cur.fetchone()[0])
        wanted = {_split(t)[1] for t in tables}
        named = self._accounts()
        cur.execute(sql_text("cutover/mysql_global_writers.sql"))
        global_writers = [(str(u), str(h)) for u, h in cur.fetchall()]
        grants: list[dict[str, Any]] = []
        for schema in self._schemas(tables):
            cur.execute(sql_text("cutover/mysql_write_grants.sql"), {"schema": schema})
            for user, host, level, table, priv in cur.fetchall():
                user, host = str(user), str(host)
                if user == me or (level == "table" and table not in wanted):
                    continue
                if named and not any(u == user and (h is None or h == host) for u, h in named):
                    continue
                grants.append(
                    {
                        "user": user,
                        "host": host,
                        "level": level,
                        "schema": schema,
                        "table": str(table),
                        "privilege": str(priv),
                        "grantee": f"{user}@{host}",
                    }
                )
        blocked = [
            f"{u}@{h}"
            for u, h in global_writers
            if u != me and (not named or any(n == u and (nh is None or nh == h) for n, nh in named))
        ]
        if named and blocked:
            raise RoachliftError(
                f"cutover.app_roles: {', '.join(blocked)} hold(s) server-wide write privileges, which a "
                "per-schema REVOKE cannot take away; grant them per schema instead"
            )
        users = sorted({u for u, _ in named} if named else {g["user"] for g in grants})
        return grants, users, [f"server-wide writer {b}" for b in blocked]

    @staticmethod
    def _on(g: dict[str, Any]) -> str:
        from roachlift.quoting import mysql_ident as q

        return f"{q(g['schema'])}.*" if g["level"] == "schema" else f"{q(g['schema'])}.{q(g['table'])}"

    def describe(self, tables: list[str]) -> str:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                grants, users, not_frozen = self._plan(cur, tables)
        finally:
            conn.close()
        accounts = sorted({g["grantee"] for g in grants})
        text = (
            f"revoke INSERT/UPDATE/DELETE/DROP in schema(s) {', '.join(self._schemas(tables))} from "
            f"{', '.join(accounts) or 'no account (none holds write privileges)'} and end the sessions of "
            f"{', '.join(users) or 'no account'}; other schemas stay writable; restored exactly on unfreeze"
        )
        return text + (f". NOT frozen: {'; '.join(not_frozen)}" if not_frozen else "")

    def freeze(self, tables: list[str], record: FreezeRecord, save: Callable[[], None]) -> None:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                grants, users, not_frozen = self._plan(cur, tables)
                record.grants, record.not_frozen = grants, not_frozen
                save()
                for g in grants:
                    cur.execute(
                        f"REVOKE {g['privilege']} ON {self._on(g)} FROM %s@%s", (g["user"], g["host"])
                    )
                record.sessions_ended = self._kill(cur, users)
                record.position = self._position(cur)
        finally:
            conn.close()

    def _kill(self, cur: Any, users: Iterable[str]) -> int:
        users = list(users)
        if not users:
            return 0
        cur.execute(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE USER IN %s AND ID <> CONNECTION_ID()",
            (tuple(users),),
        )
        ended = 0
        for (pid,) in cur.fetchall():
            try:
                cur.execute("KILL CONNECTION %s", (int(pid),))
                ended += 1
            except Exception as exc:  # the session ended by itself meanwhile
                log.debug("KILL %s: %s", pid, exc)
        return ended

    @staticmethod
    def _position(cur: Any) -> dict[str, Any]:
        cur.execute("SHOW MASTER STATUS")
        row = cur.fetchone()
        if not row:
            raise RoachliftError("binary logging is off on the source: no position to drain to")
        return {"kind": "mysql", "binlog_file": str(row[0]), "binlog_pos": int(row[1])}

    def unfreeze(self, record: FreezeRecord) -> str:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                for g in record.grants:
                    cur.execute(f"GRANT {g['privilege']} ON {self._on(g)} TO %s@%s", (g["user"], g["host"]))
        finally:
            conn.close()
        accounts = sorted({g["grantee"] for g in record.grants})
        return f"{len(record.grants)} write privilege(s) of {', '.join(accounts) or 'no account'} restored"

    def current_position(self) -> dict[str, Any]:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                return self._position(cur)
        finally:
            conn.close()


# --- Oracle ------------------------------------------------------------------------------------------
class OracleFreezer(SourceFreezer):
    """``ALTER TABLE ... READ ONLY`` on the spec's tables (:func:`roachlift.cdc.oracle_setup.set_read_only`):
    binds every session, the owner's too; ``READ WRITE`` again on unfreeze."""

    kind = "oracle"

    def describe(self, tables: list[str]) -> str:
        return (
            f"ALTER TABLE ... READ ONLY on {len(tables)} table(s) of the schema (every session, the "
            "owner's too); READ WRITE again on unfreeze"
        )

    def freeze(self, tables: list[str], record: FreezeRecord, save: Callable[[], None]) -> None:
        from roachlift.cdc.oracle_setup import set_read_only

        record.grants = [
            {
                "table": t,
                "schema": _split(t)[0],
                "name": _split(t)[1],
                "grantee": "every session",
                "privilege": "READ ONLY",
            }
            for t in tables
        ]
        save()
        set_read_only(self.spec, self.source, True)
        record.position = self.current_position()

    def unfreeze(self, record: FreezeRecord) -> str:
        from roachlift.cdc.oracle_setup import set_read_only

        return set_read_only(self.spec, self.source, False)

    def current_position(self) -> dict[str, Any]:
        # the staging-table reader has no server-wide position to compare: the drain ends once the
        # stream, read after the freeze, is used up
        return {"kind": "oracle"}


def freezer(spec: MigrationSpec, source: ConnInfo, kind: str | None = None) -> SourceFreezer:
    """The freezer of the spec's source kind (or of ``kind``, a freeze record's), from its adapter;
    :class:`~roachlift.sources.UnsupportedCapability` when the source cannot be frozen."""
    from roachlift.sources import adapter_for

    return adapter_for(kind or spec.source.kind).freezer(spec, source)


def freeze_source_writes(
    spec: MigrationSpec, source: ConnInfo, tables: list[str], state_path: StoragePath, run_id: str
) -> FreezeRecord:
    """Freeze the application's writes on ``tables``; on any error undo what was done and re-raise."""
    existing = FreezeRecord.load(state_path)
    if existing is not None and existing.run_id != run_id:
        raise RoachliftError(
            f"the source is already frozen by run {existing.run_id} ({state_path}): "
            "`roachlift unfreeze --spec ...` first"
        )
    if existing is not None and existing.state == "frozen":
        return existing  # a retry of this run's freeze
    f = freezer(spec, source)
    record = FreezeRecord(kind=f.kind, run_id=run_id, database=source.database or "")
    try:
        f.freeze(tables, record, lambda: record.save(state_path))
    except BaseException:
        if record.grants:
            try:
                f.unfreeze(record)
            except Exception:
                log.exception("undoing the partial freeze failed; the record is kept at %s", state_path)
                raise
        state_path.unlink(missing_ok=True)
        raise
    record.state, record.frozen_at = "frozen", time.time()
    record.save(state_path)
    log.info("source frozen: %s", record.summary())
    return record


def unfreeze_source_writes(spec: MigrationSpec, source: ConnInfo, state_path: StoragePath) -> str:
    """Give back what the recorded freeze revoked and remove the record; a no-op when not frozen."""
    record = FreezeRecord.load(state_path)
    if record is None:
        return "the source was not frozen by roachlift: nothing to restore"
    what = freezer(spec, source, record.kind).unfreeze(record)
    state_path.unlink(missing_ok=True)
    log.info("source unfrozen: %s", what)
    return f"source writable again: {what}"
