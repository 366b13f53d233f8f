"""The roachlift DAGs of ``$ROACHLIFT_MIGRATIONS_DIR``, routed for the two-worker Celery test.

Every task runs on the queue ``w1`` (only worker 1 consumes it) except the mapped loads, which stay
on the default queue that both workers consume. Tasks other than the loads hand files to each
other through the run's local work folder (DDL, converted phases, the table list), so they must
share one worker; the loads are what a deployment spreads over workers, and what must find the
dump wherever it was written.
"""

from roachlift.airflow.factory import build_dags

#: The queue only worker 1 consumes.
PINNED_QUEUE = "w1"
#: Task ids that stay on the default queue.
SPREAD_TASKS = frozenset({"load.load_table"})

dags = build_dags()
for _dag in dags.values():
    for _task in _dag.tasks:
        if _task.task_id not in SPREAD_TASKS:
            _task.queue = PINNED_QUEUE
globals().update(dags)
