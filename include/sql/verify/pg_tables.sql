-- Base tables of one schema.  https://www.cockroachlabs.com/docs/stable/information-schema#tables
SELECT table_name
FROM information_schema.tables
WHERE table_schema = %(schema)s
  AND table_type = 'BASE TABLE'
ORDER BY table_name
