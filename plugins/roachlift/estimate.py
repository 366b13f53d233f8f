"""How long will the move take? A prediction per phase (dump, load, verify) with a range.

Three inputs, cheapest first:

1. **The source catalog**: rows and bytes per table (PostgreSQL ``reltuples`` and relation size,
   MySQL ``information_schema.tables``), through :func:`roachlift.extract.list_tables`.
2. **A short sample on the real servers**: the largest table's first rows are read as CSV from the
   source (rows/s and bytes per row of the dump), and the same CSV is written with ``COPY`` into a
   scratch table on the target server (rows/s of the load), each bounded by rows and seconds.
3. **The rehearsal history** of this migration (``reports/history.jsonl``): each earlier run that
   carried an estimate says how far off the raw prediction was per phase; the median of those
   ratios calibrates the next prediction, and their spread sets its range.

The model per phase is ``per-table overhead x tables + rows / rate``; the dump's rate grows with
its parallel workers (at most the machine's cores). The JSON form is
``{"phases": {"dump": s, "load": s, "verify": s}, "total_seconds": s, "low": s, "high": s}`` plus
details (``raw_phases``, ``phase_ranges``, ``sample``, ``basis``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from roachlift.config.connections import ConnInfo
from roachlift.config.spec import MigrationSpec
from roachlift.errors import RoachliftError
from roachlift.sources import adapter_for
from roachlift.storage import StoragePath

log = logging.getLogger(__name__)

PHASES = ("dump", "load", "verify")
#: Rows and seconds a sample may take on each side.
SAMPLE_ROWS = 50_000
SAMPLE_SECONDS = 3.0
#: Seconds each table adds whatever its size (connections, manifest, count check; measured on Pagila).
TABLE_OVERHEAD_S = {"dump": 0.01, "load": 0.03, "verify": 0.1}
#: Seconds an Airflow task adds around each mapped load (measured with dag.test() on Pagila: 3.2 s
#: for 15 mapped COPY loads of 46k rows; a scheduler's is larger, and the history calibrates it).
AIRFLOW_TASK_OVERHEAD_S = 0.2
#: Verify reads both sides in key order and compares: rows/s relative to the dump's read rate
#: (measured: Pagila and a 100,000-row table on PostgreSQL 15, benchmarks/estimate.py).
VERIFY_RATE_FACTOR = 0.25
#: A PostgreSQL source against a PostgreSQL-family target compares chunk digests computed in each
#: database (verify/chunkhash.py) and reads rows only where they differ: about the dump's read rate,
#: with a smaller per-table cost (measured: Pagila and a 1,000,000-row table, benchmarks/estimate.py).
VERIFY_DIGEST_RATE_FACTOR = 1.0
VERIFY_DIGEST_TABLE_OVERHEAD_S = 0.03
#: The load sample writes into a table of TEXT columns without a key; a typed table with its
#: primary key index took rows about 3x slower (same measurement).
LOAD_PROBE_FACTOR = 0.3
#: Range without history: the prediction times these factors.
DEFAULT_RANGE = (0.5, 2.0)
#: Earlier runs used for calibration.
HISTORY_RUNS = 5


@dataclass
class TableSize:
    """A table as the catalog sees it."""

    name: str
    rows: int
    bytes: int


@dataclass
class Sample:
    """What the short sample measured on the real servers."""

    table: str = ""
    rows: int = 0
    csv_bytes: int = 0
    dump_seconds: float = 0.0
    load_seconds: float = 0.0

    @property
    def bytes_per_row(self) -> float:
        return self.csv_bytes / self.rows if self.rows else 0.0

    def rate(self, seconds: float) -> float:
        """Rows/s of a side of the sample (0 when nothing was measured)."""
        return self.rows / seconds if self.rows and seconds > 0 else 0.0


@dataclass
class Estimate:
    """The prediction."""

    phases: dict[str, float]
    total_seconds: float
    low: float
    high: float
    raw_phases: dict[str, float] = field(default_factory=dict)
    phase_ranges: dict[str, list[float]] = field(default_factory=dict)
    calibration: dict[str, float] = field(default_factory=dict)
    tables: int = 0
    rows: int = 0
    bytes: int = 0
    sample: dict[str, Any] = field(default_factory=dict)
    basis: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON form (rounded to 0.1 s)."""
        data = asdict(self)
        for key in ("total_seconds", "low", "high"):
            data[key] = round(data[key], 1)
        data["phases"] = {k: round(v, 1) for k, v in self.phases.items()}
        data["raw_phases"] = {k: round(v, 3) for k, v in self.raw_phases.items()}
        data["phase_ranges"] = {k: [round(a, 1), round(b, 1)] for k, (a, b) in self.phase_ranges.items()}
        return data

    def summary(self) -> str:
        """One log line, numbers first."""
        parts = ", ".join(f"{p} {self.phases[p]:.0f}s" for p in PHASES)
        return (
            f"~{self.total_seconds:.0f}s ({self.low:.0f}-{self.high:.0f}s) for {self.rows:,} rows, "
            f"{self.bytes / 1e6:,.1f} MB in {self.tables} tables: {parts}; {self.basis}"
        )


