-- Columns of one table in file order, for the dump: name, type name, generated flag.
-- Generated columns are left out of the dump (the target computes them).
SELECT a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       t.typname AS type_name,
       a.attgenerated <> '' AS generated
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE n.nspname = %(schema)s
  AND c.relname = %(name)s
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attnum
