-- Primary key columns of one Oracle table, in key order.
SELECT cc.column_name
FROM all_constraints c
JOIN all_cons_columns cc
  ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name
WHERE c.owner = :owner
  AND c.table_name = :name
  AND c.constraint_type = 'P'
ORDER BY cc.position
