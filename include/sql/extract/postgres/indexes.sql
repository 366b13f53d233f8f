-- Indexes that do not back a constraint (those come with their constraint).
SELECT n.nspname AS schema,
       c.relname AS table_name,
       i.relname AS name,
       pg_catalog.pg_get_indexdef(x.indexrelid) AS definition
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = x.indexrelid
                  AND con.contype IN ('p', 'u', 'x'))
  AND i.relkind IN ('i', 'I')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = x.indexrelid)
ORDER BY n.nspname, c.relname, i.relname
