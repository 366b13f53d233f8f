-- Oracle: columns (in order) and primary-key position of every table of one owner. A BLOB/RAW
-- column under an IS JSON check has its type suffixed ' JSON' (read back as JSON text).
SELECT c.table_name,
       c.column_name,
       CASE WHEN c.data_type IN ('BLOB', 'RAW') AND EXISTS (
                 SELECT 1 FROM all_json_columns j
                  WHERE j.owner = c.owner AND j.table_name = c.table_name AND j.column_name = c.column_name)
            THEN c.data_type || ' JSON' ELSE c.data_type END AS data_type,
       NVL((SELECT cc.position
              FROM all_constraints k
              JOIN all_cons_columns cc
                ON cc.owner = k.owner AND cc.constraint_name = k.constraint_name
             WHERE k.owner = c.owner AND k.table_name = c.table_name
               AND k.constraint_type = 'P' AND cc.column_name = c.column_name), 0) AS key_pos
FROM all_tab_columns c
JOIN all_tables t ON t.owner = c.owner AND t.table_name = c.table_name
WHERE c.owner = :owner
  AND t.table_name <> 'ROACHLIFT_CDC_STAGING'
ORDER BY c.table_name, c.column_id
