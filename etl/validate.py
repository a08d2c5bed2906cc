"""Check a run's staged rows with the expectation suites and the SQL cross-checks; write the report."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from etl import settings

log = logging.getLogger(__name__)
# Great Expectations logs at INFO while it imports; quiet it before it is imported (inside a task).
logging.getLogger("great_expectations").setLevel(logging.WARNING)


SEVERITIES = ("error", "warning")
TABLE_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")
# Columns an example row is described by, when the check names no column of its own.
URL_COLUMNS = ("article_id", "url")
SENTENCE_COLUMNS = ("sentence", "title")


class SuiteError(ValueError):
    """An expectation suite file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class Suite:
    """One expectations/*.json file: checks over a staged table, or over a cross-check query."""

    name: str
    path: Path
    table: str | None
    query: str | None
    expectations: tuple[dict[str, Any], ...]

    @property
    def source(self) -> str:
        return self.table or f"sql/checks/{self.query}.sql"


def load_suites(directory: Path | None = None) -> list[Suite]:
    """Every suite in ``settings.EXPECTATIONS_DIR``, by file name, each checked for shape."""
    return [_suite(path) for path in sorted((directory or settings.EXPECTATIONS_DIR).glob("*.json"))]


def validate_run(run_id: str, con: duckdb.DuckDBPyConnection, report_path: str | Path) -> dict[str, Any]:
    """Run every suite on the run's rows, store the results in dq.check_results, write and return the report."""
    checked_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with _string_row_conditions_allowed():
        context = _gx_context()
        checks, results = [], []
        for suite in load_suites():
            entries, result = _validate(context, suite, _rows(con, suite, run_id))
            checks.extend(entries)
            results.append((suite, result))
        docs = _data_docs(context, run_id, checked_at, results) if settings.BUILD_DATA_DOCS else None
    report = {
        "run_id": run_id,
        "checked_at": checked_at.isoformat(),
        "passed": sum(check["success"] for check in checks),
        "failed": sum(not check["success"] for check in checks),
        "checks": checks,
        "sources": _sources(con, run_id),
        "data_docs": docs,
    }
    _store(con, run_id, checked_at, checks)
    report_path = Path(report_path)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log.info("validated run %s: %d passed, %d failed", run_id, report["passed"], report["failed"])
    return report


@contextlib.contextmanager
def _string_row_conditions_allowed() -> Iterator[None]:
    """Silence GX's deprecation of string row conditions (we pin GX < 2).

    Condition objects cannot say "the sentence has no growth word", which the percent share check needs.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(row_condition|condition_parser)", category=DeprecationWarning)
        yield


def _suite(path: Path) -> Suite:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    table, query = data.get("table"), data.get("query")
    if not data.get("name") or (table is None) == (query is None):
        raise SuiteError(f"{path}: needs a name and exactly one of table or query")
    if table is not None and not TABLE_NAME.match(table):
        raise SuiteError(f"{path}: table must be schema.table, got {table!r}")
    if query is not None and not (settings.SQL_DIR / "checks" / f"{query}.sql").exists():
        raise SuiteError(f"{path}: no sql/checks/{query}.sql")
    names = set()
    for index, expectation in enumerate(data.get("expectations") or []):
        meta = expectation.get("meta") or {}
        where = f"{path}: expectations[{index}]"
        is_expectation = str(expectation.get("type", "")).startswith("expect_")
        if not is_expectation or not isinstance(expectation.get("kwargs"), dict):
            raise SuiteError(f"{where}: needs a type expect_* and kwargs")
        if meta.get("severity") not in SEVERITIES or not meta.get("notes"):
            raise SuiteError(f"{where}: meta needs notes and a severity of {' or '.join(SEVERITIES)}")
        name = _check_name(expectation)
        if name in names:
            raise SuiteError(f"{where}: two checks named {name}; set meta.name")
        names.add(name)
    return Suite(data["name"], path, table, query, tuple(data.get("expectations") or ()))


def _check_name(expectation: dict[str, Any]) -> str:
    """meta.name, else the expectation type and its columns."""
    meta = expectation.get("meta") or {}
    if meta.get("name"):
        return meta["name"]
    columns = ",".join(_columns(expectation["kwargs"]))
    return f"{expectation['type'].removeprefix('expect_')}({columns})"


def _columns(kwargs: dict[str, Any]) -> list[str]:
    found = [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]
    return found + list(kwargs.get("column_list") or [])


def _rows(con: duckdb.DuckDBPyConnection, suite: Suite, run_id: str) -> pd.DataFrame:
    """The rows a suite checks: the run's rows of its table, or what its cross-check query finds."""
    if suite.table is not None:
        schema, table = suite.table.split(".")
        known = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
        ).fetchall()[0][0]
        if not known:
            raise SuiteError(f"{suite.path}: no table {suite.table} in the warehouse")
        frame = con.execute(f"select * from {suite.table} where run_id = ?", [run_id]).df()
    else:
        sql = (settings.SQL_DIR / "checks" / f"{suite.query}.sql").read_text(encoding="utf-8")
        frame = con.execute(sql, _query_params(sql, run_id)).df()
    # GX compares dates only in nanosecond columns.
    for column in frame.select_dtypes(include=["datetime64"]).columns:
        frame[column] = frame[column].astype("datetime64[ns]")
    return frame


