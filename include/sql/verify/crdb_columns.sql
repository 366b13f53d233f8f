-- CockroachDB: as pg_columns.sql, without hidden columns (the implicit rowid of a table created
-- without a primary key); is_hidden is CockroachDB's extension of information_schema.columns.
-- https://www.cockroachlabs.com/docs/stable/information-schema#columns
SELECT c.column_name, c.data_type, c.udt_name
FROM information_schema.columns AS c
WHERE c.table_schema = %(schema)s
  AND c.table_name = %(table)s
  AND c.is_hidden = 'NO'
ORDER BY c.ordinal_position
