-- Columns of one table in ordinal order: name, data type, udt_name (arrays / user types).
SELECT c.column_name, c.data_type, c.udt_name
FROM information_schema.columns AS c
WHERE c.table_schema = %(schema)s
  AND c.table_name = %(table)s
ORDER BY c.ordinal_position
