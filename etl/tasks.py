"""What each task of the ``tinhuy_ingest`` DAG does: ids and paths in, ids and paths out.

The DAG file only wires these together; anything heavy is imported inside the function that needs it.

Failures, by where they come from:

- a page (timeout, HTTP error, not HTML, unreadable, a parser error on one article) is recorded
  or logged and skipped; the other pages go on;
- a whole source (portal down, robots.txt unreadable, a listing page that breaks discovery) gives
  that source an empty URL list with the reason in ``urls.json`` and failed fetch records in
  ``fetched.jsonl``, so its later tasks succeed on empty input and the other sources are not held
  up (in Airflow a failed mapped task would stop the next step for every source, because the
  next step is mapped over all of its results);
- the environment (bad sources file, full disk, unreadable warehouse) fails the task, which Airflow
  retries; it is no single source's fault, so stopping the run is right.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from etl import settings

log = logging.getLogger(__name__)

# Whole-task retries (on top of fetch's per-URL retries): a worker lost, the warehouse locked too long.
TASK_RETRIES = int(os.environ.get("TINHUY_TASK_RETRIES", "2"))
# First pause before a task retry; Airflow doubles it per retry.
TASK_RETRY_DELAY_S = float(os.environ.get("TINHUY_TASK_RETRY_DELAY_S", "300"))

URLS_FILE = "urls.json"
FETCHED_FILE = "fetched.jsonl"
CLEANED_FILE = "cleaned.jsonl"
PARSED_FILE = "parsed.jsonl"
VALIDATION_FILE = "validation.json"


def run_dir(run_id: str) -> Path:
    """The directory of one run: ``settings.RUNS_DIR/<run_id>``, with characters unsafe in file names replaced."""
    return settings.RUNS_DIR / re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


def _source(source_id: str):
    from etl.sources import get_source

    return get_source(source_id, settings.SOURCES)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- per source: files only ---------------------------------------------------------
def source_ids() -> list[str]:
    """The ids of the sources in the sources file named by ``TINHUY_SOURCES``."""
    from etl.sources import load_sources

    ids = [s.id for s in load_sources(settings.SOURCES)]
    log.info("%d sources from %s: %s", len(ids), settings.SOURCES, ", ".join(ids))
    return ids


def discover(source_id: str, run_id: str) -> str:
    """Find a source's article URLs; writes ``<run>/<source>/urls.json`` and returns its path."""
    from etl import fetch

    source = _source(source_id)
    failures: list[dict[str, Any]] = []
    error = None
    try:
        urls = fetch.discover(source, settings.MAX_LISTING_PAGES, failures=failures)
    except Exception as exc:  # noqa: BLE001 - one broken source must not hold up the others
        log.exception("%s: discovery failed", source_id)
        urls, error = [], f"discovery failed: {_one_line(exc)}"
    path = run_dir(run_id) / source_id / URLS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"source": source_id, "urls": urls, "error": error, "listing_failures": failures}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return str(path)


def fetch(urls_path: str) -> str:
    """Fetch the URLs of ``urls.json`` into the raw archive; returns the path of ``fetched.jsonl``.

    Listing pages that could not be fetched come first in the file, so a portal that is down
    shows in ``raw.fetch_log`` as failed fetches rather than as silence.
    """
    from etl import fetch as fetching

    found = json.loads(Path(urls_path).read_text(encoding="utf-8"))
    source = _source(found["source"])
    path = fetching.fetch_urls(
        source, found["urls"], Path(urls_path).parent.parent, extra_records=found.get("listing_failures") or []
    )
    return str(path)


