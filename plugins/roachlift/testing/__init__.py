"""Throw-away database servers for tests, benchmarks and the demo (no Airflow import).

``PostgresServer`` runs PostgreSQL 15 with ``wal_level=logical`` (wal2json loadable) and
``MariaDBServer`` runs MariaDB with a ROW binlog, each in a temporary folder on a free port.
"""

from roachlift.testing.servers import MariaDBServer, PostgresServer, free_port

__all__ = ["MariaDBServer", "PostgresServer", "free_port"]
