"""Crash test: the applier process is killed with SIGKILL at random points while a writer keeps
changing the source; after restarts the target equals the source row for row."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pymysql

from roachlift.cdc.apply import run_applier
from roachlift.cdc.mysql import MySQLSource, master_status
from roachlift.cdc.postgres import PostgresSource
from roachlift.testing import MariaDBServer

from .conftest import execute, rows

DDL = [
    "CREATE TABLE acct (id int PRIMARY KEY, balance bigint NOT NULL, note text, blob text)",
    "ALTER TABLE acct ALTER COLUMN blob SET STORAGE EXTERNAL",
    "CREATE TABLE ledger (acct int, seq int, amount bigint, PRIMARY KEY (acct, seq))",
]


def writer(dsn: str, stop: threading.Event, seed: int) -> int:
    """Random transactions of inserts, updates, PK changes and deletes until ``stop``; returns txns."""
    rnd = random.Random(seed)
    n = 0
    big = "B" * 50_000
    with psycopg.connect(dsn) as conn:
        while not stop.is_set():
            with conn.transaction():
                for _ in range(rnd.randint(1, 8)):
                    k = rnd.randint(1, 300)
                    op = rnd.random()
                    if op < 0.4:
                        conn.execute(
                            "INSERT INTO acct VALUES (%s, %s, %s, %s)"
                            " ON CONFLICT (id) DO UPDATE SET balance = acct.balance + 1",
                            (k, rnd.randint(0, 1000), f"n{k}", big if k % 10 == 0 else None),
                        )
                        conn.execute(
                            "INSERT INTO ledger VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                            (k, rnd.randint(1, 20), k),
                        )
                    elif op < 0.75:
                        conn.execute(
                            "UPDATE acct SET balance = balance + %s WHERE id = %s", (rnd.randint(-5, 5), k)
                        )
                    elif op < 0.85:
                        conn.execute(
                            "UPDATE acct SET id = %s WHERE id = %s"
                            " AND NOT EXISTS (SELECT 1 FROM acct WHERE id = %s)",
                            (k + 1000, k, k + 1000),
                        )
                    else:
                        conn.execute("DELETE FROM acct WHERE id = %s", (k,))
                        conn.execute(
                            "DELETE FROM ledger WHERE acct = %s AND seq < %s", (k, rnd.randint(1, 20))
                        )
            n += 1
            time.sleep(0.001)
    return n


def _pg_crash_loop(
    pg_db: str,
    pg_target: str,
    pg_slot: str,
    write: Any,
    tables: dict[str, str],
    seconds: float = 6,
    min_rows: int = 3,
) -> None:
    """Kill the applier with SIGKILL at random points while ``write`` changes the source; after a
    last run the target equals the source row for row (``tables``: name → ORDER BY key)."""
    stop = threading.Event()
    counts: list[int] = []
    thread = threading.Thread(target=lambda: counts.append(write(pg_db, stop, 42)))
    thread.start()
    rnd = random.Random(7)
    script = str(Path(__file__).with_name("applier_process.py"))
    kills = 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    script,
                    "postgres",
                    pg_db,
                    pg_slot,
                    pg_target,
                    "crash",
                    str(rnd.choice([5, 50, 500])),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(rnd.uniform(0.4, 1.5))
            if proc.poll() is not None:
                raise AssertionError(
                    f"applier exited early: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
    finally:
        stop.set()
        thread.join()
    assert kills >= 4 and counts[0] > 50
    stats = run_applier(PostgresSource(pg_db, pg_slot), pg_target, migration="crash", batch_changes=1000)
    assert stats.caught_up
    for table, key in tables.items():
        query = f"SELECT row_to_json(r)::text FROM {table} AS r ORDER BY {key}"
        source, target = rows(pg_db, query), rows(pg_target, query)
        assert len(source) >= min_rows
        assert source == target, table
    # the checkpoint is where the slot is: nothing left behind, nothing to replay
    (saved,) = rows(
        pg_target, "SELECT position->>'lsn' FROM roachlift_cdc_checkpoint WHERE migration = 'crash'"
    )[0]
    (confirmed,) = rows(
        pg_db, f"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{pg_slot}'"
    )[0]
    assert saved == confirmed


def test_sigkill_at_random_points_loses_and_repeats_nothing(pg_db: str, pg_target: str, pg_slot: str) -> None:
    execute(pg_target, *DDL)
    execute(pg_db, *DDL)
    _pg_crash_loop(pg_db, pg_target, pg_slot, writer, {"acct": "id", "ledger": "acct, seq"}, min_rows=50)


FK_DDL = [
    "CREATE TABLE parent (id int PRIMARY KEY, code text NOT NULL UNIQUE)",
    "CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id), n int)",
    "CREATE TABLE emp (id int PRIMARY KEY, boss int REFERENCES emp (id), email text UNIQUE)",
]


def fk_writer(dsn: str, stop: threading.Event, seed: int) -> int:
    """The constraint workloads of test_constraints.py at random: child-then-parent deletes,
    re-parent then delete, parent-then-child inserts, unique swaps through a temporary value,
    self-reference chains; returns how many transactions committed."""
    rnd = random.Random(seed)
    n = 0
    next_id = 1_000
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 20) g")
        conn.execute("INSERT INTO child SELECT g, 1 + g % 20, 0 FROM generate_series(1, 60) g")
        conn.commit()
        while not stop.is_set():
            parents = [r[0] for r in conn.execute("SELECT id FROM parent").fetchall()]
            pick = rnd.choice(parents)
            other = rnd.choice(parents)
            shape = rnd.random()
            with conn.transaction():
                if shape < 0.2 and len(parents) > 5:
                    conn.execute("DELETE FROM child WHERE parent_id = %s", (pick,))
                    conn.execute("DELETE FROM parent WHERE id = %s", (pick,))
                elif shape < 0.4 and len(parents) > 5 and pick != other:
                    conn.execute("UPDATE child SET parent_id = %s WHERE parent_id = %s", (other, pick))
                    conn.execute("DELETE FROM parent WHERE id = %s", (pick,))
                elif shape < 0.6:
                    next_id += 2
                    conn.execute("INSERT INTO parent VALUES (%s, %s)", (next_id, f"p{next_id}"))
                    for k in range(rnd.randint(1, 4)):
                        conn.execute("INSERT INTO child VALUES (%s, %s, %s)", (next_id * 10 + k, next_id, k))
                elif shape < 0.8 and pick != other:
                    code_a, code_b = (
                        conn.execute("SELECT code FROM parent WHERE id = %s", (i,)).fetchone()[0]  # type: ignore[index]
                        for i in (pick, other)
                    )
                    conn.execute("UPDATE parent SET code = 'swap-tmp' WHERE id = %s", (pick,))
                    conn.execute("UPDATE parent SET code = %s WHERE id = %s", (code_a, other))
                    conn.execute("UPDATE parent SET code = %s WHERE id = %s", (code_b, pick))
                elif shape < 0.87:
                    # partitioned table: rows into every partition, now and then one partition truncated
                    conn.execute(
                        "INSERT INTO events SELECT %s * 10 + g, (date '2024-01-01' + g * 61), 'x'"
                        " FROM generate_series(0, 9) g",
                        (next_id,),
                    )
                    next_id += 2
                    if rnd.random() < 0.2:
                        conn.execute(f"TRUNCATE events_{rnd.choice(['h1', 'h2', 'other'])}")  # type: ignore[arg-type]
                else:
                    next_id += 2
                    boss = None
                    for k in range(3):
                        conn.execute(
                            "INSERT INTO emp VALUES (%s, %s, %s)", (next_id * 10 + k, boss, f"e{next_id}-{k}")
                        )
                        boss = next_id * 10 + k
                    if rnd.random() < 0.5:
                        for k in (2, 1, 0):
                            conn.execute("DELETE FROM emp WHERE id = %s", (next_id * 10 + k,))
            n += 1
            time.sleep(0.001)
    return n


def test_sigkill_during_constraint_workloads(pg_db: str, pg_target: str, pg_slot: str) -> None:
    execute(pg_target, *FK_DDL, "CREATE TABLE events (id int, at date, v text, PRIMARY KEY (id, at))")
    execute(
        pg_db,
        *FK_DDL,
        "CREATE TABLE events (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
        "CREATE TABLE events_h1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')",
        "CREATE TABLE events_h2 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2025-01-01')",
        "CREATE TABLE events_other PARTITION OF events DEFAULT",
    )
    _pg_crash_loop(
        pg_db,
        pg_target,
        pg_slot,
        fk_writer,
        {"parent": "id", "child": "id", "emp": "id", "events": "id, at"},
    )


def mysql_writer(kwargs: dict[str, Any], stop: threading.Event, seed: int) -> int:
    """Random transactions on the MariaDB source until ``stop``; returns how many committed."""
    rnd = random.Random(seed)
    n = 0
    conn = pymysql.connect(**kwargs)
    try:
        with conn.cursor() as cur:
            while not stop.is_set():
                for _ in range(rnd.randint(1, 6)):
                    k = rnd.randint(1, 200)
                    op = rnd.random()
                    if op < 0.45:
                        cur.execute(
                            "INSERT INTO acct VALUES (%s, %s, %s)"
                            " ON DUPLICATE KEY UPDATE balance = balance + 1",
                            (k, rnd.randint(0, 1000), f"n{k}"),
                        )
                    elif op < 0.75:
                        cur.execute(
                            "UPDATE acct SET balance = balance + %s WHERE id = %s", (rnd.randint(-5, 5), k)
                        )
                    elif op < 0.85:
                        cur.execute("UPDATE IGNORE acct SET id = %s WHERE id = %s", (k + 1000, k))
                    else:
                        cur.execute("DELETE FROM acct WHERE id = %s", (k,))
                conn.commit()
                n += 1
                time.sleep(0.002)
    finally:
        conn.close()
    return n


def _mysql_crash_loop(
    mariadb_server: MariaDBServer,
    mysql_db: str,
    pg_target: str,
    mysql_ddl: list[str],
    pg_ddl: list[str],
    write: Any,
    tables: dict[str, str],
) -> None:
    """Kill the MySQL-fed applier with SIGKILL at random points while ``write`` changes the source;
    after a last run every table of ``tables`` (name → column list, in key order) is equal."""
    execute(pg_target, *pg_ddl)
    kwargs = mariadb_server.connect_kwargs(mysql_db)
    conn = pymysql.connect(**kwargs, autocommit=True)  # type: ignore[arg-type]
    with conn.cursor() as cur:
        for ddl in mysql_ddl:
            cur.execute(ddl)
    start = master_status(mariadb_server.connect_kwargs())
    stop = threading.Event()
    counts: list[int] = []
    thread = threading.Thread(target=lambda: counts.append(write(kwargs, stop, 3)))
    thread.start()
    rnd = random.Random(11)
    script = str(Path(__file__).with_name("applier_process.py"))
    kills = 0
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    script,
                    "mysql",
                    str(mariadb_server.port),
                    mysql_db,
                    start["binlog_file"],
                    str(start["binlog_pos"]),
                    pg_target,
                    "crash",
                    str(rnd.choice([5, 50])),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(rnd.uniform(0.4, 1.2))
            if proc.poll() is not None:
                raise AssertionError(
                    f"applier exited early: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
    finally:
        stop.set()
        thread.join()
    assert kills >= 4 and counts[0] > 50
    source = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    assert run_applier(source, pg_target, migration="crash").caught_up
    for table, columns in tables.items():
        with conn.cursor() as cur:
            cur.execute(f"SELECT {columns} FROM {table} ORDER BY 1")
            expected = [tuple(r) for r in cur.fetchall()]
        assert len(expected) >= 3, table
        assert rows(pg_target, f"SELECT {columns} FROM {table} ORDER BY 1") == expected, table
    conn.close()


def test_mysql_sigkill_at_random_points(mariadb_server: MariaDBServer, mysql_db: str, pg_target: str) -> None:
    ddl = "CREATE TABLE acct (id int PRIMARY KEY, balance bigint NOT NULL, note varchar(20))"
    _mysql_crash_loop(
        mariadb_server, mysql_db, pg_target, [ddl], [ddl], mysql_writer, {"acct": "id, balance, note"}
    )


def mysql_fk_writer(kwargs: dict[str, Any], stop: threading.Event, seed: int) -> int:
    """:func:`fk_writer`'s shapes on MariaDB: child-then-parent deletes, re-parenting, parent-then-child
    inserts, unique swaps through a temporary value, self-reference chains."""
    rnd = random.Random(seed)
    n = 0
    next_id = 1_000
    conn = pymysql.connect(**kwargs)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_20")
            cur.execute("INSERT INTO child SELECT seq, 1 + seq % 20, 0 FROM seq_1_to_60")
            conn.commit()
            while not stop.is_set():
                cur.execute("SELECT id, code FROM parent")
                parents = list(cur.fetchall())
                (pick, code_a), (other, code_b) = rnd.choice(parents), rnd.choice(parents)
                shape = rnd.random()
                if shape < 0.2 and len(parents) > 5:
                    cur.execute("DELETE FROM child WHERE parent_id = %s", (pick,))
                    cur.execute("DELETE FROM parent WHERE id = %s", (pick,))
                elif shape < 0.4 and len(parents) > 5 and pick != other:
                    cur.execute("UPDATE child SET parent_id = %s WHERE parent_id = %s", (other, pick))
                    cur.execute("DELETE FROM parent WHERE id = %s", (pick,))
                elif shape < 0.6:
                    next_id += 2
                    cur.execute("INSERT INTO parent VALUES (%s, %s)", (next_id, f"p{next_id}"))
                    for k in range(rnd.randint(1, 4)):
                        cur.execute("INSERT INTO child VALUES (%s, %s, %s)", (next_id * 10 + k, next_id, k))
                elif shape < 0.8 and pick != other:
                    cur.execute("UPDATE parent SET code = 'swap-tmp' WHERE id = %s", (pick,))
                    cur.execute("UPDATE parent SET code = %s WHERE id = %s", (code_a, other))
                    cur.execute("UPDATE parent SET code = %s WHERE id = %s", (code_b, pick))
                else:
                    next_id += 2
                    boss = None
                    for k in range(3):
                        cur.execute(
                            "INSERT INTO emp VALUES (%s, %s, %s)", (next_id * 10 + k, boss, f"e{next_id}-{k}")
                        )
                        boss = next_id * 10 + k
                    if rnd.random() < 0.5:
                        for k in (2, 1, 0):
                            cur.execute("DELETE FROM emp WHERE id = %s", (next_id * 10 + k,))
                conn.commit()
                n += 1
                time.sleep(0.002)
    finally:
        conn.close()
    return n


MYSQL_FK_DDL = [
    "CREATE TABLE parent (id int PRIMARY KEY, code varchar(20) NOT NULL UNIQUE) ENGINE=InnoDB",
    "CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL, n int,"
    " FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
    "CREATE TABLE emp (id int PRIMARY KEY, boss int, email varchar(40) UNIQUE,"
    " FOREIGN KEY (boss) REFERENCES emp (id)) ENGINE=InnoDB",
]


def test_mysql_sigkill_during_constraint_workloads(
    mariadb_server: MariaDBServer, mysql_db: str, pg_target: str
) -> None:
    pg_ddl = [d.replace(" ENGINE=InnoDB", "") for d in FK_DDL]
    _mysql_crash_loop(
        mariadb_server,
        mysql_db,
        pg_target,
        MYSQL_FK_DDL,
        pg_ddl,
        mysql_fk_writer,
        {"parent": "id, code", "child": "id, parent_id, n", "emp": "id, boss, email"},
    )
