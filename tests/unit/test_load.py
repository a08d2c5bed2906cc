"""etl.load: the mart from staging, idempotent, with stable keys, versions, provinces across 2025, and views."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import unicodedata
from pathlib import Path

import pytest

from etl import load, settings, stage, warehouse

import seed_run  # the gold-to-parsed converter, on pytest's pythonpath (tests/fixtures/parsed)

NGHEAN = "002_4deea102b9c38809"
HATINH = "000_8afd9a77ce038606"
UNKNOWN = "0" * 32
MART_TABLES = [f"mart.{model}" for model, _ in load.MODELS]
V_INDICATOR_COLUMNS = {
    "province", "current_province", "published_date", "url", "title", "value", "kind", "unit", "unit_family",
    "numerator", "denominator", "share_percent", "low", "high", "qualifier", "subject", "sentence", "level",
    "is_target", "reviewed_document", "article_key", "indicator_key",
}
# Every key column of a fact table and the dimension it must find its row in.
FOREIGN_KEYS = [
    (fact, column, dimension, key)
    for fact in ("fact_indicator", "fact_article", "fact_document_citation")
    for column, dimension, key in (
        ("article_key", "dim_article", "article_key"),
        ("published_date_key", "dim_date", "date_key"),
        ("province_key", "dim_province", "province_key"),
        ("source_key", "dim_source", "source_key"),
        ("document_key", "dim_document", "document_key"),
        ("unit_key", "dim_unit", "unit_key"),
        ("level_key", "dim_level", "level_key"),
    )
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated, empty warehouse: copying it is ten times faster than migrating anew."""
    path = tmp_path_factory.mktemp("template") / "w.duckdb"
    with warehouse.writing(path):
        pass
    return path


@pytest.fixture
def empty(tmp_path, template):
    shutil.copyfile(template, tmp_path / "w.duckdb")
    con = warehouse.connect(tmp_path / "w.duckdb")
    yield con
    con.close()


@pytest.fixture
def con(tmp_path, empty):
    stage.stage_run(seed_run.write_run(tmp_path / "run"), "run-1", empty)
    return empty


def stage_and_load(con, run_dir: Path, run_id: str, articles: list[dict]) -> None:
    stage.stage_run(seed_run.write_articles(run_dir, articles), run_id, con)
    load.load_run(run_id, con)


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_load_fills_every_mart_table(con):
    counts = load.load_run("run-1", con)
    gold = [json.loads((seed_run.GOLD_DIR / f"{seed}.json").read_text()) for seed in seed_run.SEEDS]

    assert set(counts) == set(MART_TABLES)
    assert counts["mart.dim_article"] == counts["mart.fact_article"] == 2 and counts["mart.dim_source"] == 2
    assert counts["mart.fact_indicator"] == sum(len(g["indicators"]) for g in gold)
    assert counts["mart.fact_document_citation"] == sum(len(g["documents"]) for g in gold)
    # one row per document number, and the "no document" member
    assert counts["mart.dim_document"] == len({d["number"] for g in gold for d in g["documents"]}) + 1
    assert counts["mart.dim_level"] == 4
    assert rows(con, "select run_id, schema_version, row_counts::varchar from meta.load_log") == [
        ("run-1", warehouse.schema_version(con), json.dumps(counts, sort_keys=True))
    ]


def test_loading_the_demo_twice_leaves_identical_tables(tmp_path, empty):
    con = empty
    stage.stage_run(seed_run.write_demo_run(tmp_path / "demo"), "demo", con)
    load.load_run("demo", con)
    first = warehouse.checksums(con, ("mart", "staging", "raw"))
    load.load_run("demo", con)
    stage.stage_run(tmp_path / "demo", "demo", con)
    load.load_run("demo", con)

    assert warehouse.checksums(con, ("mart", "staging", "raw")) == first
    assert set(first) >= set(MART_TABLES)
    assert rows(con, "select count(*) from mart.dim_article")[0][0] == len(seed_run.SEEDS) + len(seed_run.DEMO)


