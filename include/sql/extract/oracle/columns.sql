-- Columns with their full type text, nullability and default.
SELECT owner, table_name, column_name,
       data_type
         || CASE WHEN data_type IN ('VARCHAR2', 'NVARCHAR2', 'CHAR', 'NCHAR', 'RAW')
                 THEN '(' || NVL(char_length, data_length) || ')'
                 WHEN data_type = 'NUMBER' AND data_precision IS NOT NULL
                 THEN '(' || data_precision || ',' || NVL(data_scale, 0) || ')'
                 WHEN data_type = 'NUMBER' AND data_scale IS NOT NULL
                 THEN '(*,' || data_scale || ')'
            END AS column_type,
       nullable, data_default
FROM all_tab_columns
WHERE owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
ORDER BY owner, table_name, column_id
