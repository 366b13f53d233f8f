-- The logical slot's state, and how far the server's WAL is ahead of what the slot has released.
SELECT s.plugin,
       s.database,
       s.confirmed_flush_lsn::text,
       pg_current_wal_lsn()::text,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint
FROM pg_replication_slots AS s
WHERE s.slot_name = %(slot)s
