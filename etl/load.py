"""Build the mart (star schema) from the staging tables with the SQL models in sql/mart/models."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

import duckdb

from etl import provinces, settings

log = logging.getLogger(__name__)

PROVINCES_CSV = provinces.SEED_CSV
COLUMN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Models in dependency order, each with the surrogate key of its mart table (md5 of the natural key,
# or yyyymmdd for dates): each model selects the whole table from the whole of staging, so a load
# replaces every table whole and checks that the key is unique (the tables have no index to do it).
MODELS = (
    ("dim_province", "province_key"),
    ("dim_date", "date_key"),
    ("dim_level", "level_key"),
    ("dim_unit", "unit_key"),
    ("dim_source", "source_key"),
    ("dim_document", "document_key"),
    ("dim_article", "article_key"),
    ("fact_indicator", "indicator_key"),
    ("fact_document_citation", "citation_key"),
    ("fact_article", "article_key"),
)


class LoadError(RuntimeError):
    """A mart model or seed that cannot be applied; the message is one line naming the file."""


def load_run(run_id: str, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild the mart from everything staged, in one transaction; log the load; return rows per mart table.

    Surrogate keys are md5 of natural keys, so loading again gives identical tables.
    """
    from etl import warehouse

    con.execute("begin transaction")
    try:
        build_mart(con)
        counts = {
            f"mart.{model}": con.execute(f"select count(*) from mart.{model}").fetchall()[0][0]
            for model, _ in MODELS
        }
        con.execute(
            "insert or replace into meta.load_log (run_id, loaded_at, schema_version, row_counts) values (?, ?, ?, ?)",
            [run_id, _utc_now(), warehouse.schema_version(con), json.dumps(counts, sort_keys=True)],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    log.info("loaded run %s into the mart: %s", run_id, counts)
    return counts


def build_mart(con: duckdb.DuckDBPyConnection) -> None:
    """Apply every model in order, inside the caller's transaction: the mart then reflects all of staging.

    The models read staging, dq.quarantine, the mart tables built before them, and temporary tables
    made here: the seeds (``seed_provinces`` from etl/data/provinces_2025.csv, ``seed_<name>`` from
    sql/mart/seeds) and ``province_names`` (each staged province name and the unit it matches).
    """
    inputs = {"seed_provinces": seed_rows(PROVINCES_CSV)}
    inputs.update({f"seed_{path.stem}": seed_rows(path) for path in seed_files()})
    inputs["province_names"] = province_names(con)
    try:
        for name, rows in inputs.items():
            _temp_table(con, name, rows)
        for model, key in MODELS:
            _apply(con, model, key)
    finally:
        for name in inputs:
            with contextlib.suppress(duckdb.Error):  # an aborted transaction refuses; its rollback drops them
                con.execute(f"drop table if exists temp.{name}")


def seed_files() -> list[Path]:
    """The seed tables of the mart (units, levels, issuers …), CSV files in sql/mart/seeds."""
    return sorted((settings.SQL_DIR / "mart" / "seeds").glob("*.csv"))


def seed_rows(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    """A seed CSV's columns and rows, all text (models cast what they need); lines starting with # are comments."""
    with path.open(encoding="utf-8", newline="") as lines:
        records = list(csv.reader(line for line in lines if not line.startswith("#")))
    if len(records) < 2:
        raise LoadError(f"{path}: no rows")
    columns, rows = records[0], records[1:]
    if not all(COLUMN_NAME.match(column) for column in columns):
        raise LoadError(f"{path}: column names must be lower_case_words, got {columns}")
    for line_no, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            raise LoadError(f"{path}: row {line_no} has {len(row)} fields, the header {len(columns)}")
    return columns, [tuple(row) for row in rows]


def province_names(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple[str, str]]]:
    """Every province name staged articles carry, with the unit name it matches (etl.provinces)."""
    written = [name for (name,) in con.execute(
        "select distinct province from staging.stg_articles where province is not null order by 1"
    ).fetchall()]
    rows = []
    for name in written:
        matched = provinces.match(name)
        if matched is None:
            log.warning("province %r matches no unit of %s; its articles get the unknown province", name,
                        PROVINCES_CSV.name)
            continue
        rows.append((name, matched))
    return ["province_as_written", "province_name"], rows


def _params(path: Path, query: str, given: dict[str, Any]) -> dict[str, Any]:
    """The named parameters a query uses: given ones, else the setting of that name in capitals."""
    params = {}
    for name in sorted(set(re.findall(r"\$([a-z_][a-z0-9_]*)", query))):
        if name in given:
            params[name] = given[name]
        elif hasattr(settings, name.upper()):
            params[name] = getattr(settings, name.upper())
        else:
            raise LoadError(f"{path}: ${name} is neither given nor a setting {name.upper()}")
    return params


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, table: tuple[list[str], list[tuple]]) -> None:
    """A temporary table of text columns holding the rows (inputs are small: seeds, names, findings)."""
    columns, rows = table
    con.execute(f"create or replace temp table {name} ({', '.join(f'{column} varchar' for column in columns)})")
    if rows:
        con.executemany(f"insert into temp.{name} values ({', '.join('?' for _ in columns)})", rows)


def _apply(con: duckdb.DuckDBPyConnection, model: str, key: str) -> None:
    """Replace a mart table by what its model selects now; its key must come out unique.

    Deleting every row and inserting the model's output costs a fraction of an upsert on the key,
    which has to find each old row through an index that every insert must also update.
    """
    path = settings.SQL_DIR / "mart" / "models" / f"{model}.sql"
    query = path.read_text(encoding="utf-8").strip().rstrip(";")
    try:
        con.execute(f"delete from mart.{model}")
        con.execute(f"insert into mart.{model} by name {query}", _params(path, query, {}))
        repeated = con.execute(
            f"select {key}, count(*) from mart.{model} group by {key} having count(*) > 1 limit 1"
        ).fetchall()
    except duckdb.Error as exc:
        raise LoadError(f"{path}: {_one_line(exc)}") from exc
    if repeated:
        value, count = repeated[0]
        raise LoadError(f"{path}: {count} rows share the {key} {value}; each must be one row of mart.{model}")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
