"""A throw-away Redis server (Debian's ``redis-server``) on a free loopback port: the Celery broker.

A Redis may already run on the machine (port 6379), but a user's machine may have none and a
shared one mixes queues of unrelated runs, so the harness always starts its own: no persistence,
its folder removed on :meth:`RedisServer.stop`.
"""

from __future__ import annotations

import socket
import subprocess
import time

from roachlift.errors import MissingBinaryError, RoachliftError
from roachlift.testing.servers import _Server, _tail, _wait_for_port, find_binary


class RedisServer(_Server):
    """``redis-server`` bound to 127.0.0.1 on a free port, in memory only (no RDB, no AOF)."""

    name = "redis"

    def start(self) -> None:
        """Run ``redis-server`` until :meth:`stop`; return once it answers ``PING``."""
        binary = find_binary("redis-server")
        if not binary:
            raise MissingBinaryError("redis-server not found: install the Debian package redis-server")
        self.base_dir.mkdir(parents=True, exist_ok=True)
        log = self.base_dir / "redis.log"
        args = [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.base_dir),
            "--save",
            "",  # no RDB snapshots
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--logfile",
            str(log),
        ]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        _wait_for_port(self.port, 30, "redis-server", log, self.proc)
        deadline = time.monotonic() + 15
        while not self.ping():
            if time.monotonic() > deadline:
                raise RoachliftError(f"redis-server does not answer PING; log:\n{_tail(log)}")
            time.sleep(0.1)

    def ping(self) -> bool:
        """Whether the server answers ``PING`` with ``+PONG`` (RESP, no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def url(self, db: int = 0) -> str:
        """``redis://127.0.0.1:<port>/<db>`` (Celery's broker and result-backend URL form)."""
        return f"redis://127.0.0.1:{self.port}/{db}"
