"""The conversion report: ``report.json`` for machines, ``report.md`` for people."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from roachlift.convert.model import ManualItem, ReviewItem, StatementRecord


@dataclass
class Report:
    """Summary counts, every source statement with its conversion, review items, manual items."""

    source: str
    target: str
    summary: dict[str, Any]
    records: list[StatementRecord]
    review: list[ReviewItem]
    manual: list[ManualItem]
    target_differences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "target": self.target,
            "summary": self.summary,
            "target_differences": self.target_differences,
            "review": [r.to_dict() for r in self.review],
            "effort": grade_objects(self.records),
            "manual_review": [
                {"kind": m.kind, "name": m.name, "line": m.line, "note": m.note} for m in self.manual
            ],
            "statements": [r.to_dict() for r in self.records],
        }

    def to_json(self) -> str:
        """``report.json`` text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        """``report.md`` text."""
        s = self.summary
        out = [
            f"# Schema conversion report: {self.source} -> {self.target}",
            "",
            "## Summary",
            "",
            "| item | count |",
            "|---|---|",
        ]
        for key in (
            "tables",
            "columns",
            "indexes",
            "foreign_keys",
            "views",
            "enum_types",
            "sequences",
            "manual_review",
            "statements",
            "statements_failed",
        ):
            out.append(f"| {key.replace('_', ' ')} | {s.get(key, 0)} |")
        for sev in ("error", "warning", "info"):
            out.append(f"| review items ({sev}) | {s['review'].get(sev, 0)} |")
        out.append("")
        effort = grade_objects(self.records)
        out += [
            "## Migration effort (graded as ora2pg does: A simple, B some manual work, C rewrite)",
            "",
            f"Overall: **{effort['overall']}**, {effort['units']} effort units "
            f"(A={GRADE_UNITS['A']}, B={GRADE_UNITS['B']}, C={GRADE_UNITS['C']} per object).",
            "",
            "| grade | objects |",
            "|---|---|",
        ]
        out += [f"| {g} | {effort['totals'][g]} |" for g in "ABC"]
        graded = [o for o in effort["objects"] if o["grade"] != "A"]
        if graded:
            out += ["", "| grade | kind | object | line | why |", "|---|---|---|---|---|"]
            out += [
                f"| {o['grade']} | {o['kind']} | `{o['object']}` | {o['line']} | {o['why']} |"
                for o in sorted(graded, key=lambda o: (o["grade"], o["line"]))
            ]
        out.append("")
        if self.target_differences:
            out += ["## CockroachDB-only constructs (differences from the PostgreSQL output)", ""]
            out += [f"- {d}" for d in self.target_differences]
            out.append("")
        out += ["## Review items", ""]
        if not self.review:
            out.append("None.")
        else:
            out += ["| severity | code | object | line | message |", "|---|---|---|---|---|"]
            order = {"error": 0, "warning": 1, "info": 2}
            for item in sorted(self.review, key=lambda r: (order[r.severity], r.line or 0)):
                msg = item.message.replace("|", "\\|").replace("\n", " ")
                out.append(f"| {item.severity} | {item.code} | `{item.object}` | {item.line or ''} | {msg} |")
        out.append("")
        if self.manual:
            out += ["## Objects to port by hand (see manual_review.sql)", ""]
            out += [f"- {m.kind} `{m.name}` (line {m.line}): {m.note}" for m in self.manual]
            out.append("")
        out += ["## Statements", ""]
        for r in self.records:
            if r.status == "skipped":
                continue
            out.append(f"### line {r.line}: {r.kind} `{r.object}` ({r.status})")
            out.append("")
            out += ["Source:", "", "```sql", _clip(r.source), "```", ""]
            if r.converted:
                out += ["Converted:", "", "```sql", *[c + ";" for c in r.converted], "```", ""]
            if r.rules:
                out += ["Rules applied:", ""] + [f"- {rule}" for rule in r.rules] + [""]
        skipped = [r for r in self.records if r.status == "skipped"]
        if skipped:
            out += ["## Statements removed", "", "| line | statement | reason |", "|---|---|---|"]
            for r in skipped:
                first = " ".join(r.source.split())[:80].replace("|", "\\|")
                out.append(f"| {r.line} | `{first}` | {'; '.join(r.rules)} |")
            out.append("")
        return "\n".join(out)


#: effort units per object of each grade (ora2pg's "cost" idea; A objects convert unattended)
GRADE_UNITS = {"A": 1, "B": 5, "C": 20}
#: kinds a person must rewrite by hand (procedural code or types with no CockroachDB equivalent)
_REWRITE_KINDS = {"procedure", "function", "package", "trigger", "type", "plsql block", "aggregate", "rule"}


def grade_objects(records: list[StatementRecord] | list[dict[str, Any]]) -> dict[str, Any]:
    """Grade each object's migration effort from the convert report's statements, offline:
    A = converted unattended (at most info items), B = converted but a person must check or finish
    it (warnings, objects left for review such as synonyms or disabled constraints), C = rewrite
    (procedural code, object types, or a statement that failed). Accepts records or the
    ``statements`` list of ``report.json``."""
    objects = []
    for r in records:
        d = r.to_dict() if isinstance(r, StatementRecord) else r
        status, kind = d.get("status"), str(d.get("kind") or "")
        if status == "skipped":
            continue
        severities = {str(x.get("severity")) for x in d.get("review") or []}
        if status == "error" or (status == "manual" and kind in _REWRITE_KINDS) or "error" in severities:
            grade, why = "C", "failed" if status == "error" else f"{kind} to rewrite by hand"
        elif status == "manual" or "warning" in severities:
            codes = sorted(
                {str(x.get("code")) for x in d.get("review") or [] if x.get("severity") == "warning"}
            )
            grade, why = "B", ", ".join(codes) or f"{kind} left for review"
        else:
            grade, why = "A", ""
        objects.append(
            {
                "object": d.get("object") or "?",
                "kind": kind,
                "line": d.get("line"),
                "grade": grade,
                "why": why,
            }
        )
    totals = {g: sum(1 for o in objects if o["grade"] == g) for g in "ABC"}
    overall = "C" if totals["C"] else "B" if totals["B"] else "A"
    units = sum(GRADE_UNITS[g] * n for g, n in totals.items())
    return {"overall": overall, "totals": totals, "units": units, "objects": objects}


def _clip(text: str, limit: int = 4000) -> str:
    return text if len(text) <= limit else text[:limit] + "\n-- ... (truncated)"


def summarize(
    counts: dict[str, int], records: list[StatementRecord], review: list[ReviewItem], manual: list[ManualItem]
) -> dict[str, Any]:
    """The summary block."""
    by_sev = Counter(r.severity for r in review)
    return {
        **counts,
        "manual_review": len(manual),
        "statements": len(records),
        "statements_failed": sum(1 for r in records if r.status == "error"),
        "review": {sev: by_sev.get(sev, 0) for sev in ("error", "warning", "info")},
    }
