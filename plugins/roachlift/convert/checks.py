"""After all statements are read: resolve sequences, catch what the target would reject at load
time, order views, and give advice where a distributed database differs.

Checks (each one a review item):
- ``ON DELETE/UPDATE SET NULL`` on a NOT NULL column, ``SET DEFAULT`` without a default: CockroachDB
  refuses the constraint ("cannot add a SET NULL cascading action on column ... which has a NOT
  NULL constraint", https://www.cockroachlabs.com/docs/stable/foreign-key#foreign-key-actions);
  the action is removed.
- a foreign key to a table not in the set, or to columns with no unique index: moved to review.
- duplicate index names: PostgreSQL wants them unique per schema, so they get the table's prefix.
- views over unknown relations, over functions left for manual porting, and MySQL views whose
  GROUP BY PostgreSQL/CockroachDB reject: moved to review.
Advice: sequential integer primary keys (hot spots;
https://www.cockroachlabs.com/docs/stable/hash-sharded-indexes), tables without a primary key
(hidden rowid; https://www.cockroachlabs.com/docs/stable/primary-key), indexes that are a prefix of
another (covering with STORING; https://www.cockroachlabs.com/docs/stable/create-index).
"""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from sqlglot import exp

from roachlift.config.spec import SourceKind, TargetDialect
from roachlift.convert import crdb_compat
from roachlift.convert.dialect import fit_identifier, quote_ident, render
from roachlift.convert.engine import Converter
from roachlift.convert.model import ForeignKey, Index, ManualItem, Sequence, View
from roachlift.naming import check_names

_INT_TYPES = {exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT}


def finish(conv: Converter) -> list[View]:
    """Run every post-pass; returns the views in dependency order."""
    for table in conv.tables.values():
        for name in table.primary_key:
            col = table.column(name)
            if col is not None:
                col.nullable = False  # primary key columns are NOT NULL on every target
    conv.rules.finish()
    _resolve_serials(conv)
    crdb_compat.apply(conv)  # nothing a CockroachDB cluster rejects reaches the phase files
    _drop_orphans(conv)
    _target_types(conv)
    _fk_checks(conv)
    _index_names(conv)
    _naming(conv)
    views = _order_views(conv)
    _advice(conv)
    return views


def _resolve_serials(conv: Converter) -> None:
    mode = conv.options.serial_as
    for (table_name, col_name), (seq_name, record) in conv.serial_hints.items():
        table = conv.tables.get(table_name)
        col = table.column(col_name) if table else None
        if table is None or col is None:
            continue
        if col.default is not None and record is not table.record:
            # a trigger filled the column but it already has a default: leave it
            continue
        if mode == "unique_rowid" and conv.target == TargetDialect.COCKROACHDB:
            # https://www.cockroachlabs.com/docs/stable/functions-and-operators#id-generation-functions
            col.type = exp.DataType.build("BIGINT")
            col.default = exp.Anonymous(this="unique_rowid", expressions=[])
            conv.sequences.pop(seq_name, None)
            record.rules.append(
                f"{table_name}.{col_name}: serial_as=unique_rowid -> INT8 DEFAULT unique_rowid()"
            )
            conv.difference(f"{table_name}.{col_name}: DEFAULT unique_rowid() (PostgreSQL keeps a sequence)")
            continue
        if mode == "uuid":
            # https://www.cockroachlabs.com/docs/stable/uuid
            col.type = exp.DataType.build("UUID")
            col.default = exp.Anonymous(this="gen_random_uuid", expressions=[])
            conv.sequences.pop(seq_name, None)
            conv.review(
                "warning",
                "serial_as_uuid",
                f"{table_name}.{col_name}",
                "serial_as=uuid: the column becomes UUID DEFAULT gen_random_uuid(); existing integer "
                "values and the columns referencing them must be remapped before loading",
                record,
            )
            continue
        seq = conv.sequences.get(seq_name)
        if seq is None:
            start, increment = conv.identity_options.get((table_name, col_name), (None, None))
            seq = Sequence(
                name=seq_name, line=record.line, record=record, start=start or 1, increment=increment
            )
            conv.sequences[seq_name] = seq
        seq.table, seq.column = table_name, col_name
        col.default = exp.Anonymous(this="nextval", expressions=[exp.Literal.string(quote_ident(seq_name))])
        if record is not table.record:
            conv.review(
                "info",
                "trigger_sequence",
                f"{table_name}.{col_name}",
                f"a trigger filled this column from sequence {seq_name}: "
                f"converted to DEFAULT nextval('{seq_name}')",
                record,
            )
        if mode == "unique_rowid":
            conv.difference(f"{table_name}.{col_name}: sequence kept (unique_rowid() is CockroachDB-only)")


