"""The cutover's final check of changed rows: only the given keys are compared, plus row counts."""

from __future__ import annotations

import psycopg

from roachlift.testing import PostgresServer
from roachlift.verify.compare import TableRef, verify_rows


def _db(pg_server: PostgresServer, name: str, rows: list[tuple[int, int, str]]) -> str:
    dsn = pg_server.create_database(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (a int, b int, v text, PRIMARY KEY (b, a))")
        with conn.cursor().copy("COPY t FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    return dsn


def test_changed_keys_are_compared_and_counts_checked(pg_server: PostgresServer) -> None:
    base = [(i, i % 3, f"v{i}") for i in range(1, 200)]
    src = _db(pg_server, "vr_src", base)
    changed = [(a, b, "CHANGED" if a == 7 else v) for a, b, v in base if a != 9] + [(500, 1, "extra")]
    tgt = _db(pg_server, "vr_tgt", changed)
    ref = TableRef("t", "public", "t", "public")
    # keys as the applier records them: text, in the target key's column order (b, a)
    keys = [("1", "7"), ("0", "9"), ("1", "500"), ("2", "8")]
    result = verify_rows(src, tgt, ref, keys, ["b", "a"])
    assert result.error is None, result.error
    assert (result.mismatched, result.missing, result.extra) == (1, 1, 1)
    assert result.mismatched_sample[0].columns == ("v",)
    assert result.rows_source == 199 and result.rows_target == 199
    # the untouched rows are not read: a difference there shows only through the counts
    assert verify_rows(src, tgt, ref, [("2", "8")], ["b", "a"]).ok
    with psycopg.connect(tgt, autocommit=True) as conn:
        conn.execute("DELETE FROM t WHERE a = 500")
    counted = verify_rows(src, tgt, ref, [("2", "8")], ["b", "a"])
    assert not counted.ok and "row counts differ" in (counted.error or "")
