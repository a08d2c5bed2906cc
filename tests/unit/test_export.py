"""etl.export and `tinhuy export`: Parquet files for BI tools, with the comments; the data dictionary in docs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from etl import export, load, settings, stage, warehouse

import seed_run  # the gold-to-parsed converter, on pytest's pythonpath (tests/fixtures/parsed)

DOCS = settings.REPO_DIR / "docs" / "warehouse.md"
DICTIONARY_BLOCK = re.compile(r"<!-- dictionary:start -->\n(.*)<!-- dictionary:end -->", re.S)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "w.duckdb"
    with warehouse.writing(path) as con:
        stage.stage_run(seed_run.write_run(path.parent / "run"), "run-1", con)
        load.load_run("run-1", con)
    return path


def test_every_mart_table_and_view_becomes_a_parquet_file_with_its_comments(loaded, tmp_path):
    manifest = export.export_parquet(tmp_path / "out", loaded)

    with warehouse.read(loaded) as con:
        expected = {
            f"{schema}.{name}": count
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() where schema_name in ('mart', 'dq') "
                "union all select schema_name, view_name from duckdb_views() where schema_name in ('mart', 'dq')"
            ).fetchall()
            for (count,) in con.execute(f"select count(*) from {schema}.{name}").fetchall()
        }
    assert {table["table"]: table["rows"] for table in manifest["tables"]} == expected
    assert {"mart.fact_indicator", "mart.v_indicator", "dq.check_results"} <= set(expected)

    facts = pq.read_table(tmp_path / "out" / "mart.fact_indicator.parquet")
    assert facts.num_rows == expected["mart.fact_indicator"]
    assert facts.schema.metadata[b"comment"].startswith(b"Quantitative indicators")
    assert facts.schema.field("share_percent").metadata[b"comment"].decode().startswith("For a ratio, 100 ×")
    assert all(field.metadata and field.metadata.get(b"comment") for field in facts.schema)
    assert pq.read_table(tmp_path / "out" / "mart.dim_article.parquet").column("paragraphs").type.value_type == "string"

    written = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert written["schema_version"] == warehouse.migration_files()[-1][0]
    assert written["last_load"]["run_id"] == "run-1"
    assert "### `mart.fact_indicator` (table)" in (tmp_path / "out" / "dictionary.md").read_text(encoding="utf-8")
    assert not [path.name for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]


def test_the_command_exports_and_says_where(loaded, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "export", "--parquet", str(tmp_path / "bi"), "--warehouse", str(loaded)],
        cwd=settings.REPO_DIR, capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert re.fullmatch(rf"exported \d+ tables and views \(\d+ rows\) to {re.escape(str(tmp_path / 'bi'))}\n",
                        done.stdout)
    assert (tmp_path / "bi" / "mart.v_indicator.parquet").exists()


def test_exporting_a_missing_warehouse_is_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "export", "--parquet", str(tmp_path / "bi"),
         "--warehouse", str(tmp_path / "absent.duckdb")],
        cwd=settings.REPO_DIR, capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 1
    assert done.stderr == f"tinhuy export: {tmp_path / 'absent.duckdb'}: no warehouse yet (run a load first)\n"


def test_an_export_during_a_load_shows_the_committed_state(loaded, tmp_path):
    before = export.export_parquet(tmp_path / "before", loaded)

    with pytest.raises(RuntimeError, match="abandon"):
        with warehouse.writing(loaded) as con:
            con.execute("delete from mart.fact_indicator")
            during = export.export_parquet(tmp_path / "during", loaded)
            raise RuntimeError("abandon the write")

    assert [(t["table"], t["rows"]) for t in during["tables"]] == [(t["table"], t["rows"]) for t in before["tables"]]


def test_the_data_dictionary_in_the_docs_is_the_warehouse_s_own(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    generated = export.dictionary_markdown(con)
    block = DICTIONARY_BLOCK.search(DOCS.read_text(encoding="utf-8"))

    assert block, f"{DOCS} has no <!-- dictionary:start --> … <!-- dictionary:end --> block"
    assert block.group(1) == generated, (
        "docs/warehouse.md is out of date with the COMMENT ON statements of sql/; regenerate the block with\n"
        "  .venv/bin/python -c 'from etl import export; export.write_dictionary()'"
    )