def _drop_orphans(conv: Converter) -> None:
    """Indexes on tables that were not converted go to review instead of failing."""
    kept: list[Index] = []
    for idx in conv.indexes:
        if idx.table in conv.tables:
            kept.append(idx)
            continue
        conv.review(
            "warning",
            "index_on_missing_table",
            idx.name,
            f"index on table {idx.table}, which is not converted: moved to manual review",
            idx.record,
        )
        conv.manual.append(
            ManualItem("index", idx.name, idx.record.source, idx.line, f"table {idx.table} is not converted")
        )
        idx.record.status = "manual"
    conv.indexes = kept
    for idx in list(conv.indexes):
        table = conv.tables[idx.table]
        if idx.using == "gist":
            cols = [table.column(c.name) for c in idx.columns if isinstance(c, exp.Column)]
            if cols and all(c is not None and c.type.this != exp.DataType.Type.GEOMETRY for c in cols):
                # CockroachDB's full-text and JSON/array indexes are GIN (inverted) indexes:
                # https://www.cockroachlabs.com/docs/stable/inverted-indexes
                idx.using = "gin"
                idx.record.rules.append(f"{idx.name}: USING GIST on a non-spatial column -> USING GIN")
        if conv.target == TargetDialect.POSTGRES:
            for c in idx.columns:
                col = table.column(c.name) if isinstance(c, exp.Column) else None
                if col is not None and col.type.this == exp.DataType.Type.GEOMETRY:
                    break
            else:
                continue
            conv.indexes.remove(idx)
            conv.difference(
                f"spatial index {idx.name} only on CockroachDB (PostgreSQL target has no PostGIS type)"
            )


def _target_types(conv: Converter) -> None:
    """PostgreSQL target: CockroachDB-only constructs get their nearest PostgreSQL form."""
    if conv.target != TargetDialect.POSTGRES:
        return
    for table in conv.tables.values():
        for col in table.columns:
            if col.type.this == exp.DataType.Type.GEOMETRY:
                # the dump writes EWKB hex (roachlift.geometry): kept exactly as text without PostGIS
                col.type = exp.DataType.build("TEXT", dialect="postgres")
                conv.difference(
                    f"{table.name}.{col.name}: GEOMETRY on CockroachDB, TEXT holding EWKB hex on "
                    "PostgreSQL (no PostGIS)"
                )
            if col.on_update is not None:
                col.on_update = None
                conv.difference(f"{table.name}.{col.name}: ON UPDATE expression only on CockroachDB")


