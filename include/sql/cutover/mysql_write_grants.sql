-- Schema- and table-level write privileges (INSERT, UPDATE, DELETE, DROP — DROP is what TRUNCATE
-- needs) on one schema, one row per account, level, table and privilege. Parameter: %(schema)s
SELECT User, Host, 'schema' AS level, '' AS tbl, p.priv
  FROM mysql.db
  JOIN (SELECT 'INSERT' AS priv UNION ALL SELECT 'UPDATE' UNION ALL SELECT 'DELETE' UNION ALL SELECT 'DROP') p
    ON (p.priv = 'INSERT' AND Insert_priv = 'Y') OR (p.priv = 'UPDATE' AND Update_priv = 'Y')
    OR (p.priv = 'DELETE' AND Delete_priv = 'Y') OR (p.priv = 'DROP' AND Drop_priv = 'Y')
 WHERE Db = %(schema)s
UNION ALL
SELECT User, Host, 'table', Table_name, p.priv
  FROM mysql.tables_priv
  JOIN (SELECT 'INSERT' AS priv UNION ALL SELECT 'UPDATE' UNION ALL SELECT 'DELETE' UNION ALL SELECT 'DROP') p
    ON FIND_IN_SET(CONCAT(UPPER(SUBSTRING(p.priv, 1, 1)), LOWER(SUBSTRING(p.priv, 2))), Table_priv) > 0
 WHERE Db = %(schema)s
ORDER BY 1, 2, 3, 4, 5