# --- inputs ------------------------------------------------------------------------------------------
def catalog_sizes(
    spec: MigrationSpec, conninfo: ConnInfo, patterns: list[str] | None = None
) -> list[TableSize]:
    """Rows and bytes of every table the run moves, from the source catalog, largest first."""
    from roachlift.dump import select_tables
    from roachlift.extract import list_tables

    wanted = set(select_tables(spec, conninfo, patterns))
    sizes = [
        TableSize(t.qualified_name, max(int(t.estimated_rows or 0), 0), int(t.total_bytes or 0))
        for t in list_tables(spec, conninfo)
        if t.qualified_name in wanted
    ]
    return sorted(sizes, key=lambda t: (t.bytes, t.rows), reverse=True)


def sample_postgres(
    conninfo: ConnInfo, table: str, rows: int, _seconds: float
) -> tuple[bytes, int, float, int]:
    """PostgreSQL's sample for :func:`sample_source`: (CSV, rows, seconds, columns) of ``LIMIT rows``."""
    schema, _, name = table.rpartition(".")
    query = sql.SQL("COPY (SELECT * FROM {} LIMIT {}) TO STDOUT (FORMAT csv)").format(
        sql.Identifier(schema or "public", name), sql.Literal(rows)
    )
    out = io.BytesIO()
    with psycopg.connect(conninfo.postgres_conninfo(), autocommit=True) as conn:
        ncols = len(
            conn.execute(
                sql.SQL("SELECT * FROM {} LIMIT 0").format(sql.Identifier(schema or "public", name))
            ).description
            or []
        )
        started = time.monotonic()
        with conn.cursor().copy(query) as copy:
            for chunk in copy:  # bounded by the LIMIT; CSV rows may span lines, counted below
                out.write(chunk)
        elapsed = time.monotonic() - started
    data = out.getvalue()
    n = _count_csv_rows(data)
    return data, n, elapsed, ncols


def _count_csv_rows(data: bytes) -> int:
    """Rows of CSV text: newlines outside quoted fields."""
    from roachlift.load.copy import RowCutter

    found, _ = RowCutter().cut(data, 0, len(data) + 1)
    return found


def sample_mysql(conninfo: ConnInfo, table: str, rows: int, seconds: float) -> tuple[bytes, int, float, int]:
    """MySQL's sample for :func:`sample_source`: (CSV, rows, seconds, columns), at most ``seconds``."""
    import csv

    from roachlift.dump.snapshot import mysql_connect
    from roachlift.quoting import mysql_ident as quote_ident

    schema, _, name = table.rpartition(".")
    conn = mysql_connect(conninfo, schema or None)
    try:
        import MySQLdb.cursors

        cur = conn.cursor(MySQLdb.cursors.SSCursor)
        started = time.monotonic()
        cur.execute(f"SELECT * FROM {quote_ident(name)} LIMIT {int(rows)}")  # conv={}: no int params
        ncols = len(cur.description or [])
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        n = 0
        for row in cur:
            writer.writerow(
                [
                    "" if v is None else v.decode("utf-8", "replace") if isinstance(v, bytes) else v
                    for v in row
                ]
            )
            n += 1
            if time.monotonic() - started > seconds:
                break
        elapsed = time.monotonic() - started
        cur.close()
    finally:
        conn.close()
    return text.getvalue().encode(), n, elapsed, ncols