def _fk_checks(conv: Converter) -> None:
    kept: list[ForeignKey] = []
    uniques = _unique_keys(conv)
    for fk in conv.fks:
        obj = f"{fk.table}.{fk.name}"
        ref = conv.tables.get(fk.ref_table)
        if fk.table not in conv.tables or ref is None:
            missing = fk.table if fk.table not in conv.tables else fk.ref_table
            conv.review(
                "warning",
                "fk_missing_table",
                obj,
                f"foreign key refers to table {missing}, which is not in the converted set: "
                "moved to manual review",
                fk.record,
            )
            conv.manual.append(
                ManualItem(
                    "foreign key", fk.name, fk.record.source, fk.line, f"table {missing} not converted"
                )
            )
            continue
        if not fk.ref_columns:
            fk.ref_columns = list(ref.primary_key)
        table = conv.tables[fk.table]
        for attr in ("on_delete", "on_update"):
            action = getattr(fk, attr)
            if action not in ("SET NULL", "SET DEFAULT"):
                continue
            bad = []
            for c in fk.columns:
                col = table.column(c)
                if col is None:
                    continue
                if action == "SET NULL" and not col.nullable:
                    bad.append(c)
                if action == "SET DEFAULT" and col.default is None and not col.nullable:
                    bad.append(c)
            if bad:
                setattr(fk, attr, None)
                conv.review(
                    "warning",
                    "fk_set_null_not_null",
                    obj,
                    f"{attr.upper().replace('_', ' ')} {action} on NOT NULL column(s) {', '.join(bad)}: "
                    "CockroachDB rejects this action, so it was removed (the default NO ACTION applies)",
                    fk.record,
                )
        missing_cols = [c for c in fk.columns if table.column(c) is None] + [
            c for c in fk.ref_columns if ref.column(c) is None
        ]
        if missing_cols:
            conv.review(
                "error", "fk_unknown_column", obj, f"unknown column(s) {', '.join(missing_cols)}", fk.record
            )
            continue
        if not _has_unique(conv, fk.ref_table, fk.ref_columns, uniques):
            conv.review(
                "error",
                "fk_no_unique_target",
                obj,
                f"referenced columns {fk.ref_table}({', '.join(fk.ref_columns)}) have no primary key or "
                "unique index: the target would reject this foreign key",
                fk.record,
            )
            continue
        for c, rc in zip(fk.columns, fk.ref_columns, strict=False):
            a, b = table.column(c), ref.column(rc)
            if (
                a
                and b
                and b.type.this == exp.DataType.Type.UUID
                and a.type.this == exp.DataType.Type.VARBINARY
            ):
                a.type = b.type.copy()
                fk.record.rules.append(f"{fk.table}.{c}: BYTEA -> UUID to match {fk.ref_table}.{rc}")
            if (
                a
                and b
                and render(a.type, TargetDialect.POSTGRES) != render(b.type, TargetDialect.POSTGRES)
                and not (a.type.this in _INT_TYPES and b.type.this in _INT_TYPES)
            ):
                conv.review(
                    "warning",
                    "fk_type_mismatch",
                    obj,
                    f"{fk.table}.{c} is {render(a.type, conv.target)} but {fk.ref_table}.{rc} is "
                    f"{render(b.type, conv.target)}",
                    fk.record,
                )
        kept.append(fk)
    conv.fks = kept


def _has_unique(
    conv: Converter, table: str, cols: list[str], uniques: dict[str, list[frozenset[str]]]
) -> bool:
    want = frozenset(cols)
    if frozenset(conv.tables[table].primary_key) == want:
        return True
    return want in uniques.get(table, [])


def _unique_keys(conv: Converter) -> dict[str, list[frozenset[str]]]:
    out: dict[str, list[frozenset[str]]] = {}
    for idx in conv.indexes:
        if idx.unique and idx.where is None:
            out.setdefault(idx.table, []).append(frozenset(idx.column_names()))
    return out


def _index_names(conv: Converter) -> None:
    """Index names must be unique per schema (tables, views and sequences share the namespace)."""
    taken = set(conv.tables) | set(conv.views) | set(conv.sequences)
    for table in conv.tables.values():
        if table.pk_name:
            taken.add(table.pk_name)
    for idx in conv.indexes:
        if idx.name not in taken:
            taken.add(idx.name)
            continue
        new = fit_identifier(f"{idx.table}_{idx.name}")
        n = 2
        while new in taken:
            new = fit_identifier(f"{idx.table}_{idx.name}_{n}")
            n += 1
        conv.review(
            "warning",
            "duplicate_index_name",
            f"{idx.table}.{idx.name}",
            f"index name {idx.name} is already used in the schema: renamed to {new}",
            idx.record,
        )
        idx.name = new
        taken.add(new)


def _naming(conv: Converter) -> None:
    """The naming checks (roachlift.naming.check_names) over every object the source defined:
    collisions after mapping, names over 63 bytes and invalid names are errors, reserved words info."""
    records = {r.line: r for r in conv.records}
    for problem in check_names(conv.rules.naming, conv.defined):
        record = records.get(problem.line) if problem.line is not None else None
        conv.review(problem.severity, problem.code, problem.object, problem.message, record)


