-- Columns of one Oracle table in column order (virtual and hidden columns left out, as the dump
-- does): name, data type, precision, scale.
SELECT column_name, data_type, data_precision, data_scale
FROM all_tab_cols
WHERE owner = :owner
  AND table_name = :name
  AND virtual_column = 'NO'
  AND hidden_column = 'NO'
ORDER BY column_id
