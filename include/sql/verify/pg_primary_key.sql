-- Primary-key columns of one table, in key order.
-- https://www.cockroachlabs.com/docs/stable/information-schema#key_column_usage
SELECT k.column_name
FROM information_schema.table_constraints AS t
JOIN information_schema.key_column_usage AS k
  ON k.constraint_schema = t.constraint_schema
 AND k.constraint_name = t.constraint_name
 AND k.table_schema = t.table_schema
 AND k.table_name = t.table_name
WHERE t.constraint_type = 'PRIMARY KEY'
  AND t.table_schema = %(schema)s
  AND t.table_name = %(table)s
ORDER BY k.ordinal_position
