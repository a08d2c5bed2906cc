"""The crawl, shared by ``tinhuy crawl`` and the DAG's discover and fetch tasks: state, plan, batches, records.

What the crawler knows between runs, and where it keeps it:

- **per article URL** (validators, latest body hash, last outcome, failures in a row): the view
  ``raw.url_state`` over ``raw.fetch_log``, read from the published warehouse (read-only) before a
  run. Every run's fetch records reach ``raw.fetch_log`` through staging, so the state is exactly
  as current as the last staged run; a run that dies before staging leaves it as it was, and its
  pages are simply asked for again (the archive keeps their bodies either way).
- **which versions were parsed**: ``staging.stg_articles`` (URL and content hash). A page answered
  200 whose hash is among them is ``unchanged`` and not cleaned or parsed again.
- **listing pages, feeds and robots.txt** (validators and archived body hash, so that they too are
  asked for conditionally and an unchanged one is read back from the archive): a small JSON file
  per source beside the archive, ``RAW_DIR/state/<source>.json``, written by the source's discover
  task only. It is a cache: without it those pages are fetched in full.

The watermark is the set of article URLs earlier runs attempted: discovery stops following a
listing page that shows none outside it (``fetch.walk``). The fetch plan is then new URLs, the
retry queue (last attempt failed, fewer than ``RETRY_MAX_RUNS`` runs in a row), and known URLs
revisited with conditional requests, least recently checked first (``MAX_REVISITS_PER_RUN``) so
that an edited article is noticed; at most ``MAX_PAGES_PER_RUN`` in all.

Airflow maps fetch, clean and parse over *batches*: ``<run>/<source>/urls.json`` and, when a
source's cap needs more, ``<run>/<source>~<n>/urls.json``. Their number per source is fixed before
discovery (from the cap and the number of sources) so the DAG can expand over it, and never adds up
to more than ``MAX_MAPPED_TASKS`` (Airflow's ``max_map_length``). Stage reads every ``*/fetched.jsonl``
and ``*/parsed.jsonl``, so batch directories need nothing from it.

Reparse rebuilds staging and the mart from the archive alone: every version ``raw.fetch_log``
records as fetched is read back from ``RAW_DIR``, cleaned and parsed with the current code, and
staged under a new run id; no request is made.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from etl import fetch, settings, tasks
from etl.sources import Source, get_source, load_sources

log = logging.getLogger(__name__)

DISCOVERY_FILE = "discovery.jsonl"
ROBOTS_FILE = "robots.jsonl"
ARCHIVED_FILE = "archived.jsonl"
# Outcomes after which a URL's body is known.
GOOD_OUTCOMES = ("fetched", "not_modified", "unchanged")
# Counts of the JSON line `tinhuy crawl` ends with, in this order.
COUNT_KEYS = ("fetched", "not_modified", "unchanged", "failed", "new_articles", "parsed", "skipped")


# --- state -------------------------------------------------------------------------
@dataclass
class SourceState:
    """What earlier runs knew of one source (see the module docstring)."""

    # raw.url_state rows of the source's article URLs, by URL.
    urls: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Content hashes staged (parsed) per article URL.
    parsed: dict[str, set[str]] = field(default_factory=dict)
    # Listing pages, feeds and robots.txt: validators and archived body hash, by URL.
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def since(self) -> str | None:
        """The latest attempt of any of the source's URLs, ISO UTC: sitemaps older than this hold nothing new."""
        times = [s["last_attempt_at"] for s in self.urls.values() if s.get("last_attempt_at")]
        return max(times).replace(tzinfo=dt.timezone.utc).isoformat(timespec="seconds") if times else None


def _state_file(source_id: str) -> Path:
    return settings.RAW_DIR / "state" / f"{source_id}.json"