def sample_source(spec: MigrationSpec, conninfo: ConnInfo, table: str) -> tuple[bytes, Sample, int]:
    """Read up to :data:`SAMPLE_ROWS` rows of ``table`` as CSV; return the CSV, the sample, columns."""
    sample = adapter_for(spec.source.kind).sample_rows  # UnsupportedCapability: no sample reader
    data, n, seconds, ncols = sample(conninfo, table, SAMPLE_ROWS, SAMPLE_SECONDS)
    return data, Sample(table=table, rows=n, csv_bytes=len(data), dump_seconds=seconds), ncols


def sample_target(target: ConnInfo, data: bytes, ncols: int) -> float:
    """Seconds to COPY the sample's CSV into a scratch table (dropped again) on the target server."""
    from roachlift.target import statements as st

    name = f"roachlift_estimate_probe_{os.getpid()}"
    with psycopg.connect(target.postgres_conninfo(), autocommit=True) as conn:
        conn.execute(st.create_probe_table(name, ncols))
        try:
            started = time.monotonic()
            with (
                conn.transaction(),
                conn.cursor().copy(st.copy_from_stdin_csv(name, [f"c{i}" for i in range(ncols)])) as cp,
            ):
                cp.write(data)
            return time.monotonic() - started
        finally:
            conn.execute(st.drop_table(name))


# --- the model ---------------------------------------------------------------------------------------
def raw_prediction(
    sizes: Sequence[TableSize],
    sample: Sample,
    parallelism: int,
    cores: int | None = None,
    task_overhead_s: float = 0.0,
    digests: bool = False,
) -> dict[str, float]:
    """Seconds per phase before calibration: per-table overhead + rows / rate (``task_overhead_s``:
    what running each table's load as its own task adds; ``digests``: verify compares chunk
    digests, as it does for a PostgreSQL source)."""
    rows = sum(_rows_of(t, sample) for t in sizes)
    n = len(sizes)
    dump_rate = sample.rate(sample.dump_seconds) or 50_000.0
    load_rate = sample.rate(sample.load_seconds) * LOAD_PROBE_FACTOR or 20_000.0
    workers = max(1, min(parallelism, cores or os.cpu_count() or 1, max(n, 1)))
    return {
        "dump": TABLE_OVERHEAD_S["dump"] * n + rows / (dump_rate * workers),
        "load": (TABLE_OVERHEAD_S["load"] + task_overhead_s) * n + rows / load_rate,
        "verify": (
            VERIFY_DIGEST_TABLE_OVERHEAD_S * n + rows / (dump_rate * VERIFY_DIGEST_RATE_FACTOR)
            if digests
            else TABLE_OVERHEAD_S["verify"] * n + rows / (dump_rate * VERIFY_RATE_FACTOR)
        ),
    }


def _rows_of(table: TableSize, sample: Sample) -> int:
    """The catalog's rows, or its bytes over the sample's bytes per row when it has no count."""
    if table.rows > 0:
        return table.rows
    if sample.bytes_per_row > 0:
        return int(table.bytes / sample.bytes_per_row)
    return 0


