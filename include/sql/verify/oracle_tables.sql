-- Ordinary tables of one Oracle schema (no recycle-bin, nested, secondary or temporary tables).
SELECT table_name
FROM all_tables
WHERE owner = :owner
  AND dropped = 'NO'
  AND nested = 'NO'
  AND secondary = 'N'
  AND temporary = 'N'
ORDER BY table_name
