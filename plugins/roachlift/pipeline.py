"""The migration as a sequence of steps over the core, shared by the Airflow DAG and the CLI.

Each ``*_step`` function takes a :class:`RunContext` (spec, mode, connections, work folder),
does one step of the chain and returns a small JSON-serializable summary with a one-line
``summary`` text and, where it moved data, ``stats`` (rows, bytes, seconds per table). Files a
step hands to the next (DDL, phase files, dumps) live in the run's work folder, so a step that
is retried starts from what the previous step left, never from scratch.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import psycopg

from roachlift import runstate, storage
from roachlift.config.connections import ConnInfo
from roachlift.config.spec import LoadMethod, MigrationSpec, RunMode, TableHandling
from roachlift.errors import RoachliftError
from roachlift.naming import Naming
from roachlift.results import (
    AFTER_FREEZE,
    OPTIONAL_STEPS,
    SINGLE_STEPS,
    STEPS,
    CdcResult,
    CleanupResult,
    ConstraintsResult,
    ConvertResult,
    CutoverDoneResult,
    DumpResult,
    EstimateResult,
    ExtractResult,
    LoadTableResult,
    PhasesResult,
    ReportResult,
    ReviewItem,
    RunResults,
    StepResult,
    TableListing,
    TableToLoad,
    VerifyResult,
)
from roachlift.runreport import RunReport, StepStat, write_report
from roachlift.sources import Capability, PositionReader, adapter_for
from roachlift.storage import StoragePath
from roachlift.target.targets import Target, target_for

if TYPE_CHECKING:
    from roachlift.cdc.apply import ChangeSource
    from roachlift.cdc.model import ApplyStats
    from roachlift.dump import DumpResult as SourceDump

log = logging.getLogger(__name__)

WORK_DIR_ENV = "ROACHLIFT_WORK_DIR"
#: First logical date of every roachlift DAG.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def work_root() -> Path:
    """``$ROACHLIFT_WORK_DIR`` or ``<user cache dir>/roachlift`` (``$XDG_CACHE_HOME`` or
    ``~/.cache``): where runs keep their files and reports. Dumps are data, so never a predictable
    path under a world-writable /tmp; see :func:`private_dir` for the checks."""
    env = os.environ.get(WORK_DIR_ENV)
    if env:
        return private_dir(Path(env), fix_mode=False)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    cache = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return private_dir(cache / "roachlift", fix_mode=True)


def private_dir(path: Path, *, fix_mode: bool) -> Path:
    """Create ``path`` (mode 0700) or check the existing one: it must belong to this user and not be
    writable by everyone (``fix_mode``: also take group/other access away, for the default folder)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    uid = os.geteuid()
    if st.st_uid != uid:
        raise RoachliftError(
            f"{path}: the work folder belongs to uid {st.st_uid}, not to this user (uid {uid}); refusing "
            f"to keep dumps there: set {WORK_DIR_ENV} to a folder of yours"
        )
    if fix_mode and st.st_mode & 0o077:
        path.chmod(0o700)
    elif st.st_mode & 0o002:
        raise RoachliftError(
            f"{path}: the work folder is writable by everyone; refusing to keep dumps there "
            f"(chmod o-w it, or set {WORK_DIR_ENV} to a private folder)"
        )
    return path


def migrations_root(spec: MigrationSpec) -> StoragePath:
    """Where the runs of ``spec`` keep their files: ``dump.out_dir`` when it is a URL (object
    storage, or ``file://`` on a shared folder), else this machine's :func:`work_root`."""
    out = spec.dump.out_dir
    if out and storage.is_url(out):
        return storage.resolve(out, spec.dump.storage_conn_id)
    return work_root()


def migration_dir(spec: MigrationSpec) -> StoragePath:
    """``<root>/<migration>`` (:func:`migrations_root`): what every run of the migration shares, DAG
    or CLI (slot ledger, freeze record, reports history)."""
    return migrations_root(spec) / spec.name


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]


