"""``python -m roachlift.testing``: start the harness servers and keep them up until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from roachlift.testing.servers import MariaDBServer, PostgresServer


def main(argv: list[str] | None = None) -> int:
    """Start PostgreSQL (logical WAL) and/or MariaDB (ROW binlog) and print how to reach them."""
    parser = argparse.ArgumentParser(prog="python -m roachlift.testing", description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="start PostgreSQL 15 with wal_level=logical")
    parser.add_argument("--mariadb", action="store_true", help="start MariaDB with a ROW binlog")
    args = parser.parse_args(argv)
    if not (args.postgres or args.mariadb):
        args.postgres = args.mariadb = True
    servers: list[PostgresServer | MariaDBServer] = []
    try:
        if args.postgres:
            pg = PostgresServer()
            pg.start()
            servers.append(pg)
            print(f"postgres: {pg.uri('postgres')}", flush=True)
        if args.mariadb:
            my = MariaDBServer()
            my.start()
            servers.append(my)
            print(f"mariadb: {my.uri()}", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print("servers are up; Ctrl-C stops them", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
