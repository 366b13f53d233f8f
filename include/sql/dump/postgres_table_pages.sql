-- Kind, inheritance children and size in blocks of one table: a plain table without children is
-- read with COPY table TO (no executor), a large one may be split into ctid ranges.
SELECT c.relkind::text AS kind,
       c.relhassubclass AS has_children,
       pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND c.relname = %(name)s
