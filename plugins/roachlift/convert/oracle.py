"""Oracle rules: type table (ora2pg's choices), clauses sqlglot cannot parse, expression fixes.

Types: VARCHAR2/NVARCHAR2(n) -> VARCHAR(n); NUMBER(p[,0]) -> SMALLINT (p<5) / INT (p<=9) / BIGINT
(p<=18) / DECIMAL(p); NUMBER(p,s) -> DECIMAL(p,s); NUMBER, NUMBER(*,s) -> DECIMAL (or FLOAT8 by option,
always a review item); FLOAT/BINARY_DOUBLE -> DOUBLE PRECISION; DATE -> TIMESTAMP (Oracle dates
carry a time); TIMESTAMP WITH (LOCAL) TIME ZONE -> TIMESTAMPTZ; CLOB/NCLOB/LONG -> TEXT;
BLOB/RAW/LONG RAW -> BYTEA; RAW(16) DEFAULT SYS_GUID() -> UUID DEFAULT gen_random_uuid().
INTERVAL DAY TO SECOND / YEAR TO MONTH -> INTERVAL; ROWID/UROWID/XMLTYPE/BFILE -> TEXT (review).
Removed: USING INDEX ..., ENABLE/VALIDATE, TABLESPACE, STORAGE(...), PCTFREE/PCTUSED/INITRANS/
MAXTRANS, LOGGING, COMPRESS, SEGMENT CREATION, LOB (...) STORE AS ..., partitioning (review); the
physical clauses are listed once for the whole file in one review item.
Columns: IDENTITY with any option list -> a sequence default (START WITH / INCREMENT BY kept, the
Oracle-only options NOORDER/NOKEEP/NOSCALE/... dropped), DEFAULT ON NULL -> DEFAULT + NOT NULL,
virtual columns (with or without a declared type) -> stored computed columns, ``CHECK (c IS JSON)``
-> the column becomes JSONB and the check is dropped. Constraints: ENABLE NOVALIDATE -> a review
item (Oracle never checked the old rows), DISABLE -> left out and put in manual review.
Keys: a primary/unique key column and every column referencing it get one integer type (a bare
NUMBER key or a NUMBER(19..38) key is INT8, flagged), so no foreign key joins DECIMAL and INT8.
"""

from __future__ import annotations

import re

from sqlglot import exp

from roachlift.config.spec import SourceKind
from roachlift.convert.model import Column, ConvertOptions, ManualItem, StatementError, StatementRecord
from roachlift.convert.rules import (
    DT,
    ColumnContext,
    ConversionState,
    SourceRules,
    close_paren,
    coerce_comparisons,
    dtype,
    plain_type,
    same_type,
    sub_outside_quotes,
    type_params,
    with_params,
)

_BYTE_CHAR = re.compile(r"\(\s*(\d+)\s+(BYTE|CHAR)\s*\)", re.I)
_NUMBER_STAR = re.compile(r"\bNUMBER\s*\(\s*(\*\s*,\s*-?\d+|\d+\s*,\s*\*|\*)\s*\)", re.I)
_LONG_RAW = re.compile(r"\bLONG\s+RAW\b", re.I)
_LONG = re.compile(r"(?<=\s)LONG\b(?=\s*(,|\)|NOT\b|NULL\b|DEFAULT\b|CONSTRAINT\b|$))", re.I)
_VIRTUAL = re.compile(r"(?<=\))\s*\bVIRTUAL\b", re.I)
_STATE = re.compile(r"\s+\b(ENABLE|VALIDATE|NOVALIDATE|RELY|NORELY)\b", re.I)
_DISABLE = re.compile(r"\s+\bDISABLE\b", re.I)
_USING_INDEX = re.compile(r"\bUSING\s+INDEX\b", re.I)
_VIEW_NOISE = re.compile(r"\b(NO\s+FORCE|FORCE|NONEDITIONABLE|EDITIONABLE|EDITIONING)\s+", re.I)
_VIEW_TAIL = re.compile(r"\s+WITH\s+(READ\s+ONLY|CHECK\s+OPTION)(\s+CONSTRAINT\s+\S+)?\s*$", re.I)
_PHYSICAL = re.compile(
    r"\b(SEGMENT\s+CREATION|PCTFREE|PCTUSED|INITRANS|MAXTRANS|STORAGE|TABLESPACE|LOGGING|NOLOGGING|"
    r"NOCOMPRESS|COMPRESS|LOB|PARTITION\s+BY|ORGANIZATION|CACHE|NOCACHE|PARALLEL|NOPARALLEL|"
    r"MONITORING|ROW\s+MOVEMENT|ON\s+COMMIT|COMPUTE\s+STATISTICS|LOCAL|ONLINE|REVERSE|COLUMN\s+STORE|"
    r"INMEMORY|NO\s+INMEMORY|RESULT_CACHE|FLASHBACK\s+ARCHIVE|ROWDEPENDENCIES|NOROWDEPENDENCIES)\b",
    re.I,
)
_TABLE_NAME = re.compile(
    r'^\s*(CREATE\s+(?:GLOBAL\s+TEMPORARY\s+)?TABLE|ALTER\s+TABLE)\s+((?:"[^"]*"|[\w$#]+)(?:\s*\.\s*(?:"[^"]*"|[\w$#]+))?)',
    re.I,
)
_INTERVAL = re.compile(
    r"\bINTERVAL\s+(DAY\s*(\(\s*\d+\s*\))?\s+TO\s+SECOND\s*(\(\s*\d+\s*\))?|YEAR\s*(\(\s*\d+\s*\))?\s+TO\s+MONTH)",
    re.I,
)
_ON_NULL = re.compile(r"\bDEFAULT\s+ON\s+NULL(\s+FOR\s+INSERT\s+(ONLY|AND\s+UPDATE))?\b", re.I)
_ROWID_LEN = re.compile(r"\b(UROWID)\s*\(\s*\d+\s*\)", re.I)
_IDENTITY = re.compile(r"\bGENERATED\s+(ALWAYS|BY\s+DEFAULT(?:\s+ON\s+NULL)?)\s+AS\s+IDENTITY\b", re.I)
_IDENTITY_OPTIONS = re.compile(
    r"(\s+(START\s+WITH\s+(-?\d+|LIMIT\s+VALUE)|INCREMENT\s+BY\s+-?\d+|MINVALUE\s+-?\d+|"
    r"MAXVALUE\s+-?\d+|NOMINVALUE|NOMAXVALUE|CACHE\s+\d+|NOCACHE|NOORDER|ORDER|NOCYCLE|CYCLE|NOKEEP|KEEP|"
    r"NOSCALE|SCALE(\s+(NO)?EXTEND)?|NOSHARD|SHARD(\s+(NO)?EXTEND)?|NOEXTEND|EXTEND)\b)+",
    re.I,
)
_IS_JSON = re.compile(r'\(\s*("[^"]*"|[\w$#]+)\s+IS\s+JSON\b[\w\s()]*\)', re.I)


