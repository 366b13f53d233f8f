-- Columns of one table in ordinal order: name, data type, full column type (tinyint(1), bit(1)).
SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = %(schema)s
  AND TABLE_NAME = %(table)s
ORDER BY ORDINAL_POSITION
