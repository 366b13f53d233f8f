"""Oracle: the dump reads ``AS OF SCN``, the change stream is a staging table fed by capture
triggers installed before that SCN, the freeze is ``ALTER TABLE ... READ ONLY``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roachlift.config.spec import SourceKind
from roachlift.sources.base import Capability, PositionReader, SourceAdapter
from roachlift.storage import StoragePath

if TYPE_CHECKING:
    from roachlift.cdc.oracle import OracleSource
    from roachlift.config.connections import ConnInfo
    from roachlift.config.spec import MigrationSpec, SourceSpec
    from roachlift.cutover import OracleFreezer
    from roachlift.dump.manifest import TableManifest
    from roachlift.dump.snapshot import Snapshot
    from roachlift.extract import ExtractResult, TableInfo
    from roachlift.verify.oracle import OracleReader


class OracleAdapter(SourceAdapter):
    """Oracle 11g and later (oracledb thin mode)."""

    kind = SourceKind.ORACLE
    empty_string_is_null = True  # Oracle stores '' as NULL
    unsupported = {
        Capability.REPLICATION_SLOT: "the change stream reads a staging table fed by triggers",
        Capability.SAMPLE_ROWS: "the estimate has no Oracle sample reader yet",
        Capability.SEQUENCE_VALUES: "its sequences are not read at cutover",
    }

    def default_schema(self, conninfo: ConnInfo) -> str:
        return (conninfo.user or "").upper()

    def connect(self, conninfo: ConnInfo) -> Any:
        from roachlift.dump import oracle_connect

        return oracle_connect(conninfo)

    def extract(self, source: SourceSpec, conninfo: ConnInfo) -> ExtractResult:
        from roachlift.extract import oracle

        return oracle.extract(source, conninfo)

    def list_tables(self, source: SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
        from roachlift.extract import oracle

        return oracle.list_tables(source, conninfo)

    def open_snapshot(self, spec: MigrationSpec, conninfo: ConnInfo, workers: int) -> Snapshot:
        """The current SCN; every table is read ``AS OF`` it."""
        from roachlift.dump.snapshot import open_oracle_snapshot

        return open_oracle_snapshot(self.connect(conninfo))

    def worker_connection(self, conninfo: ConnInfo, snapshot: Snapshot) -> Any:
        return self.connect(conninfo)  # the SCN is in each query: any session reads the snapshot

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
        from roachlift.dump import oracle

        return oracle.dump_table(conn, table, out_dir, **common)  # one range per table: no split

    def prepare_change_capture(self, spec: MigrationSpec, conninfo: ConnInfo) -> str | None:
        """Install the capture triggers before the SCN is read (see :mod:`roachlift.cdc.oracle_setup`)."""
        from roachlift.cdc.oracle_setup import install_capture

        return install_capture(spec, conninfo)

    def change_source(
        self, spec: MigrationSpec, conninfo: ConnInfo, position: PositionReader
    ) -> OracleSource:
        """The staging table (it needs no position: the capture was installed before the SCN)."""
        from roachlift.cdc import oracle_setup

        return oracle_setup.change_source(spec, conninfo)

    def verify_reader(self, conninfo: ConnInfo) -> OracleReader:
        from roachlift.verify.oracle import open_oracle_reader

        return open_oracle_reader(conninfo)

    def freezer(self, spec: MigrationSpec, conninfo: ConnInfo) -> OracleFreezer:
        from roachlift.cutover import OracleFreezer

        return OracleFreezer(spec, conninfo)
