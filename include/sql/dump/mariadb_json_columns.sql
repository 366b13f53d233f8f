-- MariaDB stores JSON as LONGTEXT with a json_valid() check: the columns of one table so checked.
SELECT c.COLUMN_NAME
FROM information_schema.COLUMNS c
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND cc.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA = %s
  AND c.TABLE_NAME = %s
  AND cc.CHECK_CLAUSE LIKE CONCAT('%%json_valid(`', c.COLUMN_NAME, '`)%%')