def test_every_fact_key_finds_its_dimension_row(tmp_path, empty):
    con = empty
    stranger = seed_run.variant(HATINH, url="http://127.0.0.1:8765/x/1.html", source="x", province="Atlantis",
                                published=None)
    stage.stage_run(seed_run.write_articles(seed_run.write_demo_run(tmp_path / "demo"), [stranger]), "demo", con)
    load.load_run("demo", con)
    columns = set(rows(con, "select table_name, column_name from duckdb_columns() where schema_name = 'mart'"))

    checked = 0
    for fact, column, dimension, key in FOREIGN_KEYS:
        if (fact, column) not in columns:
            continue
        orphans = rows(
            con, f"select count(*) from mart.{fact} f anti join mart.{dimension} d on f.{column} = d.{key}"
        )[0][0]
        nulls = rows(con, f"select count(*) from mart.{fact} where {column} is null")[0][0]
        assert (fact, column, orphans, nulls) == (fact, column, 0, 0)
        checked += 1
    assert checked == 17
    # the stranger's indicators are not lost: they join the unknown province and date
    assert rows(con, "select distinct province, published_date from mart.v_indicator where source_id = 'x'") == [
        ("(unknown)", None)
    ]


def test_surrogate_keys_are_md5_of_natural_keys_and_survive_restaging(tmp_path, con):
    load.load_run("run-1", con)
    url, content_hash = seed_run.url_for(NGHEAN), seed_run.content_hash(NGHEAN)
    key = hashlib.md5(f"{url}|{content_hash}|40".encode()).hexdigest()
    article_key = hashlib.md5(f"{url}|{content_hash}".encode()).hexdigest()
    assert rows(con, "select value, denominator, article_key from mart.fact_indicator where indicator_key = ?",
                [key]) == [(281.0, 411.0, article_key)]

    keys = "select indicator_key, article_key, unit_key, document_key from mart.fact_indicator order by all"
    before = rows(con, keys)
    stage.stage_run(seed_run.write_run(tmp_path / "run-2"), "run-2", con)
    load.load_run("run-2", con)
    assert rows(con, keys) == before


def test_a_shorter_reparse_of_a_version_drops_its_extra_indicators(tmp_path, con):
    load.load_run("run-1", con)
    article = seed_run.parsed_article(NGHEAN)
    article["indicators"] = article["indicators"][:3]
    stage_and_load(con, tmp_path / "run-2", "run-2", [article])

    assert rows(con, "select count(*) from mart.v_indicator where province = 'Nghệ An'") == [(3,)]
    assert rows(con, "select indicator_count from mart.v_article where province = 'Nghệ An'") == [(3,)]


def test_a_changed_page_is_a_new_version_and_the_views_show_the_latest(tmp_path, con):
    load.load_run("run-1", con)
    old = seed_run.parsed_article(NGHEAN)
    new = seed_run.variant(NGHEAN, indicators=old["indicators"][:5], fetched_at="2026-11-23T02:00:00+00:00")
    stage_and_load(con, tmp_path / "run-2", "run-2", [new])
    url = old["url"]

    versions = rows(con, "select content_hash, version_number, version_count, is_latest_version "
                         "from mart.dim_article where article_id = ? order by version_number", [url])
    assert versions == [(old["content_hash"], 1, 2, False), (new["content_hash"], 2, 2, True)]
    assert rows(con, "select count(*) from mart.v_indicator where url = ?", [url]) == [(5,)]
    assert rows(con, "select version_number, count(*) from mart.v_indicator_history where url = ? group by 1 "
                     "order by 1", [url]) == [(1, 50), (2, 5)]
    assert rows(con, "select count(*) from mart.v_article where url = ?", [url]) == [(1,)]

    # the site goes back to the old text: the old version is the latest again, with its old keys
    back = seed_run.parsed_article(NGHEAN) | {"fetched_at": "2026-11-24T02:00:00+00:00"}
    stage_and_load(con, tmp_path / "run-3", "run-3", [back])
    assert rows(con, "select version_number, is_latest_version from mart.dim_article where article_id = ? "
                     "order by 1", [url]) == [(1, True), (2, False)]
    assert rows(con, "select count(*) from mart.v_indicator where url = ?", [url]) == [(50,)]


def test_v_indicator_has_the_analysts_columns_and_rows(con):
    load.load_run("run-1", con)
    view = con.execute("select * from mart.v_indicator")
    columns = [column[0] for column in view.description]
    found = [dict(zip(columns, row)) for row in view.fetchall()]

    assert V_INDICATOR_COLUMNS <= set(columns)
    assert len(found) == rows(con, "select count(*) from staging.stg_indicators")[0][0]
    (ratio,) = [r for r in found if r["url"] == seed_run.url_for(NGHEAN) and r["numerator"] == 281]
    assert ratio["province"] == "Nghệ An" and ratio["current_province"] == "Nghệ An"
    assert str(ratio["published_date"]) == "2021-03-10" and ratio["title"].startswith("Kết quả nổi bật")
    assert (ratio["kind"], ratio["unit"], ratio["denominator"], ratio["qualifier"]) == ("ratio", "xã", 411.0, "exact")
    assert (ratio["unit_family"], round(ratio["share_percent"], 2), ratio["reviewed_document"]) == (
        "count", 68.37, "120-KL/TW"
    )
    assert "281/411" in ratio["sentence"]


