"""etl.validate: the suites and cross-checks catch the seeds' real problems, and the report keeps its shape."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from etl import settings, stage, validate, warehouse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "parsed"))
import seed_run  # noqa: E402 - the gold-to-parsed converter lives with the fixtures

NGHEAN = "002_4deea102b9c38809"
HATINH = "000_8afd9a77ce038606"
CROSS_CHECKS = ("percent_matches_fraction", "total_stated_once", "parts_sum_to_total")
REPORT_KEYS = {"run_id", "checked_at", "passed", "failed", "checks", "sources", "data_docs"}
CHECK_KEYS = {"name", "suite", "severity", "success", "unexpected_count", "notes", "description", "examples"}


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """The warehouse and reports of three runs: both seeds, Hà Tĩnh alone, and a made-up bad article."""
    root = tmp_path_factory.mktemp("validate")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "GX_DOCS_DIR", root / "gx_docs")
        con = warehouse.connect(root / "w.duckdb")
        warehouse.migrate(con)
        runs = {
            "seeds": seed_run.write_run(root / "seeds"),
            "hatinh": seed_run.write_run(root / "hatinh", (HATINH,)),
            "bad": _write_bad_run(root / "bad"),
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
    }
    paragraph = " ".join(sentences.values())

    def at(key, number, **fields):
        start = paragraph.index(number, paragraph.index(sentences[key]))
        base = dict.fromkeys(("value", "unit", "numerator", "denominator", "low", "high", "level", "parent", "subject"))
        return base | {"qualifier": "exact", "is_target": False, "sentence": sentences[key], "paragraph": 0,
                       "start": start, "end": start + len(number)} | fields

    article = {
        "url": "http://127.0.0.1:8765/bad/1.html", "source": "bad", "province": "Hà Giang", "title": "Bad",
        "summary": None, "published": "2099-01-01", "author": None, "paragraphs": [paragraph], "subheadings": [],
        "captions": [], "documents": [], "people": [], "content_hash": "f" * 64, "fetched_at": seed_run.FETCHED_AT,
        "parser_version": "test",
        "indicators": [
            at("share", "120%", value=120, kind="percent", unit="%"),
            at("growth", "120%", value=120, kind="percent", unit="%"),
            at("ratio", "5/4", value=5, kind="ratio", unit="xã", numerator=5, denominator=4),
            at("range", "60 đến 55", kind="range", unit="đồng", low=60e6, high=55e6),
            at("kind", "7", value=7, kind="bogus", unit="bogus", qualifier="around"),
        ],
    }
    (run_dir / "bad").mkdir(parents=True)
    (run_dir / "bad" / "parsed.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
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
        {"url": "http://127.0.0.1:8765/bad/1.html", "sentence": "Đạt 120% cơ quan.", "detail": "value=120"}
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
    for check in report["checks"]:
        assert set(check) == CHECK_KEYS
        assert check["severity"] in ("error", "warning") and check["notes"] and check["description"]
        assert len(check["examples"]) <= settings.ALERT_EXAMPLES
        assert all(set(example) == {"url", "sentence", "detail"} for example in check["examples"])
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

    validate.validate_run("seeds", con, tmp_path / "again.json")
    assert con.execute("select count(*) from dq.check_results where run_id = 'seeds'").fetchall()[0][0] == len(rows)


def test_every_suite_is_well_formed_and_every_staged_table_and_check_has_one():
    suites = validate.load_suites()
    tables = {suite.table for suite in suites if suite.table}
    queries = {suite.query for suite in suites if suite.query}

    assert tables == set(stage.ARTICLE_TABLES)
    assert queries == {path.stem for path in (settings.SQL_DIR / "checks").glob("*.sql")} == set(CROSS_CHECKS)
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