def _query_params(sql: str, run_id: str) -> dict[str, Any]:
    """The named parameters a cross-check query uses, from the run and settings."""
    params = {
        "run_id": run_id,
        "percent_tolerance_pp": settings.PERCENT_TOLERANCE_PP,
        "percent_after_ratio_max_gap": settings.PERCENT_AFTER_RATIO_MAX_GAP,
        "parts_sum_tolerance": settings.PARTS_SUM_TOLERANCE,
    }
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}


def _expectation_params() -> dict[str, str]:
    """Values suites refer to as {"$PARAMETER": name}: thresholds that live in settings or move with time."""
    latest = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=settings.FUTURE_DATE_SLACK_DAYS)
    return {
        "earliest_published_at": f"{settings.EARLIEST_PUBLISHED_DATE}T00:00:00",
        "latest_published_at": f"{latest.isoformat()}T23:59:59",
    }


def _gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _quiet_gx_loggers()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _quiet_gx_loggers() -> None:
    """Great Expectations sets some of its loggers to INFO on import; keep them all to warnings."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations."):
            logging.getLogger(name).setLevel(logging.WARNING)


def _validate(context, suite: Suite, frame: pd.DataFrame) -> tuple[list[dict[str, Any]], Any]:
    """The report entries of one suite over one DataFrame, in the suite's order, and GX's result."""
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx_suite = ExpectationSuite(name=suite.name)
    for expectation in suite.expectations:
        config = ExpectationConfiguration(
            type=expectation["type"],
            kwargs=expectation["kwargs"],
            meta={**expectation["meta"], "name": _check_name(expectation)},
            description=expectation.get("description"),
        )
        try:
            gx_suite.add_expectation_configuration(config)
        except Exception as exc:  # GX raises many kinds for a bad configuration
            raise SuiteError(f"{suite.path}: {_check_name(expectation)}: {_one_line(exc)}") from exc
    asset_name = f"{suite.path.stem}_{len(context.data_sources.all())}"
    source = context.data_sources.add_pandas(asset_name)
    batch = source.add_dataframe_asset(asset_name).add_batch_definition_whole_dataframe("run").get_batch(
        batch_parameters={"dataframe": frame}
    )
    results = batch.validate(gx_suite, result_format="COMPLETE", expectation_parameters=_expectation_params())
    by_name = {result.expectation_config.meta["name"]: result for result in results.results}
    entries = [_entry(suite, each, by_name[_check_name(each)], frame) for each in suite.expectations]
    return entries, results


def _entry(suite: Suite, expectation: dict[str, Any], result, frame: pd.DataFrame) -> dict[str, Any]:
    details = result.result or {}
    error = _exception_message(result)
    if error:
        log.error("%s: %s could not run: %s", suite.source, _check_name(expectation), _one_line(error))
    return {
        "name": _check_name(expectation),
        "suite": suite.name,
        "severity": expectation["meta"]["severity"],
        "success": bool(result.success),
        "unexpected_count": int(details.get("unexpected_count") or 0),
        "notes": expectation["meta"]["notes"],
        "description": expectation.get("description") or _check_name(expectation),
        "examples": [] if result.success else _examples(expectation, details, frame, error),
    }


def _exception_message(result) -> str | None:
    """GX's message when a check could not run; its exception info is flat or keyed by metric."""
    info = result.exception_info or {}
    candidates = [info, *(value for value in info.values() if isinstance(value, dict))]
    return next((each.get("exception_message") for each in candidates if each.get("raised_exception")), None)


