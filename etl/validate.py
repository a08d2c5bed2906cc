"""Check a run's staged rows with the expectation suites and the SQL cross-checks; write the report.

Every check is an error or a warning (``meta.severity``). The rows a failed check finds go to
``dq.quarantine`` (etl.quarantine): held out of the mart for an error, loaded with a flag for a
warning. Checks that find no rows (a table's row count, a column's type) and source-level checks
(``sql/checks/sources/``) hold nothing; they show in the report, the alert and the DQ gate.
"""

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
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from etl import quarantine, settings

if TYPE_CHECKING:  # pandas is imported where rows are checked: a run with nothing new never needs it
    import pandas as pd

log = logging.getLogger(__name__)
# Great Expectations logs at INFO while it imports; quiet it before it is imported (inside a task).
logging.getLogger("great_expectations").setLevel(logging.WARNING)


SEVERITIES = ("error", "warning")
TABLE_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")
QUERY_NAME = re.compile(r"^(?:sources/)?[a-z_]+$")
# Columns an example row is described by, when the check names no column of its own.
URL_COLUMNS = ("article_id", "url")
SENTENCE_COLUMNS = ("sentence", "title")
# The suite of the source-level checks (sql/checks/sources/): their failures are mailed as "source broken".
SOURCE_SUITE = "sources"
ARTICLES = "staging.stg_articles"
INDICATORS = "staging.stg_indicators"
# The column that numbers a staged table's rows within an article version (none: the article itself).
ROW_INDEX_COLUMNS = {
    ARTICLES: None,
    INDICATORS: "indicator_index",
    "staging.stg_documents": "document_index",
    "staging.stg_people": "person_index",
}
# A cross-check row names the indicators it holds in this column (a list); without it, the article.
HELD_INDICATORS_COLUMN = "indicator_indexes"


class DataQualityError(RuntimeError):
    """Error-level checks failed in a run; the message is one line naming them and what was held."""


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

    @cached_property
    def kwargs_text(self) -> str:
        """The expectations' kwargs as one text, to look for the columns they name."""
        return json.dumps([expectation["kwargs"] for expectation in self.expectations], ensure_ascii=False)


def load_suites(directory: Path | None = None) -> list[Suite]:
    """Every suite in ``settings.EXPECTATIONS_DIR``, by file name, each checked for shape."""
    return [_suite(path) for path in sorted((directory or settings.EXPECTATIONS_DIR).glob("*.json"))]


