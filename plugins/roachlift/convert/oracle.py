"""Oracle rules: type table (ora2pg's choices), clauses sqlglot cannot parse, expression fixes.

Types: VARCHAR2/NVARCHAR2(n) -> VARCHAR(n); NUMBER(p[,0]) -> SMALLINT (p<5) / INT (p<=9) / BIGINT
(p<=18) / DECIMAL(p); NUMBER(p,s) -> DECIMAL(p,s); NUMBER, NUMBER(*,s) -> DECIMAL (or FLOAT8 by option,
always a review item); FLOAT/BINARY_DOUBLE -> DOUBLE PRECISION; DATE -> TIMESTAMP (Oracle dates
carry a time); TIMESTAMP WITH (LOCAL) TIME ZONE -> TIMESTAMPTZ; CLOB/NCLOB/LONG -> TEXT;
BLOB/RAW/LONG RAW -> BYTEA; RAW(16) DEFAULT SYS_GUID() -> UUID DEFAULT gen_random_uuid().
Removed: USING INDEX ..., ENABLE/VALIDATE, TABLESPACE, STORAGE(...), PCTFREE/PCTUSED/INITRANS/
MAXTRANS, LOGGING, COMPRESS, SEGMENT CREATION, LOB (...) STORE AS ..., partitioning (review).
"""

from __future__ import annotations

import re

from sqlglot import exp

from roachlift.convert.model import StatementRecord
from roachlift.convert.rules import (
    DT,
    ColumnContext,
    SourceRules,
    close_paren,
    coerce_comparisons,
    dtype,
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
    r"MONITORING|ROW\s+MOVEMENT|ON\s+COMMIT|COMPUTE\s+STATISTICS|LOCAL|ONLINE|REVERSE)\b",
    re.I,
)


def _number(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    params = type_params(dt)
    options = ctx.converter.options
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


def _plain(name: str, note: str | None = None):  # type: ignore[no-untyped-def]
    def rule(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        if note:
            ctx.rule(note)
        return dtype(name)

    return rule


def _same(name: str, note: str | None = None):  # type: ignore[no-untyped-def]
    def rule(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
        if note:
            ctx.rule(note)
        return with_params(name, dt)

    return rule


def _userdefined(dt: exp.DataType, ctx: ColumnContext) -> exp.DataType:
    kind = dt.args.get("kind")
    name = (kind.name if isinstance(kind, exp.Expression) else str(kind or "")).upper()
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
    raise ValueError(f"Oracle type {name} is not converted")


class OracleRules(SourceRules):
    """Oracle DDL as DBMS_METADATA, SQL Developer or hand-written scripts give it."""

    name = "oracle"
    read = "oracle"
    STRICT_TYPES = True
    SKIP = [
        (
            re.compile(
                r"^\s*(PROMPT|SPOOL|REM|REMARK|WHENEVER|EXIT|QUIT|CONNECT|CONN|SHOW|DESCRIBE|@)(\s|$)", re.I
            ),
            "SQL*Plus command",
        ),
        (re.compile(r"^\s*ALTER\s+SESSION\b", re.I), "session setting"),
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
    ]
    TYPES = {
        DT.DECIMAL: _number,
        DT.INT: _plain("INT"),
        DT.SMALLINT: _plain("SMALLINT"),
        DT.BIGINT: _plain("BIGINT"),
        DT.FLOAT: _plain("DOUBLE PRECISION", "FLOAT / BINARY_FLOAT -> DOUBLE PRECISION"),
        DT.DOUBLE: _plain("DOUBLE PRECISION", "BINARY_DOUBLE -> DOUBLE PRECISION"),
        DT.VARCHAR: _same("VARCHAR", "VARCHAR2 -> VARCHAR"),
        DT.NVARCHAR: _same("VARCHAR", "NVARCHAR2 -> VARCHAR"),
        DT.CHAR: _same("CHAR"),
        DT.NCHAR: _same("CHAR", "NCHAR -> CHAR"),
        DT.DATE: _plain("TIMESTAMP", "DATE -> TIMESTAMP (Oracle dates carry a time)"),
        DT.TIMESTAMP: _same("TIMESTAMP"),
        DT.TIMESTAMPTZ: _same("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE -> TIMESTAMPTZ"),
        DT.TIMESTAMPLTZ: _same("TIMESTAMPTZ", "TIMESTAMP WITH LOCAL TIME ZONE -> TIMESTAMPTZ"),
        DT.TEXT: _plain("TEXT", "CLOB -> TEXT"),
        DT.VARBINARY: _plain("BYTEA", "BLOB -> BYTEA"),
        DT.USERDEFINED: _userdefined,
    }

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

    def _table_text(self, text: str, record: StatementRecord, kind: str) -> str:
        if kind == "table":
            open_at = text.find("(")
            end = close_paren(text, open_at) if open_at >= 0 else -1
            if end > 0:
                tail = text[end + 1 :]
                found = sorted({" ".join(m.group(1).upper().split()) for m in _PHYSICAL.finditer(tail)})
                if found:
                    record.rules.append(f"removed physical attributes: {', '.join(found)}")
                if re.search(r"\bPARTITION\s+BY\b", tail, re.I):
                    self.converter.review(
                        "warning",
                        "oracle_partitioning",
                        record.object or "table",
                        "Oracle partitioning removed: CockroachDB distributes ranges itself; use "
                        "PARTITION BY only for data placement",
                        record,
                    )
                text = text[: end + 1]
            if re.match(r"^\s*CREATE\s+GLOBAL\s+TEMPORARY\b", text, re.I):
                text = re.sub(r"^\s*CREATE\s+GLOBAL\s+TEMPORARY\s+", "CREATE ", text, flags=re.I)
                self.converter.review(
                    "warning",
                    "temporary_table",
                    "table",
                    "GLOBAL TEMPORARY table created as a regular table",
                    record,
                )
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
                "constraint",
                "a DISABLEd Oracle constraint is enforced on the target: check the data obey it",
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
        return text

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
                found = sorted(
                    {" ".join(x.group(1).upper().split()) for x in _PHYSICAL.finditer(text[end + 1 :])}
                )
                record.rules.append(
                    f"removed index attributes: {', '.join(found) or text[end + 1 :].strip()}"
                )
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
