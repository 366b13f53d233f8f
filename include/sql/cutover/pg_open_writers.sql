-- Sessions of the given roles in this database with an open write transaction (an xid assigned) or
-- holding a write lock on one of the given tables. Parameters: %(roles)s (text[]), %(oids)s (oid[])
SELECT DISTINCT a.pid, a.usename
  FROM pg_stat_activity a
 WHERE a.datname = current_database()
   AND a.pid <> pg_backend_pid()
   AND a.backend_type = 'client backend'
   AND a.usename = ANY(%(roles)s::text[])
   AND (a.backend_xid IS NOT NULL
        OR EXISTS (SELECT 1 FROM pg_locks l
                    WHERE l.pid = a.pid AND l.relation = ANY(%(oids)s::oid[])
                      AND l.mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock',
                                     'AccessExclusiveLock')))
