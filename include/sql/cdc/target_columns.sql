-- Columns of one target table in order, with whether each belongs to the primary key (key_pos > 0)
-- and whether the target computes it (a generated/computed column: never written by the applier).
-- Works on PostgreSQL and CockroachDB (information_schema; CockroachDB has IS_GENERATED and
-- GENERATION_EXPRESSION in information_schema.columns: cockroachdb/cockroach
-- pkg/sql/vtable/information_schema.go, InformationSchemaColumns).
SELECT c.column_name,
       c.data_type,
       COALESCE(k.ordinal_position, 0) AS key_pos,
       (COALESCE(c.is_generated, 'NEVER') = 'ALWAYS'
        OR COALESCE(c.generation_expression, '') <> '') AS generated
FROM information_schema.columns AS c
LEFT JOIN information_schema.table_constraints AS tc
       ON tc.table_schema = c.table_schema
      AND tc.table_name = c.table_name
      AND tc.constraint_type = 'PRIMARY KEY'
LEFT JOIN information_schema.key_column_usage AS k
       ON k.constraint_schema = tc.constraint_schema
      AND k.constraint_name = tc.constraint_name
      AND k.table_name = c.table_name
      AND k.column_name = c.column_name
WHERE c.table_schema = %(schema)s
  AND c.table_name = %(table)s
  AND c.column_name <> 'rowid'
ORDER BY c.ordinal_position
