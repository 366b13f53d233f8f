-- Views of the given databases.
SELECT TABLE_SCHEMA, TABLE_NAME
FROM information_schema.VIEWS
WHERE TABLE_SCHEMA IN %(schemas)s
ORDER BY TABLE_SCHEMA, TABLE_NAME
