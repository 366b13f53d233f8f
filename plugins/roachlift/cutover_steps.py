"""The cutover's own steps, around the freeze: a bounded read-only window and a way back.

Order (each a task of the DAG)::

    preflight (no second cutover by accident) ... verify (full, live)
      → approval (CDC keeps applying meanwhile: ``follow``)
      → freeze → drain (to the exact freeze position) → sequences → verify_changed → ... → done
      any failure after the freeze → rollback (unfreeze; the replication slot is kept)

What the steps hand each other lives in the run's work folder: ``cutover.json`` (freeze time and
position, sequences reset, approval, end time), ``cdc_log.jsonl`` (changes applied and lag per CDC
call) and ``cdc_touched.jsonl`` (primary keys the change stream wrote since the full verify began).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import psycopg

from roachlift import runstate, storage
from roachlift.config.spec import RunMode
from roachlift.cutover import FREEZE_FILE, FreezeRecord, freeze_source_writes, freezer, unfreeze_source_writes
from roachlift.errors import RoachliftError
from roachlift.paths import sql_text
from roachlift.results import (
    CdcResult,
    FreezeResult,
    PreflightResult,
    RejectResult,
    RollbackResult,
    RunResults,
    SequencesResult,
    VerifyResult,
)
from roachlift.storage import StoragePath

if TYPE_CHECKING:
    from collections.abc import Mapping

    from roachlift.cdc.model import ApplyStats
    from roachlift.config.connections import ConnInfo
    from roachlift.pipeline import RunContext

log = logging.getLogger(__name__)

CUTOVER_FILE = "cutover.json"
CDC_LOG_FILE = "cdc_log.jsonl"
TOUCHED_FILE = "cdc_touched.jsonl"
PREFLIGHT_FILE = "preflight.json"
#: The approval's two answers: neither is a default, so a timeout is no answer at all.
CUT_OVER = "Cut over now"
DO_NOT = "Do not cut over"
#: The recorded answer of a cutover that asks nobody (``cutover.approval_required: false``).
NOT_ASKED = "not asked: cutover.approval_required is false"


def freeze_path(ctx: RunContext) -> StoragePath:
    """``<work>/<migration>/freeze.json``: shared by the migration's runs (one source)."""
    return ctx.base_dir / FREEZE_FILE


def _read_json(path: StoragePath) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8") or "{}")
    return data


def _update(ctx: RunContext, **values: Any) -> dict[str, Any]:
    """Merge ``values`` into the run's ``cutover.json``."""
    path = ctx.work_dir / CUTOVER_FILE
    data = _read_json(path)
    data.update(values)
    storage.ensure_dir(path.parent)
    storage.write_text(path, json.dumps(data, indent=2, default=str))
    return data


def cutover_state(ctx: RunContext) -> dict[str, Any]:
    """The run's ``cutover.json`` (empty before the freeze)."""
    return _read_json(ctx.work_dir / CUTOVER_FILE)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts)) if ts else "?"


# --- CDC bookkeeping ---------------------------------------------------------------------------------
def record_cdc(ctx: RunContext, stats: ApplyStats) -> None:
    """Log one CDC call (changes, lag) and, when kept, the keys it wrote."""
    storage.ensure_dir(ctx.work_dir)
    lag = max(stats.lag_seconds or 0.0, stats.max_lag_seconds)
    line = json.dumps({"t": time.time(), "changes": stats.changes, "lag": round(lag, 3)}) + "\n"
    storage.append_text(ctx.work_dir / CDC_LOG_FILE, line)
    if stats.touched:
        entries = (
            {"table": table, "all": True}
            if keys is None
            else {"table": table, "keys": sorted(keys, key=repr)}
            for table, keys in stats.touched.items()
        )
        storage.append_text(ctx.work_dir / TOUCHED_FILE, "".join(json.dumps(e) + "\n" for e in entries))


def reset_touched(ctx: RunContext) -> None:
    """A full verify starts: only what the change stream writes from now on needs checking again."""
    storage.remove(ctx.work_dir / TOUCHED_FILE)


def touched_keys(ctx: RunContext) -> dict[str, set[tuple[str | None, ...]] | None]:
    """Target table (lower case) → keys written since the full verify began (``None``: all rows)."""
    out: dict[str, set[tuple[str | None, ...]] | None] = {}
    path = ctx.work_dir / TOUCHED_FILE
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        name = str(entry["table"]).lower()
        if entry.get("all"):
            out[name] = None
            continue
        keys = out.setdefault(name, set())
        if keys is not None:
            keys.update(tuple(k) for k in entry["keys"])
    return out


def cdc_totals(ctx: RunContext) -> dict[str, Any]:
    """Changes applied and lag over the whole run (every CDC call logged by :func:`record_cdc`)."""
    samples = (
        [
            json.loads(x)
            for x in (ctx.work_dir / CDC_LOG_FILE).read_text(encoding="utf-8").splitlines()
            if x.strip()
        ]
        if (ctx.work_dir / CDC_LOG_FILE).is_file()
        else []
    )
    lags = [float(s["lag"]) for s in samples if s.get("lag") is not None]
    return {
        "changes_applied": sum(int(s.get("changes") or 0) for s in samples),
        "max_lag_seconds": round(max(lags), 3) if lags else None,
        "calls": len(samples),
        "last_lags": [round(x, 1) for x in lags[-5:]],
    }


# --- before the approval -----------------------------------------------------------------------------
def preflight_step(ctx: RunContext, again: bool = False) -> PreflightResult:
    """Refuse a cutover run when the migration already cut over or its source is frozen, unless the
    trigger form's "Cut over again" box is ticked."""
    if ctx.mode is not RunMode.CUTOVER:
        return {"summary": "rehearsal: never cuts over"}
    problems = []
    done = runstate.completed_cutovers(ctx.base_dir / "reports")
    if done:
        last = done[-1]
        problems.append(
            f"run {last['run_id']} already cut over {ctx.spec.name} on {_when(last.get('started_at'))}"
        )
    frozen = FreezeRecord.load(freeze_path(ctx))
    if frozen is not None and frozen.run_id != ctx.run_id:
        problems.append(f"the source is frozen by run {frozen.run_id} since {_when(frozen.frozen_at)}")
    result = {"again": again, "problems": problems}
    storage.ensure_dir(ctx.work_dir)
    if problems and not again:
        message = (
            "cutover refused: " + "; ".join(problems) + ". Tick 'Cut over again' in the trigger form to "
            "cut over once more; to give the source back to the application run "
            "`roachlift unfreeze --spec SPEC`"
        )
        (ctx.work_dir / PREFLIGHT_FILE).write_text(
            json.dumps({**result, "refused": message}), encoding="utf-8"
        )
        raise RoachliftError(message)
    (ctx.work_dir / PREFLIGHT_FILE).write_text(json.dumps(result), encoding="utf-8")
    text = (
        "no earlier cutover, source not frozen"
        if not problems
        else "cutting over again: " + "; ".join(problems)
    )
    return {"summary": text, "again": again, "problems": problems}


def _source_tables(ctx: RunContext) -> list[str]:
    """Source tables (``schema.name``) the run moves, from the extract step."""
    path = ctx.work_dir / "tables.json"
    if not path.is_file():
        raise RoachliftError(f"{path}: no table list; run the extract step first")
    names = [str(t["name"]) for t in json.loads(path.read_text(encoding="utf-8"))]
    pats = ctx.patterns()
    if pats:
        import fnmatch

        names = [n for n in names if any(fnmatch.fnmatch(n.rsplit(".", 1)[-1], p) for p in pats)]
    return names


def _review_counts(items: list[Mapping[str, Any]]) -> str:
    from collections import Counter

    c = Counter(str(i.get("severity")) for i in items)
    return ", ".join(f"{n} {sev}" for sev, n in sorted(c.items())) or "none"


def _manual_review_items(ctx: RunContext) -> list[str]:
    """``kind name`` of each object the converter left for a person (``manual_review.sql``)."""
    path = ctx.convert_dir / "report.json"
    if not path.is_file():
        return []
    items = json.loads(path.read_text(encoding="utf-8")).get("manual_review") or []
    return [f"{m.get('kind')} {m.get('name')}" for m in items]


def approval_checklist(ctx: RunContext, results: RunResults) -> str:
    """The go/no-go checklist shown to the approver (Markdown), from the results of the steps so far."""
    loads = results.load_table
    rows = sum(int(s.get("rows") or 0) for x in loads for s in x.get("stats", []) if s.get("step") == "load")
    verify = results.verify
    vtables = verify["tables"] if verify else []
    review: list[Mapping[str, Any]] = list(results.convert_ddl["review_items"]) if results.convert_ddl else []
    manual_items = _manual_review_items(ctx)
    manual = len(manual_items)
    totals = cdc_totals(ctx)
    lag = results.cdc_catch_up.get("lag_seconds") if results.cdc_catch_up else None
    lags = totals["last_lags"]
    trend = "no samples" if not lags else " → ".join(f"{x:.1f}s" for x in lags)
    touched = touched_keys(ctx)
    changed = sum(len(k) if k is not None else 0 for k in touched.values())
    window = math.ceil(float(lag or 0.0) + 2.0 + 0.05 * max(1, len(vtables)) + changed / 2000)
    try:
        tables = _source_tables(ctx)
        freeze = (
            freezer(ctx.spec, ctx.source).describe(tables)
            if ctx.spec.cutover.freeze_source_writes
            else "nothing: cutover.freeze_source_writes is false, stop the application's writes yourself"
        )
    except Exception as exc:  # the checklist must still be shown
        freeze = f"could not be planned ({exc}); the freeze step will fail and change nothing"
    from roachlift.pipeline import _last_rehearsal

    approvers = ", ".join(ctx.spec.cutover.approvers) or "anyone with access to this DAG"
    return "\n".join(
        [
            f"**Go / no-go: cut {ctx.spec.name} over to {ctx.target.redacted()}?** (tables: `{ctx.tables}`)",
            "",
            "| check | now |",
            "|---|---|",
            f"| rows and tables moved | {rows:,} rows in {len(loads)} table(s) |",
            f"| verify | {verify['summary'] if verify else 'not run'} |",
            f"| CDC lag | {lag if lag is not None else '?'} s; trend of the last calls: {trend}; "
            f"{totals['changes_applied']:,} change(s) applied so far |",
            f"| conversion items still open | {len(review)} ({_review_counts(review)}); "
            f"{manual} object(s) for manual review (port by hand)"
            + (f" ({', '.join(manual_items[:5])}{', ...' if manual > 5 else ''})" if manual else "")
            + " |",
            f"| what the freeze will do | {freeze} |",
            f"| expected read-only window | about {window} s (drain the backlog, reset sequences, re-check "
            f"{changed:,} changed row(s) and the row counts) |",
            f"| last rehearsal | {_last_rehearsal(ctx)} |",
            f"| who may answer | {approvers} |",
            "",
            f"**{CUT_OVER}**: freeze, drain, reset sequences, re-check, finish; any failure after the "
            "freeze gives the source back to the application (rolled back, source writable).",
            f"**{DO_NOT}**: stop here; the source is left untouched and the replication slot released.",
            "While this waits, the change stream keeps being applied.",
        ]
    )


def check_approver(ctx: RunContext, responded_by: Mapping[str, Any] | None) -> str:
    """The name of who answered; an error when ``cutover.approvers`` does not list them."""
    who = dict(responded_by or {})
    ident, name = str(who.get("id") or ""), str(who.get("name") or "")
    allowed = ctx.spec.cutover.approvers
    if allowed and ident not in allowed and name not in allowed:
        raise RoachliftError(
            f"the cutover was answered by {name or ident or 'an unknown user'}, who is not among "
            f"cutover.approvers ({', '.join(allowed)}): nothing was done"
        )
    return name or ident or "unknown"


def record_answer(ctx: RunContext, chosen: str, who: str, at: str) -> None:
    """Keep the answer in ``cutover.json`` (the report shows it)."""
    _update(ctx, answer=chosen, answered_by=who, answered_at=at)


def reject_step(ctx: RunContext) -> RejectResult:
    """The approver said no: release this run's replication slot; the source was never touched."""
    from roachlift.pipeline import release_change_stream

    state = cutover_state(ctx)
    released = release_change_stream(ctx)
    summary = (
        f"not cut over: rejected by {state.get('answered_by', '?')} at {state.get('answered_at', '?')}; "
        f"the source was left untouched; change stream: {released}"
    )
    _update(ctx, rejected=True)
    return {"summary": summary, "rejected": True}


# --- the read-only window ----------------------------------------------------------------------------
def freeze_step(ctx: RunContext) -> FreezeResult:
    """Freeze the application's writes (``cutover.freeze_source_writes``) and record the position
    the drain must reach; the read-only window starts here."""
    tables = _source_tables(ctx)
    adopt = bool(_read_json(ctx.work_dir / PREFLIGHT_FILE).get("again"))
    if not ctx.spec.cutover.approval_required and "answer" not in cutover_state(ctx):
        record_answer(ctx, NOT_ASKED, "nobody", "")  # the report says why no one was asked
    if not ctx.spec.cutover.freeze_source_writes:
        position = freezer(ctx.spec, ctx.source).current_position()
        _update(ctx, frozen_at=time.time(), position=position, frozen=False)
        return {
            "summary": f"source writes NOT frozen (cutover.freeze_source_writes false); drain to {position}"
        }
    path = freeze_path(ctx)
    existing = FreezeRecord.load(path)
    if existing is not None and existing.run_id != ctx.run_id and adopt and existing.state == "frozen":
        # "Cut over again" on a source an earlier run left frozen: it stays frozen, this run owns it
        existing.run_id = ctx.run_id
        existing.position = freezer(ctx.spec, ctx.source).current_position()
        existing.frozen_at = time.time()
        existing.save(path)
        record = existing
    else:
        record = freeze_source_writes(ctx.spec, ctx.source, tables, path, ctx.run_id)
    _update(ctx, frozen_at=record.frozen_at, position=record.position, frozen=True, freeze=record.summary())
    return {
        "summary": f"source frozen at {record.position}: {record.summary()}",
        "position": record.position,
        "frozen_at": record.frozen_at,
    }


def position_reached(applied: Mapping[str, Any] | None, target: Mapping[str, Any]) -> bool:
    """Whether ``applied`` (a checkpoint position) is at or past ``target`` (the freeze position)."""
    if not applied:
        return False
    if "lsn" in target:
        from roachlift.cdc.postgres import lsn_to_int

        return lsn_to_int(str(applied["lsn"])) >= lsn_to_int(str(target["lsn"]))
    if "binlog_file" in target:
        a = (str(applied.get("binlog_file")), int(applied.get("binlog_pos") or 0))
        return a >= (str(target["binlog_file"]), int(target["binlog_pos"]))
    return False


def drain_step(ctx: RunContext, max_seconds: float = 60.0) -> CdcResult:
    """Apply what is left up to the freeze position: done once the stream, read after the freeze,
    was used up (everything up to the freeze position is applied) or passed that position."""
    from roachlift.pipeline import cdc_step

    state = cutover_state(ctx)
    target = state.get("position") or {}
    result = cdc_step(ctx, max_seconds=max_seconds, drain=True)
    done = bool(result.get("caught_up")) or position_reached(result.get("position"), target)
    result["caught_up"] = done
    if done:
        applied = sum(int(x.get("rows") or 0) for x in result.get("stats") or [])
        result["summary"] = f"drained to the freeze position {target} ({applied} change(s) in this call)"
        _update(ctx, drained_at=time.time())
    return result


def _source_sequence_values(ctx: RunContext, tables: dict[str, str]) -> dict[tuple[str, str], int]:
    """(short table name lower, column lower) → the last value the source handed out, through the
    source's adapter; a source that cannot say (Oracle) leaves the target sequences past
    ``max(column)`` only, and the log says so. ``tables`` maps short lower-case names to source
    ``schema.name``."""
    from roachlift.sources import UnsupportedCapability, adapter_for

    try:
        return adapter_for(ctx.spec.source.kind).sequence_values(ctx.source, tables)
    except UnsupportedCapability as exc:
        log.info("%s: target sequences are set past max(column) only", exc)
        return {}


def postgres_sequence_values(source: ConnInfo, tables: dict[str, str]) -> dict[tuple[str, str], int]:
    """PostgreSQL: the last value of each sequence behind a serial/identity column (its next value
    minus the increment when never called), for :func:`_source_sequence_values`."""
    from roachlift.load.phases import sequence_columns

    out: dict[tuple[str, str], int] = {}
    schemas = sorted({full.rpartition(".")[0] or "public" for full in tables.values()})
    with psycopg.connect(source.postgres_conninfo(), autocommit=True) as conn:
        for schema in schemas:
            for seq in sequence_columns(conn, schema):
                short = seq.table.rsplit(".", 1)[-1].lower()
                if short not in tables:
                    continue
                row = conn.execute(sql_text("cutover/pg_source_sequences.sql"), {"sequence": seq.sequence})
                found = row.fetchone()
                if found is not None:
                    last, start, inc = found
                    value = int(last) if last is not None else int(start) - int(inc)
                    out[(short, seq.column.lower())] = value
    return out


def mysql_sequence_values(source: ConnInfo, tables: dict[str, str]) -> dict[tuple[str, str], int]:
    """MySQL/MariaDB: each AUTO_INCREMENT counter minus ``@@auto_increment_increment``, for
    :func:`_source_sequence_values`."""
    import pymysql

    out: dict[tuple[str, str], int] = {}
    conn = pymysql.connect(**source.mysql_kwargs(server_only=True))
    try:
        with conn.cursor() as cur:
            with contextlib.suppress(pymysql.MySQLError):  # else MySQL 8 caches AUTO_INCREMENT
                cur.execute("SET SESSION information_schema_stats_expiry = 0")
            cur.execute("SELECT @@auto_increment_increment")
            inc = int(cur.fetchone()[0])
            schemas = sorted({full.rpartition(".")[0] or str(source.database) for full in tables.values()})
            for schema in schemas:
                cur.execute(sql_text("cutover/mysql_auto_increment_next.sql"), (schema,))
                counters = {str(t).lower(): int(n) for t, n in cur.fetchall()}
                cur.execute(sql_text("cutover/mysql_auto_increment.sql"), (schema,))
                for table, col in cur.fetchall():
                    short = str(table).lower()
                    if short in tables and short in counters:
                        out[(short, str(col).lower())] = counters[short] - inc
    finally:
        conn.close()
    return out


def sequences_step(ctx: RunContext) -> SequencesResult:
    """After the drain: set every target sequence so its next value is past ``max(column)`` and
    past the source's own counter, whichever is higher (the application's first insert gets the
    id the source would have given, never one CDC already wrote)."""
    from roachlift.load.phases import sequence_columns
    from roachlift.target import statements as st

    started = time.monotonic()
    source_tables = {t.rsplit(".", 1)[-1].lower(): t for t in _source_tables(ctx)}
    source_values = _source_sequence_values(ctx, source_tables)
    reset: list[dict[str, Any]] = []
    with ctx.connect_target() as conn:
        for seq in sequence_columns(conn, ctx.spec.target.schema_):
            short = seq.table.rsplit(".", 1)[-1].lower()
            if short not in source_tables:
                continue
            try:
                with conn.transaction():
                    row = conn.execute(st.max_of(seq.table, seq.column)).fetchone()
                    top = int(row[0]) if row and row[0] is not None else None
                    src = source_values.get((short, seq.column.lower()))
                    new = max(v for v in (top, src) if v is not None) if (top, src) != (None, None) else None
                    old_row = conn.execute(st.SEQUENCE_LAST_VALUE, (seq.sequence,)).fetchone()
                    old = int(old_row[0]) if old_row and old_row[0] is not None else None
                    if new is None:
                        continue
                    done = next((r for r in reset if r["name"] == seq.sequence), None)
                    if done is not None:
                        if done["new"] >= new:
                            continue
                        reset.remove(done)
                    conn.execute(st.SETVAL_REGCLASS, (seq.sequence, new))
            except psycopg.Error as exc:
                raise RoachliftError(
                    f"{seq.table}.{seq.column}: resetting sequence {seq.sequence} failed: {exc}"
                ) from exc
            reset.append(
                {
                    "name": seq.sequence,
                    "table": seq.table,
                    "column": seq.column,
                    "old": old,
                    "new": new,
                    "max_column": top,
                    "source_last": src,
                }
            )
    _update(ctx, sequences_reset=reset)
    seconds = time.monotonic() - started
    return {
        "summary": f"{len(reset)} sequence(s) set past max(column) and the source's counter "
        f"in {seconds:.1f}s: " + ", ".join(f"{r['name']} {r['old']}→{r['new']}" for r in reset[:10]),
        "sequences_reset": reset,
    }


