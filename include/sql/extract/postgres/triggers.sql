-- User triggers (review items: CockroachDB triggers differ from PostgreSQL's).
SELECT n.nspname AS schema,
       c.relname AS table_name,
       tg.tgname AS name,
       pg_catalog.pg_get_triggerdef(tg.oid, true) AS definition
FROM pg_catalog.pg_trigger tg
JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT tg.tgisinternal
  AND n.nspname = ANY(%(schemas)s)
ORDER BY n.nspname, c.relname, tg.tgname
