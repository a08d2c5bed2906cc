"""Stage a run's parsed articles and fetch records into the warehouse's raw and staging tables."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from etl import settings

log = logging.getLogger(__name__)

FETCH_LOG = "raw.fetch_log"
ARTICLE_TABLES = ("staging.stg_articles", "staging.stg_indicators", "staging.stg_documents", "staging.stg_people")
COUNT_NAMES = {
    "staging.stg_articles": "articles",
    "staging.stg_indicators": "indicators",
    "staging.stg_documents": "documents",
    "staging.stg_people": "people",
}


class StageError(ValueError):
    """A run file that cannot be staged; the message is one line naming file and line."""


def stage_run(
    run_dir: str | Path, run_id: str, con: duckdb.DuckDBPyConnection, *, strict: bool = False
) -> dict[str, int]:
    """Stage every ``*/fetched.jsonl`` and ``*/parsed.jsonl`` of a run; return the rows staged per kind.

    Restaging replaces rows on their natural keys (a fetch: run and URL; an article version: URL
    and content hash, with all its indicators, documents and people), so staging twice changes
    nothing. A bad line is logged and skipped (``rejected`` counts them), or raises with ``strict``;
    each file is staged in its own transaction, so rows staged before are never lost. Articles are
    converted and inserted ``settings.STAGE_CHUNK_ARTICLES`` at a time, so memory stays flat.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise StageError(f"{run_dir}: no such run directory")
    counts = {"fetches": 0, "articles": 0, "indicators": 0, "documents": 0, "people": 0, "rejected": 0}
    for path in sorted(run_dir.glob("*/fetched.jsonl")):
        rows = {row["url"]: row for row in _converted(path, run_id, _fetch_row, strict, counts)}
        with _transaction(con):
            _replace_fetches(con, list(rows.values()))
        counts["fetches"] += len(rows)
    for path in sorted(run_dir.glob("*/parsed.jsonl")):
        # Rows per table of each version in the file; a version given twice counts (and stays) once, the last.
        rows_of: dict[tuple[str, str], dict[str, int]] = {}
        with _transaction(con):
            for chunk in _chunks(_converted(path, run_id, _article_rows, strict, counts), settings.STAGE_CHUNK_ARTICLES):
                versions = {}
                for tables in chunk:
                    article = tables["staging.stg_articles"][0]
                    versions[(article["article_id"], article["content_hash"])] = tables
                _replace_articles(con, {
                    table: [row for tables in versions.values() for row in tables[table]] for table in ARTICLE_TABLES
                })
                rows_of.update({key: {t: len(tables[t]) for t in ARTICLE_TABLES} for key, tables in versions.items()})
        for rows in rows_of.values():
            for table, n in rows.items():
                counts[COUNT_NAMES[table]] += n
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps what the batches used, for nothing now
    log.info("staged run %s from %s: %s", run_id, run_dir, counts)
    return counts


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Lists of up to ``size`` items, in order: a file's rows are converted a chunk at a time, not all at once."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _converted(path: Path, run_id: str, convert, strict: bool, counts: dict[str, int]) -> Iterator[Any]:
    """What a converter makes of each record of a file; a malformed record is reported, not staged."""
    for line_no, record in _records(path, strict, counts):
        try:
            converted = convert(record, run_id, path.parent.name)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            reason = f"missing {exc}" if isinstance(exc, KeyError) else " ".join(str(exc).split())
            _reject(f"{path}:{line_no}: {reason}", strict, counts)
            continue
        yield converted


