-- One CockroachDB job's state by id (IMPORT INTO ... DETACHED returns the id).
-- Docs: https://www.cockroachlabs.com/docs/stable/show-jobs ("WITH x AS (SHOW JOBS) SELECT * FROM x WHERE ...")
-- Parameter: %s = job id
WITH x AS (SHOW JOBS)
SELECT job_id, job_type, status, fraction_completed, error
  FROM x
 WHERE job_id = %s
