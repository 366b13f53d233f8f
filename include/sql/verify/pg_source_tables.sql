-- Base tables of one PostgreSQL schema, partitions left out: their rows are compared through their
-- root table, which is what the target holds (information_schema lists partitions as base tables).
SELECT t.table_name
FROM information_schema.tables AS t
WHERE t.table_schema = %(schema)s
  AND t.table_type = 'BASE TABLE'
  AND NOT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = t.table_schema AND c.relname = t.table_name AND c.relispartition)
ORDER BY t.table_name
