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

from etl import settings, tasks
from tinhuy_steps import BY_SOURCE, clean, into_warehouse, parse


@dag(
    dag_id="tinhuy_ingest",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["tinhuy"],
    default_args={
        "retries": settings.TASK_RETRIES,
        "retry_delay": dt.timedelta(seconds=settings.TASK_RETRY_DELAY_S),
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

    urls = discover.expand(path=sources())
    into_warehouse(parse.expand(path=clean.expand(path=fetch.expand(path=urls))))


tinhuy_ingest()
