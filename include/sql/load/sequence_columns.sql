-- Columns fed by a sequence in one schema: a nextval('...') default, or an identity column.
-- Runs on PostgreSQL and CockroachDB (information_schema.columns, pg_get_serial_sequence).
-- Parameter: %(schema)s
SELECT table_schema,
       table_name,
       column_name,
       CASE WHEN is_identity = 'YES'
            THEN pg_get_serial_sequence(quote_ident(table_schema) || '.' || quote_ident(table_name), column_name)
            ELSE substring(column_default FROM 'nextval\(''((?:[^'']|'''')+)''')
       END AS sequence_name
  FROM information_schema.columns
 WHERE table_schema = %(schema)s
   AND (is_identity = 'YES' OR column_default LIKE 'nextval(%%')
 ORDER BY table_name, column_name
