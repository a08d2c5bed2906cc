"""Tasks both tinhuy DAGs share: pages to articles, then the warehouse and its data-quality gate.

No DAG is defined here. Each task is a thin wrapper over `etl.tasks`; they pass paths and ids,
never pages.
"""

from __future__ import annotations

from airflow.sdk import task

from etl import tasks

# Mapped per-batch tasks show their source id in the UI instead of 0, 1, 2 …
BY_SOURCE = "{{ task.op_kwargs['path'].split('/')[-2] }}"


@task(map_index_template=BY_SOURCE)
def clean(path: str) -> str:
    return tasks.clean(path)


@task(map_index_template=BY_SOURCE)
def parse(path: str) -> str:
    return tasks.parse(path)


@task(pool="warehouse")
def stage(run_id: str | None = None) -> dict[str, int]:
    return tasks.stage(run_id)


@task(pool="warehouse")
def validate(run_id: str | None = None) -> str:
    return tasks.validate(run_id)


@task(pool="warehouse")
def load(run_id: str | None = None) -> dict[str, int]:
    return tasks.load(run_id)


@task
def alert(report_path: str) -> str | None:
    return tasks.alert(report_path)


@task(retries=0)
def dq_gate(report_path: str) -> str:
    return tasks.dq_gate(report_path)


def into_warehouse(parsed) -> None:
    """After the parsed batches: stage → validate → load → alert → dq_gate, one writer at a time."""
    report = validate()
    parsed >> stage() >> report >> load() >> alert(report) >> dq_gate(report)