def _records(path: Path, strict: bool, counts: dict[str, int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON-lines file, with their line numbers; bad lines are reported."""
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                _reject(f"{path}:{line_no}: not valid JSON ({exc.msg} at column {exc.colno})", strict, counts)
                continue
            if not isinstance(record, dict):
                _reject(f"{path}:{line_no}: not a JSON object", strict, counts)
                continue
            yield line_no, record


def _reject(message: str, strict: bool, counts: dict[str, int]) -> None:
    if strict:
        raise StageError(message)
    log.error("%s; line skipped", message)
    counts["rejected"] += 1


def _fetch_row(record: dict[str, Any], run_id: str, source_dir: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "source_id": record.get("source") or source_dir,
        "url": _required(record, "url"),
        "final_url": record.get("final_url"),
        "status_code": _int(record.get("status")),
        "outcome": _required(record, "outcome"),
        "error": record.get("error"),
        "content_hash": record.get("content_hash"),
        "raw_path": record.get("raw_path"),
        "content_type": record.get("content_type"),
        "encoding": record.get("encoding"),
        "etag": record.get("etag"),
        "last_modified": record.get("last_modified"),
        "fetched_at": _timestamp(record.get("fetched_at"), "fetched_at"),
        "attempts": _int(record.get("attempts")),
    }


def _article_rows(record: dict[str, Any], run_id: str, source_dir: str) -> dict[str, list[dict[str, Any]]]:
    """The staging rows of one parsed article, per staging table."""
    key = {"article_id": _required(record, "url"), "content_hash": _required(record, "content_hash")}
    paragraphs = _strings(record.get("paragraphs"), "paragraphs")
    article = {
        **key,
        "source_id": record.get("source") or source_dir,
        "province": record.get("province"),
        "title": record.get("title"),
        "summary": record.get("summary"),
        "published_date": _date(record.get("published"), "published"),
        "author": record.get("author"),
        "paragraphs": paragraphs,
        "subheadings": _strings(record.get("subheadings"), "subheadings"),
        "captions": _strings(record.get("captions"), "captions"),
        "paragraph_count": len(paragraphs),
        "word_count": sum(len(paragraph.split()) for paragraph in paragraphs),
        "fetched_at": _timestamp(record.get("fetched_at"), "fetched_at"),
        "parser_version": record.get("parser_version"),
        "run_id": run_id,
    }
    return {
        "staging.stg_articles": [article],
        "staging.stg_indicators": [
            _indicator_row(key, index, item, run_id) for index, item in enumerate(record.get("indicators") or [])
        ],
        "staging.stg_documents": [
            {
                **key,
                "document_index": index,
                "document_number": item.get("number"),
                "document_type": item.get("type"),
                "issuer": item.get("issuer"),
                "issued_date": _date(item.get("issued"), f"documents[{index}].issued"),
                "run_id": run_id,
            }
            for index, item in enumerate(record.get("documents") or [])
        ],
        "staging.stg_people": [
            {
                **key,
                "person_index": index,
                "person_name": item.get("name"),
                "position": item.get("position"),
                "run_id": run_id,
            }
            for index, item in enumerate(record.get("people") or [])
        ],
    }


def _indicator_row(key: dict[str, str], index: int, item: dict[str, Any], run_id: str) -> dict[str, Any]:
    return {
        **key,
        "indicator_index": index,
        "value": _float(item.get("value")),
        "kind": item.get("kind"),
        "unit": item.get("unit"),
        "numerator": _float(item.get("numerator")),
        "denominator": _float(item.get("denominator")),
        "low": _float(item.get("low")),
        "high": _float(item.get("high")),
        "qualifier": item.get("qualifier"),
        "is_target": None if item.get("is_target") is None else bool(item["is_target"]),
        "level": item.get("level"),
        "parent_index": _int(item.get("parent")),
        "subject": item.get("subject"),
        "sentence": item.get("sentence"),
        "paragraph_index": _int(item.get("paragraph")),
        "start_offset": _int(item.get("start")),
        "end_offset": _int(item.get("end")),
        "run_id": run_id,
    }


def _replace_fetches(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    con.register("_incoming", _arrow(con, FETCH_LOG, rows))
    con.execute(f"delete from {FETCH_LOG} where (run_id, url) in (select run_id, url from _incoming)")
    con.execute(f"insert into {FETCH_LOG} by name select * from _incoming")
    con.unregister("_incoming")


def _replace_articles(con: duckdb.DuckDBPyConnection, staged: dict[str, list[dict[str, Any]]]) -> None:
    """Replace every staged article version, with all its child rows, by the rows given."""
    con.register("_versions", _arrow(con, "staging.stg_articles", staged["staging.stg_articles"]))
    for table in ARTICLE_TABLES:
        con.register("_incoming", _arrow(con, table, staged[table]))
        con.execute(
            f"delete from {table} where (article_id, content_hash) in (select article_id, content_hash from _versions)"
        )
        con.execute(f"insert into {table} by name select * from _incoming")
        con.unregister("_incoming")
    con.unregister("_versions")


def _arrow(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as an Arrow table typed exactly like the warehouse table."""
    schema = con.sql(f"select * from {table} limit 0").arrow().schema
    return pa.Table.from_pylist(rows, schema=schema)


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _required(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    if value in (None, ""):
        raise KeyError(name)
    return value


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{name}: not a list of strings")
    return value


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"not an integer: {value}")
    return int(value)


def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        try:
            return dt.datetime.fromisoformat(value).date()
        except (TypeError, ValueError):
            raise ValueError(f"{name}: not an ISO date: {value!r}") from None


def _timestamp(value: Any, name: str) -> dt.datetime | None:
    """An ISO timestamp as naive UTC (the warehouse stores every ``*_at`` in UTC)."""
    if value in (None, ""):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: not an ISO timestamp: {value!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment
