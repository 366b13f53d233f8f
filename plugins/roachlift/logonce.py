"""Warnings said once per run, not once per task or per poke.

A run's tasks run in separate processes (and a sensor pokes many times), so a condition found
on every connection (an old wal2json, say) would fill every log with the same warning. Callers
name the warning with a key; it is logged the first time per run: the keys already said are
kept in the process and, once :func:`bind` names the run's work folder, in ``<run>/warned.txt``.
"""

from __future__ import annotations

import logging
import threading

from roachlift import storage
from roachlift.storage import StoragePath

_lock = threading.Lock()
_said: set[str] = set()
_run_dir: StoragePath | None = None
FILE = "warned.txt"


def bind(run_dir: StoragePath | None) -> None:
    """Keep the keys of this run in ``run_dir`` (every task of a run binds the same folder)."""
    global _run_dir
    with _lock:
        if run_dir != _run_dir:
            _said.clear()
        _run_dir = run_dir


def _seen(key: str) -> bool:
    if key in _said:
        return True
    if _run_dir is not None:
        path = _run_dir / FILE
        try:
            if key in storage.read_text(path).split():
                _said.add(key)
                return True
        except OSError:
            pass
    return False


def warning(logger: logging.Logger, key: str, msg: str, *args: object) -> bool:
    """Log ``msg`` at WARNING unless ``key`` was already said in this run; True when logged."""
    with _lock:
        if _seen(key):
            return False
        _said.add(key)
        if _run_dir is not None:
            try:
                storage.ensure_dir(_run_dir)
                storage.append_text(_run_dir / FILE, key + "\n")
            except OSError:
                pass
    logger.warning(msg, *args)
    return True
