-- PostgreSQL source: every partition in scope, its root table, and the condition its rows satisfy
-- (pg_get_partition_constraintdef: its own bounds and its ancestors'; NULL for a partition of a
-- partitioned table without bounds of its own, e.g. a root's DEFAULT partition prints NOT (...)).
-- Logical decoding names the leaf partition a row lives in; the target has only the root table
-- (the dump loads through it); a TRUNCATE of one leaf deletes only the rows inside its bounds.
SELECT n.nspname || '.' || c.relname AS leaf,
       rn.nspname || '.' || r.relname AS root,
       pg_get_partition_constraintdef(c.oid) AS bound
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_class AS r ON r.oid = pg_partition_root(c.oid)
JOIN pg_namespace AS rn ON rn.oid = r.relnamespace
WHERE c.relispartition
  AND n.nspname = ANY(%(schemas)s)