def clean(fetched_path: str) -> str:
    """Decode and clean every fetched page; returns the path of ``cleaned.jsonl``. Unreadable pages are skipped."""
    from etl import clean as cleaning
    from etl import fetch as fetching

    fetched = Path(fetched_path)
    records = list(_read_jsonl(fetched))
    source = _source(records[0]["source"]) if records else None
    cleaned: list[dict[str, Any]] = []
    skipped = 0
    for record in records:
        if record.get("outcome") != "fetched" or not record.get("content_hash"):
            continue
        url = record["url"]
        try:
            raw = fetching.raw_path(record["content_hash"])
            if not raw.exists() and record.get("raw_path"):
                raw = Path(record["raw_path"])
            body = gzip.decompress(raw.read_bytes())
            html = cleaning.decode(body, record.get("content_type"))
            article = cleaning.clean_html(html, profile=source.profile if source else None, url=record.get("final_url") or url)
        except cleaning.UnreadablePage as exc:
            log.warning("%s: unreadable, skipped: %s", url, _one_line(exc))
            skipped += 1
            continue
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            log.error("%s: cannot clean, skipped: %s", url, _one_line(exc), exc_info=True)
            skipped += 1
            continue
        cleaned.append({**record, "clean": article.to_dict()})
    log.info("%s: %d pages cleaned, %d skipped", fetched.parent.name, len(cleaned), skipped)
    return str(fetching.write_jsonl(fetched.with_name(CLEANED_FILE), cleaned))


def parse(cleaned_path: str) -> str:
    """Find indicators, documents and people in every cleaned article; returns the path of ``parsed.jsonl``."""
    from etl import fetch as fetching
    from etl import parse as parsing
    from etl.clean import CleanArticle

    cleaned = Path(cleaned_path)
    sources: dict[str, Any] = {}
    parsed: list[dict[str, Any]] = []
    failed = 0
    for record in _read_jsonl(cleaned):
        sid = record["source"]
        source = sources.setdefault(sid, _source(sid))
        try:
            article = CleanArticle.from_dict(record["clean"])
            result = parsing.parse_article(article, url=record["url"], source=sid, province=source.province)
        except Exception as exc:  # noqa: BLE001 - one bad article must not lose the others
            log.error("%s: cannot parse, skipped: %s", record["url"], _one_line(exc), exc_info=True)
            failed += 1
            continue
        result.setdefault("content_hash", record.get("content_hash"))
        result.setdefault("fetched_at", record.get("fetched_at"))
        result.setdefault("parser_version", parsing.PARSER_VERSION)
        result.setdefault("subheadings", list(article.subheadings or []))
        parsed.append(result)
    indicators = sum(len(p.get("indicators") or []) for p in parsed)
    log.info("%s: %d articles parsed (%d indicators), %d failed", cleaned.parent.name, len(parsed), indicators, failed)
    return str(fetching.write_jsonl(cleaned.with_name(PARSED_FILE), parsed))


# --- the warehouse: one writer at a time -------------------------------------------------
def stage(run_id: str) -> dict[str, int]:
    """Load the run's fetch records and parsed articles into the staging tables; row counts per table."""
    from etl import stage as staging
    from etl import warehouse

    with warehouse.writing() as con:
        counts = staging.stage_run(run_dir(run_id), run_id, con)
    log.info("staged %s", counts)
    return counts


def validate(run_id: str) -> str:
    """Run the expectation suites and cross-checks on the staged run; returns the path of ``validation.json``."""
    from etl import validate as validation
    from etl import warehouse

    report_path = run_dir(run_id) / VALIDATION_FILE
    report_path.parent.mkdir(parents=True, exist_ok=True)
    with warehouse.writing() as con:
        report = validation.validate_run(run_id, con, report_path)
    log.info("%s checks passed, %s failed", report.get("passed"), report.get("failed"))
    return str(report_path)


def load(run_id: str) -> dict[str, int]:
    """Build the mart tables from the staged run; row counts per mart table."""
    from etl import load as loading
    from etl import warehouse

    with warehouse.writing() as con:
        counts = loading.load_run(run_id, con)
    log.info("loaded %s", counts)
    return counts


def alert(report_path: str) -> str | None:
    """Mail the data-quality alert for a validation report; where it went, or None when every check passed."""
    from etl import alert as alerting

    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    return alerting.send(report)
