-- PostgreSQL source: tables whose UPDATE/DELETE changes carry no old key in logical decoding:
-- no primary key and REPLICA IDENTITY DEFAULT/NOTHING (or an identity index that was dropped).
SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       c.relreplident AS replica_identity
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname = ANY(%(schemas)s)
  AND c.relreplident <> 'f'
  AND NOT EXISTS (
        SELECT 1 FROM pg_index AS i
        WHERE i.indrelid = c.oid
          AND ((c.relreplident = 'd' AND i.indisprimary)
            OR (c.relreplident = 'i' AND i.indisreplident)))
ORDER BY 1, 2
