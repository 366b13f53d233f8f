"""MySQL CDC follows the same value rules as the dump: a zero date or a NUL in text stops the stream
naming the table, key and column (default), or becomes NULL / loses its NULs under the lossy rules."""

from __future__ import annotations

import pymysql
import pytest

from roachlift.cdc.model import Change
from roachlift.cdc.mysql import MySQLSource, master_status
from roachlift.errors import RoachliftError
from roachlift.testing import MariaDBServer
from roachlift.values import ValueRules


def _changes(server: MariaDBServer, db: str, rules: ValueRules | None) -> list[Change]:
    source = MySQLSource(server.connect_kwargs(), _START[db], schemas=[db])
    if rules is not None:
        source.value_rules = rules
    source.open(None)
    try:
        return [e for e in source.read(1000) if isinstance(e, Change)]
    finally:
        source.close()


_START: dict[str, dict[str, object]] = {}


@pytest.fixture
def zero_rows(mariadb_server: MariaDBServer, mysql_db: str) -> str:
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(
            "CREATE TABLE z (id INT PRIMARY KEY, d DATE, dt DATETIME(3), ts TIMESTAMP NULL, s VARCHAR(10))"
        )
        _START[mysql_db] = master_status(mariadb_server.connect_kwargs())
        cur.execute(
            "INSERT INTO z VALUES (1, '2024-01-02', '2024-01-02 03:04:05.5', '2024-01-02 03:04:05', 'ok'),"
            " (2, '0000-00-00', '2024-00-01 00:00:00', '0000-00-00 00:00:00', 'a\\0b')"
        )
    conn.close()
    return mysql_db


def test_default_rules_stop_the_stream_naming_table_key_and_column(
    mariadb_server: MariaDBServer, zero_rows: str
) -> None:
    with pytest.raises(RoachliftError, match=rf"{zero_rows}\.z: row \{{'id': 2\}}: column d: zero date"):
        _changes(mariadb_server, zero_rows, None)


def test_lossy_rules_turn_zero_dates_to_null_and_strip_nul(
    mariadb_server: MariaDBServer, zero_rows: str
) -> None:
    changes = _changes(mariadb_server, zero_rows, ValueRules(nul_in_text="strip", zero_dates="null"))
    assert [c.new for c in changes] == [
        {
            "id": "1",
            "d": "2024-01-02",
            "dt": "2024-01-02 03:04:05.5",
            "ts": "2024-01-02 03:04:05+00",
            "s": "ok",
        },
        {"id": "2", "d": None, "dt": None, "ts": None, "s": "ab"},
    ]
