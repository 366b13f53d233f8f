-- Primary key, unique, check, exclusion and foreign key constraints, with their full definition
-- (pg_get_constraintdef carries ON DELETE / ON UPDATE actions, MATCH and DEFERRABLE).
SELECT n.nspname AS schema,
       c.relname AS table_name,
       con.conname AS name,
       con.contype::text AS type,
       pg_catalog.pg_get_constraintdef(con.oid, true) AS definition,
       ARRAY(SELECT a.attname
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype IN ('p', 'u', 'c', 'f', 'x')
  AND NOT c.relispartition
  AND con.conislocal
  AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, c.relname, con.contype, con.conname
