"""An application writing to a demo source while it is migrated: inserts and updates as an
application role (never the migration's own), so CDC, the lag chart and the cutover's read-only
window show real numbers, and the freeze is seen refusing it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pymysql
from psycopg import sql

INSERT = "INSERT INTO actor (first_name, last_name) VALUES (%s, 'APP')"
UPDATE = "UPDATE film SET rental_rate = rental_rate + 0.01 WHERE film_id = %s"


class AppWriter(threading.Thread):
    """Writes one insert + one update per transaction every ``pause`` seconds until ``stop``;
    counts committed and refused transactions (a refusal: the freeze, or a session it ended)."""

    def __init__(
        self, name: str, connect: Callable[[], Any], errors: tuple[type[BaseException], ...]
    ) -> None:
        super().__init__(daemon=True, name=name)
        self.connect, self.errors = connect, errors
        self.stop = threading.Event()
        self.committed = 0
        self.refused = 0
        self.pause = 0.05

    def run(self) -> None:
        conn: Any = None
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                if conn is None:
                    conn = self.connect()
                cur = conn.cursor()
                cur.execute(INSERT, (f"W{n}",))
                cur.execute(UPDATE, (n * 37 % 1000 + 1,))
                conn.commit()
                self.committed += 1
            except self.errors:
                self.refused += 1
                with contextlib.suppress(Exception):
                    conn.close()
                conn = None
                self.stop.wait(0.5)
            self.stop.wait(self.pause)
        with contextlib.suppress(Exception):
            conn.close()

    def summary(self) -> str:
        """One line for the demo's output."""
        return f"{self.name}: {self.committed} transactions committed, {self.refused} refused"


def postgres_writer(admin_uri: str, port: int, database: str, role: str) -> AppWriter:
    """A login role with the application's privileges on ``database``, and a writer using it."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        for what in ("SELECT, INSERT, UPDATE, DELETE ON ALL TABLES", "USAGE, SELECT ON ALL SEQUENCES"):
            conn.execute(sql.SQL(f"GRANT {what} IN SCHEMA public TO {{}}").format(sql.Identifier(role)))
    dsn = f"host=127.0.0.1 port={port} dbname={database} user={role}"
    return AppWriter(f"{role}@postgres", lambda: psycopg.connect(dsn, connect_timeout=5), (psycopg.Error,))


def mysql_writer(root: dict[str, Any], database: str, user: str, password: str) -> AppWriter:
    """An account with the application's privileges on schema ``database``, and a writer using it."""
    conn = pymysql.connect(**root, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, password))
            cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO %s@'%%'", (user,))
    finally:
        conn.close()
    kw = {
        "host": root["host"],
        "port": root["port"],
        "user": user,
        "password": password,
        "database": database,
    }
    return AppWriter(f"{user}@mysql", lambda: pymysql.connect(**kw, connect_timeout=5), (pymysql.MySQLError,))


def stop_all(writers: list[AppWriter]) -> None:
    """Stop the writers and wait for them."""
    for w in writers:
        w.stop.set()
    deadline = time.monotonic() + 10
    for w in writers:
        w.join(max(0.1, deadline - time.monotonic()))