def verify_changed_step(ctx: RunContext) -> VerifyResult:
    """Re-check only what can have changed since the full verify: the rows the change stream wrote
    since it began, plus every table's row count (a table truncated meanwhile is verified whole)."""
    from roachlift.cdc.apply import TargetCatalog
    from roachlift.naming import Naming
    from roachlift.verify.compare import verify_rows
    from roachlift.verify.spec_run import select_tables, verify_spec_tables

    started, started_at = time.monotonic(), time.time()
    tables = select_tables(ctx.spec, ctx.tables, source=ctx.source)
    touched = touched_keys(ctx)
    schema = ctx.spec.target.schema_

    def one(ref: Any) -> dict[str, Any]:
        name = (ref.target_table or ref.source_table).lower()
        keys = touched.get(name, set())
        if keys is None:
            whole = verify_spec_tables(ctx.spec, ctx.source, ctx.target, [ref], dump_dir=ctx.dump_dir)
            return dict(json.loads(whole.to_json())["tables"][0])
        key_cols: list[str] = []
        if keys:
            with ctx.connect_target() as conn:
                catalog = TargetCatalog(conn, schema, Naming.from_spec(ctx.spec))
                key_cols = catalog.table(f"{ref.source_schema}.{ref.source_table}").key
        return verify_rows(ctx.source, ctx.target, ref, sorted(keys, key=repr), key_cols).to_dict()

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="verify-changed") as pool:
        results = list(pool.map(one, tables))
    rechecked = sum(len(k) for k in touched.values() if k is not None)
    bad = [t for t in results if not t.get("ok")]
    seconds = time.monotonic() - started
    summary = (
        f"re-checked {rechecked} row(s) the change stream wrote since the full verify and the row counts "
        f"of {len(results)} table(s) in {seconds:.1f}s: {len(results) - len(bad)} equal, {len(bad)} different"
    )
    if bad:
        details = [
            f"  {t.get('table')}: missing {t.get('missing')} {t.get('missing_sample', [])[:3]}, extra "
            f"{t.get('extra')} {t.get('extra_sample', [])[:3]}, mismatched {t.get('mismatched')} "
            f"{t.get('error') or ''}".rstrip()
            for t in bad
        ]
        raise RoachliftError(summary + "\n" + "\n".join(details))
    return {
        "summary": summary,
        "tables": results,
        "rechecked_rows": rechecked,
        "started_at": started_at,
        "finished_at": time.time(),
        "stats": [
            {
                "step": "verify_changed",
                "table": "*",
                "rows": rechecked,
                "bytes": 0,
                "seconds": round(seconds, 3),
                "status": "ok",
                "detail": "",
            }
        ],
    }


def done_step(ctx: RunContext) -> dict[str, Any]:
    """The cutover is complete: end the read-only window's clock."""
    state = _update(ctx, done_at=time.time())
    frozen_at = state.get("frozen_at")
    window = round(state["done_at"] - float(frozen_at), 3) if frozen_at else None
    _update(ctx, read_only_seconds=window)
    return {"read_only_seconds": window}


def rollback_step(ctx: RunContext) -> RollbackResult:
    """A step after the freeze failed: give the source back to the application; keep the slot so
    the run can be resumed (clear the failed task) or released explicitly."""
    state = cutover_state(ctx)
    record = FreezeRecord.load(freeze_path(ctx))
    if record is not None and record.run_id != ctx.run_id:
        return {"summary": f"nothing rolled back: the source is frozen by run {record.run_id}, not this run"}
    if record is None and not state.get("frozen"):
        return {"summary": "nothing to roll back: this run never froze the source", "rolled_back": False}
    what = unfreeze_source_writes(ctx.spec, ctx.source, freeze_path(ctx))
    now = time.time()
    frozen_at = state.get("frozen_at")
    _update(
        ctx,
        rolled_back=True,
        unfrozen_at=now,
        read_only_seconds=round(now - float(frozen_at), 3) if frozen_at else None,
    )
    slot = _slot_name(ctx)
    kept = (
        f"; replication slot {slot} kept for a retry (`roachlift release-slot --spec` frees it)"
        if slot
        else ""
    )
    return {"summary": f"rolled back, source writable ({what}){kept}", "rolled_back": True}


def _slot_name(ctx: RunContext) -> str | None:
    snap = _read_json(ctx.dump_dir / "snapshot.json")
    return str(snap["slot"]) if snap.get("slot") else None


def report_sections(ctx: RunContext) -> tuple[dict[str, Any], dict[str, Any]]:
    """``report.json``'s ``cutover`` and ``cdc`` sections."""
    state = cutover_state(ctx)
    cutover: dict[str, Any] = {
        k: state.get(k)
        for k in (
            "answer",
            "answered_by",
            "answered_at",
            "frozen",
            "freeze",
            "position",
            "read_only_seconds",
            "rolled_back",
        )
        if k in state
    }
    cutover["sequences_reset"] = state.get("sequences_reset", [])
    for k in ("frozen_at", "done_at", "unfrozen_at"):
        if state.get(k):
            cutover[k] = _when(float(state[k]))
    totals = cdc_totals(ctx)
    return cutover, {
        "changes_applied": totals["changes_applied"],
        "max_lag_seconds": totals["max_lag_seconds"],
    }