@dataclass
class RunContext:
    """One run of one migration: the effective spec (rehearsal database and slot applied)."""

    spec: MigrationSpec
    run_id: str
    mode: RunMode
    source: ConnInfo
    target_server: ConnInfo
    tables: str = "*"
    table_handling: TableHandling = TableHandling.FAIL_IF_NOT_EMPTY
    skip_cdc: bool = False
    #: Where the migration keeps its runs' files, when the caller opened it (the Airflow layer hands
    #: in an ObjectStoragePath authenticated by Airflow); else :attr:`root` finds it from the spec.
    storage_root: StoragePath | None = None

    @classmethod
    def create(
        cls,
        *,
        spec: MigrationSpec,
        run_id: str,
        mode: RunMode | str,
        source: ConnInfo,
        target: ConnInfo,
        tables: str = "*",
        table_handling: TableHandling | str | None = None,
        skip_cdc: bool = False,
        run_date: str | None = None,
        storage_root: StoragePath | None = None,
    ) -> RunContext:
        """Apply the mode: a rehearsal loads into ``<db>_rehearsal_<date>`` with its own slot."""
        try:
            mode = RunMode(mode)
        except ValueError:
            raise RoachliftError(f"mode {mode!r} is not {' or '.join(RunMode)}") from None
        if mode is RunMode.REHEARSAL:
            if not target_for(spec.target.dialect).rehearsal_databases:
                raise RoachliftError(f"a {spec.target.dialect} target cannot hold rehearsal databases")
            day = run_date or datetime.now(UTC).strftime("%Y%m%d")
            slot = f"roachlift_{spec.name}_rehearsal"[:63]
            spec = spec.model_copy(
                update={
                    "target": spec.target.model_copy(
                        update={"database": f"{spec.target.database}_rehearsal_{day}"}
                    ),
                    "cdc": spec.cdc.model_copy(update={"slot_name": slot}),
                }
            )
        skip_cdc = skip_cdc or not spec.cdc.enabled
        if skip_cdc and spec.cdc.enabled:  # no slot, no CDC start position for this run
            spec = spec.model_copy(update={"cdc": spec.cdc.model_copy(update={"enabled": False})})
        return cls(
            spec=spec,
            run_id=run_id,
            mode=mode,
            source=source,
            target_server=target,
            tables=tables or "*",
            table_handling=TableHandling(table_handling or spec.load.table_handling),
            skip_cdc=skip_cdc,
            storage_root=storage_root,
        )

    @property
    def target_database(self) -> str:
        """The database this run loads into."""
        return self.spec.target.database

    @property
    def target_kind(self) -> Target:
        """What the target server can do (``spec.target.dialect``)."""
        return target_for(self.spec.target.dialect)

    @property
    def target(self) -> ConnInfo:
        """Connection to the run's target database."""
        return self.target_server.with_database(self.target_database)

    @property
    def root(self) -> StoragePath:
        """Where runs keep their files: ``dump.out_dir`` when it is a URL (``s3://bucket/prefix``,
        ``file:///shared/folder``: one place every worker reads and writes, with
        ``dump.storage_conn_id``'s credentials), else this machine's :func:`work_root`."""
        if self.storage_root is None:
            root = migrations_root(self.spec)
            if storage.is_local(root) and root == work_root():
                return root  # a local work folder: $ROACHLIFT_WORK_DIR may differ per process
            self.storage_root = root
        return self.storage_root

    def path(self, where: str | os.PathLike[str] | StoragePath) -> StoragePath:
        """A path a step handed over (an XCom string, say) as a path of this run's storage."""
        if isinstance(where, str):
            return storage.child(self.root, where)
        return storage.location(where)

    @property
    def base_dir(self) -> StoragePath:
        """``<root>/<migration>``: shared by every run of the migration (reports history)."""
        return self.root / self.spec.name

    @property
    def work_dir(self) -> StoragePath:
        """``<work>/<migration>/runs/<run id>``."""
        return self.base_dir / "runs" / _safe(self.run_id)

    @property
    def ddl_path(self) -> StoragePath:
        return self.work_dir / "source_ddl.sql"

    @property
    def convert_dir(self) -> StoragePath:
        return self.work_dir / "convert"

    @property
    def dump_dir(self) -> StoragePath:
        return self.work_dir / "dump"

    def patterns(self) -> list[str] | None:
        """Table patterns of the run (None = every table of the spec)."""
        pats = [p.strip() for p in self.tables.split(",") if p.strip()]
        return None if pats in ([], ["*"]) else pats

    def connect_target(self) -> psycopg.Connection:
        """An autocommit connection to the run's target database."""
        return psycopg.connect(self.target.postgres_conninfo(), autocommit=True)


def _write_json(path: StoragePath, data: Any) -> None:
    storage.ensure_dir(path.parent)
    storage.write_text(path, json.dumps(data, indent=2, default=str))


def _stat(
    step: str, table: str = "*", rows: int = 0, nbytes: int = 0, seconds: float = 0.0, **kw: Any
) -> dict:
    return asdict(StepStat(step=step, table=table, rows=rows, bytes=nbytes, seconds=round(seconds, 3), **kw))


# --- estimate --------------------------------------------------------------------------------------
def estimate_step(ctx: RunContext, task_overhead_s: float = 0.0) -> EstimateResult:
    """Predict dump, load and verify time from the catalog, a sample on both servers and the
    history of earlier runs (``task_overhead_s``: what the scheduler adds around each table's load
    task); never fails the run (a failed estimate is reported as such)."""
    from roachlift.estimate import estimate_migration

    try:
        result = estimate_migration(
            ctx.spec,
            ctx.source,
            ctx.target_server,
            patterns=ctx.patterns(),
            history_dir=ctx.base_dir / "reports",
            verify_passes=2 if ctx.mode is RunMode.CUTOVER else 1,
            task_overhead_s=task_overhead_s,
        )
    except Exception as exc:  # an estimate must never stop a migration
        log.warning("no estimate: %s", exc)
        return {"summary": f"no estimate: {exc}"}
    return cast(EstimateResult, {"summary": f"estimate {result.summary()}", **result.to_json()})


# --- schema ----------------------------------------------------------------------------------------
def extract_step(ctx: RunContext) -> ExtractResult:
    """Extract the source's DDL into the work folder; list its tables, largest first."""
    from roachlift.extract import extract_schema

    started = time.monotonic()
    result = extract_schema(ctx.spec, ctx.source)
    storage.ensure_dir(ctx.work_dir)
    storage.write_text(ctx.ddl_path, result.ddl)
    tables: list[TableListing] = [
        {"name": t.qualified_name, "rows_estimate": t.estimated_rows} for t in result.tables
    ]
    _write_json(ctx.work_dir / "tables.json", tables)
    seconds = time.monotonic() - started
    return {
        "summary": f"extracted DDL of {len(tables)} table(s) from {ctx.source.redacted()} in {seconds:.1f}s",
        "tables": tables,
        "ddl_path": str(ctx.ddl_path),
        "stats": [_stat("extract", seconds=seconds)],
    }


