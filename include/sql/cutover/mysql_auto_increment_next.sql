-- The next AUTO_INCREMENT value of every table of one schema that has one. Parameter: the schema
SELECT TABLE_NAME, AUTO_INCREMENT
  FROM information_schema.TABLES
 WHERE TABLE_SCHEMA = %s
   AND AUTO_INCREMENT IS NOT NULL
