"""etl.validate: the suites and cross-checks catch the seeds' real problems, and the report keeps its shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl import settings, stage, validate, warehouse

import seed_run  # the gold-to-parsed converter, on pytest's pythonpath (tests/fixtures/parsed)

NGHEAN = "002_4deea102b9c38809"
HATINH = "000_8afd9a77ce038606"
CLEAN = "demo_nghean_xay-dung-nong-thon-moi-gan-voi-phat-trien-san-pham-ocop"
CROSS_CHECKS = ("percent_matches_fraction", "total_stated_once", "parts_sum_to_total")
ARTICLE_CHECKS = ("article_body_boilerplate",)
SOURCE_CHECKS = ("sources/source_yield",)
REPORT_KEYS = {"run_id", "checked_at", "passed", "failed", "checks", "sources", "data_docs", "quarantine"}
CHECK_KEYS = {"name", "suite", "severity", "success", "unexpected_count", "notes", "description", "examples"}
EXAMPLE_KEYS = {"url", "sentence", "detail", "source"}


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """The reports of five runs: both seeds, Hà Tĩnh alone, a made-up bad article, a broken source, a clean article."""
    root = tmp_path_factory.mktemp("validate")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "GX_DOCS_DIR", root / "gx_docs")
        con = warehouse.connect(root / "w.duckdb")
        warehouse.migrate(con)
        runs = {
            "seeds": seed_run.write_run(root / "seeds"),
            "hatinh": seed_run.write_run(root / "hatinh", (HATINH,)),
            "bad": _write_bad_run(root / "bad"),
            "broken": _write_broken_source_run(root / "broken"),
            "clean": seed_run.write_run(root / "clean", (CLEAN,)),
        }
        reports = {}
        for run_id, run_dir in runs.items():
            stage.stage_run(run_dir, run_id, con)
            reports[run_id] = validate.validate_run(run_id, con, run_dir / "validation.json")
        yield con, runs, reports
        con.close()


def _write_bad_run(run_dir: Path) -> Path:
    """One article whose indicators break the table checks, each in its own sentence."""
    sentences = {
        "share": "Đạt 120% cơ quan.",
        "growth": "Doanh thu tăng 120% so với cùng kỳ.",
        "ratio": "Có 5/4 xã.",
        "range": "Từ 60 đến 55 triệu đồng.",
        "kind": "Có 7 bogus.",
        "area": "Rộng 12 mẫu.",
    }
    paragraph = " ".join(sentences.values())

    def at(key, number, **fields):
        start = paragraph.index(number, paragraph.index(sentences[key]))
        base = dict.fromkeys(("value", "unit", "numerator", "denominator", "low", "high", "level", "parent", "subject"))
        return base | {"qualifier": "exact", "is_target": False, "sentence": sentences[key], "paragraph": 0,
                       "start": start, "end": start + len(number)} | fields

    article = {
        "url": "http://127.0.0.1:8765/bad/1.html", "source": "bad", "province": "Nghệ Tĩnh", "title": "Bad",
        "summary": None, "published": "2099-01-01", "author": None,
        "paragraphs": [paragraph, "Tin cùng chuyên mục"], "subheadings": [],
        "captions": [], "documents": [], "people": [], "content_hash": "f" * 64, "fetched_at": seed_run.FETCHED_AT,
        "parser_version": "test",
        "indicators": [
            at("share", "120%", value=120, kind="percent", unit="%"),
            at("growth", "120%", value=120, kind="percent", unit="%"),
            at("ratio", "5/4", value=5, kind="ratio", unit="xã", numerator=5, denominator=4),
            at("range", "60 đến 55", kind="range", unit="đồng", low=60e6, high=55e6),
            at("kind", "7", value=7, kind="bogus", unit="bogus", qualifier="around"),
            at("area", "12 mẫu", value=12, kind="measure", unit="mẫu"),
        ],
    }
    (run_dir / "bad").mkdir(parents=True)
    (run_dir / "bad" / "parsed.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
    return run_dir


def _write_broken_source_run(run_dir: Path) -> Path:
    """Hà Tĩnh as usual, and a portal whose three pages were fetched but parsed into nothing."""
    seed_run.write_run(run_dir, (HATINH,))
    (run_dir / "broken").mkdir(parents=True)
    records = [
        {**seed_run.fetch_record(HATINH), "source": "broken", "url": f"http://127.0.0.1:8765/broken/{n}.html",
         "final_url": f"http://127.0.0.1:8765/broken/{n}.html", "content_hash": f"{n}" * 64}
        for n in range(3)
    ]
    (run_dir / "broken" / "fetched.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return run_dir


def _check(report, name):
    (check,) = [check for check in report["checks"] if check["name"] == name]
    return check


def test_cross_checks_catch_exactly_the_two_nghean_problems(validated):
    _, _, reports = validated
    checks = [_check(reports["seeds"], name) for name in CROSS_CHECKS]
    found = [(check["name"], example["detail"]) for check in checks for example in check["examples"]]

    assert found == [
        ("percent_matches_fraction", "281/411 = 68.37%, stated 68.13%"),
        ("total_stated_once", "xã, phường, thị trấn: 460 vs 480"),
    ]
    assert [check["unexpected_count"] for check in checks] == [1, 1, 0]
    percent = checks[0]["examples"][0]
    assert percent["url"] == seed_run.url_for(NGHEAN)
    assert "281/411 xã về đích nông thôn mới, đạt 68,13%" in percent["sentence"]


def test_cross_checks_find_nothing_on_the_hatinh_seed(validated):
    _, _, reports = validated
    assert [_check(reports["hatinh"], name)["success"] for name in CROSS_CHECKS] == [True, True, True]


def test_breakdowns_that_add_up_are_checked_and_pass(validated):
    con, _, _ = validated
    sql = (settings.SQL_DIR / "checks" / "parts_sum_to_total.sql").read_text(encoding="utf-8")
    rows = con.execute(sql, validate._query_params(sql, "seeds")).fetchall()
    details = sorted(row[-1] for row in rows)
    assert details == ["15 + 226 + 2608 = 2849, stated 2849", "7 + 51 + 956 = 1014, stated 1014"]


def test_table_checks_catch_made_up_problems_and_spare_growth_rates(validated):
    _, _, reports = validated
    report = reports["bad"]
    failed = {check["name"] for check in report["checks"] if not check["success"]}

    assert {
        "percent_share_within_0_100",
        "ratio_numerator_within_denominator",
        "range_low_not_above_high",
        "kind_known",
        "qualifier_known",
        "published_date_plausible",
    } <= failed
    share = _check(report, "percent_share_within_0_100")
    assert share["unexpected_count"] == 1
    assert share["examples"] == [
        {"url": "http://127.0.0.1:8765/bad/1.html", "sentence": "Đạt 120% cơ quan.", "detail": "value=120",
         "source": "bad"}
    ]
    assert _check(report, "ratio_numerator_within_denominator")["examples"][0]["detail"] == "denominator=4, numerator=5"
    assert _check(report, "published_date_plausible")["examples"][0]["detail"] == "published_date=2099-01-01"


def test_seeds_pass_every_error_level_table_check(validated):
    _, _, reports = validated
    failed = [c["name"] for c in reports["seeds"]["checks"] if not c["success"] and c["severity"] == "error"]
    assert sorted(failed) == ["percent_matches_fraction", "total_stated_once"]


def test_report_has_the_shape_of_architecture_md(validated):
    _, runs, reports = validated
    report = reports["seeds"]

    assert set(report) == REPORT_KEYS
    assert json.loads((runs["seeds"] / "validation.json").read_text(encoding="utf-8")) == report
    assert report["run_id"] == "seeds" and report["sources"] == ["hatinh", "nghean"]
    assert report["passed"] + report["failed"] == len(report["checks"]) and report["failed"] >= 2
    assert report["quarantine"] == {"held": 3, "flagged": 1}
    for check in report["checks"]:
        assert set(check) == CHECK_KEYS
        assert check["severity"] in ("error", "warning") and check["notes"] and check["description"]
        assert len(check["examples"]) <= settings.ALERT_EXAMPLES
        assert all({"url", "sentence", "detail"} <= set(example) <= EXAMPLE_KEYS for example in check["examples"])
    assert Path(report["data_docs"]).is_file()


def test_check_results_hold_one_row_per_check_per_run(validated, tmp_path):
    con, runs, reports = validated
    rows = con.execute(
        "select check_name, suite_name, is_success, unexpected_count, examples from dq.check_results "
        "where run_id = 'seeds' order by suite_name, check_name"
    ).fetchall()
    expected = sorted((c["suite"], c["name"], c["success"], c["unexpected_count"]) for c in reports["seeds"]["checks"])

    assert sorted((suite, name, ok, count) for name, suite, ok, count, _ in rows) == expected
    (percent_examples,) = [json.loads(examples) for name, *_, examples in rows if name == "percent_matches_fraction"]
    assert percent_examples[0]["detail"] == "281/411 = 68.37%, stated 68.13%"

    held = con.execute("select count(*) from dq.quarantine where run_id = 'seeds'").fetchall()[0][0]
    validate.validate_run("seeds", con, tmp_path / "again.json")
    assert con.execute("select count(*) from dq.check_results where run_id = 'seeds'").fetchall()[0][0] == len(rows)
    assert con.execute("select count(*) from dq.quarantine where run_id = 'seeds'").fetchall()[0][0] == held > 0


def _quarantined(con, run_id):
    return sorted(
        con.execute(
            "select check_name, severity, is_held, table_name, row_index, source_id from dq.quarantine "
            "where run_id = ? order by all",
            [run_id],
        ).fetchall(),
        key=str,
    )


def test_the_nghean_problems_are_held_both_figures_of_the_percent_and_the_odd_total(validated):
    con, _, _ = validated
    found = _quarantined(con, "seeds")

    held = [(check, table, row) for check, _, is_held, table, row, _ in found if is_held]
    assert sorted(held, key=str) == [
        ("percent_matches_fraction", "staging.stg_indicators", 40),
        ("percent_matches_fraction", "staging.stg_indicators", 41),
        ("total_stated_once", "staging.stg_indicators", 20),
    ]
    (sentence,) = con.execute(
        "select sentence from dq.quarantine where check_name = 'total_stated_once' and run_id = 'seeds'"
    ).fetchall()[0]
    assert "480/480 xã, phường, thị trấn" in sentence
    assert [row for row in found if not row[2]] == []
    # The Hà Tĩnh seed is plain text without a title: a warning, which flags the article instead of holding
    # it. Later runs restaged that version, and its findings follow its latest validation.
    flagged = con.execute(
        "select check_name, is_held, table_name, row_index, source_id from dq.quarantine where article_id = ?",
        [seed_run.url_for(HATINH)],
    ).fetchall()
    assert flagged == [("title_present", False, "staging.stg_articles", None, "hatinh")]


def test_new_checks_catch_boilerplate_unknown_provinces_and_units(validated):
    con, _, reports = validated
    report = reports["bad"]
    failed = {check["name"]: check for check in report["checks"] if not check["success"]}

    assert {"body_has_no_boilerplate", "province_known", "unit_known"} <= set(failed)
    boilerplate = failed["body_has_no_boilerplate"]["examples"][0]
    assert boilerplate["sentence"] == "Tin cùng chuyên mục"
    assert boilerplate["detail"] == "1 of 2 body paragraphs are page layout (Tin cùng chuyên mục), the first is paragraph 2"
    assert failed["province_known"]["examples"][0]["detail"] == "province_unit=Nghệ Tĩnh"
    assert failed["unit_known"]["examples"][0]["sentence"] == "Rộng 12 mẫu."

    found = _quarantined(con, "bad")
    article = {check for check, _, is_held, table, row, _ in found if is_held and row is None}
    assert article == {"published_date_plausible", "body_has_no_boilerplate"}
    flagged = {(check, row) for check, _, is_held, _, row, _ in found if not is_held}
    assert {("province_known", None), ("unit_known", 5)} <= flagged
    held_rows = {(check, row) for check, _, is_held, table, row, _ in found if is_held and row is not None}
    assert {("percent_share_within_0_100", 0), ("ratio_numerator_within_denominator", 2),
            ("range_low_not_above_high", 3), ("kind_known", 4)} <= held_rows
    assert ("percent_share_within_0_100", 1) not in held_rows  # the growth rate is spared


def test_a_source_that_fetched_pages_but_parsed_nothing_fails_its_own_check(validated):
    con, _, reports = validated
    report = reports["broken"]
    failed = [check for check in report["checks"] if not check["success"] and check["suite"] == "sources"]

    assert [(check["name"], check["severity"]) for check in failed] == [("source_has_articles", "error")]
    assert failed[0]["examples"] == [
        {"url": "http://127.0.0.1:8765/broken/0.html", "sentence": None, "source": "broken",
         "detail": "broken: 3 pages fetched, 0 articles, 0 indicators"}
    ]
    assert _check(report, "source_has_indicators")["success"]
    assert [row for row in _quarantined(con, "broken") if row[0].startswith("source_")] == []


def test_an_article_without_problems_passes_every_check_and_raises_no_alert(validated):
    from etl import alert

    con, _, reports = validated
    report = reports["clean"]

    assert [check["name"] for check in report["checks"] if not check["success"]] == []
    assert report["quarantine"] == {"held": 0, "flagged": 0}
    assert alert.build_messages(report) == []
    assert validate.gate(report) == "run clean: no error check failed (0 warnings, 0 rows flagged)"


def test_the_gate_fails_on_error_checks_only_in_one_line(validated):
    _, _, reports = validated

    with pytest.raises(validate.DataQualityError) as failure:
        validate.gate(reports["seeds"])
    message = str(failure.value)
    assert "\n" not in message
    assert "2 error checks failed: percent_matches_fraction (1), total_stated_once (1)" in message
    assert "3 rows held out of the mart" in message
    assert validate.gate(reports["hatinh"]).startswith("run hatinh: no error check failed")
    with pytest.raises(validate.DataQualityError, match="source_has_articles"):
        validate.gate(reports["broken"])


def test_every_suite_is_well_formed_and_every_staged_table_and_check_has_one():
    suites = validate.load_suites()
    tables = {suite.table for suite in suites if suite.table}
    queries = {suite.query for suite in suites if suite.query}

    assert tables == set(stage.ARTICLE_TABLES)
    article_checks = {path.stem for path in (settings.SQL_DIR / "checks").glob("*.sql")}
    source_checks = {f"sources/{path.stem}" for path in (settings.SQL_DIR / "checks" / "sources").glob("*.sql")}
    assert article_checks == {*CROSS_CHECKS, *ARTICLE_CHECKS} and source_checks == set(SOURCE_CHECKS)
    assert queries == article_checks | source_checks
    metas = [expectation["meta"] for suite in suites for expectation in suite.expectations]
    assert all(meta["notes"] and meta["severity"] in ("error", "warning") for meta in metas)


def test_a_bad_suite_file_is_named_in_one_line(tmp_path):
    (tmp_path / "stg_x.json").write_text(
        '{"name": "stg_x", "table": "staging.stg_x", "expectations": [{"type": "expect_x", "kwargs": {}, "meta": {}}]}'
    )
    with pytest.raises(validate.SuiteError, match=r"stg_x.json: expectations\[0\]: meta needs notes"):
        validate.load_suites(tmp_path)


def test_a_check_that_cannot_run_fails_with_its_reason(validated, tmp_path, monkeypatch):
    con, _, _ = validated
    (tmp_path / "stg_people.json").write_text(
        json.dumps(
            {
                "name": "stg_people",
                "table": "staging.stg_people",
                "expectations": [
                    {
                        "type": "expect_column_values_to_not_be_null",
                        "kwargs": {"column": "no_such_column"},
                        "meta": {"name": "broken", "severity": "error", "notes": "a typo in a suite"},
                    }
                ],
            }
        )
    )
    monkeypatch.setattr(settings, "EXPECTATIONS_DIR", tmp_path)
    monkeypatch.setattr(settings, "BUILD_DATA_DOCS", False)

    report = validate.validate_run("no-such-run", con, tmp_path / "report.json")

    (check,) = report["checks"]
    assert (check["name"], check["success"], report["data_docs"]) == ("broken", False, None)
    assert check["examples"][0]["detail"].startswith("check could not run: ")
    assert "\n" not in check["examples"][0]["detail"]


def _write_fetches(run_dir: Path, outcomes: list[str]) -> Path:
    """A run whose only records are fetches of the Hà Tĩnh seed's URL and others, with these outcomes."""
    (run_dir / "hatinh").mkdir(parents=True)
    records = [
        {**seed_run.fetch_record(HATINH), "url": f"http://127.0.0.1:8765/hatinh/{n}.html", "outcome": outcome,
         "status": {"not_modified": 304, "failed": None}.get(outcome, 200)}
        for n, outcome in enumerate(outcomes)
    ]
    (run_dir / "hatinh" / "fetched.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return run_dir


def test_a_run_with_nothing_new_is_not_validated_and_raises_no_alert(tmp_path):
    from etl import alert

    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    runs = {
        "quiet": _write_fetches(tmp_path / "quiet", ["not_modified", "unchanged", "failed"]),
        "down": _write_fetches(tmp_path / "down", ["failed", "failed"]),
        "broken": _write_fetches(tmp_path / "broken", ["not_modified", "fetched"]),
        "seeds": seed_run.write_run(tmp_path / "seeds"),
    }
    for run_id, run_dir in runs.items():
        stage.stage_run(run_dir, run_id, con)

    assert validate.nothing_new(con, "quiet") == (
        "run quiet staged no article version and fetched no new page (2 pages not modified or unchanged, 1 failed)"
    )
    # Every request failed, or pages came but nothing was parsed: the checks say what broke.
    assert validate.nothing_new(con, "down") is None
    assert validate.nothing_new(con, "broken") is None
    assert validate.nothing_new(con, "seeds") is None

    report = validate.check_run("quiet", con, tmp_path / "quiet" / "validation.json")
    assert report["skipped"] == validate.nothing_new(con, "quiet")
    assert set(report) == REPORT_KEYS | {"skipped"}
    assert (report["checks"], report["quarantine"]) == ([], {"held": 0, "flagged": 0})
    assert json.loads((tmp_path / "quiet" / "validation.json").read_text(encoding="utf-8")) == report
    assert con.execute("select count(*) from dq.check_results where run_id = 'quiet'").fetchall() == [(0,)]
    assert alert.build_messages(report) == []
    assert validate.gate(report) == f"run quiet: nothing new to check ({report['skipped']})"
    assert "skipped" not in validate.check_run("broken", con, tmp_path / "broken" / "validation.json")
    con.close()


def test_table_suites_read_only_the_columns_they_check_or_show(validated):
    con, _, _ = validated
    suites = {suite.table: suite for suite in validate.load_suites() if suite.table}

    articles = validate._checked_columns(con, suites["staging.stg_articles"])
    assert {"article_id", "content_hash", "source_id", "title", "province", "published_date"} <= set(articles)
    assert not {"paragraphs", "subheadings", "captions"} & set(articles)
    assert "sentence" in validate._checked_columns(con, suites["staging.stg_indicators"])


def test_versions_of_one_url_are_told_apart_by_the_run_that_fetched_them(tmp_path):
    """A reparse stages every version of an article in one run: each still counts as fetched by its own crawl."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    url = "http://127.0.0.1:8765/hatinh/tin/a.html"
    for content_hash, fetched_by in (("a" * 64, "crawl__1"), ("b" * 64, "crawl__2")):
        con.execute("insert into raw.pages (content_hash, url, source_id, kind, raw_path, first_run_id) "
                    "values (?, ?, 'hatinh', 'article', 'x', ?)", [content_hash, url, fetched_by])
        con.execute("insert into staging.stg_articles (article_id, content_hash, run_id) values (?, ?, 'reparse__1')",
                    [url, content_hash])
    con.execute("insert into staging.stg_articles (article_id, content_hash, run_id) values (?, ?, 'crawl__3')",
                ["http://127.0.0.1:8765/hatinh/tin/b.html", "c" * 64])
    suite = next(s for s in validate.load_suites() if s.table == "staging.stg_articles")
    assert sorted(validate._rows(con, suite, "reparse__1")["fetch_run_id"]) == ["crawl__1", "crawl__2"]
    # Not in the archive (staged by hand): the run that staged it.
    assert list(validate._rows(con, suite, "crawl__3")["fetch_run_id"]) == ["crawl__3"]
    con.close()
