"""Verify that the target equals the source, row by row (see :mod:`roachlift.verify.compare`)."""

from roachlift.verify.compare import TableRef, list_source_tables, verify_table, verify_tables
from roachlift.verify.report import Mismatch, TableResult, VerifyResult

__all__ = [
    "Mismatch",
    "TableRef",
    "TableResult",
    "VerifyResult",
    "list_source_tables",
    "verify_table",
    "verify_tables",
]
