"""One roachlift DAG per migration spec in ``include/migrations`` (or ``$ROACHLIFT_MIGRATIONS_DIR``)."""

from roachlift.airflow.factory import build_dags

globals().update(build_dags())
