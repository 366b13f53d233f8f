"""roachlift: move a production database from Oracle, MySQL/MariaDB or PostgreSQL onto CockroachDB.

The core sub-packages (``config``, ``extract``, ``convert``, ``dump``, ``load``, ``cdc``,
``verify``) are plain Python; only ``roachlift.airflow`` imports Airflow.
"""

__version__ = "0.1.0"
