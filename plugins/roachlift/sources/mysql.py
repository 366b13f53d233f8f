"""MySQL / MariaDB: worker transactions opened inside one consistent snapshot, the binlog from the
position read there, REVOKE freeze per schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roachlift.config.spec import SourceKind
from roachlift.sources.base import Capability, PositionReader, SourceAdapter
from roachlift.storage import StoragePath

if TYPE_CHECKING:
    from roachlift.cdc.mysql import MySQLSource
    from roachlift.config.connections import ConnInfo
    from roachlift.config.spec import MigrationSpec, SourceSpec
    from roachlift.cutover import MySQLFreezer
    from roachlift.dump.manifest import TableManifest
    from roachlift.dump.snapshot import Snapshot
    from roachlift.extract import ExtractResult, TableInfo
    from roachlift.verify.readers import MySQLReader


class MySQLAdapter(SourceAdapter):
    """MySQL and MariaDB."""

    kind = SourceKind.MYSQL
    unsupported = {
        Capability.REPLICATION_SLOT: "the change stream reads the binlog; its retention is the server's",
    }
    workers_in_snapshot = True

    def connect(self, conninfo: ConnInfo) -> Any:
        from roachlift.extract.mysql import connect

        return connect(conninfo)

    def extract(self, source: SourceSpec, conninfo: ConnInfo) -> ExtractResult:
        from roachlift.extract import mysql

        return mysql.extract(source, conninfo)

    def list_tables(self, source: SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
        from roachlift.extract import mysql

        return mysql.list_tables(source, conninfo)

    def open_snapshot(self, spec: MigrationSpec, conninfo: ConnInfo, workers: int) -> Snapshot:
        """``workers`` transactions started WITH CONSISTENT SNAPSHOT, the binlog position read there."""
        from roachlift.dump.snapshot import open_mysql_snapshot

        return open_mysql_snapshot(conninfo, workers)

    def worker_connection(self, conninfo: ConnInfo, snapshot: Snapshot) -> Any:
        from roachlift.dump.snapshot import SnapshotError

        conn = snapshot.take_worker()
        if conn is None:
            raise SnapshotError(
                "no MySQL worker transaction left in the snapshot (open it with more workers)"
            )
        return conn

    def release_worker(self, snapshot: Snapshot, conn: Any) -> None:
        snapshot.give_back(conn)

    def dump_table(
        self,
        spec: MigrationSpec,
        conninfo: ConnInfo,
        conn: Any,
        table: str,
        out_dir: StoragePath,
        split: int,
        common: dict[str, Any],
    ) -> TableManifest:
        from roachlift.dump import mysql
        from roachlift.values import ValueRules

        default_schema = spec.source.schemas[0] if spec.source.schemas else self.default_schema(conninfo)
        return mysql.dump_table(
            conn,
            table,
            out_dir,
            default_schema=default_schema or None,
            split=split,
            rules=ValueRules.from_spec(spec),
            **common,
        )

    def change_source(self, spec: MigrationSpec, conninfo: ConnInfo, position: PositionReader) -> MySQLSource:
        """The binlog from the dump's position, with the spec's value rules (as the dump applied them)."""
        from roachlift.cdc.mysql import MySQLSource
        from roachlift.values import ValueRules

        source = MySQLSource(conninfo, dict(position()), schemas=spec.source.schemas, wants=spec.source.wants)
        source.value_rules = ValueRules.from_spec(spec)
        return source

    def verify_reader(self, conninfo: ConnInfo) -> MySQLReader:
        from roachlift.verify.readers import MySQLReader

        return MySQLReader(conninfo)

    def freezer(self, spec: MigrationSpec, conninfo: ConnInfo) -> MySQLFreezer:
        from roachlift.cutover import MySQLFreezer

        return MySQLFreezer(spec, conninfo)

    def sample_rows(
        self, conninfo: ConnInfo, table: str, rows: int, seconds: float
    ) -> tuple[bytes, int, float, int]:
        from roachlift.estimate import sample_mysql

        return sample_mysql(conninfo, table, rows, seconds)

    def sequence_values(self, conninfo: ConnInfo, tables: dict[str, str]) -> dict[tuple[str, str], int]:
        from roachlift.cutover_steps import mysql_sequence_values

        return mysql_sequence_values(conninfo, tables)