def test_units_are_normalised_into_families_with_base_values(tmp_path, empty):
    con = empty
    stage.stage_run(seed_run.write_demo_run(tmp_path / "demo"), "demo", con)
    load.load_run("demo", con)
    units = {unit: rest for unit, *rest in rows(
        con, "select unit, normalised_unit, unit_family, base_unit, to_base_factor from mart.dim_unit"
    )}

    assert units["%"] == ["%", "percent", "%", 1.0]
    assert units["đồng"] == ["đồng", "money", "đồng", 1.0]
    assert units["ha"] == ["ha", "area", "m2", 10000.0]
    assert units["km2"] == ["km2", "area", "m2", 1e6]
    assert units["tấn"] == ["tấn", "mass", "kg", 1000.0]
    assert units["xã"] == ["xã", "count", "xã", 1.0]
    assert units["(none)"][1] == "unknown"
    assert rows(con, "select base_value from mart.v_indicator where unit = 'km2'") == [(16493.7e6,)]
    assert rows(con, "select count(*) from mart.v_indicator where unit_family is null") == [(0,)]


def test_levels_and_the_reviewed_document_are_dimensions_of_every_indicator(con):
    load.load_run("run-1", con)

    levels = rows(con, "select level_name, level_name_en, level_rank, valid_to_date::varchar from mart.dim_level "
                       "order by level_rank nulls last")
    assert levels == [("tỉnh", "province", 1, None), ("huyện", "district", 2, "2025-06-30"),
                      ("xã", "commune", 3, None), ("(not stated)", "not stated", None, None)]
    assert rows(con, "select distinct reviewed_document from mart.v_indicator order by 1") == [
        ("02-NQ/TU",), ("120-KL/TW",)
    ]
    assert rows(con, "select d.document_id, d.document_type, d.issuer_name, d.issuer_level, c.is_reviewed_document "
                     "from mart.fact_document_citation c join mart.dim_document d using (document_key) "
                     "where d.document_id in ('120-KL/TW', '04/2015/NĐ-CP') order by 1") == [
        ("04/2015/NĐ-CP", "Nghị định", "Chính phủ", "central", False),
        ("120-KL/TW", "Kết luận", "Ban Chấp hành Trung ương Đảng và các cơ quan Trung ương", "central", True),
    ]


def test_fact_article_counts_what_each_version_holds_and_the_checks_it_fails(con):
    gold = json.loads((seed_run.GOLD_DIR / f"{NGHEAN}.json").read_text())
    # what etl.validate finds in the Nghệ An seed: 281/411 "đạt 68,13%" (both figures held), and 460
    # communes against "480/480 xã, phường, thị trấn" (held); a warning flags the article
    findings = [("percent_matches_fraction", "error", True, 40), ("percent_matches_fraction", "error", True, 41),
                ("total_stated_once", "error", True, 20), ("title_present", "warning", False, None)]
    con.executemany(
        "insert into dq.quarantine (run_id, check_name, suite_name, severity, is_held, table_name, article_id, "
        "content_hash, row_index, quarantined_at) values ('run-1', ?, 'suite', ?, ?, ?, ?, ?, ?, now())",
        [(name, severity, held, "staging.stg_indicators" if index is not None else "staging.stg_articles",
          seed_run.url_for(NGHEAN), seed_run.content_hash(NGHEAN), index) for name, severity, held, index in findings],
    )
    load.load_run("run-1", con)

    (row,) = rows(con, "select paragraph_count, indicator_count, target_count, document_count, people_count, "
                       "held_indicator_count, failed_check_count, failed_checks from mart.v_article "
                       "where province = 'Nghệ An'")
    assert row[:5] == (len(gold["body_paragraphs"]), len(gold["indicators"]) - 3,
                       sum(bool(i["is_target"]) for i in gold["indicators"]), len(gold["documents"]),
                       len(gold["people"]))
    assert row[5:] == (3, 3, ["percent_matches_fraction", "title_present", "total_stated_once"])
    assert rows(con, "select count(*) from mart.fact_indicator where is_flagged") == [(len(gold["indicators"]) - 3,)]
    assert rows(con, "select held_indicator_count, failed_check_count, failed_checks from mart.v_article "
                     "where province = 'Hà Tĩnh'") == [(0, 0, [])]


