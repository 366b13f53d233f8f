-- PostgreSQL source: every partition in scope and its root table. Logical decoding names the leaf
-- partition a row lives in; the target has only the root table (the dump loads through it).
SELECT n.nspname || '.' || c.relname AS leaf,
       rn.nspname || '.' || r.relname AS root
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_class AS r ON r.oid = pg_partition_root(c.oid)
JOIN pg_namespace AS rn ON rn.oid = r.relnamespace
WHERE c.relispartition
  AND n.nspname = ANY(%(schemas)s)
