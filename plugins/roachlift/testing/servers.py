"""Start and stop real PostgreSQL and MariaDB servers in temporary folders, on free ports."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from roachlift.errors import MissingBinaryError, RoachliftError

PG_VERSION = "15"
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
#: Folders searched for server binaries besides ``$PATH`` (mariadbd lives in /usr/sbin).
SBIN_DIRS: tuple[str, ...] = ("/usr/sbin", "/usr/local/sbin")


def find_binary(name: str) -> str | None:
    """``name`` on ``$PATH`` or in :data:`SBIN_DIRS`."""
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN_DIRS))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float, what: str, log: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RoachliftError(f"{what} exited with code {proc.returncode}; log:\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RoachliftError(f"{what} did not listen on port {port} within {timeout:.0f}s; log:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class _Server:
    """Common start/stop plumbing; subclasses fill in ``_start``."""

    name = "server"

    def __init__(self, base_dir: str | Path | None = None, port: int | None = None) -> None:
        self._own_dir = base_dir is None
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix=f"roachlift-{self.name}-"))
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the server and remove its folder (when the harness created it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._own_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)


class PostgresServer(_Server):
    """PostgreSQL 15 with logical decoding for wal2json, trust auth on 127.0.0.1.

    PostgreSQL refuses to run as root: when the harness runs as root it runs the server as the
    ``postgres`` OS user.
    """

    name = "postgres"
    user = "postgres"

    def _cmd(self, *args: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def start(self) -> None:
        """initdb, then run ``postgres`` with wal_level=logical until :meth:`stop`."""
        for binary in ("initdb", "postgres"):
            if not (PG_BIN / binary).exists():
                raise MissingBinaryError(
                    f"{PG_BIN / binary} not found: install the Debian package postgresql-{PG_VERSION}"
                )
        wal2json = Path(f"/usr/lib/postgresql/{PG_VERSION}/lib/wal2json.so")
        if not wal2json.exists():
            raise MissingBinaryError(
                f"{wal2json} not found: install the Debian package postgresql-{PG_VERSION}-wal2json"
            )
        data = self.base_dir / "data"
        self.socket_dir = self.base_dir / "sock"
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, pg.pw_uid, pg.pw_gid)
        log = self.base_dir / "server.log"
        if not (data / "PG_VERSION").exists():
            init = subprocess.run(
                self._cmd(
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    self.user,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ),
                capture_output=True,
                text=True,
            )
            if init.returncode != 0:
                raise RoachliftError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "wal_level": "logical",
            "max_replication_slots": "20",
            "max_wal_senders": "20",
            "max_connections": "200",
            "fsync": "off",
            "full_page_writes": "off",
            "shared_buffers": "256MB",
            "logging_collector": "off",
            "output_plugin_libraries": "wal2json,test_decoding",
        }
        args = [str(PG_BIN / "postgres"), "-D", str(data)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        fh = open(log, "ab")  # noqa: SIM115 - handed to the child process
        if os.geteuid() == 0:
            os.chown(log, pwd.getpwnam("postgres").pw_uid, -1)
        self.proc = subprocess.Popen(
            self._cmd(*args), stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        fh.close()
        _wait_for_port(self.port, 60, "postgres", log, self.proc)
        self._wait_ready(log)

    def _wait_ready(self, log: Path) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RoachliftError(
                        f"postgres is not accepting connections; log:\n{_tail(log)}"
                    ) from None
                time.sleep(0.2)

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URI for ``database`` on this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def uri(self, database: str = "postgres") -> str:
        """An Airflow connection URI for ``database`` on this server."""
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create (or re-create) database ``name``; return its DSN."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)


class MariaDBServer(_Server):
    """MariaDB with a ROW-format binlog (``log_bin``, ``binlog_format=ROW``, ``server_id``)."""

    name = "mariadb"
    user = "root"

    def start(self) -> None:
        """mariadb-install-db, then run ``mariadbd`` until :meth:`stop`."""
        mariadbd = find_binary("mariadbd")
        install_db = find_binary("mariadb-install-db")
        if not mariadbd or not install_db:
            raise MissingBinaryError(
                "mariadbd / mariadb-install-db not found: install the Debian package mariadb-server"
            )
        data = self.base_dir / "data"
        self.socket = self.base_dir / "mysqld.sock"
        log = self.base_dir / "server.log"
        if not (data / "mysql").exists():
            data.mkdir(parents=True, exist_ok=True)
            init = subprocess.run(
                [
                    install_db,
                    "--no-defaults",
                    f"--datadir={data}",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ],
                capture_output=True,
                text=True,
            )
            if init.returncode != 0:
                raise RoachliftError(f"mariadb-install-db failed:\n{init.stdout}\n{init.stderr}")
        args = [
            mariadbd,
            "--no-defaults",
            f"--datadir={data}",
            f"--port={self.port}",
            f"--socket={self.socket}",
            "--bind-address=127.0.0.1",
            "--user=root",
            f"--pid-file={self.base_dir / 'mysqld.pid'}",
            f"--log-bin={self.base_dir / 'binlog'}",
            "--binlog-format=ROW",
            "--binlog-row-image=FULL",
            "--binlog-row-metadata=FULL",
            "--server-id=1",
            "--skip-name-resolve",
            "--innodb-flush-log-at-trx-commit=2",
            "--sync-binlog=0",
            "--innodb-buffer-pool-size=256M",
            "--max-connections=200",
            "--max-allowed-packet=256M",  # 64 MB BLOB/LONGTEXT values in the value-fidelity tests
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
            f"--log-error={log}",
        ]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        _wait_for_port(self.port, 60, "mariadbd", log, self.proc)

    def connect_kwargs(self, database: str | None = None) -> dict[str, object]:
        """Keyword arguments for ``pymysql.connect``."""
        kw: dict[str, object] = {"host": "127.0.0.1", "port": self.port, "user": self.user, "password": ""}
        if database:
            kw["database"] = database
        return kw

    def uri(self, database: str = "") -> str:
        """An Airflow connection URI for ``database`` on this server."""
        return f"mysql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        """Create (or re-create) database ``name``."""
        import pymysql

        conn = pymysql.connect(**self.connect_kwargs())
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name.replace('`', '``')}`")
                cur.execute(f"CREATE DATABASE `{name.replace('`', '``')}` CHARACTER SET utf8mb4")
        finally:
            conn.close()
