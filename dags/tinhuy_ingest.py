"""
### tinhuy_ingest

Daily ingestion of the provincial party-committee portals named in the sources file
(`TINHUY_SOURCES`: `default`, `demo`, or a path) into the DuckDB warehouse.

```
sources ─► discover ─► fetch ─► clean ─► parse ─► stage ─► validate ─► load ─► alert ─► dq_gate
           └──────── one mapped task per source ───────┘   └── pool `warehouse` ──┘
```

- **discover** walks listings, feeds and sitemaps down to what earlier runs saw and plans fetch batches
  (`urls.json`); **fetch** gets a batch politely, conditionally, into the raw archive (`fetched.jsonl`).
- **clean** and **parse** turn pages into articles and indicators (`cleaned.jsonl`, `parsed.jsonl`).
- **stage**, **validate** and **load** write the warehouse, one at a time (pool `warehouse`, 1 slot).
- **alert** mails the data-quality list when checks failed (and a separate email when a source broke).
- **dq_gate** fails when an error-level check failed: the clean rows are loaded, the failing ones held
  in `dq.quarantine` (`tinhuy quarantine`); the red task shows the run's data quality.

Per-source tasks pass file paths, never pages. A page or a whole source that fails is recorded
(`raw.fetch_log`, task logs) and does not stop the other sources; see `etl/tasks.py` and `etl/crawl.py`.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import dag, task

from etl import tasks

# Mapped per-source tasks show their source id in the UI instead of 0, 1, 2 …
BY_SOURCE = "{{ task.op_kwargs['path'].split('/')[-2] }}"


@dag(
    dag_id="tinhuy_ingest",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["tinhuy"],
    default_args={
        "retries": tasks.TASK_RETRIES,
        "retry_delay": dt.timedelta(seconds=tasks.TASK_RETRY_DELAY_S),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(hours=1),
    },
)
def tinhuy_ingest():
    @task
    def sources(run_id: str | None = None) -> list[str]:
        return tasks.fetch_batches(run_id)

    @task(map_index_template=BY_SOURCE)
    def discover(path: str, run_id: str | None = None) -> str:
        return tasks.discover_batch(path, run_id)

    @task(map_index_template=BY_SOURCE)
    def fetch(path: str) -> str:
        return tasks.fetch(path)

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

    urls = discover.expand(path=sources())
    parsed = parse.expand(path=clean.expand(path=fetch.expand(path=urls)))
    report = validate()
    parsed >> stage() >> report >> load() >> alert(report) >> dq_gate(report)


tinhuy_ingest()
