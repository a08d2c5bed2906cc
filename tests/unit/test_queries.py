"""sql/queries: every worked analyst question runs on the demo warehouse and returns rows.

The demo warehouse is what `make demo` builds, from the gold files instead of the network: the
demo portal's articles staged, validated (so data quality holds some figures out of the mart) and loaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import load, settings, stage, validate, warehouse

import seed_run

QUERIES = sorted((settings.SQL_DIR / "queries").glob("*.sql"))
HATINH = "000_8afd9a77ce038606"


def build(path: Path, run_dir: Path, extra: list[dict] | None = None) -> Path:
    """A warehouse of the demo run (the gold files), plus any extra articles, written as the pipeline does."""
    seed_run.write_demo_run(run_dir)
    if extra:
        seed_run.write_articles(run_dir, extra)
    with warehouse.writing(path) as con:
        stage.stage_run(run_dir, "demo", con)
    with pytest.MonkeyPatch.context() as patch, warehouse.writing(path) as con:
        patch.setattr(settings, "BUILD_DATA_DOCS", False)
        validate.validate_run("demo", con, run_dir / "validation.json")
    with warehouse.writing(path) as con:
        load.load_run("demo", con)
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("queries")
    con = warehouse.read(build(root / "w.duckdb", root / "run"))
    yield con
    con.close()


def run(con, path: Path) -> tuple[list[str], list[tuple]]:
    result = con.execute(path.read_text(encoding="utf-8"))
    return [column[0] for column in result.description], result.fetchall()


def test_there_are_at_least_eight_worked_questions():
    assert len(QUERIES) >= 8
    for path in QUERIES:
        assert path.read_text(encoding="utf-8").startswith("-- Question: "), path.name


@pytest.mark.parametrize("path", QUERIES, ids=[path.stem for path in QUERIES])
def test_every_example_query_runs_and_returns_rows(demo, path):
    columns, rows = run(demo, path)

    assert rows, f"{path.name} returned no rows on the demo warehouse"
    assert len(columns) == len(set(columns)), f"{path.name} repeats a column name"


def test_the_shares_that_disagree_include_the_nghe_an_report(demo):
    columns, rows = run(demo, settings.SQL_DIR / "queries" / "03_shares_disagreeing_with_fractions.sql")
    found = [dict(zip(columns, row)) for row in rows]

    assert [(r["numerator"], r["denominator"], r["computed_percent"], r["stated_percent"]) for r in found] == [
        (281.0, 411.0, 68.37, 68.13)
    ]
    # data quality holds the pair out of the mart, and the question still finds it
    assert [r["in_mart"] for r in found] == [False]


def test_the_indicators_citing_120_kltw_come_from_the_articles_citing_it(demo):
    columns, rows = run(demo, settings.SQL_DIR / "queries" / "02_indicators_citing_120_kltw.sql")
    urls = {row[columns.index("url")] for row in rows}

    assert urls == {seed_run.url_for("002_4deea102b9c38809")}
    assert len(rows) > 40 and all(row[columns.index("is_reviewed")] for row in rows)


def test_the_rollup_puts_provinces_merged_in_2025_under_todays_unit(tmp_path):
    hagiang = seed_run.variant(HATINH, url="http://127.0.0.1:8765/hagiang/1.html", source="hagiang",
                               province="Hà Giang", published="2023-05-04")
    tuyenquang = seed_run.variant(HATINH, url="http://127.0.0.1:8765/tuyenquang/1.html", source="tuyenquang",
                                  province="Tuyên Quang", published="2023-09-10")
    tuyenquang_2026 = seed_run.variant(HATINH, url="http://127.0.0.1:8765/tuyenquang/2.html", source="tuyenquang",
                                       province="Tuyên Quang", published="2026-02-03")
    path = build(tmp_path / "w.duckdb", tmp_path / "run", [hagiang, tuyenquang, tuyenquang_2026])
    with warehouse.read(path) as con:
        columns, rows = run(con, settings.SQL_DIR / "queries" / "04_rollup_to_current_provinces.sql")
    found = {(row[0], row[1]): dict(zip(columns, row)) for row in rows}

    assert found["Tuyên Quang", 2023]["former_units"] == ["Hà Giang", "Tuyên Quang"]
    assert found["Tuyên Quang", 2023]["articles"] == 2
    assert found["Tuyên Quang", 2026]["former_units"] == ["Tuyên Quang"]
    assert {province for province, _ in found} == {"Hà Tĩnh", "Nghệ An", "Tuyên Quang"}
