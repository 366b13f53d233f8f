"""The drain's stop rule: a change-stream position at or past the freeze position."""

from __future__ import annotations

from roachlift.cutover_steps import position_reached


def test_postgres_lsn_order_is_numeric_not_textual() -> None:
    freeze = {"kind": "postgres", "lsn": "0/9FFFFFF"}
    assert position_reached({"lsn": "0/A000000"}, freeze)  # textually smaller, numerically larger
    assert position_reached({"lsn": "0/9FFFFFF"}, freeze)
    assert not position_reached({"lsn": "0/9FFFFFE"}, freeze)
    assert position_reached({"lsn": "1/0"}, freeze)


def test_mysql_binlog_file_then_offset() -> None:
    freeze = {"kind": "mysql", "binlog_file": "mysql-bin.000002", "binlog_pos": 500}
    assert position_reached({"binlog_file": "mysql-bin.000002", "binlog_pos": 500}, freeze)
    assert not position_reached({"binlog_file": "mysql-bin.000002", "binlog_pos": 499}, freeze)
    assert position_reached({"binlog_file": "mysql-bin.000003", "binlog_pos": 4}, freeze)
    assert not position_reached({"binlog_file": "mysql-bin.000001", "binlog_pos": 9999}, freeze)


def test_no_position_is_never_reached() -> None:
    assert not position_reached(None, {"lsn": "0/1"})
    assert not position_reached({"lsn": "0/1"}, {"scn": 5})
