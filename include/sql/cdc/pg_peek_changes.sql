-- Read changes from the logical slot WITHOUT consuming them (wal2json format-version 2, one row per
-- action; B/C rows mark transaction boundaries). Stops after the transaction holding the n-th row.
-- {extra} is empty or `, 'numeric-data-types-as-string', 'true'` when the installed wal2json has it.
-- (Taking the JSON apart here with jsonb functions was measured 3x slower than json.loads in Python.)
SELECT data
FROM pg_logical_slot_peek_changes(
    %(slot)s, NULL, %(upto)s,
    'format-version', '2',
    'include-pk', '1',
    'include-timestamp', '1',
    'include-lsn', '1',
    'include-transaction', '1',
    'include-type-oids', '1',
    'add-tables', %(add_tables)s
    {extra}
)
