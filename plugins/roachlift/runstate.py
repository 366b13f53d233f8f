"""What one migration remembers across its runs, in ``<work>/<migration>/``: which run owns which
replication slot (``slots.json``), whether the source is frozen (``freeze.json``, see
:mod:`roachlift.cutover`) and how past runs ended (the reports' ``history.jsonl``).

The slot ledger is how roachlift keeps its promise never to drop or replace a slot another run
still needs: the dump registers the slot it creates, a release drops only a slot the releasing
run owns, and a dump refuses to replace a slot owned by another run.
"""

from __future__ import annotations

import json
import time
from typing import Any

from roachlift import storage
from roachlift.config.spec import RunMode
from roachlift.errors import RoachliftError
from roachlift.storage import StoragePath

SLOTS_FILE = "slots.json"


def _read(path: StoragePath) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8") or "{}")
    return data


def _write(path: StoragePath, data: dict[str, Any]) -> None:
    storage.ensure_dir(path.parent)
    storage.write_text(path, json.dumps(data, indent=2))  # whole: a rename locally, one PUT remotely


def slot_owner(base_dir: StoragePath, slot: str) -> dict[str, Any] | None:
    """``{"run_id", "mode", "created_at"}`` of the run that created ``slot``, or None."""
    owner = _read(base_dir / SLOTS_FILE).get(slot)
    return dict(owner) if owner else None


def register_slot(base_dir: StoragePath, slot: str, run_id: str, mode: RunMode) -> None:
    """Record that ``run_id`` created (owns) ``slot``."""
    data = _read(base_dir / SLOTS_FILE)
    data[slot] = {"run_id": run_id, "mode": mode, "created_at": time.time()}
    _write(base_dir / SLOTS_FILE, data)


def forget_slot(base_dir: StoragePath, slot: str) -> None:
    """The slot is gone: remove it from the ledger."""
    data = _read(base_dir / SLOTS_FILE)
    if data.pop(slot, None) is not None:
        _write(base_dir / SLOTS_FILE, data)


def slots(base_dir: StoragePath) -> dict[str, dict[str, Any]]:
    """Every slot the ledger knows, by name."""
    return {k: dict(v) for k, v in _read(base_dir / SLOTS_FILE).items()}


def check_slot_free(base_dir: StoragePath, slot: str, exists: bool, run_id: str) -> None:
    """Refuse to replace ``slot`` when it exists on the source and this run does not own it."""
    if not exists:
        return
    owner = slot_owner(base_dir, slot)
    if owner is not None and owner.get("run_id") == run_id:
        return  # a retry of this run's own dump
    who = f"run {owner['run_id']} ({owner.get('mode')})" if owner else "no roachlift run recorded here"
    raise RoachliftError(
        f"replication slot {slot!r} already exists on the source and belongs to {who}: roachlift never "
        "drops or replaces the slot of another run. If that run is finished and its changes are no "
        "longer needed, release the slot with `roachlift release-slot --spec SPEC`, then run again"
    )


def history(reports_dir: StoragePath) -> list[dict[str, Any]]:
    """Past runs of the migration, oldest first (``history.jsonl`` of the run reports)."""
    from roachlift.runreport import HISTORY_FILE

    path = reports_dir / HISTORY_FILE
    if not path.is_file():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def completed_cutovers(reports_dir: StoragePath) -> list[dict[str, Any]]:
    """Runs that cut over (mode cutover, outcome "cut over")."""
    return [
        h for h in history(reports_dir) if h.get("mode") == RunMode.CUTOVER and h.get("outcome") == "cut over"
    ]
