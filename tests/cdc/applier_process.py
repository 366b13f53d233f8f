"""Run an applier forever in a process of its own (the crash tests kill it with SIGKILL).

``python applier_process.py postgres SOURCE_DSN SLOT TARGET_DSN MIGRATION BATCH``
``python applier_process.py mysql PORT DATABASE BINLOG_FILE BINLOG_POS TARGET_DSN MIGRATION BATCH``
"""

from __future__ import annotations

import sys

from roachlift.cdc.apply import ChangeSource, run_applier
from roachlift.cdc.mysql import MySQLSource
from roachlift.cdc.postgres import PostgresSource


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "postgres":
        source_dsn, slot, target_dsn, migration, batch = argv[1:6]

        def source() -> ChangeSource:
            return PostgresSource(source_dsn, slot)

    else:
        port, database, binlog_file, binlog_pos, target_dsn, migration, batch = argv[1:8]
        kwargs = {"host": "127.0.0.1", "port": int(port), "user": "root", "password": ""}
        start = {"binlog_file": binlog_file, "binlog_pos": int(binlog_pos)}

        def source() -> ChangeSource:
            return MySQLSource(kwargs, start, schemas=[database])

    while True:
        run_applier(
            source(),
            target_dsn,
            migration=migration,
            until_caught_up=False,
            max_seconds=30,
            batch_changes=int(batch),
        )


if __name__ == "__main__":
    main(sys.argv[1:])
