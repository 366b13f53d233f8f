"""Golden CockroachDB output for each corpus schema, no source-dialect leftovers, report and CLI.

Regenerate the golden files after an intended change with
``ROACHLIFT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/convert/test_output.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from roachlift.cli import main
from roachlift.convert import PHASES, convert_ddl, write_output

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "mysql_sakila": ("mysql", "sakila/mysql/sakila-schema.sql"),
    "postgres_sakila": ("postgres", "sakila/postgres/sakila-schema.sql"),
    "oracle_sakila": ("oracle", "sakila/oracle/sakila-schema.sql"),
    "oracle_shop": ("oracle", "oracle-export/shop-dbms-metadata.sql"),
    "mysql_edge": ("mysql", "cases/mysql_edge.sql"),
    "mysql_dump_variants": ("mysql", "cases/mysql_dump_variants.sql"),
    "oracle_edge": ("oracle", "cases/oracle_edge.sql"),
    "oracle_dba_script": ("oracle", "cases/oracle_dba_script.sql"),
    "oracle_get_ddl": ("oracle", "cases/oracle_get_ddl.sql"),
    "postgres_edge": ("postgres", "cases/postgres_edge.sql"),
}


def _text(corpus: Path, path: str) -> str:
    base = Path(__file__).parent if path.startswith("cases/") else corpus
    return (base / path).read_text(encoding="utf-8")


#: Source-dialect words that must never reach a phase file.
LEFTOVERS = [
    r"ENGINE\s*=",
    r"CHARSET",
    r"CHARACTER\s+SET",
    r"VARCHAR2",
    r"\bNUMBER\b",
    r"TABLESPACE",
    r"AUTO_INCREMENT",
    r"UNSIGNED",
    r"`",
    r"\bENABLE\b",
    r"STORAGE\s*\(",
    r"PCTFREE",
    r"SEGMENT\s+CREATION",
    r"\bSYSDATE\b",
    r"\bCLOB\b",
    r"\bBLOB\b",
    r"\bOWNER\s+TO\b",
    r"_utf8",
    r"\bMEDIUMINT\b",
    r"\bTINYINT\b",
    r"\bDATETIME\b",
    r"::regclass",
    r"\bINHERITS\b",
]


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_cockroachdb_output(case: str, corpus: Path) -> None:
    source, path = CASES[case]
    result = convert_ddl(_text(corpus, path), source)
    folder = GOLDEN / case
    files = {f"{p}.sql": result.phase_sql(p) for p in PHASES}
    files["manual_review.sql"] = result.manual_review_sql()
    if os.environ.get("ROACHLIFT_UPDATE_GOLDEN"):
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    for name, text in files.items():
        assert text == (folder / name).read_text(encoding="utf-8"), f"{case}/{name} differs from golden"


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("target", ["cockroachdb", "postgres"])
def test_no_source_dialect_leftovers(case: str, target: str, corpus: Path) -> None:
    source, path = CASES[case]
    result = convert_ddl(_text(corpus, path), source, target)
    text = "\n".join(result.phase_sql(p) for p in PHASES)
    for pattern in LEFTOVERS:
        hit = re.search(pattern, text, re.IGNORECASE)
        assert hit is None, (
            f"{pattern!r} leaked into {case} output: ...{text[max(0, hit.start() - 80) : hit.end() + 40]}"
        )


def test_cockroachdb_and_postgres_outputs_differ_only_where_reported(corpus: Path) -> None:
    text = (corpus / "sakila/mysql/sakila-schema.sql").read_text(encoding="utf-8")
    crdb = convert_ddl(text, "mysql")
    pg = convert_ddl(text, "mysql", "postgres")
    assert crdb.phases["01_types"] == pg.phases["01_types"]
    assert crdb.phases["04_foreign_keys"] == pg.phases["04_foreign_keys"]

    # NULL ordering is spelled out only where the target's default differs from MySQL's
    def no_nulls(views: list[str]) -> list[str]:
        return [re.sub(r" NULLS (FIRST|LAST)", "", v) for v in views]

    assert no_nulls(crdb.phases["05_views"]) == no_nulls(pg.phases["05_views"])
    # INT4 is PostgreSQL's integer spelled so CockroachDB keeps 32 bits (its INT is INT8):
    # https://www.cockroachlabs.com/docs/stable/int ("By default, INT is an alias for INT8")
    crdb_lines = set("\n".join(crdb.phases["02_tables"]).replace(" INT4", " INT").splitlines())
    pg_lines = set("\n".join(pg.phases["02_tables"]).splitlines())
    for line in crdb_lines - pg_lines:
        assert "ON UPDATE" in line or "GEOMETRY" in line, line
    differences = " ".join(pg.report.target_differences)
    assert "ON UPDATE" in differences and "GEOMETRY" in differences and "spatial index" in differences


def test_report_json_and_markdown(corpus: Path, tmp_path: Path) -> None:
    result = convert_ddl(
        (corpus / "sakila/postgres/sakila-schema.sql").read_text(encoding="utf-8"), "postgres"
    )
    written = write_output(result, tmp_path)
    assert sorted(p.name for p in written) == sorted(
        [f"{p}.sql" for p in PHASES] + ["manual_review.sql", "report.json", "report.md"]
    )
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    summary = report["summary"]
    assert summary["tables"] == 15 and summary["foreign_keys"] == 22 and summary["enum_types"] == 1
    assert summary["sequences"] == 13 and summary["views"] == 4 and summary["statements_failed"] == 0
    assert summary["review"]["error"] == 0 and summary["review"]["warning"] > 0
    film = next(s for s in report["statements"] if s["kind"] == "table" and s["object"] == "film")
    assert film["line"] == 157 and film["source"].startswith("CREATE TABLE film")
    assert film["converted"][0].startswith("CREATE TABLE film (")
    assert any("domain" in r for r in film["rules"])
    fk = next(r for r in report["review"] if r["code"] == "fk_set_null_not_null")
    assert fk["severity"] == "warning" and fk["line"] == 1631
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Summary" in md and "| tables | 15 |" in md and "fk_set_null_not_null" in md
    assert "### line 157: table `film` (converted)" in md
    manual = (tmp_path / "manual_review.sql").read_text(encoding="utf-8")
    assert "CREATE TRIGGER last_updated" in manual and "-- rule payment_insert_p2007_01" in manual


def test_cli_convert_exit_codes(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ok"
    rc = main(
        [
            "convert",
            "--from",
            "oracle",
            str(corpus / "oracle-export/shop-dbms-metadata.sql"),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert "5 tables" in capsys.readouterr().out
    assert (out / "02_tables.sql").read_text(encoding="utf-8").count("CREATE TABLE") == 5
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE a (id INT PRIMARY KEY);\nNOT SQL;\n", encoding="utf-8")
    rc = main(
        ["convert", "--from", "mysql", str(bad), "--out", str(tmp_path / "bad"), "--target", "postgres"]
    )
    assert rc == 1
    assert "error line 2" in capsys.readouterr().err
    assert (tmp_path / "bad" / "02_tables.sql").read_text(encoding="utf-8").count("CREATE TABLE") == 1
    assert (
        main(["convert", "--from", "mysql", str(tmp_path / "missing.sql"), "--out", str(tmp_path / "m")]) == 2
    )
