"""Export the warehouse for BI tools: one Parquet file per mart table and view, with the comments as metadata."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import duckdb

from etl import settings, warehouse

log = logging.getLogger(__name__)

# Schemas exported: the star schema and its views, and the data-quality results.
EXPORT_SCHEMAS = ("mart", "dq")
# Schemas described in the data dictionary (docs/warehouse.md).
DICTIONARY_SCHEMAS = ("mart", "dq", "staging", "raw", "meta")
MANIFEST = "manifest.json"
DICTIONARY = "dictionary.md"
# Where the data dictionary stands in docs/warehouse.md.
DICTIONARY_START = "<!-- dictionary:start -->"
DICTIONARY_END = "<!-- dictionary:end -->"


def export_parquet(directory: str | Path, warehouse_path: str | Path | None = None) -> dict[str, Any]:
    """Write ``<schema>.<table>.parquet`` for every table and view, a manifest and the data dictionary.

    Everything comes from one read-only connection, so the files show one committed state even
    while a load runs; each file is written aside and moved into place, so a BI tool never reads
    half a file. Returns the manifest.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    con = warehouse.read(warehouse_path)
    try:
        objects = _objects(con, EXPORT_SCHEMAS)
        tables = []
        for schema, name, kind, comment in objects:
            rows = _write_parquet(con, schema, name, comment, directory / f"{schema}.{name}.parquet")
            tables.append({"table": f"{schema}.{name}", "kind": kind, "rows": rows, "comment": comment,
                           "file": f"{schema}.{name}.parquet"})
        manifest = {
            "exported_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "warehouse": str(Path(warehouse_path or settings.WAREHOUSE)),
            "schema_version": warehouse.schema_version(con),
            "last_load": _last_load(con),
            "tables": tables,
        }
        _replace_text(directory / DICTIONARY, dictionary_markdown(con, EXPORT_SCHEMAS))
    finally:
        con.close()
    _replace_text(directory / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    log.info("exported %d tables and views to %s", len(tables), directory)
    return manifest


def dictionary_markdown(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = DICTIONARY_SCHEMAS) -> str:
    """The data dictionary: every table and view of the schemas with its comment, and its columns."""
    parts = []
    for schema, name, kind, comment in _objects(con, schemas):
        columns = con.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()
        lines = [f"### `{schema}.{name}` ({kind})", "", _cell(comment), "", "| column | type | meaning |",
                 "|---|---|---|"]
        lines += [f"| `{column}` | {data_type} | {_cell(text)} |" for column, data_type, text in columns]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def write_dictionary(docs_path: Path | None = None) -> Path:
    """Rewrite the data dictionary block of docs/warehouse.md from the comments of a freshly migrated warehouse."""
    docs_path = docs_path or settings.REPO_DIR / "docs" / "warehouse.md"
    text = docs_path.read_text(encoding="utf-8")
    start, end = text.index(DICTIONARY_START) + len(DICTIONARY_START), text.index(DICTIONARY_END)
    con = duckdb.connect(":memory:")
    try:
        warehouse.migrate(con)
        block = dictionary_markdown(con)
    finally:
        con.close()
    _replace_text(docs_path, text[:start] + "\n" + block + text[end:])
    return docs_path


def _objects(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    """(schema, name, table or view, comment) of the schemas, tables first, each by name."""
    rank = {schema: index for index, schema in enumerate(schemas)}
    found = con.execute(
        "select schema_name, table_name, 'table', comment from duckdb_tables() "
        "where schema_name in ? and not temporary "
        "union all select schema_name, view_name, 'view', comment from duckdb_views() "
        "where schema_name in ? and not temporary and not internal",
        [list(schemas), list(schemas)],
    ).fetchall()
    return sorted(found, key=lambda row: (rank[row[0]], row[2], row[1]))


def _write_parquet(con: duckdb.DuckDBPyConnection, schema: str, name: str, comment: str | None, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = con.sql(f'select * from "{schema}"."{name}"').to_arrow_table()
    comments = dict(con.execute(
        "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ?", [schema, name]
    ).fetchall())
    fields = [
        field.with_metadata({"comment": comments[field.name]}) if comments.get(field.name) else field
        for field in table.schema
    ]
    metadata = {"comment": comment or "", "table": f"{schema}.{name}"}
    table = pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=metadata))
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return table.num_rows


def _last_load(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    rows = con.execute("select run_id, loaded_at from meta.load_log order by loaded_at desc, run_id limit 1").fetchall()
    if not rows:
        return None
    run_id, loaded_at = rows[0]
    return {"run_id": run_id, "loaded_at": loaded_at.isoformat()}


def _replace_text(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def _cell(text: str | None) -> str:
    """Text as one Markdown table cell."""
    return " ".join((text or "").split()).replace("|", "\\|")
