-- Columns of one Oracle table in column order (virtual and hidden columns left out, as the dump
-- does): name, data type (' JSON' suffixed for a BLOB/RAW column under IS JSON, as the dump reads
-- it), precision, scale.
SELECT c.column_name,
       CASE WHEN c.data_type IN ('BLOB', 'RAW') AND EXISTS (
           SELECT 1 FROM all_json_columns j
            WHERE j.owner = c.owner AND j.table_name = c.table_name AND j.column_name = c.column_name)
       THEN c.data_type || ' JSON' ELSE c.data_type END AS data_type,
       c.data_precision,
       c.data_scale
FROM all_tab_cols c
WHERE c.owner = :owner
  AND c.table_name = :name
  AND c.virtual_column = 'NO'
  AND c.hidden_column = 'NO'
ORDER BY c.column_id
