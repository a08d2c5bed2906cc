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
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from etl import settings

log = logging.getLogger(__name__)

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
    """Find a source's article URLs and plan its fetch batches; returns the first batch, ``<run>/<source>/urls.json``.

    What earlier runs saw is read from the warehouse (``etl.crawl``): discovery stops at the
    watermark, failed URLs are retried, known ones revisited with conditional requests.
    """
    from etl import crawl
    from etl.sources import load_sources

    slots = crawl.slots_per_source(len(load_sources(settings.SOURCES)))
    return str(crawl.discover_source(_source(source_id), run_id, slots=slots)[0])


def fetch_batches(run_id: str) -> list[str]:
    """The ``urls.json`` of every fetch batch of a run: what discover, fetch, clean and parse are mapped over.

    A source has ``<run>/<source>/urls.json`` and, only when MAX_PAGES_PER_RUN needs more than
    FETCH_BATCH_SIZE URLs, ``<source>~001`` …; never more than MAX_MAPPED_TASKS in all, Airflow's
    limit on the instances of one mapped task. Fixed before discovery so the DAG can expand over it.
    """
    from etl import crawl

    return crawl.batch_paths(source_ids(), run_id)


def discover_batch(urls_path: str, run_id: str) -> str:
    """Discover for a source's first batch (it plans all of them); a later batch waits for that and returns its path."""
    directory = Path(urls_path).parent
    source_id, _, number = directory.name.rpartition("~")
    if source_id and number.isdigit():
        return urls_path
    return discover(directory.name, run_id)


def fetch(urls_path: str) -> str:
    """Fetch the URLs of one batch file into the raw archive; returns the path of ``fetched.jsonl`` beside it.

    The first batch of a source starts with the listing pages that could not be fetched, so a
    portal that is down shows in ``raw.fetch_log`` as failed fetches rather than as silence.
    """
    from etl import crawl

    return str(crawl.fetch_batch(urls_path))


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
        if sid not in sources:  # reading the sources and profiles files costs more than parsing a page
            sources[sid] = _source(sid)
        source = sources[sid]
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
    from etl import crawl, warehouse
    from etl import stage as staging

    with warehouse.writing() as con:
        crawl.record_run(run_dir(run_id), run_id, con)
        counts = staging.stage_run(run_dir(run_id), run_id, con)
    log.info("staged %s", counts)
    return counts


def validate(run_id: str) -> str:
    """Run the expectation suites and cross-checks on the staged run; returns the path of ``validation.json``.

    A run with nothing new (``etl.validate.nothing_new``) is not validated: its report says why, and
    the warehouse is only read (no copy written, Great Expectations not imported).
    """
    from etl import validate as validation
    from etl import warehouse

    report_path = run_dir(run_id) / VALIDATION_FILE
    report_path.parent.mkdir(parents=True, exist_ok=True)
    with warehouse.read() as con:
        reason = validation.nothing_new(con, run_id)
    if reason is not None:
        validation.skip_run(run_id, reason, report_path)
        return str(report_path)
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
    """Mail the run's data-quality and source-broken alerts; where they went, or None when every check passed."""
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    if report.get("skipped"):
        log.info("no alert: %s", report["skipped"])
        return None
    from etl import alert as alerting

    return alerting.send(report)


def dq_gate(report_path: str) -> str:
    """Fail (DataQualityError) when an error-level check failed, after the load and the alert; else say so.

    The clean rows are already in the mart and the failing ones held in ``dq.quarantine``: failing
    here only makes the run's data-quality state visible in Airflow (a red task, a failed run).
    """
    from etl import validate as validation

    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    verdict = validation.gate(report)
    log.info("%s", verdict)
    return verdict
