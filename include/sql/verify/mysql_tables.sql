-- Base tables of one database (MySQL's schema).
SELECT TABLE_NAME
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = %(schema)s
  AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME
