"""
### tinhuy_ingest

Daily ingestion of the provincial party-committee portals named in the sources file
(`TINHUY_SOURCES`: `default`, `demo`, or a path) into the DuckDB warehouse.

```
sources ─► discover ─► fetch ─► clean ─► parse ─► stage ─► validate ─► load ─► alert
           └──────── one mapped task per source ───────┘   └── pool `warehouse` ──┘
```

- **discover** walks each source's listing pages for article URLs (`urls.json`).
- **fetch** downloads them politely into the raw archive (`fetched.jsonl`).
- **clean** and **parse** turn pages into articles and indicators (`cleaned.jsonl`, `parsed.jsonl`).
- **stage**, **validate** and **load** write the warehouse, one at a time (pool `warehouse`, 1 slot).
- **alert** mails one message to the data-quality list when checks failed.

Per-source tasks pass file paths, never pages. A page or a whole source that fails is recorded
(`raw.fetch_log`, task logs) and does not stop the other sources; see `etl/tasks.py`.
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
    def sources() -> list[str]:
        return tasks.source_ids()

    @task(map_index_template="{{ task.op_kwargs['source_id'] }}")
    def discover(source_id: str, run_id: str | None = None) -> str:
        return tasks.discover(source_id, run_id)

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

    urls = discover.expand(source_id=sources())
    parsed = parse.expand(path=clean.expand(path=fetch.expand(path=urls)))
    report = validate()
    parsed >> stage() >> report >> load() >> alert(report)


tinhuy_ingest()
