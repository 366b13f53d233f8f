-- Views and materialized views with their definitions, in dependency-safe (creation) order.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       pg_catalog.pg_get_viewdef(c.oid, true) AS definition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname = ANY(%(schemas)s)
ORDER BY c.oid
