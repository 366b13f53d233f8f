"""``roachlift status | unfreeze | release-slot --spec SPEC``: the cutover's state for a person at a
terminal (frozen or not, replication slots and the WAL they hold, last run and its outcome), and the
two ways back by hand. Connections come from ``AIRFLOW_CONN_<ID>`` as everywhere in the CLI; files
from the folder the DAG runs use (:func:`roachlift.pipeline.migration_dir`: ``$ROACHLIFT_WORK_DIR``,
or ``dump.out_dir`` when that is a URL such as ``s3://bucket/prefix``)."""

from __future__ import annotations

import argparse
import time
from typing import Any

import psycopg

from roachlift import runstate
from roachlift.config.connections import ConnInfo, resolve_connection
from roachlift.config.spec import MigrationSpec, load_spec
from roachlift.cutover import FREEZE_FILE, FreezeRecord, unfreeze_source_writes
from roachlift.errors import RoachliftError
from roachlift.pipeline import migration_dir
from roachlift.sources import Capability, adapter_for


def _pg_slots(source: ConnInfo, spec: MigrationSpec) -> list[tuple[str, bool, int | None]]:
    """(name, active, retained WAL bytes) of the migration's slots on a PostgreSQL source."""
    names = {f"roachlift_{spec.name}", f"roachlift_{spec.name}_rehearsal"[:63]}
    if spec.cdc.slot_name:
        names.add(spec.cdc.slot_name)
    names |= set(runstate.slots(migration_dir(spec)))
    with psycopg.connect(source.postgres_conninfo(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint "
            "FROM pg_replication_slots WHERE slot_name = ANY(%s) ORDER BY 1",
            (sorted(names),),
        ).fetchall()
    return [(str(r[0]), bool(r[1]), int(r[2]) if r[2] is not None else None) for r in rows]


def _when(ts: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(ts))) if ts else "?"


def status_lines(spec: MigrationSpec, source: ConnInfo) -> list[str]:
    """What ``roachlift status`` prints."""
    base = migration_dir(spec)
    lines = [f"migration {spec.name} ({spec.source.kind} -> {spec.target.dialect}), files in {base}"]
    record = FreezeRecord.load(base / FREEZE_FILE)
    if record is None:
        lines.append("source: writable (no freeze recorded by roachlift)")
    else:
        lines.append(
            f"source: FROZEN since {_when(record.frozen_at or record.started_at)}, {record.summary()}"
        )
        lines.append("  give it back to the application: roachlift unfreeze --spec SPEC")
    adapter = adapter_for(spec.source.kind)
    if adapter.supports(Capability.REPLICATION_SLOT):
        slots = _pg_slots(source, spec)
        lines.append(f"replication slots: {len(slots) or 'none'}")
        for name, active, retained in slots:
            owner = runstate.slot_owner(base, name)
            who = f"run {owner['run_id']} ({owner.get('mode')})" if owner else "no run recorded"
            held = f"{retained / 1e6:.1f} MB of WAL" if retained is not None else "? WAL"
            lines.append(f"  {name}: {'active' if active else 'idle'}, holds {held}, owner {who}")
    else:
        why = adapter.unsupported.get(Capability.REPLICATION_SLOT, "this source has none")
        lines.append(f"replication slots: none ({why})")
    past = runstate.history(base / "reports")
    if past:
        last = past[-1]
        lines.append(
            f"last run: {last.get('run_id')} ({last.get('mode')}) started {_when(last.get('started_at'))}: "
            f"{last.get('outcome')}"
        )
    else:
        lines.append("last run: none recorded")
    done = runstate.completed_cutovers(base / "reports")
    lines.append(f"completed cutovers: {len(done)}" + (f" (last: run {done[-1]['run_id']})" if done else ""))
    return lines


def _status(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    for line in status_lines(spec, resolve_connection(spec.source.conn_id)):
        print(line)
    return 0


def _unfreeze(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    source = resolve_connection(spec.source.conn_id)
    print(unfreeze_source_writes(spec, source, migration_dir(spec) / FREEZE_FILE))
    return 0


def release_slot(spec: MigrationSpec, source: ConnInfo, slot: str | None = None) -> str:
    """Drop one of the migration's replication slots (an explicit cleanup by a person)."""
    adapter = adapter_for(spec.source.kind)
    if not adapter.supports(Capability.REPLICATION_SLOT):
        raise adapter.unsupported_error(Capability.REPLICATION_SLOT)
    known = {name: active for name, active, _ in _pg_slots(source, spec)}
    name = slot or spec.cdc.slot_name or f"roachlift_{spec.name}"
    if name not in known:
        raise RoachliftError(
            f"replication slot {name!r} is not one of this migration's slots on the source "
            f"({', '.join(known) or 'none'})"
        )
    if known[name]:
        raise RoachliftError(f"replication slot {name!r} is in use: stop its reader first")
    with psycopg.connect(source.postgres_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_drop_replication_slot(%s)", (name,))
    runstate.forget_slot(migration_dir(spec), name)
    return f"replication slot {name} dropped"


def _release_slot(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    print(release_slot(spec, resolve_connection(spec.source.conn_id), args.slot))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``status``, ``unfreeze`` and ``release-slot``."""
    p = subparsers.add_parser("status", help="frozen or not, replication slots and their WAL, last run")
    p.add_argument("--spec", required=True)
    p.set_defaults(handler=_status)
    p = subparsers.add_parser("unfreeze", help="give the source's write privileges back (undo a freeze)")
    p.add_argument("--spec", required=True)
    p.set_defaults(handler=_unfreeze)
    p = subparsers.add_parser("release-slot", help="drop one of the migration's replication slots")
    p.add_argument("--spec", required=True)
    p.add_argument("--slot", help="slot name (default: the spec's cdc.slot_name or roachlift_<name>)")
    p.set_defaults(handler=_release_slot)
