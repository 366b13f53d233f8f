-- Domains: base type, NOT NULL, default and check constraints.
SELECT n.nspname AS schema,
       t.typname AS name,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type,
       t.typnotnull AS not_null,
       t.typdefault AS default_expr,
       ARRAY(SELECT 'CONSTRAINT ' || quote_ident(con.conname) || ' ' || pg_catalog.pg_get_constraintdef(con.oid, true)
             FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid ORDER BY con.conname)::text[] AS checks
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd'
  AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, t.typname