def calibration(
    history: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Per phase: the median of actual / raw prediction over the last runs, and its min/max."""
    ratios: dict[str, list[float]] = {p: [] for p in PHASES}
    for run in [h for h in history if h.get("estimate_raw") and h.get("phase_seconds")][-HISTORY_RUNS:]:
        for p in PHASES:
            raw, actual = run["estimate_raw"].get(p), run["phase_seconds"].get(p)
            if raw and actual:
                ratios[p].append(float(actual) / float(raw))
    factor = {p: statistics.median(r) for p, r in ratios.items() if r}
    spread = {p: (min(r), max(r)) for p, r in ratios.items() if r}
    return factor, spread


def predict(
    sizes: Sequence[TableSize],
    sample: Sample,
    *,
    parallelism: int = 4,
    history: Sequence[Mapping[str, Any]] = (),
    verify_passes: int = 1,
    cores: int | None = None,
    task_overhead_s: float = 0.0,
    digests: bool = False,
) -> Estimate:
    """The estimate from catalog sizes, a sample and the history of earlier runs."""
    raw = raw_prediction(sizes, sample, parallelism, cores, task_overhead_s, digests)
    factor, spread = calibration(history)
    phases = {p: raw[p] * factor.get(p, 1.0) for p in PHASES}
    ranges: dict[str, list[float]] = {}
    for p in PHASES:
        if p in spread and len(history) > 1:
            lo, hi = spread[p]
            ranges[p] = [raw[p] * lo * 0.85, raw[p] * hi * 1.15]
        else:
            ranges[p] = [phases[p] * DEFAULT_RANGE[0], phases[p] * DEFAULT_RANGE[1]]
    passes = {"dump": 1, "load": 1, "verify": verify_passes}
    total = sum(phases[p] * passes[p] for p in PHASES)
    low = sum(ranges[p][0] * passes[p] for p in PHASES)
    high = sum(ranges[p][1] * passes[p] for p in PHASES)
    runs = sum(1 for h in history if h.get("estimate_raw"))
    basis = f"catalog sizes, a {sample.rows:,}-row sample of {sample.table or 'no table'}" + (
        f", calibrated on {min(runs, HISTORY_RUNS)} earlier run(s)"
        if factor
        else ", no earlier run to learn from"
    )
    return Estimate(
        phases=phases,
        total_seconds=total,
        low=low,
        high=high,
        raw_phases=raw,
        phase_ranges=ranges,
        calibration={p: round(f, 3) for p, f in factor.items()},
        tables=len(sizes),
        rows=sum(_rows_of(t, sample) for t in sizes),
        bytes=sum(t.bytes for t in sizes),
        sample={
            "table": sample.table,
            "rows": sample.rows,
            "bytes_per_row": round(sample.bytes_per_row, 1),
            "dump_rows_per_s": round(sample.rate(sample.dump_seconds), 1),
            "load_rows_per_s": round(sample.rate(sample.load_seconds), 1),
        },
        basis=basis,
    )


def estimate_migration(
    spec: MigrationSpec,
    source: ConnInfo,
    target_server: ConnInfo,
    *,
    patterns: list[str] | None = None,
    history_dir: StoragePath | None = None,
    verify_passes: int = 1,
    task_overhead_s: float = 0.0,
) -> Estimate:
    """Catalog sizes + a sample on both servers + the history in ``history_dir`` -> the estimate."""
    from roachlift.runreport import read_history

    sizes = catalog_sizes(spec, source, patterns)
    if not sizes:
        raise RoachliftError(f"estimate: no table of {spec.name} matches {patterns or spec.source.include}")
    data, sample, ncols = sample_source(spec, source, sizes[0].name)
    if sample.rows:
        sample.load_seconds = sample_target(target_server, data, ncols)
    history = read_history(history_dir) if history_dir else []
    result = predict(
        sizes,
        sample,
        parallelism=spec.dump.parallelism,
        history=history,
        verify_passes=verify_passes,
        task_overhead_s=task_overhead_s,
        digests=adapter_for(spec.source.kind).verify_chunk_digests,
    )
    log.info("estimate %s", result.summary())
    return result


def write_json(estimate: Estimate, path: Path) -> None:
    """Write the JSON form."""
    path.write_text(json.dumps(estimate.to_json(), indent=2) + "\n", encoding="utf-8")


def _estimate_cli(args: Any) -> int:
    from roachlift.config.connections import resolve_connection
    from roachlift.config.spec import load_spec
    from roachlift.pipeline import migration_dir

    spec = load_spec(args.spec)
    patterns = [p for arg in args.tables or [] for p in arg.split(",") if p] or None
    result = estimate_migration(
        spec,
        resolve_connection(spec.source.conn_id),
        resolve_connection(spec.target.conn_id),
        patterns=patterns,
        history_dir=Path(args.history) if args.history else migration_dir(spec) / "reports",
        verify_passes=args.verify_passes,
    )
    for p in PHASES:
        lo, hi = result.phase_ranges[p]
        print(f"{p:>7}: {result.phases[p]:8.1f} s  ({lo:.1f} to {hi:.1f} s)")
    print(f"  total: {result.total_seconds:8.1f} s  ({result.low:.1f} to {result.high:.1f} s)")
    print(f"{result.rows:,} rows, {result.bytes / 1e6:,.1f} MB in {result.tables} tables; {result.basis}")
    if args.json:
        write_json(result, Path(args.json))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``estimate`` sub-command."""
    p = subparsers.add_parser("estimate", help="predict how long dump, load and verify will take")
    p.add_argument("--spec", required=True, help="migration spec file")
    p.add_argument("--json", help="write the estimate as JSON to this file")
    p.add_argument("--tables", action="append", metavar="PATTERN", help="only tables matching (glob)")
    p.add_argument("--history", help="reports folder with history.jsonl (default: the migration's)")
    p.add_argument("--verify-passes", type=int, default=1, help="verify passes to count (cutover: 2)")
    p.set_defaults(handler=_estimate_cli)
