-- Table and column comments of the wanted schemas (COMMENT ON statements are built from them).
SELECT owner, table_name, NULL AS column_name, comments
FROM all_tab_comments
WHERE owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
  AND table_type = 'TABLE'
  AND comments IS NOT NULL
UNION ALL
SELECT owner, table_name, column_name, comments
FROM all_col_comments
WHERE owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
  AND comments IS NOT NULL
ORDER BY 1, 2, 3 NULLS FIRST
