-- Primary key columns in key order.
SELECT c.owner, c.table_name, cc.column_name
FROM all_constraints c
JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name
WHERE c.constraint_type = 'P'
  AND c.owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
ORDER BY c.owner, c.table_name, cc.position
