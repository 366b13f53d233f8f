-- Record one table's load position for one dump (same target transaction as the batch or job it describes).
INSERT INTO {table} (dump_id, target_table, unit, file_index, file_name, byte_offset, committed_rows,
                     batches, job_id, done, updated_at)
VALUES (%(dump_id)s, %(table)s, %(unit)s, %(file_index)s, %(file_name)s, %(byte_offset)s, %(rows)s,
        %(batches)s, %(job_id)s, %(done)s, now())
ON CONFLICT (dump_id, target_table, unit) DO UPDATE SET
    file_index = excluded.file_index,
    file_name = excluded.file_name,
    byte_offset = excluded.byte_offset,
    committed_rows = excluded.committed_rows,
    batches = excluded.batches,
    job_id = excluded.job_id,
    done = excluded.done,
    updated_at = now()
