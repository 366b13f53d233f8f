"""Verify results: per-table and overall, as a screen table and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from roachlift.verify.normalize import to_jsonable

METHOD_PK_MERGE = "pk-merge"
METHOD_FULL_ROW_HASH = "full-row-hash"


@dataclass(frozen=True)
class Mismatch:
    """One row present on both sides whose values differ: its key and the differing columns."""

    key: tuple[Any, ...]
    columns: tuple[str, ...]


@dataclass
class TableResult:
    """The comparison of one table.

    ``missing`` rows are in the source only, ``extra`` rows in the target only, ``mismatched`` rows
    on both sides with different values. Samples hold primary keys (for ``full-row-hash``: whole
    rows, normalized). ``resolved_on_recheck`` counts differences gone when re-read after
    ``recheck_delay_s`` (rows that changed during the check while CDC was still applying).
    ``rejected`` rows are in the source only because the dump rejected them (a value the target
    cannot hold, listed in the dump's ``rejects.csv``): not ok unless ``rejects_accepted``.
    """

    table: str
    target_table: str
    method: str = METHOD_PK_MERGE
    key_columns: tuple[str, ...] = ()
    rows_source: int = 0
    rows_target: int = 0
    missing: int = 0
    extra: int = 0
    mismatched: int = 0
    missing_sample: list[tuple[Any, ...]] = field(default_factory=list)
    extra_sample: list[tuple[Any, ...]] = field(default_factory=list)
    mismatched_sample: list[Mismatch] = field(default_factory=list)
    mismatched_columns: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    rejected_sample: list[tuple[Any, ...]] = field(default_factory=list)
    rejects_accepted: bool = False
    rechecked: int = 0
    resolved_on_recheck: int = 0
    chunks: int = 0
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the target holds exactly the source's rows (rejected ones only if accepted)."""
        return (
            self.error is None
            and self.missing == 0
            and self.extra == 0
            and self.mismatched == 0
            and (self.rejected == 0 or self.rejects_accepted)
        )

    @property
    def rows_per_s(self) -> float:
        """Rows read per second (both sides)."""
        return (self.rows_source + self.rows_target) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""

        def key(k: tuple[Any, ...]) -> list[Any]:
            return [to_jsonable(v) for v in k]

        return {
            "table": self.table,
            "target_table": self.target_table,
            "ok": self.ok,
            "method": self.method,
            "key_columns": list(self.key_columns),
            "rows_source": self.rows_source,
            "rows_target": self.rows_target,
            "missing": self.missing,
            "extra": self.extra,
            "mismatched": self.mismatched,
            "missing_sample": [key(k) for k in self.missing_sample],
            "extra_sample": [key(k) for k in self.extra_sample],
            "mismatched_sample": [
                {"key": key(m.key), "columns": list(m.columns)} for m in self.mismatched_sample
            ],
            "mismatched_columns": dict(self.mismatched_columns),
            "rejected": self.rejected,
            "rejected_sample": [key(k) for k in self.rejected_sample],
            "rejects_accepted": self.rejects_accepted,
            "rechecked": self.rechecked,
            "resolved_on_recheck": self.resolved_on_recheck,
            "chunks": self.chunks,
            "elapsed_s": round(self.elapsed_s, 3),
            "notes": list(self.notes),
            "error": self.error,
        }


@dataclass
class VerifyResult:
    """The comparison of every table."""

    tables: list[TableResult]
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every table matched."""
        return all(t.ok for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "tables_checked": len(self.tables),
            "tables_failed": sum(not t.ok for t in self.tables),
            "elapsed_s": round(self.elapsed_s, 3),
            "tables": [t.to_dict() for t in self.tables],
        }

    def to_json(self) -> str:
        """The result as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _fmt_key(key: Sequence[Any]) -> str:
    return ",".join(str(to_jsonable(v)) for v in key)


def _status(t: TableResult) -> str:
    if t.ok:
        return "ok"
    if t.error:
        return "ERROR"
    return "MISMATCH" if t.missing or t.extra or t.mismatched else "REJECTED"


def render(result: VerifyResult, sample_lines: int = 5) -> str:
    """A fixed-width table, one line per table, then the sample keys of each failing table."""
    header = ("table", "method", "source", "target", "missing", "extra", "mismatch", "rejected",
              "resolved", "status")  # fmt: skip
    rows = [
        (
            t.table,
            t.method,
            str(t.rows_source),
            str(t.rows_target),
            str(t.missing),
            str(t.extra),
            str(t.mismatched),
            str(t.rejected),
            str(t.resolved_on_recheck),
            "ok"
            if t.ok
            else ("ERROR" if t.error else "MISMATCH" if t.missing or t.extra or t.mismatched else "REJECTED"),
        )
        for t in result.tables
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    right = {2, 3, 4, 5, 6, 7, 8}

    def line(cells: Sequence[str]) -> str:
        padded = (
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    for t in result.tables:
        if t.rejected and t.rejects_accepted:
            out.append(
                f"note: {t.table}: {t.rejected} rejected row(s) accepted by the spec (values.accept_rejects)"
            )
    for t in result.tables:
        if t.ok:
            continue
        out.append("")
        out.append(f"{t.table} -> {t.target_table}:")
        if t.error:
            out.append(f"  error: {t.error}")
        what = "row" if t.method == METHOD_FULL_ROW_HASH else "key"
        for k in t.missing_sample[:sample_lines]:
            out.append(f"  missing in target, {what} ({_fmt_key(k)})")
        for k in t.extra_sample[:sample_lines]:
            out.append(f"  extra in target, {what} ({_fmt_key(k)})")
        for m in t.mismatched_sample[:sample_lines]:
            out.append(f"  mismatched, key ({_fmt_key(m.key)}): {', '.join(m.columns)}")
        for k in t.rejected_sample[:sample_lines]:
            out.append(f"  rejected by the dump (see its rejects.csv), key ({_fmt_key(k)})")
    for t in result.tables:
        for note in t.notes:
            out.append(f"note: {t.table}: {note}")
    verdict = "all tables match" if result.ok else f"{sum(not t.ok for t in result.tables)} table(s) differ"
    out.append("")
    out.append(f"{verdict} ({len(result.tables)} checked in {result.elapsed_s:.1f}s)")
    return "\n".join(out)
