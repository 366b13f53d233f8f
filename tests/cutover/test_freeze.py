"""The cutover freeze on real servers: an application role's write is refused even inside a session
it opened before the freeze, open write transactions end, and unfreeze restores exactly."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import psycopg
import pymysql
import pytest
from psycopg import sql

from roachlift.config.connections import parse_uri
from roachlift.config.spec import MigrationSpec
from roachlift.cutover import FreezeRecord, freeze_source_writes, unfreeze_source_writes
from roachlift.errors import RoachliftError
from roachlift.testing import MariaDBServer, PostgresServer

_n = itertools.count()


def _spec(kind: str, app_roles: list[str], schemas: list[str]) -> MigrationSpec:
    return MigrationSpec.model_validate(
        {
            "name": f"frz{next(_n)}",
            "source": {"kind": kind, "conn_id": "src", "schemas": schemas},
            "target": {"conn_id": "tgt", "database": "t"},
            "cutover": {"freeze_source_writes": True, "app_roles": app_roles},
        }
    )


def _acls(dsn: str) -> dict[str, str | None]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT relname, relacl::text FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind IN ('r', 'p') ORDER BY 1"
        ).fetchall()
    return {r[0]: r[1] for r in rows}


@pytest.fixture
def pg_app(pg_server: PostgresServer, pg_db: str) -> tuple[str, str, str]:
    """A source database with an application role (login) that may write two of its three tables
    (one of them through a group role, one through PUBLIC)."""
    role, group = f"app_{os.getpid()}_{next(_n)}", f"writers_{os.getpid()}_{next(_n)}"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE actor (actor_id serial PRIMARY KEY, name text NOT NULL)")
        conn.execute("CREATE TABLE film (film_id int PRIMARY KEY, title text)")
        conn.execute("CREATE TABLE audit (id serial PRIMARY KEY, note text)")  # not migrated
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(group)))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))
        conn.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE ON actor, audit TO {}").format(sql.Identifier(role))
        )
        conn.execute(sql.SQL("GRANT DELETE ON actor TO {} WITH GRANT OPTION").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(sql.Identifier(role))
        )
        conn.execute(sql.SQL("GRANT SELECT, INSERT, TRUNCATE ON film TO {}").format(sql.Identifier(group)))
        conn.execute("GRANT UPDATE ON film TO PUBLIC")
        conn.execute("INSERT INTO film VALUES (1, 'one')")
    dbname = pg_db.rsplit("dbname=", 1)[-1].split()[0] if "dbname=" in pg_db else pg_db.rsplit("/", 1)[-1]
    return pg_db, role, dbname


def test_postgres_freeze_refuses_an_open_session_and_unfreeze_restores_exactly(
    pg_server: PostgresServer, pg_app: tuple[str, str, str], tmp_path: Path
) -> None:
    dsn, role, dbname = pg_app
    before = _acls(dsn)
    source = parse_uri(pg_server.uri(dbname))
    app_dsn = f"host=127.0.0.1 port={pg_server.port} dbname={dbname} user={role}"
    session = psycopg.connect(app_dsn, autocommit=True)  # opened before the freeze
    session.execute("INSERT INTO actor (name) VALUES ('before')")
    writer = psycopg.connect(app_dsn)  # an open write transaction at freeze time
    writer.execute("INSERT INTO actor (name) VALUES ('in flight')")
    state = tmp_path / "freeze.json"
    spec = _spec("postgres", [role], ["public"])
    record = freeze_source_writes(spec, source, ["public.actor", "public.film"], state, "run-1")
    assert record.state == "frozen" and record.position and record.position["lsn"]
    assert record.sessions_ended == 1
    assert {g["grantee"] for g in record.grants} >= {role, "PUBLIC"} and len(record.grants) >= 6
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        session.execute("INSERT INTO actor (name) VALUES ('after')")
    for stmt in ("UPDATE film SET title = 'x'", "DELETE FROM actor", "TRUNCATE film"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            session.execute(stmt)
    session.execute("INSERT INTO audit (note) VALUES ('not migrated: still writable')")
    assert session.execute("SELECT count(*) FROM actor").fetchone() == (1,)  # reads go on
    with pytest.raises(psycopg.OperationalError):
        writer.commit()  # its transaction was ended by the freeze
    assert FreezeRecord.load(state) is not None
    assert "writable again" in unfreeze_source_writes(spec, source, state)
    assert _acls(dsn) == before
    assert not state.exists()
    session.execute("INSERT INTO actor (name) VALUES ('after unfreeze')")
    assert session.execute("SELECT count(*) FROM actor").fetchone() == (2,)
    session.close()


def test_postgres_freeze_refuses_a_superuser_app_role(
    pg_server: PostgresServer, pg_app: tuple[str, str, str], tmp_path: Path
) -> None:
    _, _, dbname = pg_app
    spec = _spec("postgres", [pg_server.user], ["public"])
    with pytest.raises(RoachliftError, match="superuser"):
        freeze_source_writes(
            spec, parse_uri(pg_server.uri(dbname)), ["public.actor"], tmp_path / "f.json", "r"
        )
    assert not (tmp_path / "f.json").exists()


def test_postgres_freeze_of_another_run_is_not_taken_over(
    pg_server: PostgresServer, pg_app: tuple[str, str, str], tmp_path: Path
) -> None:
    _, role, dbname = pg_app
    spec, source = _spec("postgres", [role], ["public"]), parse_uri(pg_server.uri(dbname))
    state = tmp_path / "freeze.json"
    freeze_source_writes(spec, source, ["public.actor"], state, "run-1")
    with pytest.raises(RoachliftError, match="already frozen by run run-1"):
        freeze_source_writes(spec, source, ["public.actor"], state, "run-2")
    unfreeze_source_writes(spec, source, state)


def test_mysql_freeze_revokes_per_schema_and_restores(
    mariadb_server: MariaDBServer, mysql_db: str, tmp_path: Path
) -> None:
    user = f"app{next(_n)}"
    root = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)
    with root.cursor() as cur:
        cur.execute("CREATE TABLE actor (actor_id int AUTO_INCREMENT PRIMARY KEY, name varchar(20))")
        cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{mysql_db}`.* TO '{user}'@'%'")
        cur.execute(f"SHOW GRANTS FOR '{user}'@'%'")
        before = sorted(r[0] for r in cur.fetchall())
    app = pymysql.connect(
        host="127.0.0.1",
        port=mariadb_server.port,
        user=user,
        password="pw",
        database=mysql_db,
        autocommit=True,
    )
    with app.cursor() as cur:
        cur.execute("INSERT INTO actor (name) VALUES ('before')")
    spec = _spec("mysql", [user], [mysql_db])
    source = parse_uri(mariadb_server.uri(mysql_db))
    state = tmp_path / "freeze.json"
    record = freeze_source_writes(spec, source, [f"{mysql_db}.actor"], state, "run-1")
    assert record.position and record.position["binlog_file"]
    assert record.sessions_ended >= 1
    with pytest.raises(pymysql.MySQLError), app.cursor() as cur:  # the open session was ended
        cur.execute("INSERT INTO actor (name) VALUES ('after')")
    again = pymysql.connect(
        host="127.0.0.1",
        port=mariadb_server.port,
        user=user,
        password="pw",
        database=mysql_db,
        autocommit=True,
    )
    with pytest.raises(pymysql.err.OperationalError, match="denied"), again.cursor() as cur:
        cur.execute("INSERT INTO actor (name) VALUES ('after')")
    with again.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM actor")
        assert cur.fetchone() == (1,)
    again.close()
    unfreeze_source_writes(spec, source, state)
    with root.cursor() as cur:
        cur.execute(f"SHOW GRANTS FOR '{user}'@'%'")
        assert sorted(r[0] for r in cur.fetchall()) == before
        cur.execute(f"DROP USER '{user}'@'%'")
    root.close()
