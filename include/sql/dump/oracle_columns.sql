-- Columns of one table in file order, for the dump (virtual and hidden columns left out). A BLOB
-- or RAW column under an IS JSON check (ALL_JSON_COLUMNS) has its type suffixed ' JSON': it is read
-- as JSON text (the target column is JSONB).
SELECT c.column_name,
       CASE WHEN c.data_type IN ('BLOB', 'RAW') AND EXISTS (
           SELECT 1 FROM all_json_columns j
            WHERE j.owner = c.owner AND j.table_name = c.table_name AND j.column_name = c.column_name)
       THEN c.data_type || ' JSON' ELSE c.data_type END AS data_type
FROM all_tab_cols c
WHERE c.owner = :owner
  AND c.table_name = :name
  AND c.virtual_column = 'NO'
  AND c.hidden_column = 'NO'
ORDER BY c.column_id
