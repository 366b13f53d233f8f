-- Foreign keys of one schema: name, table, columns, referenced table and columns, validated?,
-- definition (pg_get_constraintdef, to re-add a key dropped for a reload).
-- Runs on PostgreSQL and CockroachDB (pg_catalog: pg_constraint.convalidated, conkey, confkey).
-- Parameter: %(schema)s
SELECT c.conname AS constraint_name,
       n.nspname AS schema_name,
       t.relname AS table_name,
       rn.nspname AS ref_schema,
       rt.relname AS ref_table,
       ARRAY(SELECT a.attname::TEXT
               FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
               JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       ARRAY(SELECT a.attname::TEXT
               FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, ord)
               JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS ref_columns,
       c.convalidated AS validated,
       pg_catalog.pg_get_constraintdef(c.oid) AS definition
  FROM pg_catalog.pg_constraint AS c
  JOIN pg_catalog.pg_class AS t ON t.oid = c.conrelid
  JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace
  JOIN pg_catalog.pg_class AS rt ON rt.oid = c.confrelid
  JOIN pg_catalog.pg_namespace AS rn ON rn.oid = rt.relnamespace
 WHERE c.contype = 'f' AND n.nspname = %(schema)s
 ORDER BY t.relname, c.conname
