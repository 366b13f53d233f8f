"""What a source adapter is: one class per :class:`SourceKind` that says what the source can do.

Every "which source kind?" question of the core is a call on an adapter (``adapter_for(kind)``).
Each capability is one method of :class:`SourceAdapter`; the base method raises
:class:`UnsupportedCapability`, a subclass overrides the methods of what its source can do. So the
declaration and the implementation cannot disagree: :meth:`SourceAdapter.supports` is "the method
is overridden", and calling an unsupported one raises the same explicit error. The adapters are
thin: they call the per-source modules (``extract.<kind>``, ``dump.<kind>``, ``cdc.<kind>``,
``verify``, ``cutover``), imported when called so that no driver is imported for another source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from roachlift.config.spec import SourceKind
from roachlift.errors import RoachliftError
from roachlift.storage import StoragePath

if TYPE_CHECKING:
    from roachlift.cdc.apply import ChangeSource
    from roachlift.config.connections import ConnInfo
    from roachlift.config.spec import MigrationSpec, SourceSpec
    from roachlift.cutover import SourceFreezer
    from roachlift.dump.manifest import TableManifest
    from roachlift.dump.snapshot import Snapshot
    from roachlift.extract import ExtractResult, TableInfo
    from roachlift.verify.readers import Reader


class Capability(StrEnum):
    """What the core asks of a source; each value is the :class:`SourceAdapter` method's name."""

    CONNECT = "connect"
    EXTRACT = "extract"
    LIST_TABLES = "list_tables"
    OPEN_SNAPSHOT = "open_snapshot"
    WORKER_CONNECTION = "worker_connection"
    DUMP_TABLE = "dump_table"
    CHANGE_SOURCE = "change_source"
    VERIFY_READER = "verify_reader"
    #: freeze / unfreeze of the application's writes and the source's current change position
    FREEZE = "freezer"
    #: a replication slot the dump creates and the change stream reads (holds WAL until dropped)
    REPLICATION_SLOT = "replication_slot"
    #: the estimate's sample read
    SAMPLE_ROWS = "sample_rows"
    #: the source's own sequence / AUTO_INCREMENT counters, read at cutover
    SEQUENCE_VALUES = "sequence_values"

    @property
    def label(self) -> str:
        """The capability in words (``change source``, ``write freeze``)."""
        return _LABELS.get(self, self.value.replace("_", " "))


_LABELS = {
    Capability.CONNECT: "connection",
    Capability.FREEZE: "write freeze",
    Capability.SAMPLE_ROWS: "estimate sample",
    Capability.SEQUENCE_VALUES: "sequence counters",
}


class UnsupportedCapability(RoachliftError):
    """A source kind cannot do what was asked; names the kind, the capability and why."""

    def __init__(self, kind: SourceKind, capability: Capability, reason: str = "") -> None:
        self.kind = kind
        self.capability = capability
        self.reason = reason
        super().__init__(f"{kind} source: no {capability.label}" + (f" ({reason})" if reason else ""))


#: Returns the dump's ``snapshot.json`` position; called only by a source whose stream starts there.
PositionReader = Callable[[], Mapping[str, Any]]


