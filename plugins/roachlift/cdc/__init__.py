"""Change data capture: read source changes and apply them to the target with a checkpoint.

- :mod:`.model` — the one change model (``Change``, ``Commit``, ``ApplyStats``), values as CSV text;
- :mod:`.postgres` (wal2json slot, peek + advance), :mod:`.mysql` (binlog from file/pos),
  :mod:`.oracle` (generated triggers + staging table, drained) — the sources;
- :mod:`.apply` — ``run_applier(source, target_dsn, *, migration, until_caught_up, max_seconds,
  batch_changes, dialect, target_schema, lag_threshold_seconds) -> ApplyStats``;
- :mod:`.checkpoint` — the checkpoint table, written in the batch's own transaction;
- :mod:`.lag` — ``measure_lag(source, target_dsn, *, migration) -> Lag``;
- :mod:`roachlift.target.statements` — every statement sent to the target, with its CockroachDB doc page;
- :mod:`.cli` — ``roachlift cdc --spec SPEC [--until-caught-up] [--max-seconds N] [--lag]``.
"""
