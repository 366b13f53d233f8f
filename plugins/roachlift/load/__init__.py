"""Load CSV files into the target: userfile + IMPORT INTO, or COPY FROM; phases and constraints.

Public API (import from the sub-modules; this package imports nothing, to stay cheap):

- :func:`roachlift.load.loader.load_table` → :class:`~roachlift.load.loader.LoadResult`
  (``stage_files`` / ``start_import`` / ``finish_import`` for a deferrable operator);
- :func:`roachlift.load.pipeline.run_load`: every phase and table in order;
- :func:`roachlift.load.phases.apply_phase`, ``apply_phases``, ``prepare_table``,
  ``reset_sequences``, ``sequence_columns``;
- :func:`roachlift.load.constraints.validate_foreign_keys` → ``list[ValidationResult]``;
- :func:`roachlift.load.userfile.upload_file`, ``delete_files``;
- :mod:`roachlift.load.jobs`: ``interpret_job_row``, ``wait_for_job``, ``poll_job``, ``wait_for_job_async``;
- the statements it sends: :mod:`roachlift.target.statements` (shared with CDC and the pipeline).
"""
