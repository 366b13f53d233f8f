-- Columns of one table in file order, for the dump (virtual and hidden columns left out).
SELECT column_name, data_type
FROM all_tab_cols
WHERE owner = :owner
  AND table_name = :name
  AND virtual_column = 'NO'
  AND hidden_column = 'NO'
ORDER BY column_id
