-- The AUTO_INCREMENT columns of one schema (the tables' counters come from mysql_auto_increment_next.sql;
-- two plain queries instead of a join, which MariaDB runs through an on-disk temporary table).
-- Parameter: the schema
SELECT TABLE_NAME, COLUMN_NAME
  FROM information_schema.COLUMNS
 WHERE TABLE_SCHEMA = %s
   AND EXTRA LIKE '%%auto_increment%%'
