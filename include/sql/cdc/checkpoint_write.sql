-- Record the source position of the last applied source transaction (same target transaction as the batch).
INSERT INTO {table} (migration, source_kind, position, commit_time, changes_applied, txns_applied, updated_at)
VALUES (%(migration)s, %(kind)s, %(position)s, %(commit_time)s, %(changes)s, %(txns)s, now())
ON CONFLICT (migration) DO UPDATE SET
    source_kind = excluded.source_kind,
    position = excluded.position,
    commit_time = COALESCE(excluded.commit_time, {table}.commit_time),
    changes_applied = {table}.changes_applied + excluded.changes_applied,
    txns_applied = {table}.txns_applied + excluded.txns_applied,
    updated_at = now()
