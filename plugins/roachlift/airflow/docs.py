"""The DAG's documentation (Markdown, shown on the DAG's page), from ``include/docs/dag.md``."""

from __future__ import annotations

from pathlib import Path

from roachlift.config.spec import MigrationSpec
from roachlift.paths import include_dir


def dag_doc_md(spec: MigrationSpec, spec_path: Path | str) -> str:
    """The Markdown of one migration's DAG."""
    template = (include_dir() / "docs" / "dag.md").read_text(encoding="utf-8")
    return template.format(
        name=spec.name,
        source=spec.source.kind,
        target=spec.target.dialect,
        spec_file=Path(spec_path).name,
        database=spec.target.database,
        keep_last=spec.rehearsal.keep_last,
    )
