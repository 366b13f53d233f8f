"""``roachlift load`` sub-commands: the whole load step, one phase file, FK validation, a job wait."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from roachlift.config.spec import LoadMethod, TableHandling, TargetDialect
from roachlift.errors import RoachliftError

if TYPE_CHECKING:
    from roachlift.load.storage_urls import ClusterAccess
    from roachlift.storage import StoragePath

TARGET_URL_ENV = "ROACHLIFT_TARGET_URL"


def _target_dsn(args: argparse.Namespace) -> str:
    """``--target-url``, else the spec's target connection, else ``$ROACHLIFT_TARGET_URL``."""
    if args.target_url:
        return str(args.target_url)
    if getattr(args, "spec", None):
        from roachlift.config.connections import resolve_connection
        from roachlift.config.spec import load_spec

        spec = load_spec(args.spec)
        return resolve_connection(spec.target.conn_id).with_database(spec.target.database).postgres_conninfo()
    env = os.environ.get(TARGET_URL_ENV)
    if env:
        return env
    raise RoachliftError(f"no target: pass --target-url, --spec, or set {TARGET_URL_ENV}")


def _connect(args: argparse.Namespace) -> psycopg.Connection:
    try:
        return psycopg.connect(_target_dsn(args), autocommit=True)
    except psycopg.Error as exc:
        raise RoachliftError(f"cannot connect to the target: {exc}") from exc


@dataclass(frozen=True)
class LoadOptions:
    """``roachlift load``'s options; the defaults are those used when neither the command line
    nor a spec sets one."""

    method: LoadMethod = LoadMethod.IMPORT
    table_handling: TableHandling = TableHandling.FAIL_IF_NOT_EMPTY
    batch_rows: int = 100_000
    dialect: TargetDialect = TargetDialect.COCKROACHDB
    schema: str = "public"
    storage: str = "userfile"
    keep_uploaded_files: bool = False
    group_files: int = 8


#: each option's command-line text as its spec enum (argparse gives the choice's value)
_ENUM_OPTIONS = {"method": LoadMethod, "table_handling": TableHandling, "dialect": TargetDialect}


def load_options(args: argparse.Namespace) -> LoadOptions:
    """The load options: each from the command line when given, else from ``--spec`` (load.method,
    load.table_handling, load.copy_batch_rows, load.storage, load.keep_uploaded_files,
    load.import_group_files, target.dialect, target.schema), else the default."""
    opts = LoadOptions()
    if getattr(args, "spec", None):
        from roachlift.config.spec import load_spec

        spec = load_spec(args.spec)
        opts = LoadOptions(
            method=spec.load.method,
            table_handling=spec.load.table_handling,
            batch_rows=spec.load.copy_batch_rows,
            dialect=spec.target.dialect,
            schema=spec.target.schema_,
            storage=spec.load.storage,
            keep_uploaded_files=spec.load.keep_uploaded_files,
            group_files=spec.load.import_group_files,
        )
    given: dict[str, Any] = {f.name: getattr(args, f.name, None) for f in fields(LoadOptions)}
    given = {k: _ENUM_OPTIONS.get(k, _same)(v) for k, v in given.items() if v not in (None, False)}
    return replace(opts, **given)


def _same(value: object) -> object:
    return value


def dump_location(args: argparse.Namespace) -> tuple[StoragePath, ClusterAccess | None]:
    """``--dump-dir`` as a storage path (object storage with ``dump.storage_conn_id``'s credentials
    when ``--spec`` names one), checked readable; and how the cluster reads it (the spec's load.*)."""
    from roachlift import storage
    from roachlift.load.storage_urls import ClusterAccess

    conn_id: str | None = None
    access: ClusterAccess | None = None
    if getattr(args, "spec", None):
        from roachlift.config.spec import load_spec

        spec = load_spec(args.spec)
        conn_id, access = spec.dump.storage_conn_id, ClusterAccess.from_spec(spec.load)
    where = storage.resolve(args.dump_dir, conn_id)
    storage.check_access(where)
    return where, access


