"""Progress lines of long work (dump and load of large tables): numbers first, the table last.

``42% 6,700/16,044 rows, 1.2 MB, 12,000 rows/s, ETA 0:01 - public.rental``: percent, rows done
of the total, MB, rows/s and the time left at that rate. Without a known total the line has no
percent and no ETA; a total that turns out too small (a stale catalog estimate) caps at 99%.
"""

from __future__ import annotations

#: Seconds between two progress lines of one table.
PROGRESS_EVERY_S = 5.0


def clock(seconds: float) -> str:
    """``0:07``, ``12:30``, ``1:02:03``."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def progress_line(
    what: str,
    rows: int,
    elapsed: float,
    total: int | None = None,
    nbytes: int | None = None,
    done_before: int = 0,
) -> str:
    """One progress line (see the module docstring): ``rows`` done in ``elapsed`` seconds, after
    ``done_before`` rows an earlier try committed (counted as done, not in the rate)."""
    rate = rows / elapsed if elapsed > 0 else 0.0
    rows += done_before
    mb = f", {nbytes / 1e6:,.1f} MB" if nbytes is not None else ""
    if total and total > 0:
        pct = min(rows / total * 100, 99.0 if rows < total or rows > total else 100.0)
        left = max(total - rows, 0)
        eta = clock(left / rate) if rate > 0 and rows <= total else "?"
        return f"{pct:.0f}% {rows:,}/{total:,} rows{mb}, {rate:,.0f} rows/s, ETA {eta} - {what}"
    return f"{rows:,} rows{mb}, {rate:,.0f} rows/s - {what}"
