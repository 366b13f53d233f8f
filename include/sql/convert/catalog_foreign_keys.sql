-- Foreign keys in the current schema: constraint, table, referenced table, delete action code.
SELECT con.conname AS name, t.relname AS table_name, r.relname AS ref_table, con.confdeltype AS on_delete
FROM pg_constraint AS con
JOIN pg_class AS t ON t.oid = con.conrelid
JOIN pg_class AS r ON r.oid = con.confrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
WHERE con.contype = 'f' AND n.nspname = current_schema()
ORDER BY t.relname, con.conname
