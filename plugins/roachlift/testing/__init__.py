"""Throw-away database servers for tests, benchmarks and the demo (no Airflow import).

``PostgresServer`` runs PostgreSQL 15 with ``wal_level=logical`` (wal2json loadable) and
``MariaDBServer`` runs MariaDB with a ROW binlog, each in a temporary folder on a free port;
``S3Server`` runs moto's S3 API server with enforced credentials.
"""

from roachlift.testing.s3server import S3Server
from roachlift.testing.servers import MariaDBServer, PostgresServer, free_port

__all__ = ["MariaDBServer", "PostgresServer", "S3Server", "free_port"]
