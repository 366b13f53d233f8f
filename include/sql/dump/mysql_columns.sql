-- Columns of one table in file order, for the dump (generated columns left out).
SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, CHARACTER_SET_NAME
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = %s
  AND TABLE_NAME = %s
  AND EXTRA NOT LIKE '%%GENERATED%%'
ORDER BY ORDINAL_POSITION
