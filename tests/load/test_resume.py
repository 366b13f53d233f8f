"""Resume inside a table (COPY mode), against the real PostgreSQL test server as the target.

A failure is injected inside the k-th batch's transaction (after its COPY and progress write, so
both roll back together, as they would when the process dies); the rerun with ``resume`` must
continue from the last committed batch: every row exactly once, in no more batches than one
unbroken run. Files mix gzip and plain, rows with quotes and newlines, a part without a final
newline, and chunk sizes that cut rows anywhere.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from load_helpers import write_dump

from roachlift.errors import RoachliftError
from roachlift.load import progress
from roachlift.load.copy import CopyPosition, copy_files
from roachlift.load.loader import copy_load, load_table
from roachlift.load.manifest import Manifest
from roachlift.testing import PostgresServer

PIECES = ["a", "b,c", 'q"uote', "line\nbreak", "", '""', "\n", "plain text", "ünï ☃"]


class Boom(Exception):
    """The injected failure."""


def _rows(seed: int, n: int, start: int) -> list[list[object]]:
    rnd = random.Random(seed)
    return [[i, rnd.choice(PIECES), rnd.choice(PIECES)] for i in range(start, start + n)]


def _csv(rows: list[list[object]], final_newline: bool = True) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    data = out.getvalue().encode()
    return data if final_newline else data[:-1]


def _dump(tmp: Path, *, gzip_files: bool, sizes: tuple[int, ...] = (130, 1, 77, 200)) -> tuple[Path, list]:
    parts, every, start = [], [], 0
    for n, size in enumerate(sizes):
        rows = _rows(n, size, start)
        start += size
        every += rows
        parts.append(_csv(rows, final_newline=n != 2))  # part 3 ends without a newline
    path = write_dump(tmp, "t", "public.t", ["id", "a", "b"], parts, gzip_files=gzip_files)
    # write_dump counts newlines: the part without a final one holds one row more
    text = path.read_text()
    import json

    data = json.loads(text)
    data["rows"] = len(every)
    data["files"][2]["rows"] = sizes[2]
    data["dump_id"] = "dump-a"
    path.write_text(json.dumps(data))
    return path, every


def _table(dsn: str) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("DROP TABLE IF EXISTS t")
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, a text, b text)")
    return conn


def _content(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute("SELECT id, a, b FROM t ORDER BY id").fetchall()


def _expected(rows: list[list[object]]) -> list[tuple]:
    # CSV empty unquoted field = NULL; csv.writer writes "" as an empty unquoted field
    return [(r[0], r[1] or None, r[2] or None) for r in rows]


@pytest.mark.parametrize("gzip_files", [False, True])
@pytest.mark.parametrize("fail_at", [1, 2, 5, 9])
def test_rerun_continues_from_the_last_committed_batch(
    tmp_path: Path, pg_db: str, monkeypatch: pytest.MonkeyPatch, gzip_files: bool, fail_at: int
) -> None:
    manifest_path, every = _dump(tmp_path, gzip_files=gzip_files)
    manifest = Manifest.read(manifest_path)
    batch = 37
    unbroken_batches = -(-len(every) // batch)
    real_write = progress.write
    calls = {"n": 0}

    def failing_write(*args: object) -> None:
        real_write(*args)  # type: ignore[arg-type]
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise Boom("killed inside the batch")

    conn = _table(pg_db)
    with conn:
        monkeypatch.setattr(progress, "write", failing_write)
        with pytest.raises(Boom):
            copy_load(conn, manifest, "truncate", batch)
        monkeypatch.setattr(progress, "write", real_write)
        committed = conn.execute("SELECT count(*) FROM t").fetchone()
        assert committed == ((fail_at - 1) * batch,)
        pos = progress.read(conn, manifest.identity, "public.t")[progress.COPY_UNIT] if fail_at > 1 else None
        if pos is not None:
            assert (pos.rows, pos.batches) == ((fail_at - 1) * batch, fail_at - 1)
        stats = copy_load(conn, manifest, "truncate", batch, resume=True)
        assert stats.resumed_rows == (fail_at - 1) * batch
        assert stats.rows == len(every) - stats.resumed_rows
        assert _content(conn) == _expected(every)
        final = progress.read(conn, manifest.identity, "public.t")[progress.COPY_UNIT]
        assert (final.rows, final.batches) == (len(every), unbroken_batches)
        assert final.file_name == manifest.files[-1].path.name


@pytest.mark.parametrize("chunk", [1, 5, 64, 1 << 20])
def test_copy_positions_are_row_boundaries_in_each_file(tmp_path: Path, pg_db: str, chunk: int) -> None:
    """Starting at any recorded position loads exactly the rows after it."""
    manifest_path, every = _dump(tmp_path, gzip_files=chunk == 5)
    manifest = Manifest.read(manifest_path)
    paths = [f.path for f in manifest.files]
    conn = _table(pg_db)
    with conn:
        positions: list[CopyPosition] = []
        copy_files(conn, "t", ["id", "a", "b"], paths, 23, chunk, on_commit=positions.append)
        assert _content(conn) == _expected(every)
        for pos in random.Random(chunk).sample(positions, 4):
            conn.execute("DELETE FROM t WHERE id >= %s", (pos.rows,))
            stats = copy_files(conn, "t", ["id", "a", "b"], paths, 23, chunk, start=pos)
            assert stats.rows == len(every) - pos.rows
            assert _content(conn) == _expected(every)


def test_resume_refuses_a_table_changed_since_and_a_new_dump_starts_over(tmp_path: Path, pg_db: str) -> None:
    manifest_path, every = _dump(tmp_path, gzip_files=False)
    conn = _table(pg_db)
    with conn:
        positions: list[CopyPosition] = []
        manifest = Manifest.read(manifest_path)

        def stop_after_two(pos: CopyPosition) -> None:
            progress.write(
                conn,
                manifest.identity,
                "public.t",
                progress.Position(
                    0,
                    pos.file_index,
                    manifest.files[pos.file_index].path.name,
                    pos.offset,
                    pos.rows,
                    pos.batches,
                    None,
                    False,
                ),
            )
            positions.append(pos)
            if len(positions) == 3:
                raise Boom

        progress.ensure_table(conn, "public.t")
        with pytest.raises(Boom):
            copy_files(
                conn,
                "public.t",
                ["id", "a", "b"],
                [f.path for f in manifest.files],
                40,
                on_commit=stop_after_two,
            )
        conn.execute("DELETE FROM t WHERE id = 3")
        with pytest.raises(
            RoachliftError, match=r"public\.t: cannot resume: the target holds 79 row\(s\) but 80"
        ):
            copy_load(conn, manifest, "fail-if-not-empty", 40, resume=True)

        # a new dump of the same table (another dump_id) never continues from dump-a's position
        import json

        data = json.loads(manifest_path.read_text())
        data["dump_id"] = "dump-b"
        manifest_path.write_text(json.dumps(data))
        fresh = Manifest.read(manifest_path)
        assert fresh.identity != manifest.identity
        with pytest.raises(RoachliftError, match="fail-if-not-empty"):  # nothing recorded for dump-b
            load_table(conn, manifest_path, "copy", "resume", 40, "postgres")
        res = load_table(conn, manifest_path, "copy", "truncate", 40, "postgres", resume=True)
        assert res.rows == len(every)
        assert _content(conn) == _expected(every)
        ids = conn.execute("SELECT DISTINCT dump_id FROM public.roachlift_load_progress").fetchall()
        assert ids == [(fresh.identity,)]


def test_an_airflow_retry_resumes_and_a_first_try_follows_the_spec(
    tmp_path: Path, pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CopyLoadTableOperator: try 1 uses the spec's handling; try 2 continues after the last batch."""
    from airflow.sdk.exceptions import AirflowFailException

    from roachlift import pipeline
    from roachlift.airflow import operators
    from roachlift.config.connections import parse_uri
    from roachlift.config.spec import parse_spec

    manifest_path, every = _dump(tmp_path, gzip_files=True)
    manifest = Manifest.read(manifest_path)
    pg_server.create_database("resume_op")
    spec = parse_spec(
        {
            "name": "op",
            "source": {"kind": "postgres", "conn_id": "src"},
            "target": {"conn_id": "tgt", "database": "resume_op", "dialect": "postgres"},
            "load": {"method": "copy", "copy_batch_rows": 50, "table_handling": "fail-if-not-empty"},
            "cdc": {"enabled": False},
        }
    )
    ctx = pipeline.RunContext.create(
        spec=spec,
        run_id="r",
        mode="cutover",
        source=parse_uri(pg_server.uri("postgres")),
        target=parse_uri(pg_server.uri("postgres")),
    )
    monkeypatch.setattr(operators, "run_context", lambda *_: ctx)
    conn = _table(pg_server.dsn("resume_op"))
    with conn:
        real_write = progress.write
        calls = {"n": 0}

        def failing_write(*args: object) -> None:
            real_write(*args)  # type: ignore[arg-type]
            calls["n"] += 1
            if calls["n"] == 4:
                raise Boom("killed inside batch 4")

        monkeypatch.setattr(progress, "write", failing_write)
        op = operators.CopyLoadTableOperator(
            task_id="load_t", spec_path="unused.yaml", manifest=str(manifest_path)
        )
        with pytest.raises(Boom):
            op.execute({"ti": SimpleNamespace(try_number=1)})
        monkeypatch.setattr(progress, "write", real_write)
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (150,)
        # a first try of another run refuses the partly loaded table, as the spec says
        with pytest.raises(AirflowFailException, match=r"public\.t: target already holds 150 row"):
            op.execute({"ti": SimpleNamespace(try_number=1)})
        summary = op.execute({"ti": SimpleNamespace(try_number=2)})
        assert f"{len(every)} rows" in summary["summary"]
        assert _content(conn) == _expected(every)
        final = progress.read(conn, manifest.identity, "public.t")[progress.COPY_UNIT]
        assert (final.rows, final.batches) == (len(every), -(-len(every) // 50))
