"""The parser against the hand-labelled seeds, and the Vietnamese number and context rules of LABELING.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.clean import CleanArticle
from etl.evaluate import match_indicators, prf
from etl.parse import parse_article
from etl.parse.numbers import format_vi, to_number

GOLD = Path(__file__).parents[1] / "fixtures" / "gold"
SEEDS = sorted(GOLD.glob("0*.json"))


def _gold_article(path: Path) -> tuple[dict, dict]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    article = CleanArticle(
        title=gold["title"], summary=gold["summary"], author=gold["author"],
        paragraphs=gold["body_paragraphs"], subheadings=gold["subheadings"], captions=gold["captions"],
    )
    return gold, parse_article(article)


def _one(text: str) -> list[dict]:
    return parse_article(CleanArticle(paragraphs=[text]))["indicators"]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_indicators_match_gold(path):
    gold, parsed = _gold_article(path)
    match = match_indicators(parsed["indicators"], gold["indicators"])
    precision, recall, _ = prf(len(match.pairs), len(match.false_positives), len(match.false_negatives))
    assert precision >= 0.95 and recall >= 0.95, (match.false_positives, match.false_negatives)
    for p_index, g_index in match.pairs:
        got, want = parsed["indicators"][p_index], gold["indicators"][g_index]
        assert (got["unit"], got["qualifier"], got["level"], got["is_target"]) == (
            want["unit"], want["qualifier"], want["level"], want["is_target"]
        ), want["text"]
        want_parent = want["parent"]
        got_parent = got["parent"]
        if want_parent is None:
            assert got_parent is None, want["text"]
        else:
            assert dict(match.pairs).get(got_parent) == want_parent, want["text"]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_documents_and_people(path):
    gold, parsed = _gold_article(path)
    documents = {d["number"]: d for d in parsed["documents"]}
    for want in gold["documents"]:
        assert want["number"] in documents
        assert documents[want["number"]]["type"] == want["type"]
        assert documents[want["number"]]["issued"] == want["issued"]
    people = {p["name"]: p["position"] for p in parsed["people"]}
    for want in gold["people"]:
        assert people.get(want["name"]) == want["position"]


def test_offsets_point_at_the_number_text():
    _, parsed = _gold_article(SEEDS[-1])
    for indicator in parsed["indicators"]:
        text = parsed["paragraphs"][indicator["paragraph"]][indicator["start"] : indicator["end"]]
        assert text[0].isdigit() or text.startswith("từ"), text
        assert text in indicator["sentence"]


@pytest.mark.parametrize(
    "text, value, kind, unit",
    [
        ("dân số trên 3,3 triệu người", 3_300_000, "count", "người"),
        ("tổng vốn 1.250 tỷ đồng", 1_250_000_000_000, "count", "đồng"),
        ("diện tích 16.493,7km2", 16493.7, "measure", "km2"),
        ("có 06 đơn vị", 6, "count", "đơn vị"),
        ("hỗ trợ 15 nghìn hộ", 15_000, "count", "hộ"),
        ("tăng 8,9% so với cùng kỳ", 8.9, "percent", "%"),
        ("thu ngân sách đạt 121,3% dự toán", 121.3, "percent", "%"),
        ("tăng trưởng âm 2,1%", -2.1, "percent", "%"),
    ],
)
def test_values_units_and_kinds(text, value, kind, unit):
    [indicator] = _one(text)
    assert (indicator["value"], indicator["kind"], indicator["unit"]) == (value, kind, unit)


def test_ratio_and_ranges():
    ratio, percent = _one("281/411 xã về đích nông thôn mới, đạt 68,13%")
    assert (ratio["kind"], ratio["numerator"], ratio["denominator"], ratio["value"]) == ("ratio", 281, 411, 281)
    assert percent["value"] == 68.13
    [money] = _one("mỗi huyện trích 30 - 40 triệu đồng")
    assert (money["kind"], money["low"], money["high"], money["unit"], money["value"]) == (
        "range", 30_000_000, 40_000_000, "đồng", None
    )
    [share] = _one("hằng năm có từ 55% đến 60% doanh nghiệp tổ chức đối thoại")
    assert (share["low"], share["high"], share["unit"]) == (55, 60, "%")


@pytest.mark.parametrize(
    "text",
    [
        "Chiều 30/5, hội nghị diễn ra",
        "Nghị quyết số 02-NQ/TU ngày 12/5/2017 của Tỉnh ủy",
        "Pháp lệnh 34/2007/PL-UBTVQH11 và Nghị định 04/2015/NĐ-CP",
        "Quy định số 11-QĐi/TW, Quyết định 1234/QĐ-UBND",
        "Năm 2018, lần đầu tiên tổ chức",
        "giai đoạn 2021-2025 và nhiệm kỳ 2020 - 2025",
        "Từ năm 2016 đến nay, Từ 2016 đến nay",
        "sau 05 năm thực hiện, trong 5 năm qua, 3 tháng đầu năm",
        "Kỳ họp thứ 3, Hội nghị Trung ương 4",
        "số liệu đến tháng 12/2020",
        "Điện thoại: 0238 3844 123",
        "lúc 09:15 sáng",
        "cách mạng công nghiệp 4.0",
    ],
)
def test_not_indicators(text):
    assert _one(text) == []


@pytest.mark.parametrize(
    "text, qualifier",
    [
        ("có trên 365.000 tín đồ", "over"),
        ("hơn 350 lượt đơn vị", "over"),
        ("gần 2.000 hộ", "approx"),
        ("khoảng 45 tỷ đồng", "approx"),
        ("dưới 3% hộ nghèo", "under"),
        ("tối thiểu 02 lần/năm", "min"),
        ("tối đa 5 người", "max"),
        ("có 12 xã", "exact"),
    ],
)
def test_qualifiers(text, qualifier):
    [indicator] = _one(text)
    assert indicator["qualifier"] == qualifier


def test_targets_levels_and_breakdowns():
    [target] = _one("Phấn đấu đến năm 2025 có 80% xã đạt chuẩn nông thôn mới.")
    assert target["is_target"] is True
    [result] = _one("Nhiều chỉ tiêu được thực hiện tốt: 100% cơ quan xây dựng quy chế.")
    assert result["is_target"] is False
    total, *parts = _one("Đã tổ chức 2.849 cuộc giám sát, trong đó: Cấp tỉnh: 15 cuộc, cấp huyện: 226 cuộc, cấp xã: 2.608 cuộc.")
    assert [p["parent"] for p in parts] == [0, 0, 0]
    assert [p["level"] for p in parts] == ["tỉnh", "huyện", "xã"]
    assert sum(p["value"] for p in parts) == total["value"]
    first, second = _one("Dân số trên 3,3 triệu người. Trong đó, dân tộc thiểu số chiếm 15,36%.")
    assert second["parent"] is None


def test_same_total_has_the_same_subject():
    subjects = [i["subject"] for i in _one(
        "Tỉnh có 460 xã, phường, thị trấn; 480/480 xã, phường, thị trấn trên địa bàn tỉnh tham gia; "
        "460/460 xã, phường, thị trấn kiện toàn Ban thanh tra nhân dân; 252 xã, thị trấn miền núi."
    )]
    assert subjects[:3] == ["xã, phường, thị trấn"] * 3
    assert subjects[3] == "xã, thị trấn miền núi"


def test_people_from_appositions_and_runs():
    people = parse_article(CleanArticle(paragraphs=[
        "Dự hội nghị có đồng chí Nguyễn Văn An, Ủy viên Ban Thường vụ Tỉnh ủy.",
        "Bí thư Huyện ủy Hương Sơn Bùi Nhân Sâm chia sẻ kinh nghiệm.",
        "Chủ tịch UBND tỉnh Hà Tĩnh Võ Trọng Hải phát biểu.",
    ]))["people"]
    assert {p["name"]: p["position"] for p in people} == {
        "Nguyễn Văn An": "Ủy viên Ban Thường vụ Tỉnh ủy",
        "Bùi Nhân Sâm": "Bí thư Huyện ủy Hương Sơn",
        "Võ Trọng Hải": "Chủ tịch UBND tỉnh Hà Tĩnh",
    }


@given(st.integers(min_value=0, max_value=10**12))
def test_formatted_integers_parse_back(value):
    assert to_number(format_vi(value)) == value


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_decimals_parse_back(value):
    assert round(float(to_number(format_vi(float(value), 2))), 2) == round(float(value), 2)


@given(st.text(max_size=400))
def test_parser_never_raises_on_arbitrary_text(text):
    parse_article(CleanArticle(paragraphs=[text]))