def convert_step(ctx: RunContext) -> ConvertResult:
    """Convert the extracted DDL into phase files + report; fail naming every statement in error."""
    from roachlift.convert import ConvertOptions, convert_ddl, write_output

    started = time.monotonic()
    if not ctx.ddl_path.is_file():
        raise RoachliftError(f"{ctx.ddl_path}: no extracted DDL; run the extract step first")
    result = convert_ddl(
        ctx.ddl_path.read_text(encoding="utf-8"),
        ctx.spec.source.kind,
        ctx.spec.target.dialect,
        ConvertOptions.from_spec(
            ctx.spec.convert,
            # objects land in the spec's target schema, the one every later step addresses
            target_schema=ctx.spec.target.schema_ if ctx.spec.target.schema_ != "public" else None,
            naming=ctx.spec.naming,
            target_version=ctx.spec.target.version,
        ),
    )
    write_output(result, ctx.convert_dir)
    items: list[ReviewItem] = [
        {
            "severity": r.severity,
            "object": getattr(r, "object", ""),
            "message": r.message,
            "code": getattr(r, "code", ""),
            "line": getattr(r, "line", None),
        }
        for r in result.review
    ]
    manual: list[ReviewItem] = [
        {
            "severity": "manual",
            "code": "manual",
            "object": f"{m.kind} {m.name}",
            "message": m.note,
            "line": m.line,
        }
        for m in result.manual_review
    ]
    errors = [i for i in items if i["severity"] == "error"]
    seconds = time.monotonic() - started
    summary = (
        f"converted {len(result.tables)} table(s), names {schema_mapping(ctx)}: {len(items)} review item(s), "
        f"{len(errors)} error(s); phase files and report in {ctx.convert_dir}"
    )
    if errors:
        raise RoachliftError(
            summary
            + "\n"
            + "\n".join(
                f"  {e['object']}" + (f" (DDL line {e['line']})" if e["line"] else "") + f": {e['message']}"
                for e in errors[:20]
            )
        )
    return {
        "summary": summary,
        "review_items": items,
        "manual_items": manual,
        "convert_dir": str(ctx.convert_dir),
        "stats": [_stat("convert", seconds=seconds)],
    }


def schema_mapping(ctx: RunContext) -> str:
    """The source → target schema mapping, stated once (``sakila → public (naming: lower)``)."""
    schemas = list(ctx.spec.source.schemas)
    if not schemas:  # what extract reads without source.schemas (public, MySQL's database, Oracle's login)
        schemas = [adapter_for(ctx.spec.source.kind).default_schema(ctx.source)]
    return Naming.from_spec(ctx.spec).schema_mapping(schemas)


def ensure_database(ctx: RunContext) -> bool:
    """Create the run's target database when missing; True when it was created."""
    from roachlift.target import statements as st

    with psycopg.connect(ctx.target_server.postgres_conninfo(), autocommit=True) as conn:
        exists = conn.execute(st.DATABASE_EXISTS, (ctx.target_database,)).fetchone()
        if exists:
            return False
        conn.execute(st.create_database(ctx.target_database))
    log.info("created target database %s", ctx.target_database)
    return True


#: The phase groups the DAG applies, each by one step of :mod:`roachlift.load.pipeline`.
PHASE_GROUPS = (["01_types", "02_tables"], ["03_indexes"], ["05_views", "sequences"], ["05_views"])


def apply_phases_step(ctx: RunContext, phases: list[str]) -> PhasesResult:
    """Apply converter phases to the target: ``01_types`` + ``02_tables`` (creating the database;
    a rerun's foreign keys dropped first, see :func:`roachlift.load.pipeline.create_tables`),
    ``03_indexes``, or ``05_views`` (+ ``sequences``: every sequence set past the max of its column)."""
    from roachlift.load import pipeline as load_steps

    if phases not in PHASE_GROUPS:
        raise RoachliftError(f"phases {phases} are not one of the DAG's groups {list(PHASE_GROUPS)}")
    started = time.monotonic()
    done: dict[str, int] = {}
    created = ensure_database(ctx) if "01_types" in phases else False
    schema = ctx.spec.target.schema_
    with ctx.connect_target() as conn:
        if "02_tables" in phases:
            applied, dropped = load_steps.create_tables(
                conn, ctx.convert_dir, schema, _target_tables(ctx), new_database=created
            )
            done.update(applied)
            if not created:
                _write_json(ctx.work_dir / "dropped_foreign_keys.json", [asdict(fk) for fk in dropped])
        elif "03_indexes" in phases:
            done.update(load_steps.add_indexes(conn, ctx.convert_dir))
        else:
            views, sequences = load_steps.add_views_and_sequences(
                conn, ctx.convert_dir, schema, sequences="sequences" in phases
            )
            done.update(views)
            if "sequences" in phases:
                done["sequences"] = len(sequences)
    seconds = time.monotonic() - started
    what = ", ".join(f"{k} {v}" for k, v in done.items())
    return {
        "summary": f"applied {what} statement(s) to {ctx.target_database} in {seconds:.1f}s",
        "statements": done,
        "stats": [_stat("ddl:" + "+".join(phases), seconds=seconds)],
    }


def _target_tables(ctx: RunContext) -> list[str]:
    """``schema.table`` names the run loads, from the extracted table list."""
    from roachlift.dump import target_table_name

    path = ctx.work_dir / "tables.json"
    if not path.is_file():
        return []
    return [target_table_name(ctx.spec, t["name"]) for t in json.loads(path.read_text(encoding="utf-8"))]


# --- data --------------------------------------------------------------------------------------------
_POSITION_KEYS = {"slot", "lsn", "binlog_file", "binlog_pos", "gtid", "scn"}


def dump_step(ctx: RunContext) -> DumpResult:
    """Dump every selected table under one snapshot (:func:`dump_source`); manifests largest first
    (for mapped loads)."""
    from roachlift.dump.manifest import table_dir_name

    result = dump_source(
        ctx.spec,
        ctx.source,
        ctx.dump_dir,
        ctx.patterns(),
        ledger=ctx.base_dir,
        run_id=ctx.run_id,
        mode=ctx.mode,
    )
    tables = sorted(result.tables, key=lambda m: (m.bytes, m.rows), reverse=True)
    manifests = [str(ctx.dump_dir / table_dir_name(m.table) / "manifest.json") for m in tables]
    # one mapped load task per table, labelled "source → target" (the DAG's map_index_template)
    loads: list[TableToLoad] = [
        {"manifest": path, "table_label": Naming.pair(m.table, m.target_table)}
        for path, m in zip(manifests, tables, strict=True)
    ]
    mb = sum(m.bytes for m in tables) / 1e6
    rate = result.rows / result.elapsed_s if result.elapsed_s else 0.0
    rejected = sum(m.rejected for m in tables)
    changed = sum(sum(m.changed.values()) for m in tables)
    return {
        "summary": (
            f"dumped {len(tables)} table(s), {result.rows:,} rows, {mb:.1f} MB in {result.elapsed_s:.1f}s "
            f"({rate:,.0f} rows/s); snapshot "
            + " ".join(f"{k} {v}" for k, v in result.snapshot.items() if k in _POSITION_KEYS)
            + (
                f"; {rejected} row(s) rejected (values the target cannot hold, see rejects.csv)"
                if rejected
                else ""
            )
            + (f"; {changed} value(s) changed by the spec's values rules" if changed else "")
        ),
        "manifests": manifests,
        "loads": loads,
        "snapshot": result.snapshot,
        "rejected": rejected,
        "changed": changed,
        "elapsed_s": result.elapsed_s,
        "stats": [
            _stat(
                "dump",
                Naming.pair(m.table, m.target_table),
                m.rows,
                m.bytes,
                m.elapsed_s,
                rejected=m.rejected,
                changed=sum(m.changed.values()),
                detail=", ".join(f"{n} {what}" for what, n in m.changed.items()),
            )
            for m in tables
        ],
    }


