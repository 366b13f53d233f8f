"""Test-only DAG for tests/ui: one approval that waits for a person, as the cutover approval does."""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import DAG, task

SUBJECT = "Approve cutover of ui_probe_db to CockroachDB"

with DAG(
    dag_id="roachlift_ui_approval_probe",
    description="tests/ui probe: a pending approval the UI must show",
    schedule=None,
    catchup=False,
    tags=["roachlift", "test"],
) as dag:
    approve_cutover = ApprovalOperator(
        task_id="approve_cutover",
        subject=SUBJECT,
        body="**Lag** 0 s · **verify** equal · last rehearsal 42 s",
        response_timeout=timedelta(minutes=10),
    )

    @task(task_id="cut_over")
    def cut_over() -> str:
        """Runs only when the approval was given."""
        return "cut over"

    approve_cutover >> cut_over()
