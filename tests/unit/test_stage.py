"""etl.stage: parsed articles and fetch records of a run into the staging tables, idempotently."""

from __future__ import annotations

import json
import logging
import re

import pytest

from etl import stage, warehouse

import seed_run  # the gold-to-parsed converter, on pytest's pythonpath (tests/fixtures/parsed)

NGHEAN = "002_4deea102b9c38809"
HATINH = "000_8afd9a77ce038606"
STAGED_TABLES = ("raw.fetch_log", *stage.ARTICLE_TABLES)


@pytest.fixture
def con(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    yield con
    con.close()


def checksums(con) -> dict[str, str]:
    return {
        table: con.execute(
            "select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
            f"from {table} t"
        ).fetchall()[0][0]
        for table in STAGED_TABLES
    }


def test_stages_the_seed_articles(tmp_path, con):
    counts = stage.stage_run(seed_run.write_run(tmp_path / "run"), "run-1", con)

    gold = {seed: json.loads((seed_run.GOLD_DIR / f"{seed}.json").read_text()) for seed in seed_run.SEEDS}
    assert counts == {
        "fetches": 2,
        "articles": 2,
        "indicators": sum(len(g["indicators"]) for g in gold.values()),
        "documents": sum(len(g["documents"]) for g in gold.values()),
        "people": sum(len(g["people"]) for g in gold.values()),
        "rejected": 0,
    }
    article = con.execute(
        "select province, source_id, published_date::varchar, paragraph_count, len(paragraphs), run_id "
        "from staging.stg_articles where article_id = ?",
        [seed_run.url_for(NGHEAN)],
    ).fetchall()
    assert article == [("Nghệ An", "nghean", "2021-03-10", 19, 19, "run-1")]


def test_an_indicator_keeps_its_numbers_and_where_it_stands(tmp_path, con):
    stage.stage_run(seed_run.write_run(tmp_path / "run"), "run-1", con)

    (row,) = con.execute(
        "select i.kind, i.value, i.numerator, i.denominator, i.unit, i.subject, "
        "a.paragraphs[i.paragraph_index + 1][i.start_offset + 1:i.end_offset] "
        "from staging.stg_indicators i join staging.stg_articles a using (article_id, content_hash) "
        "where i.indicator_index = 40 and a.province = 'Nghệ An'"
    ).fetchall()
    assert row == ("ratio", 281.0, 281.0, 411.0, "xã", "xã", "281/411")
    parents = con.execute(
        "select indicator_index, parent_index from staging.stg_indicators where parent_index is not null "
        "and article_id = ? order by indicator_index",
        [seed_run.url_for(NGHEAN)],
    ).fetchall()
    assert parents == [(13, 12), (14, 12), (25, 24), (26, 24), (27, 24), (29, 28), (30, 28), (31, 28)]


def test_fetch_times_are_stored_in_utc(tmp_path, con):
    run = seed_run.write_run(tmp_path / "run", (HATINH,))
    record = seed_run.fetch_record(HATINH) | {
        "url": "http://127.0.0.1:8765/hatinh/x",
        "fetched_at": "2026-11-22T09:00:00+07:00",
    }
    with (run / "hatinh" / "fetched.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    stage.stage_run(run, "run-1", con)

    assert con.execute("select fetched_at::varchar from raw.fetch_log where url = ?", [record["url"]]).fetchall() == [
        ("2026-11-22 02:00:00",)
    ]


def test_staging_twice_leaves_identical_tables(tmp_path, con):
    run = seed_run.write_run(tmp_path / "run")
    stage.stage_run(run, "run-1", con)
    first = checksums(con)
    stage.stage_run(run, "run-1", con)

    assert checksums(con) == first


def test_restaging_a_version_replaces_all_its_rows(tmp_path, con):
    stage.stage_run(seed_run.write_run(tmp_path / "run-1", (NGHEAN,)), "run-1", con)
    article = seed_run.parsed_article(NGHEAN)
    article["indicators"] = article["indicators"][:3]
    article["people"] = []
    (tmp_path / "run-2" / "nghean").mkdir(parents=True)
    (tmp_path / "run-2" / "nghean" / "parsed.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n")
    stage.stage_run(tmp_path / "run-2", "run-2", con)

    assert con.execute("select count(*), min(run_id) from staging.stg_indicators").fetchall() == [(3, "run-2")]
    assert con.execute("select count(*) from staging.stg_people").fetchall() == [(0,)]
    assert con.execute("select count(*) from staging.stg_articles").fetchall() == [(1,)]


def test_a_bad_line_is_named_and_skipped_and_nothing_staged_before_is_lost(tmp_path, con, caplog):
    stage.stage_run(seed_run.write_run(tmp_path / "run-1", (HATINH,)), "run-1", con)
    bad = tmp_path / "run-2" / "nghean" / "parsed.jsonl"
    bad.parent.mkdir(parents=True)
    good = json.dumps(seed_run.parsed_article(NGHEAN), ensure_ascii=False)
    no_url = json.dumps({k: v for k, v in seed_run.parsed_article(NGHEAN).items() if k != "url"})
    bad.write_text(f"{good}\n{{not json\n{no_url}\n")

    with caplog.at_level(logging.ERROR, logger="etl.stage"):
        counts = stage.stage_run(tmp_path / "run-2", "run-2", con)

    assert counts["rejected"] == 2 and counts["articles"] == 1
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0].startswith(f"{bad}:2: not valid JSON (")
    assert messages[1].startswith(f"{bad}:3: missing 'url'")
    assert all("\n" not in message for message in messages)
    assert con.execute("select run_id, count(*) from staging.stg_articles group by 1 order by 1").fetchall() == [
        ("run-1", 1),
        ("run-2", 1),
    ]


def test_strict_staging_stops_at_the_first_bad_line(tmp_path, con):
    stage.stage_run(seed_run.write_run(tmp_path / "run-1", (HATINH,)), "run-1", con)
    before = checksums(con)
    bad = tmp_path / "run-2" / "nghean" / "parsed.jsonl"
    bad.parent.mkdir(parents=True)
    undated = {"url": "x", "content_hash": "y", "published": "30/5"}
    bad.write_text(json.dumps(seed_run.parsed_article(NGHEAN)) + "\n" + json.dumps(undated) + "\n")

    with pytest.raises(stage.StageError, match="^" + re.escape(f"{bad}:2: published: not an ISO date: '30/5'") + "$"):
        stage.stage_run(tmp_path / "run-2", "run-2", con, strict=True)
    assert checksums(con) == before


def test_a_missing_run_directory_is_an_error(tmp_path, con):
    with pytest.raises(stage.StageError, match="no such run directory"):
        stage.stage_run(tmp_path / "absent", "run-1", con)


def test_a_changed_page_stages_as_a_second_version_beside_the_first(tmp_path, con):
    stage.stage_run(seed_run.write_run(tmp_path / "run-1", (NGHEAN,)), "run-1", con)
    changed = seed_run.variant(NGHEAN, title="Tiêu đề mới", fetched_at="2026-11-23T02:00:00+00:00")
    stage.stage_run(seed_run.write_articles(tmp_path / "run-2", [changed]), "run-2", con)

    assert con.execute(
        "select content_hash, title, run_id from staging.stg_articles order by run_id"
    ).fetchall() == [
        (seed_run.content_hash(NGHEAN), seed_run.parsed_article(NGHEAN)["title"], "run-1"),
        (changed["content_hash"], "Tiêu đề mới", "run-2"),
    ]
    assert con.execute("select run_id, count(*) from staging.stg_indicators group by 1 order by 1").fetchall() == [
        ("run-1", 50), ("run-2", 50)
    ]