def dump_source(
    spec: MigrationSpec,
    source: ConnInfo,
    out_dir: StoragePath,
    patterns: list[str] | None,
    *,
    ledger: StoragePath,
    run_id: str,
    mode: RunMode,
) -> SourceDump:
    """The dump as the DAG's dump task and ``roachlift dump`` both run it. With CDC on: first what
    the change stream needs in place before the snapshot (Oracle's capture triggers, see
    cdc.oracle_setup), then the replication slot checked against the slot ledger in ``ledger``
    (refused when another run owns it) and recorded there as ``run_id``'s before it exists (a
    retry after a crash finds it is its own); then every table under one snapshot, its position
    in ``<out_dir>/snapshot.json``."""
    from roachlift.dump import dump_database

    if spec.cdc.enabled:
        prepared = adapter_for(spec.source.kind).prepare_change_capture(spec, source)
        if prepared:
            log.info("%s", prepared)
    slot = _check_slot(spec, source, ledger, run_id)
    if slot:
        runstate.register_slot(ledger, slot, run_id, mode)
    return dump_database(spec, source, out_dir, patterns)


def _check_slot(spec: MigrationSpec, source: ConnInfo, ledger: StoragePath, run_id: str) -> str | None:
    """The replication slot the dump will create (PostgreSQL with CDC on); refuses when a slot of
    that name exists and belongs to another run."""
    adapter = adapter_for(spec.source.kind)
    if not adapter.supports(Capability.REPLICATION_SLOT) or not spec.cdc.enabled:
        return None
    slot = adapter.replication_slot(spec)
    with psycopg.connect(source.postgres_conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone()
    runstate.check_slot_free(ledger, slot, exists is not None, run_id)
    return slot


def _create_sql(ctx: RunContext, table: str) -> str | None:
    from roachlift.load.pipeline import create_sql_for

    return create_sql_for(ctx.convert_dir, table, ctx.table_handling)


def copy_table_step(ctx: RunContext, manifest: str | StoragePath, resume: bool = False) -> LoadTableResult:
    """COPY one dumped table into the target and check its row count against the manifest;
    ``resume`` continues from this dump's last committed batch (Airflow retries)."""
    from roachlift.load.loader import load_table
    from roachlift.load.manifest import Manifest

    manifest = ctx.path(manifest)
    m = Manifest.read(manifest)
    with ctx.connect_target() as conn:
        res = load_table(
            conn,
            manifest,
            LoadMethod.COPY,
            ctx.table_handling,
            ctx.spec.load.copy_batch_rows,
            ctx.spec.target.dialect,
            create_sql=_create_sql(ctx, m.target_table),
            resume=resume,
        )
    sent = res.rows - res.resumed_rows  # a resumed try: the rate is of the rows this try sent
    rate = sent / res.seconds if res.seconds else 0.0
    label = Naming.pair(m.table, m.target_table)
    done, total = tables_loaded(ctx, m.target_table)
    resumed = f", continued after {res.resumed_rows:,} rows committed earlier" if res.resumed_rows else ""
    return {
        "summary": (
            f"{done} of {total} tables loaded; {res.rows:,} rows, {res.bytes / 1e6:.1f} MB "
            f"in {res.seconds:.1f}s ({rate:,.0f} rows/s{resumed}) - {label}"
        ),
        "loaded": [done, total],
        "table": m.target_table,
        "stats": [
            _stat(
                "load",
                label,
                res.rows,
                res.bytes,
                res.seconds,
                resumed_rows=res.resumed_rows,
                detail=resumed.removeprefix(", "),
            )
        ],
    }


def tables_loaded(ctx: RunContext, table: str) -> tuple[int, int]:
    """Mark ``table`` loaded in this run; return (tables loaded so far, tables dumped) for the
    "N of M tables loaded" line (mapped load tasks run apart, so the marks are files)."""
    marks = ctx.work_dir / "loaded"
    storage.ensure_dir(marks)
    storage.write_text(marks / _safe(table), "")
    total = len(storage.files(ctx.dump_dir, "*/manifest.json"))
    done = len(storage.files(marks, "*"))
    return done, max(total, done)


def start_import_step(
    ctx: RunContext, manifest: str | StoragePath, known_job_id: int | None = None, resume: bool = False
) -> LoadTableResult:
    """Prepare the table (or, resuming, find where this dump's import stands) and start (or follow)
    the IMPORT job of the next group of files. ``known_job_id`` is accepted for older callers; the
    progress table on the target is what a retry reads."""
    from roachlift.load.loader import import_plan
    from roachlift.load.manifest import Manifest

    ctx.target_kind.require_import_into()
    m = Manifest.read(ctx.path(manifest))
    with ctx.connect_target() as conn:
        groups, step = import_plan(
            conn,
            m,
            ctx.table_handling,
            ctx.spec.load.import_group_files,
            create_sql=_create_sql(ctx, m.target_table),
            resume=resume or known_job_id is not None,
        )
        return _import_next(ctx, conn, m, groups, step)


def _import_next(
    ctx: RunContext, conn: psycopg.Connection, m: Any, groups: list[list[int]], step: Any
) -> LoadTableResult:
    """Start or follow the job of ``step``'s group; ``done`` when every group is imported."""
    from roachlift.load import importgroups
    from roachlift.load.loader import stage_files

    base: LoadTableResult = {
        "summary": "",
        "table": m.target_table,
        "group": step.group,
        "groups": len(groups),
    }
    if step.action == importgroups.DONE:
        return {**base, "summary": f"{m.target_table}: every file group imported", "done": True}
    if step.action == importgroups.FOLLOW and step.job_id is not None:
        return {
            **base,
            "summary": (
                f"{m.target_table}: following IMPORT job {step.job_id} (group {step.group} of {len(groups)})"
            ),
            "job_id": step.job_id,
        }
    from roachlift.load.storage_urls import ClusterAccess

    access = ClusterAccess.from_spec(ctx.spec.load)
    urls, _ = stage_files(conn, m, ctx.spec.load.storage, _safe(ctx.run_id), groups[step.group - 1], access)
    job_id = importgroups.start_group(conn, m, groups, step.group, urls)
    rows = importgroups.group_rows(m, groups[step.group - 1])
    return {
        **base,
        "summary": (
            f"{m.target_table}: IMPORT job {job_id} started, group {step.group} of {len(groups)}: "
            f"{rows} rows in {len(urls)} file(s)"
        ),
        "job_id": job_id,
    }


def finish_import_step(
    ctx: RunContext, manifest: str | StoragePath, job: Mapping[str, Any]
) -> LoadTableResult:
    """A group's job succeeded: record it, then start the next group's job (``job_id`` in the
    result) or, after the last, check the row count against the manifest and clean up userfile."""
    from roachlift.load import importgroups, userfile
    from roachlift.load.loader import finish_import
    from roachlift.load.manifest import Manifest

    m = Manifest.read(ctx.path(manifest))
    groups = importgroups.plan_groups(m, ctx.spec.load.import_group_files)
    with ctx.connect_target() as conn:
        job_id = job.get("job_id")
        group = job.get("group")
        if job_id is not None and group is not None:
            importgroups.mark_done(conn, m, groups, int(group), int(job_id))
        step = importgroups.next_step(conn, m, groups, importgroups.job_lookup(conn))
        if step.action != importgroups.DONE:
            return _import_next(ctx, conn, m, groups, step)
        uploaded: list[str] = []
        if ctx.spec.load.storage == "userfile":  # host-less URIs: delete_files resolves them first
            folder = m.path.parent.name
            uploaded = [userfile.run_path(_safe(ctx.run_id), folder, f.path.name) for f in m.files]
        rows = finish_import(conn, m, uploaded, ctx.spec.load.keep_uploaded_files)
    done, total = tables_loaded(ctx, m.target_table)
    return {
        "summary": (
            f"{done} of {total} tables loaded; {rows:,} rows, {len(groups)} IMPORT job(s) succeeded "
            f"- {Naming.pair(m.table, m.target_table)}"
        ),
        "loaded": [done, total],
        "table": m.target_table,
        "done": True,
        "stats": [
            _stat(
                "load",
                Naming.pair(m.table, m.target_table),
                rows,
                m.bytes,
                0.0,
                detail=f"{len(groups)} job(s)",
            )
        ],
    }


def validate_constraints_step(ctx: RunContext) -> ConstraintsResult:
    """Add foreign keys NOT VALID (phase 04, plus any dropped for a rerun), then validate every one."""
    from roachlift.load.constraints import ForeignKey
    from roachlift.load.pipeline import add_foreign_keys

    started = time.monotonic()
    dropped_path = ctx.work_dir / "dropped_foreign_keys.json"
    dropped = (
        [ForeignKey(**fk) for fk in json.loads(dropped_path.read_text(encoding="utf-8"))]
        if dropped_path.is_file()
        else []
    )
    with ctx.connect_target() as conn:
        done = add_foreign_keys(conn, ctx.convert_dir, ctx.spec.target.schema_, dropped)
    seconds = time.monotonic() - started
    return {
        "summary": (
            f"{done.added} foreign key(s) added NOT VALID, {done.restored} restored, "
            f"{len(done.validations)} validated in {seconds:.1f}s"
        ),
        "validated": [r.constraint for r in done.validations],
        "stats": [_stat("validate_constraints", seconds=seconds)],
    }


# --- CDC, verify, cutover ----------------------------------------------------------------------------
def _snapshot_position(ctx: RunContext) -> dict[str, Any]:
    path = ctx.dump_dir / "snapshot.json"
    if not path.is_file():
        raise RoachliftError(f"{storage.describe(path)}: no snapshot position; run the dump step first")
    data: dict[str, Any] = json.loads(storage.read_text(path))
    return data


def change_source(ctx: RunContext) -> ChangeSource:
    """The change stream of the run's source, starting where the dump's snapshot ended."""
    return change_source_at(ctx.spec, ctx.source, lambda: _snapshot_position(ctx))


def change_source_at(spec: MigrationSpec, source: ConnInfo, position: PositionReader) -> ChangeSource:
    """The change stream of ``spec``'s source from ``position`` (reads the dump's ``snapshot.json``;
    a source whose stream needs no position never calls it), with the spec's ``values`` rules: the
    DAG and ``roachlift cdc`` both start it here, through the source's adapter."""
    return adapter_for(spec.source.kind).change_source(spec, source, position)


def release_change_stream(ctx: RunContext) -> str:
    """Free what the change stream holds on the source (PostgreSQL: drop the run's slot, and only
    when the slot ledger says this run owns it)."""
    path = ctx.dump_dir / "snapshot.json"
    if not path.is_file():
        return "none"
    position = _snapshot_position(ctx)
    slot = position.get("slot")
    if not slot:  # only a PostgreSQL dump with CDC on holds something: its replication slot
        return "nothing held on the source"
    owner = runstate.slot_owner(ctx.base_dir, str(slot))
    if owner is None or owner.get("run_id") != ctx.run_id:
        who = f"run {owner['run_id']}" if owner else "no run recorded"
        return f"replication slot {slot} kept: it belongs to {who}, not this run"
    with psycopg.connect(ctx.source.postgres_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
            (slot,),
        ).fetchone()
    runstate.forget_slot(ctx.base_dir, str(slot))
    return f"replication slot {slot} dropped" if row else f"replication slot {slot} was already gone"


def apply_changes(
    spec: MigrationSpec,
    stream: ChangeSource,
    target: ConnInfo,
    *,
    migration: str,
    max_seconds: float | None,
    until_caught_up: bool = True,
    batch_changes: int | None = None,
    track_keys: bool = False,
) -> ApplyStats:
    """Apply ``stream`` to the target database ``target`` as the spec says (dialect, schema, names,
    batch size, lag threshold), checkpointed under ``migration``; the DAG's CDC tasks and
    ``roachlift cdc`` both run it."""
    from roachlift.cdc.apply import run_applier

    return run_applier(
        stream,
        target.postgres_conninfo(),
        migration=migration,
        until_caught_up=until_caught_up,
        max_seconds=max_seconds,
        batch_changes=batch_changes or spec.cdc.batch_changes,
        dialect=spec.target.dialect,
        target_schema=spec.target.schema_,
        lag_threshold_seconds=spec.cdc.lag_threshold_seconds,
        naming=Naming.from_spec(spec),
        track_keys=track_keys,
    )


def cdc_step(
    ctx: RunContext, max_seconds: float = 60.0, drain: bool = False, lag_phase: str | None = None
) -> CdcResult:
    """Apply source changes for up to ``max_seconds``; ``caught_up`` once lag stayed under the
    spec's threshold for ``caught_up_for_seconds`` (``drain``: once nothing is left to apply).
    Each call adds a lag sample to the run's chart (``lag_phase`` names the pass)."""
    if ctx.skip_cdc:
        return {"summary": "CDC skipped (spec or run Params)", "caught_up": True, "lag_samples": []}
    stats = apply_changes(
        ctx.spec,
        change_source(ctx),
        ctx.target,
        migration=f"{ctx.spec.name}:{ctx.mode}",
        max_seconds=max_seconds,
        track_keys=ctx.mode is RunMode.CUTOVER,
    )
    from roachlift.runreport import append_lag_sample

    append_lag_sample(
        ctx.work_dir, stats.lag_seconds or 0.0, lag_phase or ("cdc_drain" if drain else "cdc_catch_up")
    )
    from roachlift.cutover_steps import record_cdc

    record_cdc(ctx, stats)
    if drain:
        caught_up = bool(stats.caught_up)
    else:
        caught_up = (
            bool(stats.caught_up) and stats.caught_up_for_seconds >= ctx.spec.cdc.caught_up_for_seconds
        )
    return {
        "summary": stats.summary(),
        "caught_up": caught_up,
        "lag_seconds": stats.lag_seconds,
        "position": stats.position,
        "lag_samples": [[time.time(), stats.lag_seconds or 0.0]],
        "stats": [_stat("cdc", rows=stats.changes, seconds=stats.elapsed_s)],
    }


def _last_rehearsal(ctx: RunContext) -> str:
    from roachlift.runreport import HISTORY_FILE

    path = ctx.base_dir / "reports" / HISTORY_FILE
    if not path.is_file():
        return "none recorded"
    runs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    runs = [r for r in runs if r.get("mode") == RunMode.REHEARSAL]
    if not runs:
        return "none recorded"
    last = runs[-1]
    return f"{last['run_id']}: {last['outcome']} in {last['total_seconds']:.0f}s ({last.get('rows', 0)} rows)"


class _BackgroundApplier:
    """Keeps applying source changes while a verify runs, so its re-check of rows that changed
    meanwhile compares against an up-to-date target (live re-verification)."""

    def __init__(self, ctx: RunContext) -> None:
        import threading

        self.ctx = ctx
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="verify-cdc", daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                cdc_step(self.ctx, max_seconds=2.0, lag_phase="verify")
            except BaseException as exc:  # surfaced by __exit__
                self.error = exc
                return
            self.stop.wait(0.5)

    def __enter__(self) -> _BackgroundApplier:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(60)
        if self.error is not None:
            raise RoachliftError(f"the change stream failed during verify: {self.error}") from self.error


def verify_step(ctx: RunContext, live: bool = True) -> VerifyResult:
    """Compare every loaded table row by row; fail naming each difference.

    With ``live`` (and CDC on), the change stream keeps being applied while the comparison runs,
    and rows that differ are re-checked after twice the lag threshold before being reported.
    """
    from roachlift.verify.spec_run import default_recheck_delay, select_tables, verify_spec_tables

    tables = select_tables(ctx.spec, ctx.tables, source=ctx.source)
    live = live and not ctx.skip_cdc
    if live:  # what the change stream writes from now on is what the cutover re-checks
        from roachlift.cutover_steps import reset_touched

        reset_touched(ctx)
    if live:
        with _BackgroundApplier(ctx):
            result = verify_spec_tables(
                ctx.spec,
                ctx.source,
                ctx.target,
                tables,
                dump_dir=ctx.dump_dir,
                recheck_delay_s=default_recheck_delay(ctx.spec),
            )
    else:
        result = verify_spec_tables(ctx.spec, ctx.source, ctx.target, tables, dump_dir=ctx.dump_dir)
    data = json.loads(result.to_json())
    bad = [t for t in data["tables"] if not t.get("ok")]
    resolved = sum(int(t.get("resolved_on_recheck") or 0) for t in data["tables"])
    summary = f"verified {len(tables)} table(s): {len(tables) - len(bad)} equal, {len(bad)} different" + (
        f"; {resolved} row(s) differed for a moment and matched on re-check" if resolved else ""
    )
    if bad:
        details = []
        for t in bad:
            details.append(
                f"  {t.get('table')}: missing {t.get('missing')} (e.g. {t.get('missing_sample', [])[:3]}), "
                f"extra {t.get('extra')} (e.g. {t.get('extra_sample', [])[:3]}), "
                f"mismatched {t.get('mismatched')} in columns {t.get('mismatched_columns') or {}} "
                f"(e.g. {t.get('mismatched_sample', [])[:3]}), "
                f"rejected by the dump {t.get('rejected', 0)} (e.g. {t.get('rejected_sample', [])[:3]}) "
                f"{t.get('error') or ''}".rstrip()
            )
        raise RoachliftError(summary + "\n" + "\n".join(details))
    return {
        "summary": summary,
        "tables": data["tables"],
        "last_rehearsal": _last_rehearsal(ctx),
        "stats": [
            _stat(
                "verify",
                Naming.pair(str(t.get("table")), str(t.get("target_table"))),
                int(t.get("rows_source") or 0),
                0,
                float(t.get("elapsed_s") or 0),
            )
            for t in data["tables"]
        ],
    }


def changefeed_step(ctx: RunContext, brokers: str | None = None) -> StepResult:
    """``CREATE CHANGEFEED`` into Kafka (CockroachDB targets with ``cutover.changefeed`` only)."""
    feed = ctx.spec.cutover.changefeed
    if feed is None:
        return {"summary": "no changefeed asked for"}
    if not ctx.target_kind.changefeeds:
        return {"summary": "changefeed skipped: the target is not CockroachDB"}
    from roachlift.config.connections import resolve_kafka_brokers
    from roachlift.target import statements as st

    tables = _target_tables(ctx)
    broker_list = brokers or resolve_kafka_brokers(feed.kafka_conn_id)
    with ctx.connect_target() as conn:
        enabled = ensure_rangefeeds(conn)
        cursor = changefeed_cursor(conn)
        stmt = st.create_changefeed(
            tables,
            broker_list,
            avro_registry=feed.schema_registry_url if feed.format == "avro" else None,
            topic_prefix=feed.topic_prefix,
            cursor=cursor,
        )
        row = conn.execute(stmt).fetchone()
    return {
        "summary": (
            f"changefeed job {row[0] if row else '?'} streams {len(tables)} table(s) to Kafka from cursor "
            f"{cursor} (changes after the cutover only{'; kv.rangefeed.enabled set' if enabled else ''})"
        )
    }


def ensure_rangefeeds(conn: psycopg.Connection) -> bool:
    """Make sure ``kv.rangefeed.enabled`` is on (off by default on self-hosted clusters); True when
    this call turned it on. Raises a clear error when it is off and cannot be set."""
    from roachlift.target import statements as st

    row = conn.execute(st.SHOW_RANGEFEED).fetchone()
    if row is not None and str(row[0]).lower() in ("true", "t", "on", "1"):
        return False
    try:
        conn.execute(st.ENABLE_RANGEFEED)
    except psycopg.Error as exc:
        raise RoachliftError(
            "kv.rangefeed.enabled is off and could not be set (changefeeds need it): run "
            f"'{st.ENABLE_RANGEFEED}' as an admin ({st.DOC_CLUSTER_SETTINGS}): {exc}"
        ) from exc
    log.info("kv.rangefeed.enabled was off: set to true for the changefeed")
    return True


def changefeed_cursor(conn: psycopg.Connection) -> str:
    """The cluster's time now, as the changefeed ``cursor``: the data are already migrated, so the
    feed emits only what changes from here on instead of replaying every row first."""
    from roachlift.target import statements as st

    row = conn.execute(st.CLUSTER_TIMESTAMP).fetchone()
    if row is None:
        raise RoachliftError("cluster_logical_timestamp() returned no row")
    return str(row[0])


def changefeed_topics(ctx: RunContext) -> list[str]:
    """Kafka topics the changefeed writes: ``<topic_prefix><table>`` (CockroachDB's default naming)."""
    feed = ctx.spec.cutover.changefeed
    prefix = feed.topic_prefix if feed else ""
    return [prefix + table.rsplit(".", 1)[-1] for table in _target_tables(ctx)]


def cutover_done_step(ctx: RunContext) -> CutoverDoneResult:
    """End the read-only window, release the change stream, say what to point the application at."""
    from roachlift.cutover_steps import done_step

    window = done_step(ctx)["read_only_seconds"]
    released = release_change_stream(ctx)
    took = f"read-only for {window:.1f}s; " if window is not None else ""
    return {
        "summary": (
            f"cut over: point the application at {ctx.target.redacted()} ({took}CDC released: {released})"
        ),
        "target": ctx.target.redacted(),
        "finished_at": time.time(),
        "read_only_seconds": window,
    }


def cleanup_rehearsals_step(ctx: RunContext) -> CleanupResult:
    """Release the rehearsal's change stream; drop rehearsal databases beyond the last N."""
    from roachlift.target import statements as st

    released = release_change_stream(ctx)
    base = ctx.spec.target.database.rsplit("_rehearsal_", 1)[0]
    with psycopg.connect(ctx.target_server.postgres_conninfo(), autocommit=True) as conn:
        names = [r[0] for r in conn.execute(st.REHEARSAL_DATABASES, (f"{base}_rehearsal_%",)).fetchall()]
        names.sort(reverse=True)
        drop = names[ctx.spec.rehearsal.keep_last :]
        for name in drop:
            conn.execute(ctx.target_kind.drop_database(name))
    return {
        "summary": f"kept {min(len(names), ctx.spec.rehearsal.keep_last)} rehearsal database(s), dropped "
        f"{len(drop)} ({', '.join(drop) or 'none'}); change stream released: {released}",
        "dropped": drop,
    }


# --- report ------------------------------------------------------------------------------------------
@dataclass
class _Outcome:
    text: str
    notes: list[str] = field(default_factory=list)


def _outcome(ctx: RunContext, results: RunResults) -> _Outcome:
    from roachlift.cutover_steps import PREFLIGHT_FILE, cutover_state

    if results.cutover_done:
        return _Outcome("cut over", [results.cutover_done["summary"]])
    refused = (ctx.work_dir / PREFLIGHT_FILE).is_file() and json.loads(
        (ctx.work_dir / PREFLIGHT_FILE).read_text(encoding="utf-8")
    ).get("refused")
    if refused:
        return _Outcome("not cut over: a cutover already happened", [str(refused)])
    state = cutover_state(ctx)
    if results.cutover_rejected or state.get("rejected"):
        who = state.get("answered_by", "?")
        rejected = results.cutover_rejected
        note = rejected["summary"] if rejected else "the source was left untouched"
        return _Outcome(f"not cut over: approval rejected by {who}", [note])
    if str(state.get("answer", "")).startswith("no answer"):
        return _Outcome(
            "not cut over: the approval was not answered in time", ["the source was never frozen"]
        )
    rollback = results.rollback
    failed = next((s for s in AFTER_FREEZE if results.of(s) is None), "cutover_done")
    if rollback and rollback.get("rolled_back"):
        return _Outcome(
            "rolled back, source writable",
            [f"{failed} failed after the freeze; see its log", rollback["summary"]],
        )
    if ctx.mode is RunMode.REHEARSAL and results.cleanup_rehearsals:
        return _Outcome("rehearsal ok", [results.cleanup_rehearsals["summary"]])
    for step in SINGLE_STEPS:
        if step in OPTIONAL_STEPS or step == "estimate":
            continue
        if results.of(step) is None:
            return _Outcome(f"failed before {step} finished", [f"see the log of task {step}"])
    return _Outcome("not cut over", [])


def report_step(ctx: RunContext, results: RunResults, started_at: float | None = None) -> ReportResult:
    """Write the run report from the steps' results; return its paths and the run's outcome."""
    from roachlift.runreport import PHASE_OF_STEP_RESULT, read_lag_samples

    report = RunReport(migration=ctx.spec.name, run_id=ctx.run_id, mode=ctx.mode, names=schema_mapping(ctx))
    if started_at is not None:
        report.started_at = started_at
    outcome = _outcome(ctx, results)
    report.outcome = outcome.text
    report.notes.extend(outcome.notes)
    if outcome.text not in {"cut over", "rehearsal ok"} and ctx.mode is RunMode.REHEARSAL:
        # The rehearsal is over: nothing will read its change stream any more.
        try:
            report.notes.append(f"change stream: {release_change_stream(ctx)}")
        except Exception as exc:  # the report must still be written
            report.notes.append(f"change stream not released ({exc}): drop the slot by hand")
    elif outcome.text != "cut over" and not outcome.text.startswith("not cut over"):
        # A cutover run that failed keeps its slot: clearing the failed task resumes the run
        report.notes.append(
            "replication slot kept for a retry of this run; `roachlift status --spec SPEC` shows the WAL it "
            "holds, `roachlift release-slot --spec SPEC` frees it"
        )
    items: list[tuple[str, Mapping[str, Any]]] = []
    for step in STEPS:  # in the order of the chain, the loads right after the dump
        if step == "load_table":
            items += [(step, v) for v in results.load_table]
        elif (value := results.of(step)) is not None:
            items.append((step, value))
    windows: dict[str, list[float]] = {}
    for step, summary in items:
        phase = PHASE_OF_STEP_RESULT.get(step, "")
        for raw in summary.get("stats", []) or []:
            report.steps.append(StepStat(**{**raw, "phase": phase}))
        for key in ("started_at", "finished_at"):
            if isinstance(summary.get(key), int | float):
                windows.setdefault(phase, []).append(float(summary[key]))
    report.phase_seconds = {p: round(max(w) - min(w), 3) for p, w in windows.items() if len(w) > 1}
    if results.dump is not None and results.dump.get("elapsed_s") is not None:
        report.phase_seconds["dump"] = float(results.dump["elapsed_s"])
    report.lag_samples = read_lag_samples(ctx.work_dir)
    if not report.lag_samples:  # a run from before lag samples were kept in the work folder
        for _, summary in items:
            for sample in summary.get("lag_samples", []) or []:
                report.lag_samples.append((float(sample[0]), float(sample[1]), "cdc_catch_up"))
    report.lag_threshold_seconds = None if ctx.skip_cdc else float(ctx.spec.cdc.lag_threshold_seconds)
    report.dump_compression = ctx.spec.dump.compression
    convert = results.convert_ddl
    if convert is not None:
        report.review_items = [dict(i) for i in (*convert["review_items"], *convert["manual_items"])]
    report.verify_passes = {
        step: list(value["tables"])
        for step, value in (("verify", results.verify), ("verify_final", results.verify_final))
        if value is not None and value.get("tables") is not None
    }
    last_verify = results.verify_final or results.verify
    report.verify = list(last_verify["tables"]) if last_verify else []
    estimate = results.estimate
    report.estimate = dict(estimate) if estimate is not None and estimate.get("phases") else None
    frozen = results.freeze_source.get("frozen_at") if results.freeze_source else None
    if frozen:
        done = (results.cutover_done["finished_at"] if results.cutover_done else None) or time.time()
        report.read_only_seconds = round(float(done) - float(frozen), 3)
    if ctx.mode is RunMode.CUTOVER:
        from roachlift.cutover_steps import report_sections

        report.cutover, report.cdc = report_sections(ctx)
        if report.cutover.get("read_only_seconds") is not None:
            report.read_only_seconds = float(report.cutover["read_only_seconds"])
    json_path, html_path = write_report(report, ctx.work_dir, ctx.base_dir / "reports")
    return {"outcome": outcome.text, "json": str(json_path), "html": str(html_path), "notes": report.notes}