class SourceAdapter:
    """One source kind: each method is a capability (see :class:`Capability`); the base raises."""

    kind: ClassVar[SourceKind]
    #: why a capability is missing, said in the :class:`UnsupportedCapability` message
    unsupported: ClassVar[Mapping[Capability, str]] = {}
    #: MySQL: the dump's worker transactions live inside the snapshot object (taken and given back)
    workers_in_snapshot: ClassVar[bool] = False
    #: the source stores an empty string as NULL (Oracle): verify compares them as equal
    empty_string_is_null: ClassVar[bool] = False
    #: verify can compare ranges by a digest computed on the server (both sides must have it), and
    #: the estimate plans the verify that way (:mod:`roachlift.verify.chunkhash`)
    verify_chunk_digests: ClassVar[bool] = False

    def unsupported_error(self, capability: Capability) -> UnsupportedCapability:
        """The error saying this source has no ``capability`` (and why, when known)."""
        return UnsupportedCapability(self.kind, capability, self.unsupported.get(capability, ""))

    def supports(self, capability: Capability) -> bool:
        """True when this adapter implements ``capability``."""
        return getattr(type(self), capability.value) is not getattr(SourceAdapter, capability.value)

    def capability(self, capability: Capability) -> Callable[..., Any]:
        """The bound method of ``capability``; :class:`UnsupportedCapability` when there is none."""
        if not self.supports(capability):
            raise self.unsupported_error(capability)
        method: Callable[..., Any] = getattr(self, capability.value)
        return method

    def default_schema(self, conninfo: ConnInfo) -> str:
        """The schema extract reads when the spec names none (PostgreSQL ``public``, MySQL the
        connection's database, Oracle the login)."""
        return conninfo.database or ""

    # --- capabilities (each overridden by the sources that have it) ---------------------------------
    def connect(self, conninfo: ConnInfo) -> Any:
        """A DB-API connection to the source (catalog reads)."""
        raise self.unsupported_error(Capability.CONNECT)

    def extract(self, source: SourceSpec, conninfo: ConnInfo) -> ExtractResult:
        """DDL text, tables and review items (``roachlift.extract.<kind>.extract``)."""
        raise self.unsupported_error(Capability.EXTRACT)

    def list_tables(self, source: SourceSpec, conninfo: ConnInfo) -> list[TableInfo]:
        """The spec's tables with row estimates, largest first."""
        raise self.unsupported_error(Capability.LIST_TABLES)

    def open_snapshot(self, spec: MigrationSpec, conninfo: ConnInfo, workers: int) -> Snapshot:
        """The dump's consistent snapshot and change-stream start (``workers``: MySQL worker
        transactions)."""
        raise self.unsupported_error(Capability.OPEN_SNAPSHOT)

    def worker_connection(self, conninfo: ConnInfo, snapshot: Snapshot) -> Any:
        """A connection that reads under ``snapshot``; hand it back with :meth:`release_worker`."""
        raise self.unsupported_error(Capability.WORKER_CONNECTION)

    def release_worker(self, snapshot: Snapshot, conn: Any) -> None:
        """Give back a connection of :meth:`worker_connection`."""
        conn.close()

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
        """Dump one table on a worker connection (``common``: snapshot, target table, chunking)."""
        raise self.unsupported_error(Capability.DUMP_TABLE)

    def prepare_change_capture(self, spec: MigrationSpec, conninfo: ConnInfo) -> str | None:
        """What must exist on the source before the snapshot so no change is lost (Oracle's
        capture triggers); None when the snapshot itself starts the stream."""
        return None

    def change_source(
        self, spec: MigrationSpec, conninfo: ConnInfo, position: PositionReader
    ) -> ChangeSource:
        """The change stream starting where the dump's snapshot ended."""
        raise self.unsupported_error(Capability.CHANGE_SOURCE)

    def verify_reader(self, conninfo: ConnInfo) -> Reader:
        """A verify reader of this kind of server (:mod:`roachlift.verify.readers`)."""
        raise self.unsupported_error(Capability.VERIFY_READER)

    def freezer(self, spec: MigrationSpec, conninfo: ConnInfo) -> SourceFreezer:
        """Freeze/unfreeze of the application's writes (:mod:`roachlift.cutover`)."""
        raise self.unsupported_error(Capability.FREEZE)

    def replication_slot(self, spec: MigrationSpec) -> str:
        """The name of the replication slot the dump creates for ``spec``."""
        raise self.unsupported_error(Capability.REPLICATION_SLOT)

    def sample_rows(
        self, conninfo: ConnInfo, table: str, rows: int, seconds: float
    ) -> tuple[bytes, int, float, int]:
        """Up to ``rows`` rows (or ``seconds``) of ``table`` as CSV: (csv, rows, seconds, columns)."""
        raise self.unsupported_error(Capability.SAMPLE_ROWS)

    def sequence_values(self, conninfo: ConnInfo, tables: dict[str, str]) -> dict[tuple[str, str], int]:
        """(short table lower, column lower) → the last value the source's counter handed out."""
        raise self.unsupported_error(Capability.SEQUENCE_VALUES)
