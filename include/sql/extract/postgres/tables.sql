-- Ordinary and partitioned tables of the given schemas (partitions themselves are left out:
-- they are read through their parent), with row-count estimates and on-disk size.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       GREATEST(c.reltuples, 0)::bigint AS estimated_rows,
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, c.relname