def test_dim_province_rolls_the_63_old_provinces_up_into_the_34_new_ones(con):
    load.load_run("run-1", con)
    with load.PROVINCES_CSV.open(encoding="utf-8") as lines:
        seed = list(csv.DictReader(line for line in lines if not line.startswith("#")))

    assert len(seed) == 63
    current = rows(con, "select province_name from mart.dim_province where is_current")
    assert sorted(name for (name,) in current) == sorted({row["new_name"] for row in seed})
    rollup = dict(rows(
        con,
        "select province_name, current_province_name from mart.dim_province where valid_to_date is not null "
        "or is_current and valid_from_date is null",
    ))
    assert rollup == {row["old_name"]: row["new_name"] for row in seed}
    assert rows(
        con, "select valid_to_date::varchar, successor_province_name, change_kind from mart.dim_province "
             "where province_name = 'Yên Bái'"
    ) == [("2025-06-30", "Lào Cai", "merged")]
    assert rows(con, "select count(*), any_value(change_kind) from mart.dim_province where province_name = 'Nghệ An'"
                ) == [(1, "unchanged")]
    assert rows(con, "select change_kind from mart.dim_province where province_name in ('Thừa Thiên Huế', 'Huế') "
                     "order by 1") == [("renamed",), ("successor",)]


@pytest.mark.parametrize(
    ("written", "published", "unit", "valid_to", "current"),
    [
        ("Hà Giang", "2023-05-04", "Hà Giang", "2025-06-30", "Tuyên Quang"),
        ("Tuyên Quang", "2023-05-04", "Tuyên Quang", "2025-06-30", "Tuyên Quang"),
        ("Tuyên Quang", "2025-06-30", "Tuyên Quang", "2025-06-30", "Tuyên Quang"),
        ("Tuyên Quang", "2025-07-01", "Tuyên Quang", None, "Tuyên Quang"),
        ("Tuyên Quang", "2026-02-03", "Tuyên Quang", None, "Tuyên Quang"),
        # a portal that still writes the old name after the change: the old unit, rolled up
        ("Hà Giang", "2026-02-03", "Hà Giang", "2025-06-30", "Tuyên Quang"),
        ("tỉnh Hà Giang", "2023-05-04", "Hà Giang", "2025-06-30", "Tuyên Quang"),
        ("Thừa Thiên - Huế", "2024-12-31", "Thừa Thiên Huế", "2024-12-31", "Huế"),
        ("TP. Huế", "2025-01-01", "Huế", None, "Huế"),
        ("Hoà Bình", "2022-01-01", "Hòa Bình", "2025-06-30", "Phú Thọ"),
        ("Nghệ An", "2026-02-03", "Nghệ An", None, "Nghệ An"),
    ],
)
def test_an_article_joins_the_unit_valid_when_it_was_published(tmp_path, con, written, published, unit, valid_to,
                                                                current):
    article = seed_run.variant(HATINH, url="http://127.0.0.1:8765/p/1.html", source="p", published=published,
                               province=unicodedata.normalize("NFD", written))
    stage_and_load(con, tmp_path / "run-2", "run-2", [article])

    found = rows(con, "select distinct p.province_name, p.valid_to_date::varchar, p.current_province_name "
                      "from mart.fact_indicator f join mart.dim_province p using (province_key) "
                      "join mart.dim_article a using (article_key) where a.article_id = ?", [article["url"]])
    assert found == [(unit, valid_to, current)]
    assert rows(con, "select distinct province, current_province from mart.v_indicator where url = ?",
                [article["url"]]) == [(unit, current)]


def test_articles_about_merged_provinces_roll_up_into_todays_unit(tmp_path, con):
    hagiang = seed_run.variant(HATINH, url="http://127.0.0.1:8765/hagiang/1.html", source="hagiang",
                               province="Hà Giang", published="2023-05-04")
    tuyenquang = seed_run.variant(HATINH, url="http://127.0.0.1:8765/tuyenquang/1.html", source="tuyenquang",
                                  province="Tuyên Quang", published="2026-02-03")
    stage_and_load(con, tmp_path / "run-2", "run-2", [hagiang, tuyenquang])

    assert rows(con, "select province, current_province, count(*) from mart.v_indicator "
                     "where source_id in ('hagiang', 'tuyenquang') group by all order by 1") == [
        ("Hà Giang", "Tuyên Quang", 5), ("Tuyên Quang", "Tuyên Quang", 5)
    ]
    assert rows(con, "select current_province_key, count(distinct province_key) from mart.v_indicator "
                     "where source_id in ('hagiang', 'tuyenquang') group by all") == [
        (rows(con, "select province_key from mart.dim_province where province_name = 'Tuyên Quang' "
                   "and is_current")[0][0], 2)
    ]


