-- The CDC checkpoint table on the target: one row per migration, written in the same transaction
-- as each applied batch. Valid on PostgreSQL and CockroachDB (TEXT, JSONB, TIMESTAMPTZ, INT8).
-- {table} is filled in by psycopg.sql with a quoted identifier.
CREATE TABLE IF NOT EXISTS {table} (
    migration        TEXT        NOT NULL PRIMARY KEY,
    source_kind      TEXT        NOT NULL,
    position         JSONB       NOT NULL,
    commit_time      TIMESTAMPTZ,
    changes_applied  INT8        NOT NULL DEFAULT 0,
    txns_applied     INT8        NOT NULL DEFAULT 0,
    caught_up_since  TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
)
