"""The roachlift DAGs of ``$ROACHLIFT_MIGRATIONS_DIR``, routed for the two-worker Celery test.

Only worker 1 consumes the queue ``w1``; both consume the default queue. The dump always runs on
``w1``, so the test knows where it ran. Where the run keeps its files decides the rest:

- in the worker's local work folder (``dump.out_dir`` not a URL): every task but the mapped loads
  is pinned to ``w1`` too, since they hand files to each other (DDL, phases, the table list);
  only the loads spread over both workers;
- on object storage (``dump.out_dir`` a URL): every other task goes to whichever worker is free.
"""

from roachlift.airflow.factory import build_dag
from roachlift.config.spec import load_spec, spec_files

#: The queue only worker 1 consumes.
PINNED_QUEUE = "w1"
#: Always pinned to ``w1``.
DUMP_TASK = "dump"
#: The mapped loads: always on the default queue.
LOAD_TASK = "load.load_table"

for _path in spec_files():
    _spec = load_spec(_path)
    _dag = build_dag(_spec, _path)
    _shared = "://" in (_spec.dump.out_dir or "")
    for _task in _dag.tasks:
        if _task.task_id == DUMP_TASK or (not _shared and _task.task_id != LOAD_TASK):
            _task.queue = PINNED_QUEUE
    globals()[_dag.dag_id] = _dag
