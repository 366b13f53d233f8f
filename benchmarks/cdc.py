"""CDC benchmark: roachlift's batched applier against a row-at-a-time loop, and lag under load.

(a) ``--changes N`` changes (inserts, updates, deletes, in small source transactions) are queued in a
    wal2json slot; roachlift applies them (coalesced multi-row statements, many source transactions
    per target transaction) and a row-at-a-time loop applies the same stream read from a second slot
    (one INSERT/UPDATE/DELETE per change, COMMIT per change). Both read and decode the same way.
(c) ``--big-txn N`` (0 to skip): ONE source transaction updating N rows, then 4 x N, each applied by
    a fresh process; prints each process's peak RSS (bounded memory: the two should be close).
(b) ``--lag-seconds S`` (0 to skip): a writer makes ``--rate`` changes/s while the applier runs;
    prints percentiles of the delay from each source commit to its apply on the target.

Runs its own PostgreSQL (roachlift.testing) unless ``--dsn`` names a server. Last line:
``ratio=<roachlift ÷ row-at-a-time>``.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from roachlift.cdc.apply import BatchApplier, run_applier
from roachlift.cdc.model import Change, Commit, Event, Op, Position
from roachlift.cdc.postgres import PostgresSource, lsn_to_int

DDL = "CREATE TABLE bench (id bigint PRIMARY KEY, a int, b text, c timestamptz)"


def make_db(admin_dsn: str, name: str) -> str:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = on").format(sql.Identifier(name)))
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DDL)
    return dsn


def queue_changes(dsn: str, n: int, txn_size: int = 10, seed: int = 1) -> int:
    """Write ``n`` changes in transactions of ``txn_size``: 50% inserts, 35% updates, 15% deletes."""
    rnd = random.Random(seed)
    live: list[int] = []
    next_id = 1
    done = 0
    with psycopg.connect(dsn) as conn, conn.pipeline():
        while done < n:
            with conn.transaction():
                for _ in range(min(txn_size, n - done)):
                    r = rnd.random()
                    if r < 0.5 or len(live) < 100:
                        conn.execute(
                            "INSERT INTO bench VALUES (%s, %s, %s, now())",
                            (next_id, next_id % 1000, f"row {next_id}"),
                        )
                        live.append(next_id)
                        next_id += 1
                    elif r < 0.85:
                        k = live[rnd.randrange(len(live))]
                        conn.execute("UPDATE bench SET a = a + 1, b = %s WHERE id = %s", (f"upd {done}", k))
                    else:
                        k = live.pop(rnd.randrange(len(live)))
                        conn.execute("DELETE FROM bench WHERE id = %s", (k,))
                    done += 1
    return done


def row_at_a_time(source: PostgresSource, target_dsn: str) -> int:
    """The seed's loop: each change is one statement and one commit."""
    source.open(None)
    n = 0
    try:
        with psycopg.connect(target_dsn) as conn:
            while True:
                got = 0
                last: Commit | None = None
                # the same read-ahead as roachlift's applier, so both pay the same to read
                for event in source.read(5_000 * source.read_ahead):
                    if isinstance(event, Commit):
                        last = event
                        continue
                    got += 1
                    _apply_one(conn, event)
                    conn.commit()
                if last is None:
                    return n
                source.release(last.position)
                n += got
    finally:
        source.close()


def _apply_one(conn: psycopg.Connection, c: Change) -> None:
    if c.op is Op.INSERT and c.new is not None:
        cols = list(c.new)
        conn.execute(
            sql.SQL("INSERT INTO bench ({}) VALUES ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, cols)),
                sql.SQL(", ").join([sql.Placeholder()] * len(cols)),
            ),
            [c.new[k] for k in cols],
        )
    elif c.op is Op.UPDATE and c.new is not None:
        cols = [k for k in c.new if k != "id"]
        conn.execute(
            sql.SQL("UPDATE bench SET {} WHERE id = %s").format(
                sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in cols)
            ),
            [*(c.new[k] for k in cols), (c.old_key or c.new)["id"]],
        )
    elif c.op is Op.DELETE and c.old_key is not None:
        conn.execute("DELETE FROM bench WHERE id = %s", (c.old_key["id"],))


