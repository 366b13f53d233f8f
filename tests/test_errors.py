"""Transient vs data errors decide whether Airflow retries a task."""

from __future__ import annotations

import psycopg
import pymysql
import pytest

from roachlift.errors import RoachliftError, TransientError, is_transient


def test_unreachable_postgres_is_transient() -> None:
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect("postgresql://nobody@127.0.0.1:1/x", connect_timeout=1)
    assert is_transient(info.value)


def test_unreachable_mysql_is_transient() -> None:
    with pytest.raises(pymysql.err.OperationalError) as info:
        pymysql.connect(host="127.0.0.1", port=1, user="x", connect_timeout=1)
    assert is_transient(info.value)


def test_data_errors_are_not_transient(pg_db: str) -> None:
    with psycopg.connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(psycopg.errors.UniqueViolation) as dup:
            conn.execute("INSERT INTO t VALUES (1)")
    assert not is_transient(dup.value)
    assert not is_transient(RoachliftError("row count differs"))


def test_serialization_failure_and_wrapped_causes_are_transient() -> None:
    assert is_transient(TransientError("retry"))
    try:
        try:
            raise ConnectionResetError("peer reset")
        except ConnectionResetError as inner:
            raise RoachliftError("load of public.film failed") from inner
    except RoachliftError as outer:
        assert is_transient(outer)
    assert is_transient(psycopg.errors.SerializationFailure("restart transaction"))