def nothing_new(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """Why a run leaves the checks nothing to look at, in one line; None when it has something to validate.

    Nothing is new when the run staged no article version and fetched no page with a new body while
    the portals answered (every page it asked for was not modified or unchanged): the checks would
    only find an empty run. A run whose every request failed is still validated (``run_has_articles``
    warns that everything broke), and so is one that fetched pages but parsed none (the source checks).
    """
    articles = con.execute("select count(*) from staging.stg_articles where run_id = ?", [run_id]).fetchall()[0][0]
    fetched, answered, failed = con.execute(
        """
        select
            count(*) filter (where outcome = 'fetched'),
            count(*) filter (where outcome in ('not_modified', 'unchanged')),
            count(*) filter (where outcome = 'failed')
        from raw.fetch_log
        where run_id = ?
        """,
        [run_id],
    ).fetchall()[0]
    if articles or fetched or (failed and not answered):
        return None
    return (f"run {run_id} staged no article version and fetched no new page "
            f"({answered} pages not modified or unchanged, {failed} failed)")


def skip_run(run_id: str, reason: str, report_path: str | Path) -> dict[str, Any]:
    """Write and return the report of a run not validated because nothing was new: no check, nothing held."""
    report = {
        "run_id": run_id,
        "checked_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "passed": 0,
        "failed": 0,
        "checks": [],
        "sources": [],
        "data_docs": None,
        "quarantine": {"held": 0, "flagged": 0},
        "skipped": reason,
    }
    _write_report(report, report_path)
    log.info("validation skipped, nothing new: %s", reason)
    return report


def check_run(run_id: str, con: duckdb.DuckDBPyConnection, report_path: str | Path) -> dict[str, Any]:
    """``validate_run``, or ``skip_run`` when the run has nothing new (``nothing_new``)."""
    reason = nothing_new(con, run_id)
    if reason is not None:
        return skip_run(run_id, reason, report_path)
    return validate_run(run_id, con, report_path)


def validate_run(run_id: str, con: duckdb.DuckDBPyConnection, report_path: str | Path) -> dict[str, Any]:
    """Run every suite on the run's rows, store the results in dq.check_results, write and return the report."""
    checked_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    params = _expectation_params(con)
    with _string_row_conditions_allowed():
        context = _gx_context()
        checks, results, findings = [], [], []
        for suite in load_suites():
            entries, result, found = _validate(context, suite, _rows(con, suite, run_id), params)
            checks.extend(entries)
            if settings.BUILD_DATA_DOCS:  # GX's results hold the failing rows: keep them only for the docs
                results.append((suite, result))
            findings.extend(found)
            _release_frames()
        docs = _data_docs(context, run_id, checked_at, results) if settings.BUILD_DATA_DOCS else None
    report = {
        "run_id": run_id,
        "checked_at": checked_at.isoformat(),
        "passed": sum(check["success"] for check in checks),
        "failed": sum(not check["success"] for check in checks),
        "checks": checks,
        "sources": _sources(con, run_id),
        "data_docs": docs,
        "quarantine": quarantine.counts(findings),
    }
    _name_sources(con, run_id, checks)
    _store(con, run_id, checked_at, checks, findings)
    _write_report(report, report_path)
    log.info(
        "validated run %s: %d passed, %d failed; %d rows held, %d flagged",
        run_id, report["passed"], report["failed"], report["quarantine"]["held"], report["quarantine"]["flagged"],
    )
    return report


def _write_report(report: dict[str, Any], report_path: str | Path) -> None:
    report_path = Path(report_path)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def failed_errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The error-level checks of a report that did not pass."""
    return [c for c in report.get("checks") or [] if not c.get("success") and c.get("severity") == "error"]


def gate(report: dict[str, Any]) -> str:
    """Raise DataQualityError when an error-level check failed; else say what passed, in one line.

    Runs after the load: the clean rows are in the mart and the failing ones held, so the failure
    only makes the run's data-quality state visible (a red task in Airflow).
    """
    if report.get("skipped"):
        return f"run {report.get('run_id')}: nothing new to check ({report['skipped']})"
    errors = failed_errors(report)
    held = (report.get("quarantine") or {}).get("held", 0)
    flagged = (report.get("quarantine") or {}).get("flagged", 0)
    if errors:
        names = ", ".join(f"{c.get('name')} ({c.get('unexpected_count') or 0})" for c in errors)
        raise DataQualityError(
            f"run {report.get('run_id')}: {len(errors)} error check{'s' if len(errors) != 1 else ''} failed: "
            f"{names}; {held} rows held out of the mart (`tinhuy quarantine`), {flagged} flagged; "
            "the clean rows are loaded"
        )
    warnings_failed = int(report.get("failed") or 0)
    return f"run {report.get('run_id')}: no error check failed ({warnings_failed} warnings, {flagged} rows flagged)"


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
    if query is not None and not (QUERY_NAME.match(query) and (settings.SQL_DIR / "checks" / f"{query}.sql").exists()):
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
        columns = [f'staged."{column}"' for column in _checked_columns(con, suite)]
        columns += [f"{sql} as {name}" for name, sql in ARCHIVE_COLUMNS.get(suite.table, {}).items()
                    if _names(suite, name)]
        frame = con.execute(f"select {', '.join(columns)} from {suite.table} as staged where run_id = ?", [run_id]).df()
        for column, (_, derive) in DERIVED_COLUMNS.get(suite.table, {}).items():
            frame[column] = derive(frame)
    else:
        sql = (settings.SQL_DIR / "checks" / f"{suite.query}.sql").read_text(encoding="utf-8")
        frame = con.execute(sql, _query_params(sql, run_id)).df()
    # GX compares dates only in nanosecond columns.
    for column in frame.select_dtypes(include=["datetime64"]).columns:
        frame[column] = frame[column].astype("datetime64[ns]")
    return frame


def _checked_columns(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[str]:
    """The columns of a suite's table that it names (row conditions too), derives from or shows a failing row by.

    The others stay in the warehouse: article bodies would be most of the memory validation takes.
    """
    schema, table = suite.table.split(".")
    columns = [column for (column,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()]
    if not columns:
        raise SuiteError(f"{suite.path}: no table {suite.table} in the warehouse")
    shown = {"article_id", "content_hash", "source_id", "detail", *URL_COLUMNS, *SENTENCE_COLUMNS,
             ROW_INDEX_COLUMNS.get(suite.table)}
    derived_from = {source for source, _ in DERIVED_COLUMNS.get(suite.table, {}).values()}
    return [column for column in columns if column in shown or column in derived_from or _names(suite, column)]


def _names(suite: Suite, column: str) -> bool:
    """Whether any expectation of the suite names the column (in its kwargs, row conditions included)."""
    return re.search(rf"\b{re.escape(column)}\b", suite.kwargs_text) is not None


def _release_frames() -> None:
    """Give back the memory of the suite's rows: pandas keeps text in Arrow, whose allocator holds on to freed memory."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _query_params(sql: str, run_id: str) -> dict[str, Any]:
    """The named parameters a cross-check query uses, from the run and settings."""
    params = {
        "run_id": run_id,
        "percent_tolerance_pp": settings.PERCENT_TOLERANCE_PP,
        "percent_after_ratio_max_gap": settings.PERCENT_AFTER_RATIO_MAX_GAP,
        "parts_sum_tolerance": settings.PARTS_SUM_TOLERANCE,
    }
    return {name: value for name, value in params.items() if re.search(rf"\${name}\b", sql)}


def _province_unit(frame: pd.DataFrame) -> pd.Series:
    """The unit etl.provinces matches each written province to, else the name as written (null stays null)."""
    from etl import provinces

    return frame["province"].map(lambda name: (provinces.match(name) or name) if isinstance(name, str) else None)


def _known_units() -> frozenset[str]:
    from etl import provinces

    path = settings.SQL_DIR / "mart" / "seeds" / "units.csv"
    return frozenset(row["unit"].strip().lower() for row in provinces.read_csv(path)) | {"%"}


def _is_unit_known(frame: pd.DataFrame) -> pd.Series:
    """Whether every part of each unit (tấn/ha: tấn, ha) is a unit of sql/mart/seeds/units.csv; null for no unit."""
    known = _known_units()

    def check(unit: Any) -> bool | None:
        if not isinstance(unit, str) or not unit.strip():
            return None
        return all(part.strip() in known for part in unit.lower().split("/"))

    return frame["unit"].map(check).astype("object")


# Columns a suite may check that the raw archive knows, not the staged row: the run that first fetched
# a version (a reparse restages every version in one run of its own; the fetching runs stay apart).
ARCHIVE_COLUMNS = {
    ARTICLES: {
        "fetch_run_id": "coalesce((select pages.first_run_id from raw.pages as pages where pages.content_hash = "
                        "staged.content_hash and pages.url = staged.article_id), staged.run_id)",
    },
}
# Columns added to a staged table's rows before its suite runs, for checks GX cannot express on
# the stored columns alone; the suites' notes say what each holds. Each is (the stored column it
# is derived from, how).
DERIVED_COLUMNS = {
    ARTICLES: {"province_unit": ("province", _province_unit)},
    INDICATORS: {"is_unit_known": ("unit", _is_unit_known)},
}


def _expectation_params(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Values suites refer to as {"$PARAMETER": name}: thresholds in settings, the clock, the warehouse's dimensions."""
    latest = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=settings.FUTURE_DATE_SLACK_DAYS)
    provinces = con.execute(
        "select distinct province_name from mart.dim_province "
        "where province_key <> meta.unknown_key() and province_name is not null order by 1"
    ).fetchall()
    return {
        "earliest_published_at": f"{settings.EARLIEST_PUBLISHED_DATE}T00:00:00",
        "latest_published_at": f"{latest.isoformat()}T23:59:59",
        "dim_province_names": [name for (name,) in provinces],
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


def _validate(
    context, suite: Suite, frame: pd.DataFrame, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], Any, list[dict[str, Any]]]:
    """The report entries of one suite over one DataFrame, in the suite's order; GX's result; the rows found."""
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
    results = batch.validate(gx_suite, result_format="COMPLETE", expectation_parameters=params)
    by_name = {result.expectation_config.meta["name"]: result for result in results.results}
    entries = [_entry(suite, each, by_name[_check_name(each)], frame) for each in suite.expectations]
    findings = [
        finding
        for each in suite.expectations
        for finding in _findings(suite, each, by_name[_check_name(each)], frame)
    ]
    return entries, results, findings


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


def _findings(suite: Suite, expectation: dict[str, Any], result, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The staged rows a failed check found, for dq.quarantine: held for an error, flagged for a warning.

    A table check finds its own rows. A cross-check row names the indicators it holds in
    ``indicator_indexes`` (its notes say which), else in ``indicator_index``; without either it is
    about its whole article version. Rows without an article (source-level checks) and checks that
    find no rows (a row count, a column's type) hold nothing. A check that passed holds nothing
    either, even when ``mostly`` let some rows through.
    """
    if result.success or _exception_message(result):
        return []
    if not {"article_id", "content_hash"} <= set(frame.columns):
        return []
    name, severity = _check_name(expectation), expectation["meta"]["severity"]
    found = []
    for index in (result.result or {}).get("unexpected_index_list") or []:
        row = frame.loc[index]
        if not isinstance(row["article_id"], str) or not isinstance(row["content_hash"], str):
            continue
        base = {
            "check_name": name,
            "suite_name": suite.name,
            "severity": severity,
            "article_id": row["article_id"],
            "content_hash": row["content_hash"],
            "sentence": _first_present(row, SENTENCE_COLUMNS),
            "detail": _detail(expectation, row, frame),
        }
        for table, row_index in _held_rows(suite, row):
            found.append({**base, "table_name": table, "row_index": row_index})
    return found


def _held_rows(suite: Suite, row: pd.Series) -> list[tuple[str, int | None]]:
    """(staged table, row index) of each row a failing row stands for."""
    if suite.table is not None:
        column = ROW_INDEX_COLUMNS.get(suite.table)
        return [(suite.table, _int_or_none(row[column]) if column else None)]
    if HELD_INDICATORS_COLUMN in row.index:
        held = row[HELD_INDICATORS_COLUMN]
        indexes = [] if held is None else [_int_or_none(i) for i in list(held)]
        return [(INDICATORS, i) for i in indexes if i is not None]
    if "indicator_index" in row.index:
        return [(INDICATORS, _int_or_none(row["indicator_index"]))]
    return [(ARTICLES, None)]


def _int_or_none(value: Any) -> int | None:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return int(value)


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
        example = {
            "url": _first_present(row, URL_COLUMNS),
            "sentence": _first_present(row, SENTENCE_COLUMNS),
            "detail": _detail(expectation, row, frame),
        }
        if isinstance(row.get("source_id"), str):
            example["source"] = row["source_id"]
        examples.append(example)
    return examples


def _detail(expectation: dict[str, Any], row: pd.Series, frame: pd.DataFrame) -> str:
    """What is wrong with a row: the query's own ``detail`` column, else the checked columns' values."""
    if "detail" in frame.columns and isinstance(row["detail"], str):
        return row["detail"]
    return ", ".join(f"{column}={_text(row[column])}" for column in _columns(expectation["kwargs"]))


def _first_present(row: pd.Series, columns: tuple[str, ...]) -> str | None:
    for column in columns:
        if column in row.index and isinstance(row[column], str):
            return row[column]
    return None


def _text(value: Any) -> str:
    """A value as a person reads it: 281 not 281.0, null for missing."""
    import pandas as pd

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


def _name_sources(con: duckdb.DuckDBPyConnection, run_id: str, checks: list[dict[str, Any]]) -> None:
    """Give each example of an article of the run its source id, so alerts can name the sources at fault."""
    by_url = dict(con.execute(
        "select article_id, any_value(source_id) from staging.stg_articles where run_id = ? group by article_id",
        [run_id],
    ).fetchall())
    for check in checks:
        for example in check["examples"]:
            if not example.get("source") and by_url.get(example.get("url")):
                example["source"] = by_url[example["url"]]


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


def _store(
    con: duckdb.DuckDBPyConnection, run_id: str, checked_at: dt.datetime, checks: list[dict], findings: list[dict]
) -> None:
    """Replace the run's rows of dq.check_results by these checks, and its findings in dq.quarantine, at once."""
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
        quarantine.replace(con, run_id, checked_at.replace(tzinfo=None), findings)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())