class LatencyProbe:
    """Wraps a source and records, per source transaction, commit → applied-on-target delay."""

    def __init__(self, inner: PostgresSource) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.read_ahead = inner.read_ahead
        self.pending: list[tuple[int, float]] = []
        self.delays: list[float] = []

    def open(self, resume: Position | None) -> Position:
        return self.inner.open(resume)

    def read(self, max_changes: int) -> Iterator[Event]:
        changed = False
        for event in self.inner.read(max_changes):
            if isinstance(event, Change):
                changed = True
            elif changed and event.commit_time is not None:  # not empty ones (e.g. autovacuum's)
                self.pending.append((lsn_to_int(event.position["lsn"]), event.commit_time.timestamp()))
                changed = False
            yield event

    def release(self, position: Position) -> None:
        now, upto = time.time(), lsn_to_int(position["lsn"])
        self.delays += [now - t for lsn, t in self.pending if lsn <= upto]
        self.pending = [(lsn, t) for lsn, t in self.pending if lsn > upto]
        self.inner.release(position)

    def lag(self, position: Position) -> tuple[int | None, int | None]:
        return self.inner.lag(position)

    def close(self) -> None:
        self.inner.close()


def lag_run(source_dsn: str, target_dsn: str, slot: str, seconds: float, rate: int) -> list[float]:
    """A writer at ``rate`` changes/s (transactions of 10) while the applier runs; commit→apply delays."""
    stop = threading.Event()

    def writer() -> None:
        i = 10_000_000
        with psycopg.connect(source_dsn) as conn:
            t0 = time.monotonic()
            sent = 0
            while not stop.is_set():
                with conn.transaction():
                    for _ in range(10):
                        conn.execute("INSERT INTO bench VALUES (%s, 1, 'lag', now())", (i,))
                        i += 1
                sent += 10
                ahead = sent / rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)

    probe = LatencyProbe(PostgresSource(source_dsn, slot))
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        run_applier(
            probe,
            target_dsn,
            migration="lag",
            until_caught_up=False,
            max_seconds=seconds,
            batch_changes=5_000,
        )
    finally:
        stop.set()
        thread.join()
    return probe.delays


def _durable_server() -> type:
    """The test harness's PostgreSQL, but with ``fsync`` and ``full_page_writes`` on, as a real
    target persists each commit (the harness turns both off to make tests fast)."""
    from roachlift.testing import PostgresServer

    class DurablePostgresServer(PostgresServer):
        def _cmd(self, *args: str) -> list[str]:
            swap = {"fsync=off": "fsync=on", "full_page_writes=off": "full_page_writes=on"}
            return super()._cmd(*(swap.get(a, a) for a in args))

    return DurablePostgresServer


def _FastServer() -> Any:
    from roachlift.testing import PostgresServer

    return PostgresServer()


