"""
### tinhuy_reparse

Rebuilds staging and the mart from the raw archive alone, without the network: every article
version `raw.fetch_log` records as fetched is read back from the archive (`TINHUY_RAW_DIR`),
cleaned and parsed with the code deployed now, staged under this run's id and loaded. Trigger it
by hand after a cleaner or parser improvement to apply it to all history (`tinhuy reparse` does
the same outside Airflow).

```
archive ─► clean ─► parse ─► stage ─► validate ─► load ─► alert ─► dq_gate
           └─ mapped per batch ─┘   └── pool `warehouse` ──┘
```

- **archive** reads the warehouse (read-only) and writes `archived.jsonl` batches, per source.
- **clean**, **parse**, **stage**, **validate**, **load**, **alert** and **dq_gate** are the tasks
  of `tinhuy_ingest` (`dags/tinhuy_steps.py`); the fetch log is not touched, so the mart's first and last seen times stay.

Only sources in the sources file (`TINHUY_SOURCES`) are reparsed; versions whose body the archive
lost are logged and left as staged.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import dag, task

from etl import settings
from tinhuy_steps import clean, into_warehouse, parse


@dag(
    dag_id="tinhuy_reparse",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["tinhuy"],
    default_args={"retries": settings.TASK_RETRIES, "retry_delay": dt.timedelta(seconds=settings.TASK_RETRY_DELAY_S)},
)
def tinhuy_reparse():
    @task
    def archive(run_id: str | None = None) -> list[str]:
        from etl import crawl

        paths, _ = crawl.write_archived(run_id)
        return paths

    into_warehouse(parse.expand(path=clean.expand(path=archive())))


tinhuy_reparse()
