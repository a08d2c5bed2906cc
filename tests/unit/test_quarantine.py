"""etl.quarantine and `tinhuy quarantine`: held rows stay out of the mart, flagged rows load with a flag, nothing is lost."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import cli, load, quarantine, settings, stage, validate, warehouse

import seed_run  # the gold-to-parsed converter, on pytest's pythonpath (tests/fixtures/parsed)

NGHEAN = "002_4deea102b9c38809"
HATINH = "000_8afd9a77ce038606"
DEMO = "demo_hatinh_giam-ngheo-ben-vung-gan-voi-tao-sinh-ke-cho-nguoi-dan"
FUTURE_URL = "http://127.0.0.1:8765/hatinh/tin-tuc/kinh-te/du-bao-2099.html"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A warehouse with both seeds and an article dated 2099, validated and loaded as run "r1"."""
    root = tmp_path_factory.mktemp("quarantine")
    path = root / "w.duckdb"
    run = seed_run.write_run(root / "r1")
    seed_run.write_articles(run, [seed_run.variant(DEMO, url=FUTURE_URL, published="2099-09-22")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "BUILD_DATA_DOCS", False)
        with warehouse.writing(path) as con:
            stage.stage_run(run, "r1", con)
            report = validate.validate_run("r1", con, root / "validation.json")
            load.load_run("r1", con)
    return path, report


def _rows(path, sql, params=()):
    with warehouse.read(path) as con:
        return con.execute(sql, list(params)).fetchall()


def test_held_indicators_are_out_of_the_mart_and_every_other_staged_row_is_in(loaded):
    path, report = loaded
    held = _rows(path, "select row_index from dq.quarantine where is_held and article_id = ? order by 1",
                 [seed_run.url_for(NGHEAN)])
    in_mart = _rows(
        path,
        "select indicator_index from mart.v_indicator where url = ? order by 1", [seed_run.url_for(NGHEAN)],
    )

    assert [row for (row,) in held] == [20, 40, 41]
    assert [index for (index,) in in_mart] == [i for i in range(50) if i not in (20, 40, 41)]
    assert report["quarantine"]["held"] == 4  # three indicators and one article


def test_an_article_held_as_a_whole_is_out_of_the_mart_with_its_indicators(loaded):
    path, _ = loaded
    (held,) = _rows(path, "select check_name, table_name, row_index from dq.quarantine where article_id = ?",
                    [FUTURE_URL])

    assert held == ("published_date_plausible", "staging.stg_articles", None)
    assert _rows(path, "select count(*) from mart.dim_article where article_id = ?", [FUTURE_URL]) == [(0,)]
    assert _rows(path, "select count(*) from mart.v_indicator where url = ?", [FUTURE_URL]) == [(0,)]
    assert _rows(path, "select count(*) from staging.stg_indicators where article_id = ?", [FUTURE_URL])[0][0] > 0


def test_nothing_is_dropped_silently(loaded):
    path, _ = loaded
    (staged, in_mart, held) = _rows(
        path,
        """
        select
            (select count(*) from staging.stg_indicators),
            (select count(*) from mart.fact_indicator),
            (select count(*) from staging.stg_indicators as i
             where exists (select 1 from dq.quarantine as q where q.is_held and q.article_id = i.article_id
                           and q.content_hash = i.content_hash
                           and (q.row_index = i.indicator_index and q.table_name = 'staging.stg_indicators'
                                or q.row_index is null and q.table_name = 'staging.stg_articles')))
        """,
    )[0]
    assert staged == in_mart + held and held > 3


def test_a_warning_flags_the_rows_it_found_and_loads_them(loaded):
    path, _ = loaded
    flags = dict(_rows(path, "select url, bool_and(is_flagged) from mart.v_indicator group by url"))

    # The Hà Tĩnh seed has no title (title_present, a warning): its indicators load, flagged.
    assert flags[seed_run.url_for(HATINH)] is True
    assert flags[seed_run.url_for(NGHEAN)] is False


def test_validating_a_version_again_replaces_its_findings(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    stage.stage_run(seed_run.write_run(tmp_path / "a", (NGHEAN,)), "a", con)
    url, digest = seed_run.url_for(NGHEAN), seed_run.content_hash(NGHEAN)
    finding = {"check_name": "c", "suite_name": "s", "severity": "error", "table_name": "staging.stg_indicators",
               "article_id": url, "content_hash": digest, "row_index": 1, "sentence": "x", "detail": "y"}
    at = dt.datetime(2026, 1, 1)

    quarantine.replace(con, "a", at, [finding, finding, {**finding, "row_index": 2, "severity": "warning"}])
    assert con.execute("select row_index, is_held, source_id from dq.quarantine order by 1").fetchall() == [
        (1, True, "nghean"), (2, False, "nghean")
    ]
    stage.stage_run(seed_run.write_run(tmp_path / "b", (NGHEAN,)), "b", con)
    quarantine.replace(con, "b", at, [])
    assert con.execute("select count(*) from dq.quarantine").fetchall() == [(0,)]
    assert quarantine.counts([finding, finding]) == {"held": 1, "flagged": 0}


def test_the_command_lists_what_is_held_and_why(loaded, capsys):
    path, _ = loaded

    assert cli.main(["quarantine", "--warehouse", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"4 rows held out of the mart, 0 flagged, in dq.quarantine of {path}")
    assert "percent_matches_fraction (error, 2 rows held)" in out
    assert "281/411 = 68.37%, stated 68.13%" in out and "xã, phường, thị trấn: 460 vs 480" in out
    assert f"{seed_run.url_for(NGHEAN)}  [indicator 40; nghean; run r1]" in out
    assert f"{FUTURE_URL}  [whole article; hatinh; run r1]" in out
    assert "title_present" not in out

    assert cli.main(["quarantine", "--warehouse", str(path), "--flagged"]) == 0
    assert "title_present (warning, 1 row flagged)" in capsys.readouterr().out
    assert cli.main(["quarantine", "--warehouse", str(path), "--run", "another"]) == 0
    assert capsys.readouterr().out.startswith("nothing held in dq.quarantine")


def test_the_command_says_in_one_line_when_there_is_no_warehouse(tmp_path, capsys):
    assert cli.main(["quarantine", "--warehouse", str(tmp_path / "absent.duckdb")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tinhuy quarantine: ") and "no warehouse yet" in err and err.count("\n") == 1