_APPLY_ONE = """
import resource, sys
sys.path.insert(0, sys.argv[4])
from roachlift.cdc.apply import run_applier
from roachlift.cdc.postgres import PostgresSource
source = PostgresSource(sys.argv[1], sys.argv[2])
stats = run_applier(source, sys.argv[3], migration="big", batch_changes=5_000)
print(stats.changes, stats.txns, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def big_txn_rss(admin: str, n: int) -> tuple[int, float, float]:
    """One source transaction of ``n`` updates, applied by a fresh process: (changes, seconds, peak MB)."""
    src, tgt = make_db(admin, "bench_big_src"), make_db(admin, "bench_big_tgt")
    for dsn in (src, tgt):
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO bench SELECT g, g %% 1000, 'row ' || g, now() FROM generate_series(1, %s) g",
                (n,),
            )
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute("SELECT pg_create_logical_replication_slot('bench_big', 'wal2json')")
        conn.execute("UPDATE bench SET a = a + 1, b = b || ' updated'")
    t0 = time.monotonic()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _APPLY_ONE,
            src,
            "bench_big",
            tgt,
            str(Path(__file__).resolve().parents[1] / "plugins"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    seconds = time.monotonic() - t0
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute("SELECT pg_drop_replication_slot('bench_big')")
    return int(out[0]), seconds, int(out[2]) / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=200_000)
    parser.add_argument("--batch-changes", type=int, default=5_000)
    parser.add_argument("--lag-seconds", type=float, default=20.0, help="length of the lag run (0: skip)")
    parser.add_argument(
        "--big-txn", type=int, default=100_000, help="rows of the one-transaction run (0: skip)"
    )
    parser.add_argument("--rate", type=int, default=2_000, help="writer changes/s in the lag run")
    parser.add_argument("--dsn", help="admin DSN of a PostgreSQL server with wal_level=logical and wal2json")
    parser.add_argument(
        "--no-fsync", action="store_true", help="run the server with fsync off (test harness default)"
    )
    args = parser.parse_args(argv)

    server: Any = None
    admin = args.dsn
    if not admin:
        server = (_FastServer if args.no_fsync else _durable_server())()
        server.start()
        admin = server.dsn("postgres")
    with psycopg.connect(admin) as conn:
        fsync = conn.execute("SHOW fsync").fetchone()
    print(
        f"server: fsync={fsync[0] if fsync else '?'} "
        "(a real target persists each commit; --no-fsync to compare)"
    )
    try:
        src = make_db(admin, "bench_source")
        fast, slow = make_db(admin, "bench_roachlift"), make_db(admin, "bench_rowwise")
        ordered = make_db(admin, "bench_source_order")
        with psycopg.connect(src, autocommit=True) as conn:
            for slot in ("bench_a", "bench_b", "bench_c"):
                conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    " WHERE slot_name = %s",
                    (slot,),
                )
                conn.execute("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (slot,))
        t0 = time.monotonic()
        n = queue_changes(src, args.changes)
        print(f"queued {n} changes in {time.monotonic() - t0:.1f}s")

        t0 = time.monotonic()
        stats = run_applier(
            PostgresSource(src, "bench_a"),
            fast,
            migration="bench",
            until_caught_up=True,
            batch_changes=args.batch_changes,
        )
        fast_s = time.monotonic() - t0
        fast_rate = stats.changes / fast_s
        print(
            f"roachlift:    {stats.changes} changes, {stats.txns} txns, {stats.batches} batches "
            f"in {fast_s:.2f}s "
            f"= {fast_rate:,.0f} changes/s ({stats.source_order_flushes} flushes fell back to source order)"
        )

        # what keeping every constraint legal costs when the reordered form is rejected: every flush
        # written in source order (runs of one table and kind, no coalescing across repeated keys)
        BatchApplier.always_source_order = True
        t0 = time.monotonic()
        in_order = run_applier(
            PostgresSource(src, "bench_c"), ordered, migration="bench", batch_changes=args.batch_changes
        )
        BatchApplier.always_source_order = False
        order_s = time.monotonic() - t0
        print(
            f"roachlift, every flush in source order: {in_order.changes} changes in {order_s:.2f}s "
            f"= {in_order.changes / order_s:,.0f} changes/s"
        )
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process so far: {rss_mb:.0f} MB")

        t0 = time.monotonic()
        applied = row_at_a_time(PostgresSource(src, "bench_b"), slow)
        slow_s = time.monotonic() - t0
        slow_rate = applied / slow_s
        print(f"row-at-a-time: {applied} changes in {slow_s:.2f}s = {slow_rate:,.0f} changes/s")

        q = "SELECT md5(string_agg(row_to_json(r)::text, '' ORDER BY id)) FROM bench AS r"
        sums = []
        for dsn in (src, fast, slow, ordered):
            with psycopg.connect(dsn) as conn:
                row = conn.execute(q).fetchone()
                sums.append(row[0] if row else None)
        print(
            f"targets equal the source: roachlift={sums[1] == sums[0]} row-at-a-time={sums[2] == sums[0]} "
            f"source-order={sums[3] == sums[0]}"
        )

        if args.lag_seconds > 0:
            delays = lag_run(src, fast, "bench_a", args.lag_seconds, args.rate)
            if delays:
                print(
                    f"lag at {args.rate} changes/s for {args.lag_seconds:.0f}s ({len(delays)} txns): "
                    f"p50={pct(delays, 50):.3f}s p90={pct(delays, 90):.3f}s p99={pct(delays, 99):.3f}s "
                    f"max={max(delays):.3f}s mean={statistics.fmean(delays):.3f}s"
                )
        if args.big_txn > 0:
            for n in (args.big_txn, 4 * args.big_txn):
                changes, seconds, peak = big_txn_rss(admin, n)
                print(
                    f"one source transaction of {n} updates: {changes} changes applied in {seconds:.1f}s, "
                    f"peak RSS of the applier process {peak:.0f} MB"
                )
        print(f"ratio={fast_rate / slow_rate:.1f}")
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
