-- One CockroachDB job's state by id (IMPORT INTO ... DETACHED returns the id).
-- crdb_internal.jobs, not SHOW JOBS: SHOW JOBS lists finished jobs of the last 12 hours only, and a
-- triggerer down longer than that would lose a job that succeeded.
-- Docs: https://www.cockroachlabs.com/docs/stable/show-jobs ("For jobs older than 12 hours, query the
-- crdb_internal.jobs table"). Columns: pkg/sql/crdb_internal.go (CREATE TABLE crdb_internal.jobs,
-- job_id INT, job_type STRING, status STRING, fraction_completed FLOAT, error STRING, INDEX(job_id)).
-- Parameter: the job id (one placeholder)
SELECT job_id, job_type, status, fraction_completed, error
  FROM crdb_internal.jobs
 WHERE job_id = %s
