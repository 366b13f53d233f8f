-- The load progress table on the target: where each table's load of one dump stands, written in the
-- same transaction as the COPY batch it describes (unit 0), or with the IMPORT job of one file group
-- (unit = group number, 1..n). Valid on PostgreSQL and CockroachDB (TEXT, INT8, BOOL, TIMESTAMPTZ).
-- {table} is filled in by psycopg.sql with a quoted identifier.
CREATE TABLE IF NOT EXISTS {table} (
    dump_id         TEXT        NOT NULL,
    target_table    TEXT        NOT NULL,
    unit            INT8        NOT NULL,
    file_index      INT8        NOT NULL DEFAULT 0,
    file_name       TEXT        NOT NULL DEFAULT '',
    byte_offset     INT8        NOT NULL DEFAULT 0,
    committed_rows  INT8        NOT NULL DEFAULT 0,
    batches         INT8        NOT NULL DEFAULT 0,
    job_id          INT8,
    done            BOOL        NOT NULL DEFAULT false,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dump_id, target_table, unit)
)
