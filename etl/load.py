"""Build the mart (star schema) from the staging tables with the SQL models in sql/mart/models."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re

import duckdb
import pyarrow as pa

from etl import settings

log = logging.getLogger(__name__)

PROVINCES_CSV = settings.PACKAGE_DATA_DIR / "provinces_2025.csv"
PROVINCE_SEED_SCHEMA = pa.schema(
    [
        ("old_name", pa.string()),
        ("old_kind", pa.string()),
        ("new_name", pa.string()),
        ("new_kind", pa.string()),
        ("effective_date", pa.date32()),
    ]
)
# Models in dependency order, each with the column whose values it replaces in its mart table:
# the rows of every key the model outputs are replaced; None replaces the whole table (seeds).
MODELS = (
    ("dim_province", None),
    ("dim_date", None),
    ("dim_source", "source_key"),
    ("dim_article", "article_key"),
    ("dim_document", "document_key"),
    ("fact_indicator", "article_key"),
    ("fact_document_citation", "article_key"),
)


class LoadError(RuntimeError):
    """A mart model that cannot be applied; the message is one line naming the model file."""


def load_run(run_id: str, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild the mart rows of everything staged, in one transaction; return rows per mart table.

    Surrogate keys are md5 of natural keys, so loading again gives identical tables.
    """
    params = {
        "calendar_first_date": settings.CALENDAR_FIRST_DATE,
        "calendar_last_date": settings.CALENDAR_LAST_DATE,
    }
    con.register("seed_provinces", province_seed())
    con.execute("begin transaction")
    try:
        for model, scope in MODELS:
            _apply(con, model, scope, params)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("seed_provinces")
    counts = {
        f"mart.{model}": con.execute(f"select count(*) from mart.{model}").fetchall()[0][0] for model, _ in MODELS
    }
    log.info("loaded run %s into the mart: %s", run_id, counts)
    return counts


def province_seed() -> pa.Table:
    """The 2025 reorganisation table: one row per provincial unit before the change."""
    with PROVINCES_CSV.open(encoding="utf-8", newline="") as lines:
        rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    for row in rows:
        row["effective_date"] = dt.date.fromisoformat(row["effective_date"])
    return pa.Table.from_pylist(rows, schema=PROVINCE_SEED_SCHEMA)


def _apply(con: duckdb.DuckDBPyConnection, model: str, scope: str | None, params: dict[str, str]) -> None:
    """Replace the mart rows a model covers by what the model selects now."""
    path = settings.SQL_DIR / "mart" / "models" / f"{model}.sql"
    query = path.read_text(encoding="utf-8").strip().rstrip(";")
    used = {name: value for name, value in params.items() if re.search(rf"\${name}\b", query)}
    try:
        con.execute(f"create or replace temp table _model as {query}", used)
        if scope is None:
            con.execute(f"delete from mart.{model}")
        else:
            con.execute(f"delete from mart.{model} where {scope} in (select {scope} from _model)")
        con.execute(f"insert into mart.{model} by name select * from _model")
        con.execute("drop table _model")
    except duckdb.Error as exc:
        raise LoadError(f"{path}: {' '.join(str(exc).split())}") from exc
