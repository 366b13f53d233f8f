-- MySQL/MariaDB source: the character set of each column of one table in binlog (ordinal) order,
-- NULL for columns that hold no text. Used when the binlog has no row metadata.
SELECT CHARACTER_SET_NAME
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
ORDER BY ORDINAL_POSITION
