"""etl.load: the mart from staging, idempotent, with stable keys, provinces rolled up, and the analysts' view."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import pytest

from etl import load, stage, warehouse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "parsed"))
import seed_run  # noqa: E402 - the gold-to-parsed converter lives with the fixtures

NGHEAN = "002_4deea102b9c38809"
HATINH = "000_8afd9a77ce038606"
MART_TABLES = [f"mart.{model}" for model, _ in load.MODELS]
V_INDICATOR_COLUMNS = {
    "province", "published_date", "url", "title", "value", "kind", "unit", "numerator", "denominator",
    "low", "high", "qualifier", "subject", "sentence", "level", "is_target", "article_key", "indicator_key",
}


@pytest.fixture
def con(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    stage.stage_run(seed_run.write_run(tmp_path / "run"), "run-1", con)
    yield con
    con.close()


def checksums(con) -> dict[str, str]:
    return {
        table: con.execute(
            "select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
            f"from {table} t"
        ).fetchall()[0][0]
        for table in MART_TABLES
    }


def test_load_fills_every_mart_table(con):
    counts = load.load_run("run-1", con)
    gold = [json.loads((seed_run.GOLD_DIR / f"{seed}.json").read_text()) for seed in seed_run.SEEDS]

    assert set(counts) == set(MART_TABLES)
    assert counts["mart.dim_article"] == 2 and counts["mart.dim_source"] == 2
    assert counts["mart.fact_indicator"] == sum(len(g["indicators"]) for g in gold)
    assert counts["mart.fact_document_citation"] == sum(len(g["documents"]) for g in gold)
    assert counts["mart.dim_document"] == len({d["number"] for g in gold for d in g["documents"]})


def test_loading_twice_leaves_identical_tables(con):
    load.load_run("run-1", con)
    first = checksums(con)
    load.load_run("run-1", con)

    assert checksums(con) == first


def test_surrogate_keys_are_md5_of_natural_keys_and_survive_restaging(tmp_path, con):
    load.load_run("run-1", con)
    url, content_hash = seed_run.url_for(NGHEAN), seed_run.content_hash(NGHEAN)
    key = hashlib.md5(f"{url}|{content_hash}|40".encode()).hexdigest()
    row = con.execute("select value, denominator from mart.fact_indicator where indicator_key = ?", [key]).fetchall()
    assert row == [(281.0, 411.0)]

    before = con.execute("select indicator_key, article_key from mart.fact_indicator order by all").fetchall()
    stage.stage_run(seed_run.write_run(tmp_path / "run-2"), "run-2", con)
    load.load_run("run-2", con)
    assert con.execute("select indicator_key, article_key from mart.fact_indicator order by all").fetchall() == before


def test_a_shorter_reparse_of_a_version_drops_its_extra_indicators(tmp_path, con):
    load.load_run("run-1", con)
    article = seed_run.parsed_article(NGHEAN)
    article["indicators"] = article["indicators"][:3]
    (tmp_path / "run-2" / "nghean").mkdir(parents=True)
    (tmp_path / "run-2" / "nghean" / "parsed.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n")
    stage.stage_run(tmp_path / "run-2", "run-2", con)
    load.load_run("run-2", con)

    assert con.execute("select count(*) from mart.v_indicator where province = 'Nghệ An'").fetchall() == [(3,)]


def test_v_indicator_has_the_analysts_columns_and_rows(con):
    load.load_run("run-1", con)
    view = con.execute("select * from mart.v_indicator")
    columns = [column[0] for column in view.description]
    rows = [dict(zip(columns, row)) for row in view.fetchall()]

    assert V_INDICATOR_COLUMNS <= set(columns)
    assert len(rows) == con.execute("select count(*) from staging.stg_indicators").fetchall()[0][0]
    (ratio,) = [r for r in rows if r["url"] == seed_run.url_for(NGHEAN) and r["numerator"] == 281]
    assert ratio["province"] == "Nghệ An" and ratio["current_province"] == "Nghệ An"
    assert str(ratio["published_date"]) == "2021-03-10" and ratio["title"].startswith("Kết quả nổi bật")
    assert (ratio["kind"], ratio["unit"], ratio["denominator"], ratio["qualifier"]) == ("ratio", "xã", 411.0, "exact")
    assert "281/411" in ratio["sentence"]


def test_dim_province_rolls_the_63_old_provinces_up_into_the_34_new_ones(con):
    load.load_run("run-1", con)
    with load.PROVINCES_CSV.open(encoding="utf-8") as lines:
        seed = list(csv.DictReader(line for line in lines if not line.startswith("#")))

    assert len(seed) == 63
    current = con.execute("select province_name from mart.dim_province where is_current").fetchall()
    assert sorted(name for (name,) in current) == sorted({row["new_name"] for row in seed})
    rollup = dict(
        con.execute(
            "select province_name, current_province_name from mart.dim_province where valid_to_date is not null "
            "or is_current and valid_from_date is null"
        ).fetchall()
    )
    assert rollup == {row["old_name"]: row["new_name"] for row in seed}
    assert con.execute(
        "select valid_to_date::varchar, successor_province_name from mart.dim_province where province_name = 'Yên Bái'"
    ).fetchall() == [("2025-06-30", "Lào Cai")]
    assert con.execute("select count(*) from mart.dim_province where province_name = 'Nghệ An'").fetchall() == [(1,)]


def test_an_article_of_a_merged_province_keeps_its_old_name_and_rolls_up(tmp_path, con):
    article = seed_run.parsed_article(HATINH) | {
        "url": "http://127.0.0.1:8765/hagiang/1.html", "source": "hagiang", "province": "Hà Giang"
    }
    (tmp_path / "run-2" / "hagiang").mkdir(parents=True)
    (tmp_path / "run-2" / "hagiang" / "parsed.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n")
    stage.stage_run(tmp_path / "run-2", "run-2", con)
    load.load_run("run-2", con)

    assert con.execute(
        "select distinct province, current_province, source_id from mart.v_indicator where url = ?", [article["url"]]
    ).fetchall() == [("Hà Giang", "Tuyên Quang", "hagiang")]
