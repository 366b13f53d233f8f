"""One adapter per source kind, in one registry keyed by :class:`SourceKind`.

``adapter_for(spec.source.kind).open_snapshot(...)`` is how the core asks a source for anything
(as sqlglot looks a dialect up by name, and cosmos a profile mapping by connection type); what an
adapter cannot do raises :class:`UnsupportedCapability`, naming the kind and the capability.
:func:`spec_problems` reads the capabilities against a spec, so a spec asking for what its source
cannot do is refused when the DAG is parsed (and by ``roachlift validate-spec``), not at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from roachlift.config.spec import MigrationSpec, SourceKind
from roachlift.errors import RoachliftError, SpecError
from roachlift.sources.base import Capability, PositionReader, SourceAdapter, UnsupportedCapability
from roachlift.sources.mysql import MySQLAdapter
from roachlift.sources.oracle import OracleAdapter
from roachlift.sources.postgres import PostgresAdapter

__all__ = [
    "ADAPTERS",
    "REQUIREMENTS",
    "Capability",
    "PositionReader",
    "SourceAdapter",
    "UnsupportedCapability",
    "adapter_for",
    "check_spec",
    "spec_problems",
]

#: The adapter of each source kind.
ADAPTERS: dict[SourceKind, SourceAdapter] = {
    a.kind: a for a in (PostgresAdapter(), MySQLAdapter(), OracleAdapter())
}


def adapter_for(kind: SourceKind | str) -> SourceAdapter:
    """The adapter of ``kind`` (a spec's ``source.kind`` or a connection's protocol)."""
    try:
        return ADAPTERS[SourceKind(kind)]
    except (ValueError, KeyError):
        known = ", ".join(ADAPTERS)
        raise RoachliftError(f"source kind {str(kind)!r} is not one roachlift reads ({known})") from None


#: Spec settings (key path) and the capability each needs when set (true, or a value).
REQUIREMENTS: Mapping[str, Capability] = {
    "cdc.enabled": Capability.CHANGE_SOURCE,
    "cdc.slot_name": Capability.REPLICATION_SLOT,
    "cutover.freeze_source_writes": Capability.FREEZE,
}


def _setting(spec: MigrationSpec, key: str) -> object:
    section, _, field = key.partition(".")
    return getattr(getattr(spec, section), field)


def spec_problems(spec: MigrationSpec) -> list[str]:
    """``key.path: reason`` for each setting of ``spec`` its source's adapter cannot honour."""
    adapter = adapter_for(spec.source.kind)
    problems = []
    for key, capability in REQUIREMENTS.items():
        value = _setting(spec, key)
        if value and not adapter.supports(capability):
            fix = f"set {key}: false" if isinstance(value, bool) else f"remove {key}"
            problems.append(f"{key}: {adapter.unsupported_error(capability)}; {fix}")
    return problems


def check_spec(spec: MigrationSpec, path: str | Path = "<spec>") -> None:
    """Raise :class:`SpecError` listing what ``spec`` asks of a source that cannot do it."""
    problems = spec_problems(spec)
    if problems:
        raise SpecError(str(path), problems)
