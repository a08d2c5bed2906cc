"""The data-quality checks against labelled articles with deliberately broken figures (tests/fixtures/dq).

Issue 6's bar: at least 90% of the planted problems caught (the check named, on the row named),
no clean article flagged; and what is caught is held out of the mart without being lost.
"""

from __future__ import annotations


import pytest

from etl import alert, load, settings, stage, validate, warehouse

import planted

RUN = "planted"
# Planted on purpose beyond what the checks can see (the case's "why" says so); anything else missed is a regression.
KNOWN_LIMITS = {"percent-disagrees-far-from-fraction"}


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "BUILD_DATA_DOCS", False)
        con = warehouse.connect(root / "w.duckdb")
        warehouse.migrate(con)
        run_dir = planted.write_run(root / RUN)
        stage.stage_run(run_dir, RUN, con)
        report = validate.validate_run(RUN, con, run_dir / "validation.json")
        load.load_run(RUN, con)
        score = planted.score(con, report, RUN)
        yield con, report, score
        con.close()


def test_at_least_90_percent_of_planted_problems_are_caught(evaluated, capsys):
    _, _, score = evaluated
    with capsys.disabled():
        print("\n" + score.table())

    assert len(score.planted) >= 30
    assert score.rate >= 0.9, score.table()
    assert {label["case"] for label in score.missed} <= KNOWN_LIMITS, score.table()


def test_no_clean_article_is_flagged(evaluated):
    _, _, score = evaluated
    assert score.controls >= 20
    assert score.false_flags == [], score.table()


def test_what_is_held_is_out_of_the_mart_and_nothing_else_is(evaluated):
    con, report, _ = evaluated
    missing, held_not_missing = con.execute(
        """
        with held as (
            select i.article_id, i.content_hash, i.indicator_index
            from staging.stg_indicators as i
            where exists (
                select 1 from dq.quarantine as q
                where q.is_held and q.article_id = i.article_id and q.content_hash = i.content_hash
                    and (q.table_name = 'staging.stg_indicators' and q.row_index = i.indicator_index
                         or q.table_name = 'staging.stg_articles' and q.row_index is null)
            )
        ),
        in_mart as (
            select a.article_id, a.content_hash, f.indicator_index
            from mart.fact_indicator as f inner join mart.dim_article as a using (article_key)
        ),
        missing as (
            select article_id, content_hash, indicator_index from staging.stg_indicators
            except select * from in_mart
        )
        select
            (select count(*) from (select * from missing except select * from held)),
            (select count(*) from (select * from held except select * from missing))
        """
    ).fetchall()[0]
    assert (missing, held_not_missing) == (0, 0)
    assert report["quarantine"]["held"] > 0


def test_warnings_load_flagged(evaluated):
    con, _, _ = evaluated
    flagged = dict(con.execute(
        "select url, count(*) filter (where is_flagged) from mart.v_indicator group by url"
    ).fetchall())
    assert flagged[planted.planted_url("nghean", "province-unknown")] > 0
    assert flagged[planted.planted_url("hatinh", "unit-unknown")] == 1
    assert sum(flagged.get(planted.seed_run.url_for(name), 0) for name in planted.CONTROLS) == 0


def test_one_alert_for_the_rows_and_one_for_the_broken_sources(evaluated):
    _, report, _ = evaluated
    row_alert, source_alert = alert.build_messages(report)

    failed = [c for c in report["checks"] if not c["success"] and c["suite"] != validate.SOURCE_SUITE]
    assert row_alert["Subject"].startswith(f"[tinhuy] {len(failed)} data-quality checks failed — ")
    assert source_alert["Subject"].endswith("— brokenportal, menuportal")
