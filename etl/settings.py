"""Every path and tuning number of tinhuy, named once, each overridable by environment.

A value is read from ``TINHUY_<NAME>`` when that variable is set, else the default here.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TINHUY_{name}", default)


def _path(name: str, default: Path) -> Path:
    return Path(_env(name, str(default))).expanduser()


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


# --- where things live -------------------------------------------------------
# Project data files shipped with the code (sources, phrase lists, seed tables).
PACKAGE_DATA_DIR = PACKAGE_DIR / "data"
# SQL models and expectation suites are part of the repository, not the data dir.
SQL_DIR = _path("SQL_DIR", REPO_DIR / "sql")
EXPECTATIONS_DIR = _path("EXPECTATIONS_DIR", REPO_DIR / "expectations")
# Everything generated at run time goes under one directory, never committed.
DATA_DIR = _path("DATA_DIR", REPO_DIR / "data")
WAREHOUSE = _path("WAREHOUSE", DATA_DIR / "warehouse.duckdb")
# Raw pages, gzip-compressed and named by the sha256 of their body.
RAW_DIR = _path("RAW_DIR", DATA_DIR / "raw")
# Per-run intermediate files (URL lists, cleaned and parsed JSON lines) handed between tasks.
RUNS_DIR = _path("RUNS_DIR", DATA_DIR / "runs")
OUTBOX_DIR = _path("OUTBOX_DIR", DATA_DIR / "outbox")
GX_DOCS_DIR = _path("GX_DOCS_DIR", DATA_DIR / "gx_docs")
# The sources file: a path, or the name of a file shipped in etl/data ("default", "demo").
SOURCES = _env("SOURCES", "default")

# --- fetching ------------------------------------------------------------------
# Who we are, and how to reach us: portals' webmasters read this in their logs.
USER_AGENT = _env(
    "USER_AGENT",
    "tinhuy/0.1 (+https://github.com/tinhuy/tinhuy; data pipeline for public party news; contact: tinhuy@proton.me)",
)
# A portal that does not answer the TCP handshake in this long is down.
CONNECT_TIMEOUT_S = _float("CONNECT_TIMEOUT_S", 5.0)
# Provincial portals are slow; a page that takes longer than this is treated as failed.
READ_TIMEOUT_S = _float("READ_TIMEOUT_S", 20.0)
# Attempts per URL for 408, 429, 5xx and network errors, before it is logged as failed.
MAX_ATTEMPTS = _int("MAX_ATTEMPTS", 3)
# First backoff delay; it doubles per attempt, with full jitter, up to the cap.
BACKOFF_BASE_S = _float("BACKOFF_BASE_S", 0.5)
BACKOFF_CAP_S = _float("BACKOFF_CAP_S", 30.0)
# Article pages are 50-200 KB; anything above this is not an article.
MAX_BODY_BYTES = _int("MAX_BODY_BYTES", 10 * 1024 * 1024)
# Redirect chains longer than this are loops or traps.
MAX_REDIRECTS = _int("MAX_REDIRECTS", 5)
# Default pause between two requests to one host, when the source does not set one.
DEFAULT_DELAY_S = _float("DEFAULT_DELAY_S", 1.0)
# Listing pages followed per source and run (pagination depth).
MAX_LISTING_PAGES = _int("MAX_LISTING_PAGES", 20)
# Article pages fetched per source and run.
MAX_PAGES_PER_RUN = _int("MAX_PAGES_PER_RUN", 500)

# --- crawling: state between runs, politeness across workers, Airflow batches --------
# Known articles re-checked per source and run (conditional requests, least recently checked
# first): how edits are noticed without fetching the whole site again.
MAX_REVISITS_PER_RUN = _int("MAX_REVISITS_PER_RUN", 200)
# A URL that failed this many runs in a row leaves the retry queue (it is then only revisited).
RETRY_MAX_RUNS = _int("RETRY_MAX_RUNS", 5)
# A page refused by policy (too large, not HTML, redirected away) is asked again after this many days.
SKIPPED_RECHECK_DAYS = _float("SKIPPED_RECHECK_DAYS", 7.0)
# Per-host turn-taking lives here when TINHUY_REDIS_URL is unset; it must be on a volume every
# worker shares (empty: DATA_DIR/hosts).
HOSTS_DIR = _env("HOSTS_DIR", "")
# redis://host:port/db: per-host limits kept in Redis (server clock, leases) instead of lock files.
REDIS_URL = _env("REDIS_URL", "")
# Longest wait for a turn at a busy host (or one that sent a long Retry-After) before a page is
# given up for this run and retried on the next.
HOST_WAIT_TIMEOUT_S = _float("HOST_WAIT_TIMEOUT_S", 600.0)
# URLs per mapped fetch task; a source gets more tasks only when its cap (MAX_PAGES_PER_RUN) needs them.
FETCH_BATCH_SIZE = _int("FETCH_BATCH_SIZE", 500)
# Airflow refuses to map a task more often than core.max_map_length (1024 by default).
MAX_MAPPED_TASKS = _int("MAX_MAPPED_TASKS", int(os.environ.get("AIRFLOW__CORE__MAX_MAP_LENGTH", "1024")))

# Whole-task retries in the DAGs (on top of fetch's per-URL retries): a worker lost, the warehouse locked too long.
TASK_RETRIES = _int("TASK_RETRIES", 2)
# First pause before a task retry; Airflow doubles it per retry.
TASK_RETRY_DELAY_S = _float("TASK_RETRY_DELAY_S", 300.0)

# --- validation and alerts ---------------------------------------------------
# A stated percent may differ from its fraction by rounding, no more (percentage points).
PERCENT_TOLERANCE_PP = _float("PERCENT_TOLERANCE_PP", 0.05)
# Example rows shown per failed check in an alert email.
ALERT_EXAMPLES = _int("ALERT_EXAMPLES", 3)
ALERT_TO = [a.strip() for a in _env("ALERT_TO", "data-quality@tinhuy.local").split(",") if a.strip()]
# Who is told that a source broke (pages fetched, nothing parsed): the scraper's maintainers; default ALERT_TO.
SOURCE_ALERT_TO = [a.strip() for a in _env("SOURCE_ALERT_TO", ",".join(ALERT_TO)).split(",") if a.strip()]
# Where GX_DOCS_DIR is served over HTTP, for the data-docs link of alert emails; empty links the file (file://).
DATA_DOCS_URL = _env("DATA_DOCS_URL", "")
ALERT_FROM = _env("ALERT_FROM", "tinhuy@tinhuy.local")
# Airflow connection used for alert emails.
SMTP_CONN_ID = _env("SMTP_CONN_ID", "smtp_default")

# --- demo ----------------------------------------------------------------------
# Where the demo sources find the demo portal: 127.0.0.1, or the `demo-portal` service under docker compose.
DEMO_PORTAL_HOST = _env("DEMO_PORTAL_HOST", "127.0.0.1")
DEMO_PORTAL_PORT = _int("DEMO_PORTAL_PORT", 8765)
DEMO_SMTP_PORT = _int("DEMO_SMTP_PORT", 8025)

# --- warehouse: stage, validate, load ----------------------------------------
# How long a writer waits for another writer of the warehouse to finish before giving up.
WAREHOUSE_LOCK_TIMEOUT_S = _float("WAREHOUSE_LOCK_TIMEOUT_S", 600.0)
# Memory DuckDB may use per process (it spills to disk beyond): its default, 80% of the machine's
# memory, lets a task on a shared worker take it all; a load of a million facts runs well in this.
WAREHOUSE_MEMORY_LIMIT = _env("WAREHOUSE_MEMORY_LIMIT", "512MB")
# DuckDB threads per process (each needs its own buffers): a few cores, not every core of the worker.
WAREHOUSE_THREADS = _int("WAREHOUSE_THREADS", min(4, os.cpu_count() or 1))
# Parsed articles converted and inserted into staging at a time: a batch of 1,000 articles held whole
# as Python rows takes several hundred MB, 200 a fraction of that at the same speed.
STAGE_CHUNK_ARTICLES = _int("STAGE_CHUNK_ARTICLES", 200)
# A percent this close after a ratio in the same sentence restates it ("281/411 xã ..., đạt 68,13%").
PERCENT_AFTER_RATIO_MAX_GAP = _int("PERCENT_AFTER_RATIO_MAX_GAP", 60)
# Parts written with scale words ("1,2 triệu") may miss their total by rounding (relative).
PARTS_SUM_TOLERANCE = _float("PARTS_SUM_TOLERANCE", 0.005)
# Portals went online in the late 1990s; an earlier publication date is a parsing error.
EARLIEST_PUBLISHED_DATE = _env("EARLIEST_PUBLISHED_DATE", "1990-01-01")
# Pages dated in Vietnam (UTC+7) may be a day ahead of the server's clock.
FUTURE_DATE_SLACK_DAYS = _int("FUTURE_DATE_SLACK_DAYS", 1)
# The span of mart.dim_date; it must cover every publication date.
CALENDAR_FIRST_DATE = _env("CALENDAR_FIRST_DATE", EARLIEST_PUBLISHED_DATE)
CALENDAR_LAST_DATE = _env("CALENDAR_LAST_DATE", "2040-12-31")
# Build Great Expectations' HTML data docs of each run under GX_DOCS_DIR (about 4 MB a run); 0 turns them off.
BUILD_DATA_DOCS = _int("BUILD_DATA_DOCS", 1) == 1

# --- warehouse: mart and export ------------------------------------------------
# How many characters before a document number in an article's lead may hold a review phrase
# ("sơ kết 5 năm thực hiện Nghị quyết số 02-NQ/TU") for the article to count as reviewing it.
REVIEW_WINDOW_CHARS = _int("REVIEW_WINDOW_CHARS", 80)
