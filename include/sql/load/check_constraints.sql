-- CHECK constraints of one schema with their validation state and definition.
-- IMPORT INTO leaves them unvalidated ("Set CHECK constraints to unvalidated before publishing the
-- table imported into", pkg/sql/importer/import_job.go); CockroachDB's pg_constraint reports it as
-- convalidated = NOT Unvalidated for every constraint kind (pkg/sql/pg_catalog.go) and its condef
-- ends in " NOT VALID" then. Runs on PostgreSQL and CockroachDB.
-- Parameter: %(schema)s
SELECT c.conname AS constraint_name,
       n.nspname AS schema_name,
       t.relname AS table_name,
       c.convalidated AS validated,
       pg_catalog.pg_get_constraintdef(c.oid) AS definition
  FROM pg_catalog.pg_constraint AS c
  JOIN pg_catalog.pg_class AS t ON t.oid = c.conrelid
  JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace
 WHERE c.contype = 'c' AND n.nspname = %(schema)s
 ORDER BY t.relname, c.conname
