-- Tables of the given owners with optimizer row estimates and segment size (no temporary,
-- nested, secondary or recycle-bin tables).
-- :owners is a comma-separated list of owner names.
SELECT t.owner, t.table_name, NVL(t.num_rows, 0),
       NVL((SELECT SUM(s.bytes) FROM all_segments s
            WHERE s.owner = t.owner AND s.segment_name = t.table_name), 0)
FROM all_tables t
WHERE t.owner IN (SELECT REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) FROM DUAL
                  CONNECT BY REGEXP_SUBSTR(:owners, '[^,]+', 1, LEVEL) IS NOT NULL)
  AND t.temporary = 'N' AND t.nested = 'NO' AND t.secondary = 'N' AND t.dropped = 'NO'
ORDER BY t.owner, t.table_name