def test_a_broken_model_names_its_file_and_loads_nothing(tmp_path, monkeypatch, con):
    load.load_run("run-1", con)
    before = warehouse.checksums(con)
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.SQL_DIR, sql_dir)
    (sql_dir / "mart" / "models" / "fact_article.sql").write_text("select nonsense(\n")
    monkeypatch.setattr(settings, "SQL_DIR", sql_dir)

    with pytest.raises(load.LoadError, match=r"fact_article.sql: "):
        load.load_run("run-2", con)
    assert warehouse.checksums(con) == before
    assert rows(con, "select run_id from meta.load_log") == [("run-1",)]
    monkeypatch.undo()  # the model mended, the next load goes through
    load.load_run("run-2", con)
    assert warehouse.checksums(con) == before


def test_a_model_that_repeats_a_key_is_refused_and_loads_nothing(tmp_path, monkeypatch, con):
    load.load_run("run-1", con)
    before = warehouse.checksums(con)
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.SQL_DIR, sql_dir)
    model = sql_dir / "mart" / "models" / "fact_document_citation.sql"
    model.write_text(model.read_text().replace("select * from final", "select * from final union all "
                                               "(select * from final limit 1)"))
    monkeypatch.setattr(settings, "SQL_DIR", sql_dir)

    with pytest.raises(load.LoadError, match=r"fact_document_citation.sql: 2 rows share the citation_key [0-9a-f]{32}"):
        load.load_run("run-2", con)
    assert warehouse.checksums(con) == before


def test_a_version_held_after_it_was_loaded_leaves_the_mart(con):
    load.load_run("run-1", con)
    url, content_hash = seed_run.url_for(NGHEAN), seed_run.content_hash(NGHEAN)
    article_key = hashlib.md5(f"{url}|{content_hash}".encode()).hexdigest()
    assert rows(con, "select count(*) from mart.fact_indicator where article_key = ?", [article_key])[0][0] > 0
    con.execute(
        "insert into dq.quarantine (run_id, check_name, suite_name, severity, is_held, table_name, article_id, "
        "content_hash, quarantined_at) values ('run-2', 'article_body_boilerplate', 'suite', 'error', true, "
        "'staging.stg_articles', ?, ?, now())",
        [url, content_hash],
    )
    load.load_run("run-2", con)

    for table in ("dim_article", "fact_indicator", "fact_document_citation", "fact_article"):
        assert rows(con, f"select count(*) from mart.{table} where article_key = ?", [article_key]) == [(0,)], table
    assert rows(con, "select count(*) from mart.dim_article") == [(1,)]


def test_a_seed_with_a_ragged_row_is_named(tmp_path, monkeypatch, con):
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.SQL_DIR, sql_dir)
    (sql_dir / "mart" / "seeds" / "levels.csv").write_text("# levels\nlevel_name,level_name_en\ntỉnh\n")
    monkeypatch.setattr(settings, "SQL_DIR", sql_dir)

    with pytest.raises(load.LoadError, match=r"levels.csv: row 2 has 1 fields, the header 2$"):
        load.load_run("run-1", con)


def test_seed_values_may_hold_commas_and_hashes_when_quoted(tmp_path):
    seed = tmp_path / "s.csv"
    seed.write_text('# a comment\nname,note\n"Bà Rịa, Vũng Tàu",#1\n', encoding="utf-8")

    assert load.seed_rows(seed) == (["name", "note"], [("Bà Rịa, Vũng Tàu", "#1")])


def test_a_province_name_that_matches_no_unit_is_logged(tmp_path, con, caplog):
    article = seed_run.variant(HATINH, url="http://127.0.0.1:8765/x/1.html", source="x", province="Hà Tây")
    stage_and_load(con, tmp_path / "run-2", "run-2", [article])

    assert "'Hà Tây' matches no unit" in caplog.text
    assert rows(con, "select distinct f.province_key from mart.fact_indicator f join mart.dim_article a "
                     "using (article_key) where a.article_id = ?", [article["url"]]) == [(UNKNOWN,)]
