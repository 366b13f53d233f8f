-- Every object whose DDL is extracted, with the DBMS_METADATA object type to ask for:
-- sequences, indexes not backing a constraint, foreign keys, views; code objects for review.
SELECT 'SEQUENCE' AS object_type, sequence_owner AS owner, sequence_name AS name, NULL AS table_name
FROM all_sequences
WHERE sequence_owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
UNION ALL
SELECT 'INDEX', i.owner, i.index_name, i.table_name
FROM all_indexes i
WHERE i.owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
  AND i.index_type NOT IN ('LOB', 'IOT - TOP')
  AND NOT EXISTS (SELECT 1 FROM all_constraints c
                  WHERE c.owner = i.owner AND c.index_name = i.index_name
                    AND c.constraint_type IN ('P', 'U'))
UNION ALL
SELECT 'REF_CONSTRAINT', owner, constraint_name, table_name
FROM all_constraints
WHERE constraint_type = 'R'
  AND owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
UNION ALL
SELECT 'VIEW', owner, view_name, NULL
FROM all_views
WHERE owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
UNION ALL
SELECT object_type, owner, object_name, NULL
FROM all_objects
WHERE owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
  AND object_type IN ('TRIGGER', 'PROCEDURE', 'FUNCTION', 'PACKAGE', 'PACKAGE BODY', 'TYPE')
ORDER BY 1, 2, 3
