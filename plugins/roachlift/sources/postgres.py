"""PostgreSQL: a logical replication slot made with the dump's exported snapshot, REVOKE freeze."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roachlift.config.spec import SourceKind
from roachlift.errors import RoachliftError
from roachlift.sources.base import PositionReader, SourceAdapter
from roachlift.storage import StoragePath

if TYPE_CHECKING:
    import psycopg

    from roachlift.cdc.postgres import PostgresSource
    from roachlift.config.connections import ConnInfo
    from roachlift.config.spec import MigrationSpec, SourceSpec
    from roachlift.cutover import PostgresFreezer
    from roachlift.dump.manifest import TableManifest
    from roachlift.dump.snapshot import Snapshot
    from roachlift.extract import ExtractResult, TableInfo
    from roachlift.verify.readers import PostgresReader


class PostgresAdapter(SourceAdapter):
    """PostgreSQL (and servers speaking its protocol, for verify)."""

    kind = SourceKind.POSTGRES
    verify_chunk_digests = True

    def default_schema(self, conninfo: ConnInfo) -> str:
        return "public"

    def connect(self, conninfo: ConnInfo) -> psycopg.Connection[Any]:
        import psycopg

        return psycopg.connect(conninfo.postgres_conninfo(), autocommit=True)

    def extract(self, source: SourceSpec, conninfo: ConnInfo) -> ExtractResult:
        from roachlift.extract import postgres

        return postgres.extract(source, conninfo)

    def list_tables(self, source: SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
        from roachlift.extract import postgres

        return postgres.list_tables(source, conninfo)

    def open_snapshot(self, spec: MigrationSpec, conninfo: ConnInfo, workers: int) -> Snapshot:
        """The slot first (CDC on), then its exported snapshot: the stream starts where the dump ends."""
        from roachlift.dump.snapshot import open_postgres_snapshot

        return open_postgres_snapshot(conninfo, self.replication_slot(spec) if spec.cdc.enabled else None)

    def worker_connection(self, conninfo: ConnInfo, snapshot: Snapshot) -> Any:
        from roachlift.dump.postgres import worker_connection

        return worker_connection(conninfo, snapshot)

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
        from roachlift.dump import postgres

        return postgres.dump_table(conn, table, out_dir, split=split, **common)

    def change_source(
        self, spec: MigrationSpec, conninfo: ConnInfo, position: PositionReader
    ) -> PostgresSource:
        """The slot the dump recorded in ``snapshot.json``."""
        from roachlift.cdc.postgres import PostgresSource

        slot = position().get("slot")
        if not slot:
            raise RoachliftError(
                "the dump made no replication slot (CDC was off): rerun the dump with CDC on"
            )
        return PostgresSource(
            conninfo.postgres_conninfo(),
            str(slot),
            schemas=spec.source.schemas or ["public"],
            wants=spec.source.wants,
        )

    def verify_reader(self, conninfo: ConnInfo) -> PostgresReader:
        from roachlift.verify.readers import PostgresReader

        return PostgresReader(conninfo)

    def freezer(self, spec: MigrationSpec, conninfo: ConnInfo) -> PostgresFreezer:
        from roachlift.cutover import PostgresFreezer

        return PostgresFreezer(spec, conninfo)

    def replication_slot(self, spec: MigrationSpec) -> str:
        from roachlift.dump.snapshot import default_slot_name

        return default_slot_name(spec.name, spec.cdc.slot_name)

    def sample_rows(
        self, conninfo: ConnInfo, table: str, rows: int, seconds: float
    ) -> tuple[bytes, int, float, int]:
        from roachlift.estimate import sample_postgres

        return sample_postgres(conninfo, table, rows, seconds)

    def sequence_values(self, conninfo: ConnInfo, tables: dict[str, str]) -> dict[tuple[str, str], int]:
        from roachlift.cutover_steps import postgres_sequence_values

        return postgres_sequence_values(conninfo, tables)
