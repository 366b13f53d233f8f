"""Split a DDL script into statements, keeping each one's first line number.

One scanner for the three source dialects. It knows quotes (``'…'``, ``"…"``, MySQL backticks),
comments (``--``, ``/* */``, MySQL ``#``), PostgreSQL dollar quotes (``$$ … $$``, ``$_$ … $_$``),
MySQL ``DELIMITER`` lines and versioned comments (``/*!50705 … */`` are unwrapped, as a MySQL
server of that version or later would run them), and Oracle PL/SQL blocks that end with a line
holding only ``/``. Comments are dropped from the statement text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from roachlift.config.spec import SourceKind

_PLSQL_START = re.compile(
    r"^\s*(CREATE\s+(OR\s+REPLACE\s+)?((NON)?EDITIONABLE\s+)?"
    r"(TRIGGER|PROCEDURE|FUNCTION|PACKAGE|TYPE\s+BODY|TYPE)\b|(BEGIN|DECLARE)\s*$|(BEGIN|DECLARE)\s)",
    re.IGNORECASE,
)
_SQLPLUS = re.compile(
    r"^\s*(PROMPT|SPOOL|REM|REMARK|WHENEVER|EXIT|QUIT|CONNECT|CONN|SHOW|DESCRIBE|@|"
    r"SET\s+(DEFINE|ECHO|FEEDBACK|HEADING|LINESIZE|PAGESIZE|SERVEROUTPUT|TERMOUT|VERIFY|TIMING|"
    r"SQLBLANKLINES|SCAN|LONG|TRIMSPOOL))(\s|;|$)",
    re.IGNORECASE,
)
_DELIMITER = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_VERSION = re.compile(r"\d*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


@dataclass
class Statement:
    """One statement of the script: its text without comments and its first line (1-based)."""

    text: str
    line: int
    #: the statement exactly as written (comments kept), for the report and manual review
    raw: str = ""

    def __post_init__(self) -> None:
        if not self.raw:
            self.raw = self.text


def split_statements(text: str, source: str) -> list[Statement]:
    """The statements of ``text`` written in ``source`` ('oracle', 'mysql' or 'postgres')."""
    if source == SourceKind.ORACLE:
        return _split_oracle(text)
    return _Scanner(text, source).run()


class _Scanner:
    """A character scanner that cuts at the current delimiter outside quotes and comments."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.delimiter = ";"

    def run(self, base_line: int = 1) -> list[Statement]:
        text, n = self.text, len(self.text)
        out: list[Statement] = []
        buf: list[str] = []
        line = base_line
        start_line: int | None = None
        i = 0
        at_line_start = True
        in_versioned = False
        start_idx = 0
        while i < n:
            if at_line_start and self.source == SourceKind.MYSQL and not "".join(buf).strip():
                m = _DELIMITER.match(text, i)
                if m:
                    self.delimiter = m.group(1)
                    line += text.count("\n", i, m.end())
                    i = m.end()
                    continue
            ch = text[i]
            if (
                ch == "\\"
                and at_line_start
                and self.source == SourceKind.POSTGRES
                and not "".join(buf).strip()
            ):
                # a psql meta-command (pg_dump writes \restrict / \unrestrict): one line, no ';'
                j = text.find("\n", i)
                j = n if j < 0 else j
                out.append(Statement(text[i:j].strip(), line))
                buf, start_line, i = [], None, j
                continue
            at_line_start = False
            if ch == "\n":
                line += 1
                at_line_start = True
            nxt = text[i + 1] if i + 1 < n else ""
            # comments
            if (ch == "-" and nxt == "-") or (ch == "#" and self.source == SourceKind.MYSQL):
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            if in_versioned and ch == "*" and nxt == "/":
                in_versioned = False
                i += 2
                continue
            if ch == "/" and nxt == "*":
                if self.source == SourceKind.MYSQL and text.startswith("!", i + 2):
                    # versioned comment /*!50705 ... */: its content runs, as on MySQL >= that version
                    m = _VERSION.match(text, i + 3)
                    i = m.end() if m else i + 3
                    in_versioned = True
                    continue
                j = text.find("*/", i + 2)
                j = n if j < 0 else j
                body = text[i + 2 : j]
                line += body.count("\n")
                i = j + 2
                buf.append(" ")
                continue
            if start_line is None and not ch.isspace():
                start_line = line
                start_idx = i
            # quotes
            if ch in "'\"`":
                j = i + 1
                while j < n:
                    if text[j] == "\\" and ch == "'" and self.source == SourceKind.MYSQL:
                        j += 2
                        continue
                    if text[j] == ch:
                        if j + 1 < n and text[j + 1] == ch:
                            j += 2
                            continue
                        break
                    j += 1
                chunk = text[i : j + 1]
                line += chunk.count("\n")
                buf.append(chunk)
                i = j + 1
                continue
            if ch == "$" and self.source == SourceKind.POSTGRES:
                m = _DOLLAR_TAG.match(text, i)
                if m:
                    tag = m.group(0)
                    j = text.find(tag, m.end())
                    j = n if j < 0 else j + len(tag)
                    chunk = text[i:j]
                    line += chunk.count("\n")
                    buf.append(chunk)
                    i = j
                    continue
            if text.startswith(self.delimiter, i):
                stmt = "".join(buf).strip()
                if stmt:
                    out.append(Statement(stmt, start_line or line, text[start_idx:i].strip()))
                buf = []
                start_line = None
                i += len(self.delimiter)
                continue
            buf.append(ch)
            i += 1
        stmt = "".join(buf).strip()
        if stmt:
            out.append(Statement(stmt, start_line or line, text[start_idx:].strip()))
        return out