def _examples(expectation: dict[str, Any], details: dict[str, Any], frame: pd.DataFrame, error: str | None) -> list:
    """Up to ALERT_EXAMPLES failing rows as {url, sentence, detail}."""
    if error:
        return [{"url": None, "sentence": None, "detail": f"check could not run: {_one_line(error)}"}]
    indexes = details.get("unexpected_index_list") or []
    if not indexes:
        return [{"url": None, "sentence": None, "detail": f"observed {_text(details.get('observed_value'))}"}]
    examples = []
    for index in indexes[: settings.ALERT_EXAMPLES]:
        row = frame.loc[index]
        if "detail" in frame.columns:
            detail = row["detail"]
        else:
            detail = ", ".join(f"{column}={_text(row[column])}" for column in _columns(expectation["kwargs"]))
        examples.append(
            {
                "url": _first_present(row, URL_COLUMNS),
                "sentence": _first_present(row, SENTENCE_COLUMNS),
                "detail": detail,
            }
        )
    return examples


def _first_present(row: pd.Series, columns: tuple[str, ...]) -> str | None:
    for column in columns:
        if column in row.index and isinstance(row[column], str):
            return row[column]
    return None


def _text(value: Any) -> str:
    """A value as a person reads it: 281 not 281.0, null for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


def _data_docs(context, run_id: str, checked_at: dt.datetime, results: list) -> str | None:
    """Build GX data docs of the run under GX_DOCS_DIR/<run_id>/; a failure only costs the docs."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    site = settings.GX_DOCS_DIR / run_id
    try:
        shutil.rmtree(site, ignore_errors=True)
        context.add_data_docs_site(
            "tinhuy",
            {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        run = RunIdentifier(run_name=run_id, run_time=checked_at)
        for suite, result in results:
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=suite.name), run, suite.path.stem)
            context.validation_results_store.set(key, result)
        context.build_data_docs(site_names=["tinhuy"])
    except Exception as exc:  # the docs are a convenience; the report and dq rows are what count
        log.warning("data docs for run %s not built: %s", run_id, _one_line(exc))
        return None
    return str(site / "index.html")


def _sources(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    rows = con.execute(
        """
        select source_id from staging.stg_articles where run_id = $run_id
        union
        select source_id from raw.fetch_log where run_id = $run_id
        order by source_id
        """,
        {"run_id": run_id},
    ).fetchall()
    return [source_id for (source_id,) in rows if source_id]


def _store(con: duckdb.DuckDBPyConnection, run_id: str, checked_at: dt.datetime, checks: list[dict]) -> None:
    """Replace the run's rows of dq.check_results by these checks."""
    rows = [
        (
            run_id,
            check["name"],
            check["suite"],
            check["severity"],
            check["success"],
            check["unexpected_count"],
            checked_at.replace(tzinfo=None),
            check["notes"],
            check["description"],
            json.dumps(check["examples"], ensure_ascii=False),
        )
        for check in checks
    ]
    con.execute("begin transaction")
    try:
        con.execute("delete from dq.check_results where run_id = ?", [run_id])
        if rows:
            con.executemany(
                "insert into dq.check_results (run_id, check_name, suite_name, severity, is_success, "
                "unexpected_count, checked_at, notes, description, examples) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())
