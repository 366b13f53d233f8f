-- Sequences that are not identity columns' own, with their parameters, last value and owner column.
SELECT s.schemaname AS schema,
       s.sequencename AS name,
       s.data_type::text AS data_type,
       s.start_value, s.min_value, s.max_value, s.increment_by, s.cycle, s.cache_size,
       s.last_value,
       (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.relname) || '.' || quote_ident(a.attname)
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
        JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.objid = (quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename))::regclass
          AND d.classid = 'pg_catalog.pg_class'::regclass
          AND d.deptype = 'a'
        LIMIT 1) AS owned_by
FROM pg_catalog.pg_sequences s
WHERE s.schemaname = ANY(%(schemas)s)
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.objid = (quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename))::regclass
        AND d.deptype = 'i')
ORDER BY s.schemaname, s.sequencename