def _order_views(conv: Converter) -> list[View]:
    known = set(conv.tables)
    ok: dict[str, View] = {}
    pending = dict(conv.views)
    changed = True
    while changed:
        changed = False
        for name, view in list(pending.items()):
            problem = _view_problem(conv, view, known | set(pending))
            if problem is None:
                continue
            conv.review(
                "warning", "view_needs_review", name, f"{problem}: moved to manual review", view.record
            )
            conv.manual.append(ManualItem("view", name, view.record.source, view.line, problem))
            view.record.status = "manual"
            del pending[name]
            changed = True
    ok = pending
    graph = {name: {d for d in v.depends if d in ok and d != name} for name, v in ok.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError:
        order = sorted(ok, key=lambda n: ok[n].line)
    return [ok[n] for n in order]


def _view_problem(conv: Converter, view: View, relations: set[str]) -> str | None:
    unknown = sorted(d for d in view.depends if d not in relations)
    if unknown:
        return f"refers to {', '.join(unknown)}, not in the converted set"
    for fn in view.query.find_all(exp.Func):
        fname = str(fn.this) if isinstance(fn, exp.Anonymous) else fn.sql_name()
        if fname.lower() in conv.manual_functions:
            return f"uses function {fname.lower()}, left for manual porting"
    for agg in view.query.find_all(exp.GroupConcat, exp.ArrayAgg):
        inner = agg.this
        if isinstance(inner, exp.Order) and isinstance(inner.this, exp.Distinct):
            args = {a.sql() for a in inner.this.expressions}
            keys = {o.this.sql() for o in inner.expressions}
            if not keys <= args:
                return "aggregate with DISTINCT orders by an expression outside its arguments"
    if conv.rules.name == SourceKind.MYSQL:
        problem = _group_by_problem(conv, view)
        if problem:
            return problem
    return None


def _group_by_problem(conv: Converter, view: View) -> str | None:
    """MySQL allows selecting columns that are neither grouped nor functionally dependent."""
    for select in view.query.find_all(exp.Select):
        group = select.args.get("group")
        if group is None:
            continue
        grouped = {g.sql() for g in group.expressions}
        aliases = _aliases(select)
        pk_grouped = set()
        for alias, table in aliases.items():
            t = conv.tables.get(table)
            if t and t.primary_key and all(f"{alias}.{c}" in grouped for c in t.primary_key):
                pk_grouped.add(alias)
        for proj in select.expressions:
            expr = proj.this if isinstance(proj, exp.Alias) else proj
            if expr.sql() in grouped or expr.find(exp.AggFunc) is not None:
                continue
            for col in expr.find_all(exp.Column):
                if col.find_ancestor(exp.AggFunc, exp.Subquery) is not None:
                    continue
                if col.sql() in grouped or col.table in pk_grouped:
                    continue
                return f"selects {col.sql()} without grouping by it (MySQL-only GROUP BY semantics)"
    return None


def _aliases(select: exp.Select) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in select.find_all(exp.Table):
        if t.find_ancestor(exp.Select) is not select:
            continue
        out[t.alias_or_name] = t.name
    return out


def _advice(conv: Converter) -> None:
    for table in conv.tables.values():
        if not table.primary_key:
            conv.review(
                "warning",
                "no_primary_key",
                table.name,
                "table has no primary key: CockroachDB adds a hidden rowid column; add a primary key "
                "(rows cannot be verified or de-duplicated without one)",
                table.record,
            )
            continue
        if len(table.primary_key) == 1:
            col = table.column(table.primary_key[0])
            if (
                col is not None
                and col.type.this in _INT_TYPES
                and isinstance(col.default, exp.Anonymous)
                and str(col.default.this).lower() == "nextval"
            ):
                conv.review(
                    "info",
                    "sequential_primary_key",
                    table.name,
                    f"primary key {col.name} comes from a sequence: sequential keys concentrate writes on "
                    "one range; consider UUID (gen_random_uuid()), unique_rowid() (serial_as) or a "
                    "hash-sharded primary key (USING HASH)",
                    table.record,
                )
    by_table: dict[str, list[Index]] = {}
    for idx in conv.indexes:
        by_table.setdefault(idx.table, []).append(idx)
    for idxs in by_table.values():
        for a in idxs:
            for b in idxs:
                if a is b or a.unique or a.using or b.using:
                    continue
                ka, kb = a.column_names(), b.column_names()
                if len(ka) < len(kb) and kb[: len(ka)] == ka:
                    conv.review(
                        "info",
                        "prefix_index",
                        f"{a.table}.{a.name}",
                        f"index {a.name} ({', '.join(ka)}) is a prefix of {b.name} ({', '.join(kb)}): "
                        "consider dropping it, and add STORING (...) to the longer one for the columns "
                        "your queries read so they are served from the index",
                        a.record,
                    )
                    break
