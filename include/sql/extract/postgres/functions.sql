-- Functions, procedures and aggregates (review items), not those of extensions.
SELECT n.nspname AS schema,
       p.proname AS name,
       p.prokind::text AS kind,
       CASE WHEN p.prokind = 'a'
            THEN 'CREATE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
                 || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ') (...)'
            ELSE pg_catalog.pg_get_functiondef(p.oid) END AS definition
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.objid = p.oid AND d.classid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'e')
ORDER BY n.nspname, p.proname, p.oid
