"""The rows data-quality checks found: held out of the mart (error checks) or flagged (warning checks).

``etl.validate`` decides what a failed check found; this module keeps it in ``dq.quarantine`` and
lists it for ``tinhuy quarantine``. Staging keeps every row, so holding one loses nothing: the
mart models (``mart.dim_article``, ``mart.fact_indicator``) leave held rows out, and load flagged
ones with ``is_flagged``. Validating an article version again replaces its findings.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

FINDINGS_SCHEMA = pa.schema(
    [
        ("check_name", pa.string()),
        ("suite_name", pa.string()),
        ("severity", pa.string()),
        ("table_name", pa.string()),
        ("article_id", pa.string()),
        ("content_hash", pa.string()),
        ("row_index", pa.int32()),
        ("sentence", pa.string()),
        ("detail", pa.string()),
    ]
)
ROW_KEY = ("check_name", "table_name", "article_id", "content_hash", "row_index")
# Characters of a sentence shown per row by `tinhuy quarantine`.
SENTENCE_CHARS = 300


def unique(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings without repeats: one per check and row (a row two failing groups share counts once)."""
    seen: dict[tuple, dict[str, Any]] = {}
    for finding in findings:
        seen.setdefault(tuple(finding.get(k) for k in ROW_KEY), finding)
    return list(seen.values())


def counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    """How many distinct rows the findings hold out of the mart, and how many they only flag."""
    def rows(severity: str) -> int:
        return len({(f["table_name"], f["article_id"], f["content_hash"], f["row_index"])
                    for f in findings if f["severity"] == severity})

    return {"held": rows("error"), "flagged": rows("warning")}


def replace(con: duckdb.DuckDBPyConnection, run_id: str, checked_at: dt.datetime, findings: list[dict]) -> None:
    """Replace the findings of the run, and of every article version it staged, by these (in the caller's transaction)."""
    con.execute(
        """
        delete from dq.quarantine
        where run_id = $run_id
            or exists (
                select 1 from staging.stg_articles as staged
                where staged.run_id = $run_id
                    and staged.article_id = quarantine.article_id
                    and staged.content_hash = quarantine.content_hash
            )
        """,
        {"run_id": run_id},
    )
    rows = unique(findings)
    if not rows:
        return
    table = pa.Table.from_pylist([{k: f.get(k) for k in FINDINGS_SCHEMA.names} for f in rows], schema=FINDINGS_SCHEMA)
    con.register("_findings", table)
    try:
        con.execute(
            """
            insert into dq.quarantine by name
            select
                $run_id as run_id,
                findings.check_name,
                findings.suite_name,
                findings.severity,
                findings.severity = 'error' as is_held,
                findings.table_name,
                findings.article_id,
                findings.content_hash,
                findings.row_index,
                articles.source_id,
                findings.sentence,
                findings.detail,
                $checked_at as quarantined_at
            from _findings as findings
            left join staging.stg_articles as articles
                on findings.article_id = articles.article_id
                and findings.content_hash = articles.content_hash
            """,
            {"run_id": run_id, "checked_at": checked_at},
        )
    finally:
        con.unregister("_findings")
    log.info("run %s: %d findings in dq.quarantine", run_id, len(rows))


def rows(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, include_flagged: bool = False
) -> list[dict[str, Any]]:
    """What dq.quarantine holds (and, with include_flagged, flags), by check, page and row."""
    found = con.execute(
        """
        select
            run_id, check_name, severity, is_held, table_name, article_id, row_index, source_id, sentence,
            detail, quarantined_at
        from dq.quarantine
        where ($run_id is null or run_id = $run_id) and (is_held or $include_flagged)
        order by not is_held, check_name, article_id, table_name, row_index nulls first
        """,
        {"run_id": run_id, "include_flagged": include_flagged},
    )
    columns = [column[0] for column in found.description]
    return [dict(zip(columns, row)) for row in found.fetchall()]


def format_rows(found: list[dict[str, Any]], warehouse: Path | str) -> str:
    """`tinhuy quarantine` output: per check, why it exists, then each row with its page, sentence and detail."""
    if not found:
        return f"nothing held in dq.quarantine of {warehouse}"
    held = sum(row["is_held"] for row in found)
    lines = [f"{held} rows held out of the mart, {len(found) - held} flagged, in dq.quarantine of {warehouse}"]
    current = None
    for row in found:
        if row["check_name"] != current:
            current = row["check_name"]
            group = [r for r in found if r["check_name"] == current]
            action = "held" if row["is_held"] else "flagged"
            lines.append("")
            lines.append(f"{current} ({row['severity']}, {len(group)} row{'s' if len(group) != 1 else ''} {action})")
        where = "whole article" if row["row_index"] is None else f"{_short_table(row['table_name'])} {row['row_index']}"
        lines.append(f"  {row['article_id']}  [{where}; {row['source_id'] or '?'}; run {row['run_id']}]")
        if row["sentence"]:
            lines.append(f"    “{_clip(row['sentence'])}”")
        if row["detail"]:
            lines.append(f"    {row['detail']}")
    return "\n".join(lines)


def _short_table(table_name: str) -> str:
    return {"staging.stg_indicators": "indicator", "staging.stg_documents": "document",
            "staging.stg_people": "person"}.get(table_name, table_name)


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= SENTENCE_CHARS else text[: SENTENCE_CHARS - 1] + "…"