def load_pages_state(source_id: str) -> dict[str, dict[str, Any]]:
    """The discovery pages' validators of a source (empty when the state file is missing or unreadable)."""
    path = _state_file(source_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable crawl state, asking for every listing page in full: %s", path, exc)
        return {}
    pages = data.get("pages") if isinstance(data, dict) else None
    return pages if isinstance(pages, dict) else {}


def save_pages_state(source_id: str, records: Iterable[dict[str, Any]]) -> None:
    """Remember the validators and body hash of each discovery page fetched or found unchanged."""
    pages = load_pages_state(source_id)
    for record in records:
        if record["outcome"] in ("fetched", "not_modified") and record.get("content_hash"):
            pages[record["url"]] = {
                key: record.get(key)
                for key in ("kind", "etag", "last_modified", "content_hash", "raw_path", "content_type", "fetched_at")
            }
    path = _state_file(source_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"source": source_id, "pages": pages}, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def load_state(source: Source) -> SourceState:
    """What the warehouse (read-only) and the state file say about a source before a run."""
    import duckdb

    from etl import warehouse

    state = SourceState(pages=load_pages_state(source.id))
    if not Path(settings.WAREHOUSE).exists():
        return state
    try:
        con = warehouse.read()
    except (duckdb.Error, warehouse.WarehouseError) as exc:
        log.warning("%s: cannot read the warehouse, crawling as if for the first time: %s", source.id, exc)
        return state
    try:
        try:
            cursor = con.execute("select * from raw.url_state where source_id = ?", [source.id])
            columns = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                item = dict(zip(columns, row))
                url = item["url"]
                if fetch.host_allowed(source, url) and source.is_article(urlsplit(url).path):
                    state.urls[url] = item
        except duckdb.CatalogException:
            log.warning("%s: the warehouse has no raw.url_state yet; every page is asked for in full once", source.id)
        with contextlib.suppress(duckdb.CatalogException):
            for url, content_hash in con.execute(
                "select article_id, content_hash from staging.stg_articles where source_id = ?", [source.id]
            ).fetchall():
                state.parsed.setdefault(url, set()).add(content_hash)
    finally:
        con.close()
    return state


# --- the plan ------------------------------------------------------------------------
def _naive_utc(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def plan(
    source: Source,
    found: fetch.Discovery,
    state: SourceState,
    *,
    max_pages: int | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[str, str]]:
    """The article URLs to fetch this run, each with why: ``new``, ``retry`` or ``revisit``; at most ``max_pages``."""
    max_pages = settings.MAX_PAGES_PER_RUN if max_pages is None else max_pages
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    recheck_before = now - dt.timedelta(days=settings.SKIPPED_RECHECK_DAYS)
    known = state.urls
    new = [url for url in found.articles if url not in known]

    def oldest_first(url: str) -> dt.datetime:
        return known[url].get("last_attempt_at") or dt.datetime.min

    retry = sorted(
        (url for url, s in known.items()
         if s["last_outcome"] == "failed" and s.get("consecutive_failures", 0) < settings.RETRY_MAX_RUNS),
        key=oldest_first,
    )
    queued = set(retry)

    def revisitable(s: dict[str, Any]) -> bool:
        if s["last_outcome"] in GOOD_OUTCOMES:
            return True
        if s["last_outcome"] == "skipped" and (s.get("last_error") or "").startswith("disallowed by robots.txt"):
            return True  # checked against robots.txt without a request
        return (s.get("last_attempt_at") or dt.datetime.min) < recheck_before

    def changed_first(url: str) -> tuple[bool, dt.datetime]:
        """Pages a feed or sitemap dates after our last look come first."""
        dated = _naive_utc(found.articles.get(url))
        seen = known[url].get("last_success_at")
        return (not (dated is not None and (seen is None or dated > seen)), oldest_first(url))

    revisit = sorted((url for url, s in known.items() if url not in queued and revisitable(s)), key=changed_first)
    revisit = revisit[: settings.MAX_REVISITS_PER_RUN]
    planned = [(u, "new") for u in new] + [(u, "retry") for u in retry] + [(u, "revisit") for u in revisit]
    if len(planned) > max_pages:
        log.info("%s: %d URLs planned, fetching %d (MAX_PAGES_PER_RUN); the rest waits for the next run",
                 source.id, len(planned), max_pages)
    return planned[:max_pages]


def _prior(url: str, why: str, state: SourceState) -> dict[str, Any]:
    """What fetch_urls needs to know of a URL: why it is fetched, its validators and parsed hashes."""
    known = state.urls.get(url) or {}
    prior: dict[str, Any] = {"plan": why, "parsed": sorted(state.parsed.get(url, ()))}
    for key in ("etag", "last_modified", "content_hash", "raw_path", "content_type", "encoding"):
        if known.get(key):
            prior[key] = known[key]
    return prior


# --- batches -----------------------------------------------------------------------
def slots_per_source(n_sources: int) -> int:
    """Fetch batches per source: enough for MAX_PAGES_PER_RUN, never more than MAX_MAPPED_TASKS in all."""
    n_sources = max(1, n_sources)
    if n_sources > settings.MAX_MAPPED_TASKS:
        raise ValueError(f"{n_sources} sources exceed the {settings.MAX_MAPPED_TASKS} mapped tasks Airflow allows "
                         "(raise AIRFLOW__CORE__MAX_MAP_LENGTH and TINHUY_MAX_MAPPED_TASKS)")
    wanted = math.ceil(settings.MAX_PAGES_PER_RUN / max(1, settings.FETCH_BATCH_SIZE))
    return max(1, min(wanted, settings.MAX_MAPPED_TASKS // n_sources))


def batch_dirs(run: Path, source_id: str, slots: int) -> list[Path]:
    """The run directories of a source's batches: ``<source>``, then ``<source>~001`` …"""
    return [run / (source_id if k == 0 else f"{source_id}~{k:03d}") for k in range(max(1, slots))]


def batch_paths(source_ids: Iterable[str], run_id: str) -> list[str]:
    """The ``urls.json`` of every fetch batch of a run, in the order the DAG maps fetch over them."""
    source_ids = list(source_ids)
    slots = slots_per_source(len(source_ids))
    run = tasks.run_dir(run_id)
    return [str(d / tasks.URLS_FILE) for sid in source_ids for d in batch_dirs(run, sid, slots)]


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


# --- discover and fetch: the DAG's per-source tasks, and the CLI's steps -----------------
def discover_source(
    source: Source | str,
    run_id: str,
    *,
    slots: int = 1,
    max_pages: int | None = None,
    state: SourceState | None = None,
    fetcher: fetch.Fetcher | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Walk a source, plan this run's fetches and write one ``urls.json`` per batch; returns their paths.

    The first batch file also holds the discovery statistics and the listing pages that failed
    (written first into its ``fetched.jsonl``, so that a portal that is down shows in
    ``raw.fetch_log``). A source whose discovery breaks gets empty batches and the reason.
    """
    if isinstance(source, str):
        source = get_source(source, settings.SOURCES)
    run = tasks.run_dir(run_id)
    dirs = batch_dirs(run, source.id, slots)
    state = state if state is not None else load_state(source)
    if progress:
        progress.start(f"{source.id}: discovering", 0)
    found, error = fetch.Discovery(), None
    owned = fetcher is None
    fetcher = fetcher or fetch.Fetcher(source, robots_state=state.pages)
    try:
        found = fetch.walk(source, fetcher, known=state.urls.keys(), pages_state=state.pages,
                           since=state.since)
    except Exception as exc:  # noqa: BLE001 - one broken source must not hold up the others
        log.exception("%s: discovery failed", source.id)
        error = f"discovery failed: {' '.join(str(exc).split()) or type(exc).__name__}"
    finally:
        if owned:
            fetcher.close()
    robots = list(fetcher.robots_records)
    fetcher.robots_records.clear()
    fetch.write_jsonl(dirs[0] / DISCOVERY_FILE, found.records + robots)
    save_pages_state(source.id, found.records + robots)
    planned = plan(source, found, state, max_pages=max_pages)
    failures = [r for r in found.records if r["outcome"] in ("failed", "skipped")]
    size = max(settings.FETCH_BATCH_SIZE, math.ceil(len(planned) / len(dirs)))
    chunks = [planned[k * size:(k + 1) * size] for k in range(len(dirs))]
    why: dict[str, int] = {}
    for _, reason in planned:
        why[reason] = why.get(reason, 0) + 1
    stats = {
        "discovery_pages": found.pages,
        "discovery_failures": len(failures),
        "is_watermark_reached": bool(found.stopped_at),
        "discovered_urls": len(found.articles),
        "new_urls": why.get("new", 0),
        "retry_urls": why.get("retry", 0),
        "revisit_urls": why.get("revisit", 0),
        "planned_urls": len(planned),
        "batch_count": sum(1 for chunk in chunks if chunk) or 1,
        "discovery_error": error,
    }
    for k, (directory, chunk) in enumerate(zip(dirs, chunks)):
        payload: dict[str, Any] = {
            "source": source.id,
            "batch": k,
            "batches": len(dirs),
            "urls": [url for url, _ in chunk],
            "state": {url: _prior(url, reason, state) for url, reason in chunk},
            "error": error if k == 0 else None,
            "listing_failures": failures if k == 0 else [],
        }
        if k == 0:
            payload["discovery"] = stats
        _write_json(directory / tasks.URLS_FILE, payload)
    log.info("%s: %d article URLs found, %d planned (%d new, %d retried, %d revisited) in %d batch(es)",
             source.id, len(found.articles), len(planned), stats["new_urls"], stats["retry_urls"],
             stats["revisit_urls"], stats["batch_count"])
    return [d / tasks.URLS_FILE for d in dirs]


def fetch_batch(
    urls_path: str | Path, *, fetcher: fetch.Fetcher | None = None, progress: Progress | None = None
) -> Path:
    """Fetch the URLs of one batch file into the raw archive; writes and returns ``fetched.jsonl`` beside it."""
    urls_path = Path(urls_path)
    out = urls_path.with_name(tasks.FETCHED_FILE)
    try:
        batch = json.loads(urls_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("%s: no such batch (discovery wrote fewer); nothing to fetch", urls_path)
        return fetch.write_jsonl(out, [])
    urls, failures = batch.get("urls") or [], batch.get("listing_failures") or []
    if not urls:
        return fetch.write_jsonl(out, failures)
    source = get_source(batch["source"], settings.SOURCES)
    if progress:
        progress.start(f"{source.id}: fetching", len(urls))
    owned = fetcher is None
    fetcher = fetcher or fetch.Fetcher(source, robots_state=load_pages_state(source.id))
    try:
        path = fetch.fetch_urls(
            source, urls, urls_path.parent.parent, fetcher=fetcher, extra_records=failures,
            state=batch.get("state") or {}, path=out, on_record=progress.advance if progress else None,
            limit=len(urls),
        )
    finally:
        if owned:
            fetcher.close()
        if fetcher.robots_records:
            fetch.write_jsonl(urls_path.with_name(ROBOTS_FILE), fetcher.robots_records)
            fetcher.robots_records.clear()
    return path


# --- reading a run's files -------------------------------------------------------------
def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _batch_id(directory: Path) -> str:
    """``fetch-0`` for a source's first batch directory, ``fetch-<n>`` for ``<source>~<n>``."""
    _, _, number = directory.name.partition("~")
    return f"fetch-{int(number) if number.isdigit() else 0}"


def _source_of(directory: Path) -> str:
    return directory.name.split("~", 1)[0]


def _batch_dirs_of(run: Path) -> list[Path]:
    """The crawl batch directories of a run (a reparse run has none: only ``archived.jsonl``)."""
    if not run.is_dir():
        return []
    return sorted(p for p in run.iterdir() if (p / tasks.URLS_FILE).exists() or (p / tasks.FETCHED_FILE).exists())


def run_stats(run: Path) -> dict[str, dict[str, Any]]:
    """Per source of a run directory: discovery statistics, outcomes of fetched.jsonl, parsed articles, requests."""
    stats: dict[str, dict[str, Any]] = {}
    for directory in _batch_dirs_of(run):
        sid = _source_of(directory)
        entry = stats.setdefault(sid, {k: 0 for k in COUNT_KEYS} | {
            "requests": 0, "conditional_requests": 0, "bytes_received": 0, "started_at": None, "finished_at": None,
        })
        urls_file = directory / tasks.URLS_FILE
        if urls_file.exists():
            entry.update(json.loads(urls_file.read_text(encoding="utf-8")).get("discovery") or {})
        records = list(_jsonl(directory / tasks.FETCHED_FILE))
        others = [r for name in (DISCOVERY_FILE, ROBOTS_FILE) for r in _jsonl(directory / name)]
        for record in records:
            entry[record["outcome"]] = entry.get(record["outcome"], 0) + 1
            if record.get("plan") == "new" and record["outcome"] in ("fetched", "unchanged"):
                entry["new_articles"] += 1
        for record in [r for r in records if r.get("kind", "article") == "article"] + others:
            for attempt in record.get("tries") or []:
                entry["requests"] += 1
                entry["conditional_requests"] += bool(attempt.get("conditional"))
                start = attempt.get("started_at")
                if start and (entry["started_at"] is None or start < entry["started_at"]):
                    entry["started_at"] = start
            entry["bytes_received"] += record.get("body_bytes") or 0
            end = record.get("fetched_at")
            if end and (entry["finished_at"] is None or end > entry["finished_at"]):
                entry["finished_at"] = end
        entry["parsed"] += sum(1 for _ in _jsonl(directory / tasks.PARSED_FILE))
    return stats


def totals(stats: dict[str, dict[str, Any]]) -> dict[str, int]:
    """The JSON line of `tinhuy crawl`: counts over every source of the run."""
    return {key: sum(int(entry.get(key) or 0) for entry in stats.values()) for key in COUNT_KEYS}


def record_run(run: str | Path, run_id: str, con: Any) -> dict[str, dict[str, Any]]:
    """Write a run's crawl records into the raw schema: pages, fetch_attempts, discovery_log and crawl_runs.

    Idempotent: a run recorded again replaces its rows; an archived body keeps the row of its
    first fetch. One transaction. (``raw.fetch_log`` itself is staged by ``etl.stage``.)
    """
    run = Path(run)
    pages: dict[tuple[str, str], dict[str, Any]] = {}
    attempts: list[dict[str, Any]] = []
    discovery: dict[tuple[str, str, str], dict[str, Any]] = {}
    for directory in _batch_dirs_of(run):
        sid = _source_of(directory)
        sources = [
            (tasks.FETCHED_FILE, _batch_id(directory)),
            (DISCOVERY_FILE, "discover"),
            (ROBOTS_FILE, _batch_id(directory)),
        ]
        for name, batch_id in sources:
            for record in _jsonl(directory / name):
                kind = record.get("kind") or "article"
                if name == tasks.FETCHED_FILE and kind != "article":
                    continue  # failed listing pages: recorded from discovery.jsonl
                source_id = record.get("source") or sid
                if record.get("content_hash") and record.get("status") == 200:
                    pages.setdefault((record["content_hash"], record["url"]), {
                        "content_hash": record["content_hash"], "url": record["url"], "source_id": source_id,
                        "kind": kind, "final_url": record.get("final_url"), "status_code": record.get("status"),
                        "content_type": record.get("content_type"),
                        "headers": json.dumps(record.get("headers") or {}, ensure_ascii=False),
                        "body_bytes": record.get("body_bytes"), "stored_bytes": _size(record.get("raw_path")),
                        "raw_path": record.get("raw_path") or str(fetch.raw_path(record["content_hash"])),
                        "first_fetched_at": _timestamp(record.get("fetched_at")), "first_run_id": run_id,
                    })
                for index, attempt in enumerate(record.get("tries") or []):
                    attempts.append({
                        "run_id": run_id, "batch_id": batch_id, "url": record["url"], "try_index": index,
                        "source_id": source_id, "kind": kind, "request_url": attempt.get("url") or record["url"],
                        "attempt": attempt.get("attempt"), "started_at": _timestamp(attempt.get("started_at")),
                        "elapsed_ms": attempt.get("elapsed_ms"), "status_code": attempt.get("status"),
                        "error": attempt.get("error"), "is_conditional": bool(attempt.get("conditional")),
                    })
                if name != tasks.FETCHED_FILE:
                    discovery[(source_id, batch_id, record["url"])] = {
                        "run_id": run_id, "batch_id": f"{source_id}:{batch_id}", "url": record["url"],
                        "source_id": source_id, "kind": kind, "final_url": record.get("final_url"),
                        "status_code": record.get("status"), "outcome": record["outcome"], "error": record.get("error"),
                        "content_hash": record.get("content_hash"), "etag": record.get("etag"),
                        "last_modified": record.get("last_modified"),
                        "fetched_at": _timestamp(record.get("fetched_at")),
                        "attempts": record.get("attempts"), "article_count": record.get("article_count"),
                        "new_article_count": record.get("new_article_count"),
                        "is_watermark": record.get("is_watermark"),
                    }
    for row in attempts:
        row["batch_id"] = f"{row['source_id']}:{row['batch_id']}"
    stats = run_stats(run)
    runs = [_crawl_run_row(run_id, sid, entry) for sid, entry in stats.items()]
    con.execute("begin transaction")
    try:
        for table in ("raw.fetch_attempts", "raw.discovery_log", "raw.crawl_runs"):
            con.execute(f"delete from {table} where run_id = ?", [run_id])
        _insert(con, "raw.fetch_attempts", attempts)
        _insert(con, "raw.discovery_log", list(discovery.values()))
        _insert(con, "raw.crawl_runs", runs)
        _insert(con, "raw.pages", list(pages.values()), new_keys=("content_hash", "url"))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    log.info("recorded run %s: %d requests, %d discovery pages, %d archived bodies", run_id, len(attempts),
             len(discovery), len(pages))
    return stats


def _crawl_run_row(run_id: str, source_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    row = {key: entry.get(key) for key in (
        "discovery_pages", "discovery_failures", "is_watermark_reached", "discovered_urls", "new_urls", "retry_urls",
        "revisit_urls", "planned_urls", "batch_count", "fetched", "not_modified", "unchanged", "failed", "skipped",
        "new_articles", "requests", "conditional_requests", "bytes_received", "discovery_error",
    )}
    row.update(run_id=run_id, source_id=source_id, parsed_articles=entry.get("parsed"),
               started_at=_timestamp(entry.get("started_at")), finished_at=_timestamp(entry.get("finished_at")))
    return row


def _insert(con: Any, table: str, rows: list[dict[str, Any]], new_keys: tuple[str, ...] = ()) -> None:
    """Insert rows typed like the table; with ``new_keys``, only rows whose key the table does not hold yet."""
    import pyarrow as pa

    if not rows:
        return
    schema = con.sql(f"select * from {table} limit 0").arrow().schema
    con.register("_incoming", pa.Table.from_pylist(rows, schema=schema))
    try:
        if new_keys:
            match = " and ".join(f"t.{k} = i.{k}" for k in new_keys)
            con.execute(f"insert into {table} by name select i.* from _incoming as i "
                        f"where not exists (select 1 from {table} as t where {match})")
        else:
            con.execute(f"insert into {table} by name select * from _incoming")
    finally:
        con.unregister("_incoming")


def _timestamp(value: str | None) -> dt.datetime | None:
    """An ISO time of a record as naive UTC, the warehouse's timestamps."""
    return _naive_utc(value)


def _size(path: str | None) -> int | None:
    try:
        return os.path.getsize(path) if path else None
    except OSError:
        return None


# --- the command line: crawl and reparse outside Airflow -----------------------------------
class Progress:
    """One self-rewriting line on a terminal: which source, what step, how far; silent when not a terminal."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label, self.total, self.done, self.counts = "", 0, 0, {}

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.counts = label, total, 0, {}
        self._draw()

    def advance(self, record: dict[str, Any] | None = None) -> None:
        self.done += 1
        if record is not None:
            self.counts[record["outcome"]] = self.counts.get(record["outcome"], 0) + 1
        self._draw()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def _draw(self) -> None:
        if not self.enabled:
            return
        line = self.label
        if self.total:
            filled = self.WIDTH * self.done // self.total
            line += f" [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total}"
        if self.counts:
            line += "  " + " · ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(self.counts.items()))
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()


@contextlib.contextmanager
def _using_sources(name_or_path: str | None) -> Iterator[None]:
    """Point settings (and subprocesses) at a sources file for the length of a run."""
    if not name_or_path:
        yield
        return
    before, env = settings.SOURCES, os.environ.get("TINHUY_SOURCES")
    settings.SOURCES = str(name_or_path)
    os.environ["TINHUY_SOURCES"] = str(name_or_path)
    try:
        yield
    finally:
        settings.SOURCES = before
        if env is None:
            os.environ.pop("TINHUY_SOURCES", None)
        else:
            os.environ["TINHUY_SOURCES"] = env


def new_run_id(kind: str) -> str:
    return f"{kind}__{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%fZ}"


def _chosen(source_id: str | None) -> list[Source]:
    sources = load_sources(settings.SOURCES)
    if source_id is None:
        return sources
    return [get_source(source_id, settings.SOURCES)]


def _crawl_source(source: Source, run_id: str, max_pages: int | None, progress: Progress | None) -> None:
    """Discover, fetch, clean and parse one source, with one client (robots.txt read once)."""
    state = load_state(source)
    with fetch.Fetcher(source, robots_state=state.pages) as fetcher:
        paths = discover_source(source, run_id, max_pages=max_pages, state=state, fetcher=fetcher, progress=progress)
        fetched = [fetch_batch(p, fetcher=fetcher, progress=progress) for p in paths]
    if progress:
        progress.start(f"{source.id}: cleaning and parsing", 0)
    for path in fetched:
        tasks.parse(tasks.clean(str(path)))


def crawl(
    *,
    sources: str | None = None,
    source_id: str | None = None,
    max_pages: int | None = None,
    validate: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """One crawl outside Airflow through the DAG's code: discover, fetch, clean, parse, then stage, validate, load.

    Validation is skipped when nothing is new (``etl.validate.nothing_new``). Returns ``{"run_id",
    "run_dir", "counts": the JSON line, "sources": statistics per source, "validation": what became of it}``.
    """
    from etl import load, stage, warehouse

    with _using_sources(sources):
        chosen = _chosen(source_id)
        run_id = new_run_id("crawl")
        run = tasks.run_dir(run_id)
        run.mkdir(parents=True, exist_ok=True)
        for source in chosen:
            try:
                _crawl_source(source, run_id, max_pages, progress)
            except Exception:  # noqa: BLE001 - what the other sources fetched must still be staged
                log.exception("%s: crawl failed; the other sources go on", source.id)
        if progress:
            progress.start("writing the warehouse", 0)
        with warehouse.writing() as con:
            record_run(run, run_id, con)
            stage.stage_run(run, run_id, con)
            report = _validate(run, run_id, con) if validate else None
            # Even with nothing new: the run's fetches move dim_article.last_seen_at (and is_latest_version
            # when a page went back to an earlier version), which the mart reads from raw.fetch_log.
            load.load_run(run_id, con)
        if progress:
            progress.finish()
        stats = run_stats(run)
    return {"run_id": run_id, "run_dir": run, "counts": totals(stats), "sources": stats,
            "validation": _validation_outcome(report)}


def _validate(run: Path, run_id: str, con: Any) -> dict[str, Any]:
    """Validate the staged run, or skip it when nothing is new (``etl.validate.nothing_new``); the report."""
    from etl import validate as validation

    return validation.check_run(run_id, con, run / tasks.VALIDATION_FILE)


def _validation_outcome(report: dict[str, Any] | None) -> str:
    """What became of a run's validation, in a few words: not asked for, skipped (and why), or its counts."""
    if report is None:
        return "not run (--no-validate)"
    if report.get("skipped"):
        return f"skipped: {report['skipped']}"
    return f"{report['passed']} checks passed, {report['failed']} failed"


def archived_versions(source_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every article version ``raw.fetch_log`` records as fetched, as fetch records pointing into the archive.

    A version's fetch time is its latest ``fetched`` record: the one a crawl last parsed it from.
    """
    from etl import warehouse

    con = warehouse.read()
    try:
        rows = con.execute(
            """
            select source_id, url, content_hash,
                arg_max(final_url, fetched_at) as final_url,
                arg_max(content_type, fetched_at) as content_type,
                arg_max(encoding, fetched_at) as encoding,
                arg_max(raw_path, fetched_at) as raw_path,
                max(fetched_at) as fetched_at
            from raw.fetch_log
            where outcome = 'fetched' and content_hash is not null
            group by source_id, url, content_hash
            order by source_id, url, fetched_at
            """
        ).fetchall()
    finally:
        con.close()
    wanted = set(source_ids) if source_ids is not None else None
    versions = []
    for sid, url, content_hash, final_url, content_type, encoding, raw, fetched_at in rows:
        if wanted is not None and sid not in wanted:
            continue
        versions.append({
            "source": sid, "url": url, "final_url": final_url or url, "status": 200, "outcome": "fetched",
            "error": None, "content_hash": content_hash, "raw_path": raw, "content_type": content_type,
            "encoding": encoding, "etag": None, "last_modified": None,
            "fetched_at": fetched_at.replace(tzinfo=dt.timezone.utc).isoformat(timespec="milliseconds"),
            "attempts": 0, "kind": "article",
        })
    return versions


def write_archived(run_id: str, source_ids: Iterable[str] | None = None) -> tuple[list[str], int]:
    """Batch files (``archived.jsonl``) of every archived version, per source; their paths, and how many are missing.

    Versions of sources not in the current sources file, and versions whose body the archive
    lost, are logged and left out. Batches stay within MAX_MAPPED_TASKS for the reparse DAG.
    """
    known = [s.id for s in load_sources(settings.SOURCES)]
    wanted = [sid for sid in (source_ids or known) if sid in known]
    versions = archived_versions(wanted)
    by_source: dict[str, list[dict[str, Any]]] = {}
    missing = 0
    for version in versions:
        if not fetch.raw_path(version["content_hash"]).exists():
            log.error("%s: version %s is not in the archive %s; not reparsed", version["url"],
                      version["content_hash"][:12], settings.RAW_DIR)
            missing += 1
            continue
        by_source.setdefault(version["source"], []).append(version)
    skipped = {v["source"] for v in versions} - set(wanted)
    if skipped:
        log.warning("archived versions of sources not in %s are not reparsed: %s", settings.SOURCES,
                    ", ".join(sorted(skipped)))
    run = tasks.run_dir(run_id)
    slots = max(1, settings.MAX_MAPPED_TASKS // max(1, len(by_source)))
    paths = []
    for sid, items in by_source.items():
        size = max(settings.FETCH_BATCH_SIZE, math.ceil(len(items) / slots))
        for directory, start in zip(batch_dirs(run, sid, slots), range(0, len(items), size)):
            paths.append(str(fetch.write_jsonl(directory / ARCHIVED_FILE, items[start:start + size])))
    return paths, missing


def reparse(
    *, sources: str | None = None, source_id: str | None = None, validate: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Rebuild staging and the mart from the raw archive alone (no network): clean, parse, stage, validate, load."""
    from etl import load, stage, warehouse

    with _using_sources(sources):
        ids = [s.id for s in _chosen(source_id)]
        run_id = new_run_id("reparse")
        run = tasks.run_dir(run_id)
        paths, missing = write_archived(run_id, ids)
        versions = sum(1 for p in paths for _ in _jsonl(Path(p)))
        if progress:
            progress.start("reparsing the archive", len(paths))
        parsed = 0
        for path in paths:
            parsed += sum(1 for _ in _jsonl(Path(tasks.parse(tasks.clean(path)))))
            if progress:
                progress.advance()
        if progress:
            progress.start("writing the warehouse", 0)
        with warehouse.writing() as con:
            stage.stage_run(run, run_id, con)
            report = _validate(run, run_id, con) if validate else None
            load.load_run(run_id, con)
        if progress:
            progress.finish()
    counts = {"versions": versions + missing, "parsed": parsed, "failed": versions - parsed, "missing": missing}
    return {"run_id": run_id, "run_dir": run, "counts": counts, "validation": _validation_outcome(report)}

