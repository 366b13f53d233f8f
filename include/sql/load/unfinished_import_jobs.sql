-- IMPORT jobs still under way (not terminal) whose description names one of our files: a try that
-- crashed between starting the job and recording its id must follow that job, not start another.
-- Terminal statuses: pkg/jobs/jobs.go (Terminal(): failed, succeeded, canceled, revert-failed).
-- The description holds each file URI sanitized, path kept: pkg/sql/importer/import_planning.go
-- (importJobDescription, cloud.SanitizeExternalStorageURI). Table: pkg/sql/crdb_internal.go.
-- Parameter: %(path)s = the path of the first file (e.g. /roachlift/<run>/<table>/part-00001.csv.gz)
SELECT job_id, status
  FROM crdb_internal.jobs
 WHERE job_type = 'IMPORT'
   AND status NOT IN ('succeeded', 'failed', 'canceled', 'revert-failed')
   AND strpos(description, %(path)s) > 0
 ORDER BY created DESC
