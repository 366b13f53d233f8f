"""Where the DAG keeps each step's result: task ids, XCom keys, and the reading back into
:class:`roachlift.results.RunResults` (the neutral form the core's report and checklist read).

The DAG's tasks are named after the steps (``roachlift.results.STEPS``); task groups with a
prefix add it (``schema.extract_ddl``). A rejected approval pushes no return value, only the list
of tasks it skipped under Airflow's skip-mixin key, read here through Airflow's own constant.
"""

from __future__ import annotations

from typing import Any, cast

from airflow.sdk.bases.skipmixin import XCOM_SKIPMIXIN_KEY

from roachlift.results import SINGLE_STEPS, STEPS, LoadTableResult, RunResults

#: XCom key of a task's return value.
RETURN_VALUE_KEY = "return_value"
#: Task id of each step result (RunResults field) in the DAG built by roachlift.airflow.factory.
TASK_OF_STEP: dict[str, str] = {
    step: {
        "extract_ddl": "schema.extract_ddl",
        "convert_ddl": "schema.convert_ddl",
        "create_tables": "schema.create_tables",
        "load_table": "load.load_table",
        "indexes": "post_load.indexes",
        "foreign_keys": "post_load.foreign_keys",
        "views_and_sequences": "post_load.views_and_sequences",
    }.get(step, step)
    for step in STEPS
}
#: The mapped per-table load task.
LOAD_TASK = TASK_OF_STEP["load_table"]
#: The go/no-go approval task.
APPROVAL_TASK = TASK_OF_STEP["approve_cutover"]
#: The steps the go/no-go checklist reads.
CHECKLIST_STEPS = ("convert_ddl", "load_table", "cdc_catch_up", "verify")
#: The answer recorded for an approval whose only XCom is the skip-mixin list (a rejection).
REJECTED_ANSWER = ("Reject",)


def pull_results(ti: Any, steps: tuple[str, ...] = STEPS) -> RunResults:
    """The results of ``steps`` in this run, from the XCom of their tasks (every map index of the
    load task). An approval task that pushed only its skip list was answered with a rejection."""
    results = RunResults()
    for step in steps:
        task_id = TASK_OF_STEP[step]
        value = ti.xcom_pull(task_ids=task_id)
        if step == "load_table":
            values = [value] if isinstance(value, dict) else [x for x in value or [] if x]
            results.load_table = cast(list[LoadTableResult], values)
        elif step in SINGLE_STEPS:  # XCom holds the JSON the step returned: its TypedDict
            setattr(results, step, value if isinstance(value, dict) else None)
    rejected = (
        "approve_cutover" in steps
        and results.approve_cutover is None
        and ti.xcom_pull(task_ids=APPROVAL_TASK, key=XCOM_SKIPMIXIN_KEY)
    )
    if rejected:  # a rejection pushes only the tasks it skipped
        results.approve_cutover = {"chosen_options": list(REJECTED_ANSWER)}
    return results