def _split_oracle(text: str) -> list[Statement]:
    """Oracle: PL/SQL blocks run to a ``/`` line; other statements end at ``;`` or ``/``."""
    out: list[Statement] = []
    lines = text.split("\n")
    chunk: list[str] = []
    chunk_start = 1

    def flush_sql() -> None:
        if chunk:
            for st in _Scanner("\n".join(chunk), SourceKind.ORACLE).run(chunk_start):
                out.append(st)
        chunk.clear()

    i = 0
    in_block_comment = False
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if in_block_comment:
            chunk.append(raw)
            if "*/" in raw:
                in_block_comment = False
            i += 1
            continue
        if stripped.startswith("/*") and "*/" not in stripped:
            if not chunk:
                chunk_start = i + 1
            chunk.append(raw)
            in_block_comment = True
            i += 1
            continue
        if stripped == "/":
            flush_sql()
            chunk_start = i + 2
            i += 1
            continue
        if _SQLPLUS.match(raw) and _statement_boundary(chunk):
            # a SQL*Plus command (PROMPT, SET DEFINE OFF, SPOOL, ...): one line, ';' optional
            flush_sql()
            out.append(Statement(stripped.rstrip(";").strip(), i + 1))
            i += 1
            chunk_start = i + 1
            continue
        if _PLSQL_START.match(raw) and _statement_boundary(chunk):
            flush_sql()
            start = i
            block: list[str] = []
            while i < len(lines) and lines[i].strip() != "/":
                block.append(lines[i])
                i += 1
            out.append(Statement("\n".join(block).strip().rstrip(";") + ";", start + 1))
            i += 1
            chunk_start = i + 1
            continue
        if not chunk:
            chunk_start = i + 1
        chunk.append(raw)
        i += 1
    flush_sql()
    return out


def _statement_boundary(chunk: list[str]) -> bool:
    """True when the pending lines are empty or end a statement (last code line ends with ';')."""
    for line in reversed(chunk):
        code = re.sub(r"--.*$", "", line).strip()
        if code:
            return code.endswith(";")
    return True
