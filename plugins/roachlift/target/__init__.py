"""The migration target (CockroachDB, or PostgreSQL as a stand-in): what it can do and what it is sent.

- :mod:`.statements` — the statement catalog: every statement roachlift sends to the target, each
  beside the CockroachDB source file or documentation page it was checked against.
"""
