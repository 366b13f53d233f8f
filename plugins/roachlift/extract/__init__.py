"""Extract DDL and table lists from the source database (PostgreSQL, MySQL/MariaDB, Oracle)."""