def _load(args: argparse.Namespace) -> int:
    from roachlift.load.pipeline import run_load

    opts = load_options(args)
    dump_dir, access = dump_location(args)
    print(
        f"load: method {opts.method}, dialect {opts.dialect}, table handling {opts.table_handling}, "
        f"schema {opts.schema}"
    )
    with _connect(args) as conn:
        report = run_load(
            conn,
            dump_dir,
            Path(args.phase_dir),
            method=opts.method,
            table_handling=opts.table_handling,
            batch_rows=opts.batch_rows,
            target_dialect=opts.dialect,
            schema=opts.schema,
            storage=opts.storage,
            run_id=args.run_id,
            keep_uploaded_files=opts.keep_uploaded_files,
            group_files=opts.group_files,
            access=access,
        )
    print(report.summary())
    return 0


def _apply_phase(args: argparse.Namespace) -> int:
    from roachlift.load.phases import apply_phase

    with _connect(args) as conn:
        for path in args.files:
            n = apply_phase(
                conn, Path(path), foreign_keys_not_valid=args.not_valid, if_exists_ok=args.if_exists_ok
            )
            print(f"{path}: {n} statement(s) applied")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from roachlift.load.constraints import validate_constraints

    with _connect(args) as conn:
        results = validate_constraints(conn, args.schema)
    for r in results:
        print(r.describe())
    if not results:
        print(f"schema {args.schema}: no unvalidated foreign key or check constraint")
    return 1 if any(not r.ok for r in results) else 0


def _wait_job(args: argparse.Namespace) -> int:
    from roachlift.load.jobs import wait_for_job

    with _connect(args) as conn:
        state = wait_for_job(conn, args.job_id, poll_seconds=args.poll_seconds, timeout=args.timeout)
    print(state.describe())
    return 0


def _target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target-url", help=f"libpq URI of the target (default: --spec, or ${TARGET_URL_ENV})")
    p.add_argument("--spec", help="migration spec: take the target connection from it")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``load``, ``load-phase``, ``load-validate-fks`` and ``load-wait-job``."""
    p = subparsers.add_parser("load", help="apply phases and load every dumped table into the target")
    _target_args(p)
    p.add_argument(
        "--dump-dir",
        required=True,
        help="folder or object-storage URL (s3://bucket/prefix, with the spec's dump.storage_conn_id) "
        "with <table>/manifest.json",
    )
    p.add_argument("--phase-dir", required=True, help="folder with 01_types.sql .. 05_views.sql")
    p.add_argument(
        "--method",
        choices=[m.value for m in LoadMethod],
        default=None,
        help="default: the spec's, else import",
    )
    p.add_argument(
        "--table-handling",
        choices=[h.value for h in TableHandling],
        default=None,
        help="default: the spec's, else fail-if-not-empty",
    )
    p.add_argument("--batch-rows", type=int, default=None, help="rows per COPY transaction (default 100000)")
    p.add_argument(
        "--dialect",
        choices=[d.value for d in TargetDialect],
        default=None,
        help="default: the spec's, else cockroachdb",
    )
    p.add_argument("--schema", default=None, help="target schema (default: the spec's, else public)")
    p.add_argument(
        "--storage",
        default=None,
        help="IMPORT reads from: userfile (default), 'dump' (where --dump-dir is, on object storage), "
        "or an object-storage URL prefix",
    )
    p.add_argument("--run-id", default="manual", help="userfile folder: userfile:///roachlift/<run-id>/")
    p.add_argument("--keep-uploaded-files", action="store_true", default=None)
    p.add_argument(
        "--group-files",
        type=int,
        default=None,
        help="IMPORT: part files per IMPORT job (default: the spec's, else 8)",
    )
    p.set_defaults(handler=_load)

    p = subparsers.add_parser("load-phase", help="apply phase SQL files to the target, in order")
    _target_args(p)
    p.add_argument("files", nargs="+")
    p.add_argument("--not-valid", action="store_true", help="add NOT VALID to ALTER TABLE ... FOREIGN KEY")
    p.add_argument(
        "--if-exists-ok", action="store_true", help="skip statements failing with 'already exists'"
    )
    p.set_defaults(handler=_apply_phase)

    p = subparsers.add_parser(
        "load-validate-fks", help="VALIDATE every unvalidated foreign key and CHECK; show orphans"
    )
    _target_args(p)
    p.add_argument("--schema", default="public")
    p.set_defaults(handler=_validate)

    p = subparsers.add_parser("load-wait-job", help="wait for a CockroachDB job (e.g. IMPORT) to finish")
    _target_args(p)
    p.add_argument("job_id", type=int)
    p.add_argument("--poll-seconds", type=float, default=2.0)
    p.add_argument("--timeout", type=float, default=None)
    p.set_defaults(handler=_wait_job)