def _number(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    params = type_params(dt)
    options = ctx.converter.options
    if _is_identity(ctx.source) and (not params or None in params or len(params) < 2 or not params[1]):
        ctx.rule(f"identity column {dt.sql('oracle')} -> BIGINT (identity values are integers)")
        return dtype("BIGINT")
    if not params or None in params:
        ctx.review(
            "warning",
            "bare_number",
            f"NUMBER without precision holds decimals: mapped to "
            f"{'DECIMAL' if options.bare_number_as == 'decimal' else 'FLOAT8 (inexact)'}; "
            "narrow it to an integer type if the data allow",
        )
        return dtype("DECIMAL" if options.bare_number_as == "decimal" else "DOUBLE PRECISION")
    p = params[0] or 38
    s = params[1] if len(params) > 1 else 0
    if s:
        return dtype(f"DECIMAL({p}, {s})")
    if p < 5:
        target = "SMALLINT"
    elif p <= 9:
        target = "INT"
    elif p <= 18:
        target = "BIGINT"
    else:
        return dtype(f"DECIMAL({p})")
    ctx.rule(f"NUMBER({p}) -> {target}")
    return dtype(target)


def _is_identity(node: exp.Expression | None) -> bool:
    if not isinstance(node, exp.ColumnDef):
        return False
    return any(
        isinstance(c.args.get("kind"), exp.GeneratedAsIdentityColumnConstraint)
        and c.args["kind"].args.get("expression") is None
        for c in node.constraints
    )


def _inferred(ctx: ColumnContext) -> exp.DataType:
    """The type of a virtual column declared without one, from its expression's operands."""
    from sqlglot.optimizer.annotate_types import annotate_types

    expr = None
    if isinstance(ctx.source, exp.ColumnDef):
        for c in ctx.source.constraints:
            k = c.args.get("kind")
            if isinstance(k, exp.GeneratedAsIdentityColumnConstraint) and k.args.get("expression"):
                expr = k.args["expression"].copy()
    table = ctx.converter.tables.get(ctx.table)
    result = None
    if expr is not None and table is not None:
        for col in list(expr.find_all(exp.Column)):
            target = table.column(ctx.converter.rules.normalize(col.name, bool(col.this.args.get("quoted"))))
            if target is not None:
                col.replace(exp.Cast(this=exp.Null(), to=target.type.copy()))
        typed = annotate_types(expr, dialect="postgres")
        if typed.type is not None and typed.type.this not in (DT.UNKNOWN, DT.NULL):
            result = typed.type.copy()
            if result.this in (DT.VARCHAR, DT.CHAR) and not result.expressions:
                result = dtype("TEXT")
            if result.this == DT.DOUBLE:
                result = dtype("DOUBLE PRECISION")
    if result is None:
        ctx.review(
            "warning", "virtual_column_type", "virtual column without a type: created as TEXT, check it"
        )
        return dtype("TEXT")
    ctx.review(
        "warning",
        "virtual_column_type",
        f"virtual column declared without a type: created as {result.sql('postgres')} (inferred from "
        "its expression), check it",
    )
    return result


def _timestamp(name: str, note: str | None = None):  # type: ignore[no-untyped-def]
    """TIMESTAMP[(p)] [WITH [LOCAL] TIME ZONE]; Oracle allows p up to 9, CockroachDB up to 6
    (https://www.cockroachlabs.com/docs/stable/timestamp#precision): p > 6 -> 6, flagged."""

    def rule(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        if note:
            ctx.rule(note)
        params = type_params(dt)
        if params and params[0] is not None and params[0] > 6:
            ctx.review(
                "warning",
                "timestamp_precision",
                f"TIMESTAMP({params[0]}) -> {name}(6): the target keeps microseconds, so values with "
                "non-zero sub-microsecond digits are rounded (the dump logs how many)",
            )
            return dtype(f"{name}(6)")
        return with_params(name, dt)

    return rule


def _userdefined(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    kind = dt.args.get("kind")
    name = (kind.name if isinstance(kind, exp.Expression) else str(kind or "")).upper()
    if name == "ROACHLIFT_INFERRED":
        return _inferred(ctx)
    if name == "NCLOB":
        ctx.rule("NCLOB -> TEXT")
        return dtype("TEXT")
    if name == "RAW":
        default = None
        if isinstance(ctx.source, exp.ColumnDef):
            for cons in ctx.source.constraints:
                if isinstance(cons.args.get("kind"), exp.DefaultColumnConstraint):
                    default = cons.args["kind"].this
        if (
            type_params(dt) == [16]
            and isinstance(default, exp.Anonymous)
            and str(default.this).upper() == "SYS_GUID"
        ):
            ctx.rule("RAW(16) DEFAULT SYS_GUID() -> UUID")
            return dtype("UUID")
        ctx.rule("RAW -> BYTEA")
        return dtype("BYTEA")
    if name in ("XMLTYPE", "ROWID", "UROWID", "BFILE"):
        ctx.review(
            "warning", "oracle_special_type", f"{name} converted to TEXT: check how the data are exported"
        )
        return dtype("TEXT")
    raise StatementError(f"Oracle type {name} is not converted")


class OracleRules(SourceRules):
    """Oracle DDL as DBMS_METADATA, SQL Developer or hand-written scripts give it."""

    name = SourceKind.ORACLE
    read = "oracle"
    STRICT_TYPES = True
    KEEP_COMMENTS = True
    FOLD_MODIFY = True
    SKIP = [
        (
            re.compile(
                r"^\s*(PROMPT|SPOOL|REM|REMARK|WHENEVER|EXIT|QUIT|CONNECT|CONN|SHOW|DESCRIBE|@)(\s|$)", re.I
            ),
            "SQL*Plus command",
        ),
        (re.compile(r"^\s*ALTER\s+SESSION\b", re.I), "session setting"),
        (
            re.compile(
                r"^\s*ALTER\s+TABLE\s+\S+\s+(NOLOGGING|LOGGING|(ENABLE|DISABLE)\s+ROW\s+MOVEMENT|PARALLEL|"
                r"NOPARALLEL|MOVE|SHRINK\s+SPACE|(DE)?ALLOCATE|CACHE|NOCACHE|COMPRESS|NOCOMPRESS|MONITORING|"
                r"NOMONITORING|PCTFREE|STORAGE|ADD\s+SUPPLEMENTAL\s+LOG|INMEMORY|NO\s+INMEMORY)\b",
                re.I,
            ),
            "physical table attribute (the target manages storage itself)",
        ),
        (re.compile(r"^\s*(EXEC|EXECUTE)\s", re.I), "procedure call in a schema script"),
        (
            re.compile(r"^\s*CREATE\s+(DATABASE\s+LINK|DIRECTORY|ROLE|PROFILE|TABLESPACE)\b", re.I),
            "not a schema object",
        ),
    ]
    MANUAL = [
        (
            re.compile(r"^\s*(BEGIN|DECLARE)\b", re.I),
            "plsql block",
            "Anonymous PL/SQL block (a script step, not a schema object): run its intent by hand if needed.",
        ),
        (
            re.compile(
                r"^\s*ALTER\s+TABLE\s+\S+\s+(MODIFY\s+(CONSTRAINT|PRIMARY|UNIQUE)|(ENABLE|DISABLE)\s+"
                r"((NO)?VALIDATE\s+)?(CONSTRAINT|PRIMARY|UNIQUE|ALL)\b)",
                re.I,
            ),
            "constraint state",
            "Constraint state changed later in the script (ENABLE/DISABLE/NOVALIDATE): the constraint was "
            "created enforced on the target; drop it there by hand if it must stay disabled.",
        ),
        (
            re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?((NON)?EDITIONABLE\s+)?(PUBLIC\s+)?SYNONYM\b", re.I),
            "synonym",
            "Synonyms have no CockroachDB equivalent: use the object's name, or a view.",
        ),
    ]
    TYPES = {
        DT.DECIMAL: _number,
        DT.INT: plain_type("INT"),
        DT.SMALLINT: plain_type("SMALLINT"),
        DT.BIGINT: plain_type("BIGINT"),
        DT.FLOAT: plain_type("DOUBLE PRECISION", "FLOAT / BINARY_FLOAT -> DOUBLE PRECISION"),
        DT.DOUBLE: plain_type("DOUBLE PRECISION", "BINARY_DOUBLE -> DOUBLE PRECISION"),
        DT.VARCHAR: same_type("VARCHAR", "VARCHAR2 -> VARCHAR"),
        DT.NVARCHAR: same_type("VARCHAR", "NVARCHAR2 -> VARCHAR"),
        DT.CHAR: same_type("CHAR"),
        DT.NCHAR: same_type("CHAR", "NCHAR -> CHAR"),
        DT.DATE: plain_type("TIMESTAMP", "DATE -> TIMESTAMP (Oracle dates carry a time)"),
        DT.TIMESTAMP: _timestamp("TIMESTAMP"),
        DT.TIMESTAMPTZ: _timestamp("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE -> TIMESTAMPTZ"),
        DT.TIMESTAMPLTZ: _timestamp("TIMESTAMPTZ", "TIMESTAMP WITH LOCAL TIME ZONE -> TIMESTAMPTZ"),
        DT.TEXT: plain_type("TEXT", "CLOB -> TEXT"),
        DT.VARBINARY: plain_type("BYTEA", "BLOB -> BYTEA"),
        DT.INTERVAL: plain_type("INTERVAL"),
        DT.JSON: plain_type("JSONB", "JSON -> JSONB"),
        DT.BOOLEAN: plain_type("BOOLEAN"),
        DT.USERDEFINED: _userdefined,
    }

    def __init__(self, options: ConvertOptions) -> None:
        super().__init__(options)
        #: (table, column) whose values Oracle checks with IS JSON: the column becomes JSONB
        self.json_columns: set[tuple[str, str]] = set()
        #: (table, column) declared DEFAULT ON NULL: NOT NULL on the target
        self.on_null_columns: set[tuple[str, str]] = set()
        #: physical clause -> objects it was removed from (one review item for the file)
        self.physical: dict[str, set[str]] = {}

    def _raw_name(self, raw: str) -> str:
        raw = raw.strip().split(".")[-1] if '"' not in raw else re.findall(r'"[^"]*"|[^."]+', raw)[-1]
        return self.normalize(raw.strip('"'), raw.startswith('"'))

    def preprocess(self, kind: str, text: str, record: StatementRecord) -> str:
        """Remove what sqlglot cannot parse and CockroachDB has no use for; log each removal."""
        if kind in ("table", "alter"):
            text = self._table_text(text, record, kind)
        elif kind == "index":
            text = self._index_text(text, record)
        elif kind == "view":
            new = _VIEW_NOISE.sub("", text)
            new = _VIEW_TAIL.sub("", new)
            if new != text:
                record.rules.append("removed FORCE / EDITIONABLE / WITH READ ONLY")
            text = new
        return text

    def _note_physical(self, words: set[str], obj: str, record: StatementRecord, what: str) -> None:
        if not words:
            return
        record.rules.append(f"removed {what}: {', '.join(sorted(words))}")
        for w in words:
            self.physical.setdefault(w, set()).add(obj)

    def _table_text(self, text: str, record: StatementRecord, kind: str) -> str:
        head = _TABLE_NAME.match(text)
        table = self._raw_name(head.group(2)) if head else "?"
        if kind == "table":
            open_at = text.find("(")
            end = close_paren(text, open_at) if open_at >= 0 else -1
            if end > 0:
                tail = text[end + 1 :]
                found = {" ".join(m.group(1).upper().split()) for m in _PHYSICAL.finditer(tail)}
                self._note_physical(found, table, record, "physical attributes")
                if re.search(r"\bPARTITION\s+BY\b", tail, re.I):
                    self.converter.review(
                        "warning",
                        "oracle_partitioning",
                        table,
                        "Oracle partitioning removed: CockroachDB splits and distributes ranges itself; "
                        "use PARTITION BY only for data placement",
                        record,
                    )
                text = text[: end + 1]
            if re.match(r"^\s*CREATE\s+GLOBAL\s+TEMPORARY\b", text, re.I):
                text = re.sub(r"^\s*CREATE\s+GLOBAL\s+TEMPORARY\s+", "CREATE ", text, flags=re.I)
                self.converter.review(
                    "warning",
                    "temporary_table",
                    table,
                    "GLOBAL TEMPORARY table created as a regular table",
                    record,
                )
        text = self._identity(text, record, table)
        text = self._items(text, record, table, kind)
        text = self._strip_using_index(text, record)
        new = sub_outside_quotes(_STATE, "", text)
        if new != text:
            record.rules.append("removed constraint state ENABLE / VALIDATE")
            text = new
        new = sub_outside_quotes(_DISABLE, "", text)
        if new != text:
            self.converter.review(
                "warning",
                "disabled_constraint",
                table,
                "a DISABLEd Oracle column constraint is enforced on the target: check the data obey it",
                record,
            )
            text = new
        new = sub_outside_quotes(_VIRTUAL, "", text)
        if new != text:
            record.rules.append("virtual column -> stored computed column")
            text = new
        new = sub_outside_quotes(_BYTE_CHAR, r"(\1)", text)
        if new != text:
            record.rules.append("removed BYTE/CHAR length semantics (target lengths count characters)")
            text = new
        new = sub_outside_quotes(_NUMBER_STAR, "NUMBER", text)
        if new != text:
            record.rules.append("NUMBER(*,s) / NUMBER(p,*) -> NUMBER (unconstrained DECIMAL)")
            text = new
        new = sub_outside_quotes(_LONG_RAW, "BLOB", text)
        new = sub_outside_quotes(_LONG, "CLOB", new)
        if new != text:
            record.rules.append("LONG -> TEXT, LONG RAW -> BYTEA")
            text = new
        new = sub_outside_quotes(_INTERVAL, "INTERVAL", text)
        if new != text:
            record.rules.append("INTERVAL DAY TO SECOND / YEAR TO MONTH -> INTERVAL")
            text = new
        new = sub_outside_quotes(_ROWID_LEN, r"\1", text)
        new = re.sub(r'(?:"SYS"|\bSYS)\s*\.\s*(?:"XMLTYPE"|XMLTYPE\b)', "XMLTYPE", new, flags=re.I)
        return new

    def _identity(self, text: str, record: StatementRecord, table: str) -> str:
        """``GENERATED ... AS IDENTITY <options>`` -> ``GENERATED BY DEFAULT AS IDENTITY (START WITH s
        INCREMENT BY i)``: the other options are Oracle-only (or beyond INT8) and are logged."""
        out = []
        pos = 0
        for m in _IDENTITY.finditer(text):
            if m.start() < pos:
                continue
            i = m.end()
            opts = ""
            rest = text[i:]
            paren = re.match(r"\s*\(", rest)
            if paren:
                close = close_paren(text, i + paren.end() - 1)
                opts = text[i + paren.end() : close]
                i = close + 1
            else:
                om = _IDENTITY_OPTIONS.match(rest)
                if om:
                    opts = om.group(0)
                    i += om.end()
            start = re.search(r"\bSTART\s+WITH\s+(-?\d+)", opts, re.I)
            incr = re.search(r"\bINCREMENT\s+BY\s+(-?\d+)", opts, re.I)
            kept = []
            if start:
                kept.append(f"START WITH {start.group(1)}")
            if incr:
                kept.append(f"INCREMENT BY {incr.group(1)}")
            dropped = " ".join(
                w.upper()
                for w in re.findall(r"[A-Za-z_]+", opts)
                if w.upper() not in ("START", "WITH", "INCREMENT", "BY")
            )
            how = " ".join(m.group(1).upper().split())
            record.rules.append(
                f"{table}: IDENTITY ({how}) -> sequence default"
                + (f"; removed {dropped}" if dropped else "")
                + ("; MAXVALUE above INT8 dropped" if re.search(r"MAXVALUE\s+\d{19,}", opts, re.I) else "")
            )
            if "ON NULL" in how:
                self._mark_on_null_before(text, m.start(), table)
            out.append(text[pos : m.start()])
            out.append("GENERATED BY DEFAULT AS IDENTITY" + (f" ({' '.join(kept)})" if kept else ""))
            pos = i
        out.append(text[pos:])
        return "".join(out)

    def _mark_on_null_before(self, text: str, at: int, table: str) -> None:
        """Remember the column whose definition contains position ``at`` as DEFAULT ON NULL."""
        body = text.find("(")
        for start, end in _split_items(text, body):
            if start <= at < end:
                first = _first_word(text[start:end])
                if first:
                    self.on_null_columns.add((table, self._raw_name(first)))

    def _items(self, text: str, record: StatementRecord, table: str, kind: str) -> str:
        """Per column / out-of-line constraint of the table body (or of ``ALTER TABLE t ADD (..)``):
        DEFAULT ON NULL, IS JSON checks, virtual columns without a type, NOVALIDATE, DISABLE.
        Returns the new text; '' when an ALTER is left with nothing to add."""
        if kind == "table":
            spans = _split_items(text, text.find("("))
        else:
            head = _TABLE_NAME.match(text)
            add = re.compile(r"\s+ADD\b\s*", re.I).match(text, head.end()) if head else None
            if add is None:
                return text
            paren = add.end() < len(text) and text[add.end()] == "("
            spans = _split_items(text, add.end()) if paren else [(add.end(), len(text))]
        out: list[str] = []
        pos = 0
        removed = False
        for start, end in spans:
            new = self._item(text[start:end], record, table)
            out.append(text[pos:start])
            out.append(new if new.strip() else "\x00")
            removed = removed or not new.strip()
            pos = end
        out.append(text[pos:])
        joined = "".join(out)
        if not removed:
            return joined
        # drop the separators left around removed items
        joined = re.sub(r",\s*\x00|\x00\s*,", "", joined).replace("\x00", "")
        if kind == "alter" and re.search(r"\bADD\s*(\(\s*\))?\s*$", joined, re.I):
            return ""
        return joined

    def _item(self, item: str, record: StatementRecord, table: str) -> str:
        """One item of a table body; returns its new text ('' removes it)."""
        first = _first_word(item)
        if first is None:
            return item
        is_constraint = first.upper() in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")
        cname = ""
        if first.upper() == "CONSTRAINT":
            cm = re.match(r'\s*CONSTRAINT\s+("[^"]*"|\S+)', item, re.I)
            cname = self._raw_name(cm.group(1)) if cm else ""
        words = set(w.upper() for w in re.findall(r"[A-Za-z_]+", _unquoted(item)))
        if is_constraint:
            obj = f"{table}.{cname or first.lower()}"
            json_col = _IS_JSON.search(item)
            if json_col and re.match(r"\s*(CONSTRAINT\s+\S+\s+)?CHECK\s*\(", item, re.I):
                col = self._raw_name(json_col.group(1))
                self._json_column(table, col, record)
                return ""
            if "DISABLE" in words:
                self.converter.manual.append(
                    ManualItem(
                        "disabled constraint",
                        obj,
                        item.strip() if record.kind == "alter" else f"ALTER TABLE {table} ADD {item.strip()}",
                        record.line,
                        "DISABLEd in Oracle, so the rows may not obey it: add it by hand after checking",
                    )
                )
                self.converter.review(
                    "warning",
                    "disabled_constraint",
                    obj,
                    "constraint is DISABLEd in Oracle: left out and put in manual review (the rows may "
                    "not obey it)",
                    record,
                )
                return ""
            if "NOVALIDATE" in words:
                self.converter.review(
                    "warning",
                    "novalidate_constraint",
                    obj,
                    "ENABLE NOVALIDATE in Oracle: rows older than the constraint were never checked, so "
                    "VALIDATE CONSTRAINT on the target may fail",
                    record,
                )
            return item
        col = self._raw_name(first)
        new = item
        if _ON_NULL.search(_unquoted(new)):
            new = sub_outside_quotes(_ON_NULL, "DEFAULT", new)
            self.on_null_columns.add((table, col))
        inline_json = _IS_JSON.search(new)
        if inline_json:
            chk = re.search(r"\b(CONSTRAINT\s+\S+\s+)?CHECK\s*\(", new, re.I)
            if chk:
                close = close_paren(new, chk.end() - 1)
                tail = re.match(r"(\s+(ENABLE|DISABLE|VALIDATE|NOVALIDATE))*", new[close + 1 :])
                cut = close + 1 + (tail.end() if tail else 0)
                new = new[: chk.start()] + new[cut:]
                self._json_column(table, col, record)
        virtual = re.match(r'(\s*("[^"]*"|[\w$#]+))\s+(GENERATED\s+ALWAYS\s+)?AS\s*\(', new, re.I)
        if virtual:
            # a virtual column without a declared type: Oracle derives it, the target needs one
            new = virtual.group(1) + " ROACHLIFT_INFERRED GENERATED ALWAYS AS (" + new[virtual.end() :]
        return new

    def _json_column(self, table: str, col: str, record: StatementRecord) -> None:
        self.json_columns.add((table, col))
        self.converter.review(
            "info",
            "is_json_check",
            f"{table}.{col}",
            "CHECK (... IS JSON) dropped: the column becomes JSONB, which accepts only valid JSON "
            "(Oracle's default LAX syntax, e.g. single quotes or unquoted keys, will fail to load)",
            record,
        )
        existing = self.converter.tables.get(table)
        column = existing.column(col) if existing else None
        if column is not None:
            column.type = dtype("JSONB")
            record.rules.append(f"{table}.{col}: -> JSONB (IS JSON check)")

    def fix_column(self, table: str, column: Column, record: StatementRecord) -> None:
        """JSON columns -> JSONB; DEFAULT ON NULL columns -> NOT NULL."""
        if (table, column.name) in self.json_columns:
            column.type = dtype("JSONB")
            record.rules.append(f"{table}.{column.name}: -> JSONB (IS JSON check)")
        if (table, column.name) in self.on_null_columns:
            column.nullable = False
            record.rules.append(
                f"{table}.{column.name}: DEFAULT ON NULL -> DEFAULT + NOT NULL (an explicit NULL is "
                "rejected on the target instead of replaced by the default)"
            )

    def finish(self) -> None:
        """One review item for every physical clause removed; one integer type per key family."""
        conv = self.converter
        if self.physical:
            listed = ", ".join(f"{w} ({len(objs)})" for w, objs in sorted(self.physical.items()))
            conv.review(
                "info",
                "oracle_physical_clauses",
                "schema",
                f"Oracle storage clauses removed (objects per clause): {listed}. CockroachDB manages "
                "storage, compression and replication itself",
                None,
            )
        unify_key_types(conv)
        for idx in list(conv.indexes):
            table = conv.tables.get(idx.table)
            if (
                table is not None
                and idx.unique
                and not idx.constraint
                and table.primary_key
                and sorted(idx.column_names()) == sorted(table.primary_key)
            ):
                # DBMS_METADATA prints the index behind a primary key as its own CREATE UNIQUE INDEX
                conv.indexes.remove(idx)
                idx.record.status = "folded"
                idx.record.rules.append(
                    f"{idx.name}: unique index on the primary key columns of {idx.table} dropped "
                    "(the target's primary key has its own index)"
                )

    def _strip_using_index(self, text: str, record: StatementRecord) -> str:
        while True:
            m = _first_outside_quotes(_USING_INDEX, text)
            if m is None:
                return text
            i = m.end()
            n = len(text)
            while i < n:
                while i < n and text[i].isspace():
                    i += 1
                if i >= n or text[i] in ",)":
                    break
                if text[i] == "(":
                    end = close_paren(text, i)
                    i = n if end < 0 else end + 1
                    continue
                word = re.match(r'"[^"]*"|[^\s,()]+', text[i:])
                if word is None:
                    break
                if word.group(0).upper() in ("ENABLE", "DISABLE", "VALIDATE", "NOVALIDATE"):
                    break
                i += len(word.group(0))
            text = text[: m.start()] + text[i:]
            record.rules.append("removed USING INDEX ... clause")

    def _index_text(self, text: str, record: StatementRecord) -> str:
        if re.match(r"^\s*CREATE\s+BITMAP\s+", text, re.I):
            text = re.sub(r"^\s*CREATE\s+BITMAP\s+", "CREATE ", text, flags=re.I)
            record.rules.append("BITMAP index -> ordinary index")
        m = re.search(r"\bON\s+[\w\".$#]+\s*\(", text, re.I)
        if m:
            end = close_paren(text, m.end() - 1)
            if end > 0 and text[end + 1 :].strip():
                found = {" ".join(x.group(1).upper().split()) for x in _PHYSICAL.finditer(text[end + 1 :])}
                name = re.search(r'\bINDEX\s+("[^"]*"(?:\s*\.\s*"[^"]*")?|[\w$#.]+)', text, re.I)
                if found:
                    self._note_physical(
                        found, self._raw_name(name.group(1)) if name else "?", record, "index attributes"
                    )
                else:
                    record.rules.append(f"removed index attributes: {text[end + 1 :].strip()}")
                text = text[: end + 1]
        return text

    def fix_view(self, query: exp.Expression, record: StatementRecord) -> exp.Expression:
        """Oracle compares a string column with a number by converting implicitly; the target
        does not: the number becomes a string literal (a review item says so)."""
        coerce_comparisons(query, self.converter, record, booleans=False, strings=True)
        return query

    def fix_expression(self, node: exp.Expression) -> exp.Expression:
        """SYSDATE/SYSTIMESTAMP -> CURRENT_TIMESTAMP; SYS_GUID() -> gen_random_uuid()."""
        for fn in list(node.find_all(exp.Systimestamp, exp.CurrentTimestamp)):
            fn.replace(exp.CurrentTimestamp())
        for fn in list(node.find_all(exp.Anonymous)):
            if str(fn.this).upper() == "SYS_GUID":
                fn.replace(exp.Anonymous(this="gen_random_uuid", expressions=[]))
        if isinstance(node, exp.Systimestamp):
            return exp.CurrentTimestamp()
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "SYS_GUID":
            return exp.Anonymous(this="gen_random_uuid", expressions=[])
        return node


def _first_outside_quotes(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    for m in pattern.finditer(text):
        before = text[: m.start()]
        if before.count("'") % 2 == 0 and before.count('"') % 2 == 0:
            return m
    return None


def _unquoted(text: str) -> str:
    """``text`` with string literals and quoted names blanked (for keyword tests)."""
    return re.sub(r"'(?:[^']|'')*'|\"[^\"]*\"", " ", text)


def _first_word(item: str) -> str | None:
    m = re.match(r'\s*("[^"]*"|[\w$#]+)', item)
    return m.group(1) if m else None


def _split_items(text: str, open_at: int) -> list[tuple[int, int]]:
    """Spans of the top-level comma-separated items inside the parenthesis at ``open_at``."""
    if open_at < 0 or open_at >= len(text) or text[open_at] != "(":
        return []
    end = close_paren(text, open_at)
    if end < 0:
        return []
    spans = []
    depth = 0
    start = open_at + 1
    i = start
    while i < end:
        ch = text[i]
        if ch in "'\"":
            j = text.find(ch, i + 1)
            while j != -1 and j + 1 < end and text[j + 1] == ch:
                j = text.find(ch, j + 2)
            i = end if j == -1 else j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            spans.append((start, i))
            start = i + 1
        i += 1
    spans.append((start, end))
    return spans


_NUMBER_SOURCE = re.compile(r"^\s*NUMBER\s*(?:\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\))?\s*$", re.I)
_INT_RANK = {"SMALLINT": 0, "INT": 1, "BIGINT": 2}


def _integral_width(col: Column) -> str | None:
    """The integer type a key column's source type calls for; None when it holds fractions."""
    if col.type.this in (DT.SMALLINT, DT.INT, DT.BIGINT):
        return {DT.SMALLINT: "SMALLINT", DT.INT: "INT", DT.BIGINT: "BIGINT"}[col.type.this]
    m = _NUMBER_SOURCE.match(col.source_type or "")
    if not m:
        return None
    if m.group(2) not in (None, "0"):
        return None
    p = int(m.group(1)) if m.group(1) else 38
    return "SMALLINT" if p < 5 else "INT" if p <= 9 else "BIGINT"


def unify_key_types(conv: ConversionState) -> None:
    """Give a key column and every column that references it one integer type.

    Oracle keys are NUMBER in many spellings (bare NUMBER, NUMBER(19), NUMBER(10,0)); mapped one by
    one they give DECIMAL keys referenced by INT8 columns. Here each family of columns joined by
    foreign keys gets the widest integer type its members call for; a bare NUMBER or NUMBER(19..38)
    member makes it INT8 with a review item (a value beyond INT8 then fails to load, never changes)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    keys: set[tuple[str, str]] = set()
    for table in conv.tables.values():
        keys.update((table.name, c) for c in table.primary_key)
    for idx in conv.indexes:
        if idx.unique and idx.table in conv.tables:
            keys.update((idx.table, c) for c in idx.column_names())
    keys.update(k for k in conv.serial_hints if k[0] in conv.tables)
    for fk in conv.fks:
        ref = conv.tables.get(fk.ref_table)
        if ref is None or fk.table not in conv.tables:
            continue
        for c, rc in zip(fk.columns, fk.ref_columns or ref.primary_key, strict=False):
            parent[find((fk.table, c))] = find((fk.ref_table, rc))
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for member in set(parent) | keys:
        groups.setdefault(find(member), []).append(member)
    for members in groups.values():
        if not any(m in keys for m in members):
            continue
        found = [(m, conv.tables[m[0]].column(m[1])) for m in sorted(members) if m[0] in conv.tables]
        cols = [(m, col) for m, col in found if col is not None]
        widths = [_integral_width(col) for _, col in cols]
        if not cols or any(w is None for w in widths):
            continue
        target = max((w for w in widths if w), key=lambda w: _INT_RANK[w])
        wide = [
            f"{m[0]}.{m[1]} ({col.source_type})"
            for (m, col) in cols
            if col.type.this not in (DT.SMALLINT, DT.INT, DT.BIGINT)
        ]
        changed = []
        for (m, col), _w in zip(cols, widths, strict=True):
            if col.type.this != dtype(target).this:
                changed.append(f"{m[0]}.{m[1]}")
                col.type = dtype(target)
                rec = conv.tables[m[0]].record
                if rec is not None:
                    rec.rules.append(f"{m[0]}.{m[1]}: key family -> {target}")
        if changed:
            # the per-column "bare NUMBER -> DECIMAL" item no longer describes what is created
            gone = {("bare_number", name) for name in changed}
            conv.review_items[:] = [r for r in conv.review_items if (r.code, r.object) not in gone]
            for t in {name.split(".")[0] for name in changed}:
                rec = conv.tables[t].record
                if rec is not None:
                    rec.review[:] = [r for r in rec.review if (r.code, r.object) not in gone]
        if wide:
            wide_tables = [m[0] for m, col in cols if f"{m[0]}.{m[1]} ({col.source_type})" in wide]
            conv.review(
                "warning",
                "number_key_integer",
                ", ".join(f"{m[0]}.{m[1]}" for m, _ in cols),
                f"key column family given one integer type {target}: {', '.join(wide)} could hold values "
                "beyond INT8 or fractions in Oracle; such a value fails to load rather than change",
                conv.tables[wide_tables[0]].record,
            )
