"""Progress lines of long work: percent, rows/s and ETA with the numbers first."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
import pytest

from roachlift.dump import manifest as dump_manifest
from roachlift.load import copy as load_copy
from roachlift.progress import clock, progress_line


def test_line_with_a_known_total_has_percent_rate_and_eta() -> None:
    line = progress_line("public.rental", 4_000, 2.0, total=16_000, nbytes=1_500_000)
    assert line == "25% 4,000/16,000 rows, 1.5 MB, 2,000 rows/s, ETA 0:06 - public.rental"


def test_rows_an_earlier_try_committed_count_as_done_but_not_in_the_rate() -> None:
    line = progress_line("t", 1_000, 1.0, total=10_000, done_before=4_000)
    assert line == "50% 5,000/10,000 rows, 1,000 rows/s, ETA 0:05 - t"


def test_line_without_total_or_past_a_stale_estimate() -> None:
    assert progress_line("t", 500, 0.5) == "500 rows, 1,000 rows/s - t"
    # the catalog said 1,000 rows, 1,500 are done: never "150%", and no made-up ETA
    assert progress_line("t", 1_500, 1.0, total=1_000).startswith("99% 1,500/1,000 rows") is True
    assert progress_line("t", 1_500, 1.0, total=1_000).endswith("ETA ? - t")
    assert progress_line("t", 1_000, 1.0, total=1_000).startswith("100% ")


@pytest.mark.parametrize(("seconds", "text"), [(7, "0:07"), (750, "12:30"), (3723, "1:02:03"), (-1, "0:00")])
def test_clock(seconds: float, text: str) -> None:
    assert clock(seconds) == text


def test_dump_progress_uses_the_catalog_estimate(caplog: pytest.LogCaptureFixture) -> None:
    dump_manifest.expect_rows({"public.big": 10_000})
    progress = dump_manifest.Progress("public.big")
    progress.add(2_500, 100_000)
    with caplog.at_level(logging.INFO, logger="roachlift.dump.manifest"):
        progress.log()
    assert caplog.records[-1].getMessage().startswith("dump 25% 2,500/10,000 rows, 0.1 MB, ")
    assert "ETA " in caplog.records[-1].getMessage()


def test_copy_logs_percent_of_the_manifest_rows(
    tmp_path: Path, pg_db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    part = tmp_path / "part-00001.csv"
    part.write_bytes(b"".join(b"%d,row %d\n" % (i, i) for i in range(1, 1001)))
    monkeypatch.setattr(load_copy, "PROGRESS_EVERY_S", 0.0)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE p (id int PRIMARY KEY, note text)")
        with caplog.at_level(logging.INFO, logger="roachlift.load.copy"):
            stats = load_copy.copy_files(conn, "public.p", ["id", "note"], [part], 250, total_rows=1000)
    assert stats.rows == 1000
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("load ")]
    # one line after each committed batch but the last (then the table is done, not in progress)
    assert [line.split(" rows")[0] for line in lines] == [
        "load 25% 250/1,000",
        "load 50% 500/1,000",
        "load 75% 750/1,000",
    ]
    assert all(line.endswith(" - public.p") and "rows/s, ETA " in line for line in lines)
