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


# --- every gold file, parser alone (gold paragraphs in, gold indicators out) --------------------

ALL_GOLD = sorted(p for p in GOLD.glob("*.json") if p.name != "seed_pages.json")


@pytest.mark.parametrize("path", ALL_GOLD, ids=lambda p: p.stem[:60])
def test_gold_paragraphs_give_the_gold_indicators(path):
    gold, parsed = _gold_article(path)
    match = match_indicators(parsed["indicators"], gold["indicators"])
    misses = _value_misses(parsed, gold, match) + _attribute_misses(parsed, gold, match) + _other_misses(parsed, gold)
    assert misses == KNOWN_MISSES.get(path.stem, [])


# What the parser still gets wrong on held-out pages, from their gold paragraphs: figures it reads that
# the gold does not have or misses (a few, within issue 4's targets), documents and people it misses,
# and the unit, qualifier, level, target and parent of matched indicators (`make eval` reports their
# accuracy). The ledger is exact both ways: a regression fails, and so does a fix until its line is removed.
KNOWN_MISSES = json.loads((Path(__file__).parents[1] / "fixtures" / "parser_known_misses.json").read_text(encoding="utf-8"))


def _value_misses(parsed: dict, gold: dict, match) -> list[str]:
    extra = [f"false positive {parsed['indicators'][i]['value']!r}: {parsed['indicators'][i]['sentence'][:60]!r}"
             for i in match.false_positives]
    return extra + [f"missed {gold['indicators'][i]['text']!r}" for i in match.false_negatives]


def _other_misses(parsed: dict, gold: dict) -> list[str]:
    numbers = {d["number"] for d in parsed["documents"]}
    people = {(p["name"], p["position"]) for p in parsed["people"]}
    return ([f"document missed {d['number']!r}" for d in gold["documents"] if d["number"] not in numbers]
            + [f"person missed {p['name']!r}, {p['position']!r}" for p in gold["people"]
               if (p["name"], p["position"]) not in people])


def _attribute_misses(parsed: dict, gold: dict, match) -> list[str]:
    misses = []
    for p_index, g_index in match.pairs:
        got, want = parsed["indicators"][p_index], gold["indicators"][g_index]
        for field in ("unit", "qualifier", "level", "is_target"):
            if got[field] != want[field]:
                misses.append(f"{field} of {want['text']!r}: {got[field]!r}, gold {want[field]!r}")
        parent = dict(match.pairs).get(got["parent"]) if got["parent"] is not None else None
        if parent != want["parent"]:
            misses.append(f"parent of {want['text']!r}: {parent!r}, gold {want['parent']!r}")
    return misses


# --- rules added for unseen layouts ------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "Chỉ số PCI xếp thứ 9/63 tỉnh, thành phố",
        "quy mô nền kinh tế đứng thứ 8 cả nước",
        "Sau 3 ngày làm việc (từ ngày 06 - 08/12), kỳ họp bế mạc",
        "Trong hai ngày 23 và 24/7, hội nghị diễn ra",
        "liên hệ số 1900.6868 hoặc 0229.3871.256",
        "tại tầng 11, Tháp A, Trung tâm Hành chính tỉnh",
    ],
)
def test_ranks_day_ranges_and_hotlines_are_not_indicators(text):
    assert _one(text) == []


def test_english_decimal_point_before_percent():
    [indicator] = _one("Kim ngạch xuất khẩu tăng 6.5% so với cùng kỳ")
    assert (indicator["value"], indicator["kind"]) == (6.5, "percent")


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("thu nhập đạt từ 800.000 đến 1,2 triệu đồng/người/tháng", 800_000, 1_200_000),
        ("thu nhập đạt từ 800 nghìn đến 1,2 triệu đồng", 800_000, 1_200_000),
        ("mỗi hộ được hỗ trợ 30 - 40 triệu đồng", 30_000_000, 40_000_000),
        ("thu hút từ 1,5 - 2 tỷ USD vốn FDI", 1_500_000_000, 2_000_000_000),
    ],
)
def test_ranges_with_scale_words_on_one_or_both_ends(text, low, high):
    [indicator] = _one(text)
    assert (indicator["kind"], indicator["low"], indicator["high"]) == ("range", low, high)


def test_units_per_area_and_time():
    yield_range, at_least = _one("Năng suất đạt 2,8 - 3,2 tấn/ha, có nơi đạt từ 4 tấn/ha trở lên.")
    assert (yield_range["unit"], at_least["unit"], at_least["kind"], at_least["qualifier"]) == ("tấn/ha", "tấn/ha", "measure", "min")


def test_estimated_growth_is_approximate():
    [indicator] = _one("GRDP 9 tháng ước tăng 5,02% so với cùng kỳ")
    assert indicator["qualifier"] == "approx"


def _parents(text: str) -> list[tuple[float | None, int | None, str | None]]:
    return [(i["value"], i["parent"], i["unit"]) for i in _one(text)]


def test_breakdown_after_a_percent_on_the_total():
    assert _parents("Ngành du lịch đón trên 4,2 triệu lượt khách, tăng 42,6% so với cùng kỳ, trong đó khách quốc tế đạt 86.500 lượt.") == [
        (4_200_000, None, "lượt"), (42.6, None, "%"), (86_500, 0, "lượt")
    ]


def test_breakdown_in_parentheses_runs_over_semicolons():
    found = _parents("Toàn tỉnh kết nạp 2.146 đảng viên, đạt 52,3% kế hoạch (trong đó: đoàn viên 1.582 người, chiếm 73,7%; "
                     "đảng viên nữ 1.014 người; người dân tộc thiểu số 298 người). Có 12 đảng bộ đạt kế hoạch.")
    assert [parent for _, parent, _ in found] == [None, None, 0, None, 0, 0, None]


def test_breakdown_parts_separated_by_semicolons():
    found = _parents("Tổ chức 1.842 cuộc tiếp xúc, đối thoại, trong đó: cấp tỉnh 8 cuộc; cấp huyện 164 cuộc; cấp xã 1.670 cuộc.")
    assert [parent for _, parent, _ in found] == [None, 0, 0, 0]


def test_parts_in_parentheses_that_add_up_take_the_total_unit():
    assert _parents("Đã thi hành kỷ luật 45 đảng viên (khiển trách 30, cảnh cáo 12, cách chức 3), tăng 7 trường hợp.") == [
        (45, None, "đảng viên"), (30, 0, "đảng viên"), (12, 0, "đảng viên"), (3, 0, "đảng viên"), (7, None, "trường hợp")
    ]


def test_parentheses_before_the_marker_do_not_close_the_breakdown():
    found = _parents("Tỉnh thu hút 1,21 tỷ USD vốn đầu tư trực tiếp nước ngoài (FDI), đạt 80,7% kế hoạch, trong đó "
                     "cấp mới 42 dự án với tổng vốn 580 triệu USD, 56 dự án điều chỉnh tăng vốn 630 triệu USD.")
    assert [parent for _, parent, _ in found] == [None, None, None, 0, None, 0]


def test_directives_are_targets_and_plans_already_set_are_not_results():
    [directive] = _one("Đồng chí Bí thư đề nghị năm 2024 mỗi xã xây dựng ít nhất 02 mô hình mới.")
    assert directive["is_target"] is True
    first, second = _one("Phấn đấu hoàn thành 100% chương trình kiểm tra đã đề ra, giải quyết dứt điểm 100% đơn thư.")
    assert first["is_target"] and second["is_target"]
    [request] = _one("Theo đề nghị của Sở Tài chính, tỉnh đã cấp 12 tỷ đồng.")
    assert request["is_target"] is False


def test_positions_after_the_name_in_several_parts():
    people = parse_article(CleanArticle(paragraphs=[
        "Đồng chí Lê Văn Thắng, Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy, Trưởng đoàn đại biểu Quốc hội tỉnh chủ trì hội nghị.",
        "Theo ông Nguyễn Hoài Dương, Giám đốc Sở Nông nghiệp và Phát triển nông thôn, tỉnh đặt mục tiêu mới.",
        "Đồng chí Hoàng Minh Tuấn, Phó Bí thư Tỉnh ủy trao Huy hiệu Đảng cho các đảng viên.",
        "Dự có đồng chí Vàng Thị Mai, Trưởng Ban Dân vận Tỉnh ủy và đồng chí Giàng Seo Phử, Phó Chủ tịch UBND tỉnh.",
        "Có mặt đồng chí Trần Văn Bình, Bí thư Tỉnh ủy, Phó Chủ tịch UBND tỉnh Đỗ Minh Hà.",
    ]))["people"]
    assert {p["name"]: p["position"] for p in people} == {
        "Lê Văn Thắng": "Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy, Trưởng đoàn đại biểu Quốc hội tỉnh",
        "Nguyễn Hoài Dương": "Giám đốc Sở Nông nghiệp và Phát triển nông thôn",
        "Hoàng Minh Tuấn": "Phó Bí thư Tỉnh ủy",
        "Vàng Thị Mai": "Trưởng Ban Dân vận Tỉnh ủy",
        "Giàng Seo Phử": "Phó Chủ tịch UBND tỉnh",
        "Trần Văn Bình": "Bí thư Tỉnh ủy",
        "Đỗ Minh Hà": "Phó Chủ tịch UBND tỉnh",
    }


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**6),
       st.sampled_from([("", 1), (" nghìn", 1000), (" triệu", 10**6), (" tỷ", 10**9)]))
def test_formatted_ranges_parse_back(a, b, scale):
    low, high = sorted((a, b))
    word, factor = scale
    [indicator] = _one(f"mức hỗ trợ từ {format_vi(low)} đến {format_vi(high)}{word} đồng")
    assert (indicator["low"], indicator["high"]) == (low * factor, high * factor)


@given(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_percents_parse_back(value):
    [indicator] = _one(f"tỷ lệ đạt {format_vi(float(value), 2)}%")
    assert round(indicator["value"], 2) == round(float(value), 2)


def test_positions_after_a_name_with_its_own_position_start_the_next_one():
    people = parse_article(CleanArticle(paragraphs=[
        "Cục trưởng Cục Thuế tỉnh Nguyễn Văn Nam, Ủy viên Bộ Chính trị, Thường trực Ban Bí thư Trần Cẩm Tú phát biểu.",
        "Đại tá Nguyễn Văn Hải, Giám đốc Công an tỉnh báo cáo.",
    ]))["people"]
    assert {p["name"]: p["position"] for p in people} == {
        "Nguyễn Văn Nam": "Cục trưởng Cục Thuế tỉnh",
        "Trần Cẩm Tú": "Ủy viên Bộ Chính trị, Thường trực Ban Bí thư",
        "Nguyễn Văn Hải": "Giám đốc Công an tỉnh",
    }


def test_document_numbers_with_a_numbered_code():
    documents = parse_article(CleanArticle(paragraphs=["Luật Đất đai số 31/2024/QH15 và Công văn số 1234/UBND-VX."]))["documents"]
    assert [(d["number"], d["type"]) for d in documents] == [("31/2024/QH15", "Luật"), ("1234/UBND-VX", "Công văn")]


# --- the fast paths give what the plain patterns gave ------------------------------------------

TRICKY = [
    "Bà Rịa-Vũng Tàu", "đồng chí Trần Văn Bình, Bí thư Tỉnh ủy", "Nguyễn  Văn A", "(Nguyễn Văn An)", "UBND Tỉnh Nghệ An",
    "ông Lê Văn Thắng.Phó Chủ tịch", "Hà\u00a0Nội Mới", "A B", "ǅa Bc", "Ab1 Cd", "Đ Đ Đ", "", " ", "xY Zw Ab",
    "Covid-19 ngày 12/5/2017 lúc 8h30, 09:15, ĐT (0238) 3844 556, 2021-2025, phiên bản 4.0, tăng 6.5%, 31/2024/QH15",
    "số 0238.3844.556 và 05 năm, năm 2020 - 2025, mục 1.2. và 21.896 tỷ đồng; 2.418 lượt, 1,2 triệu",
]


def test_capitalised_runs_read_word_by_word():
    import re

    from etl.parse.people import _capitalised_runs

    def plain(text):
        runs, current = [], []
        for word in re.finditer(r"[^\W\d_]+", text):
            name = word.group()[0].isupper() and (len(word.group()) == 1 or word.group()[1:].islower())
            joined = bool(current) and text[current[-1].end() : word.start()] == " "
            if name and (joined or not current):
                current.append(word)
                continue
            if len(current) >= 2:
                runs.append((current[0].start(), current[-1].end(), [w.group() for w in current]))
            current = [word] if name else []
        if len(current) >= 2:
            runs.append((current[0].start(), current[-1].end(), [w.group() for w in current]))
        return runs

    for text in TRICKY:
        assert _capitalised_runs(text) == plain(text), text
    assert _capitalised_runs("Bà Rịa-Vũng Tàu") == [(0, 6, ["Bà", "Rịa"]), (7, 15, ["Vũng", "Tàu"])]


# The masks as first written, with the look-behind in front: the digit-first forms in _MASKS must find the same.
_PLAIN_DOCUMENT = r"(?<![\w/])\d{1,5}[a-z]?(?:/\d{4})?[-/][A-ZĐ][A-Za-zĐđ&]+\d*(?:[-/][A-ZĐ][A-Za-zĐđ0-9&]*)*"
_PLAIN_MASKS = [
    _PLAIN_DOCUMENT, r"(?<=[^\W\d_])-\d+", r"(?<![\w/])\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(?!\d)",
    r"(?<![\w/])\d{1,2}/\d{4}(?!\d)", r"(?<![\w:])\d{1,2}\s*(?::|h|giờ)\s*\d{2}(?!\d)",
    r"(?<![\w])\(?0\d{2,3}\)?[\s.]?\d{3,4}[\s.]?\d{3,4}(?!\d)",
    r"(?<![\w])(?:19|20)\d{2}\s*[-–—]\s*(?:19|20)\d{2}(?!\d)", r"(?<![\w.])\d+\.\d{1,2}(?![\d.]|\s*%)",
]


def _assert_masks_as_plain(text):
    import re

    from etl.parse.indicators import DOCUMENT_RE, _masked

    assert _masked(text) == sorted(m.span() for p in _PLAIN_MASKS for m in re.finditer(p, text)), text
    assert [m.span() for m in DOCUMENT_RE.finditer(text)] == [m.span() for m in re.finditer(_PLAIN_DOCUMENT, text)], text


def test_numbers_and_masks_found_as_the_plain_patterns_find_them():
    import re

    from etl.parse.numbers import NUMBER, NUMBER_RE

    plain_number = re.compile(rf"(?<![\w.,/])(?:{NUMBER})(?![\d])")
    for text in TRICKY:
        assert [m.span() for m in NUMBER_RE.finditer(text)] == [m.span() for m in plain_number.finditer(text)], text
        _assert_masks_as_plain(text)


@given(st.text(alphabet="0123456789 .,/-–:h()%ĐAaz", max_size=30))
def test_numbers_and_masks_on_any_digits(text):
    import re

    from etl.parse.numbers import NUMBER, NUMBER_RE

    plain_number = re.compile(rf"(?<![\w.,/])(?:{NUMBER})(?![\d])")
    assert [m.span() for m in NUMBER_RE.finditer(text)] == [m.span() for m in plain_number.finditer(text)]
    _assert_masks_as_plain(text)


def test_tail_patterns_skip_only_texts_they_cannot_match():
    from etl.parse.phrases import fold, load

    ph = load()
    tails = [ph.reference_prefix_re, ph.day_word_re, ph.ordinal_re, ph.year_word_re, ph.qualifier_re, ph.level_re]
    befores = [fold(t[: i]) for t in TRICKY + ["Kỳ họp thứ ", "ước khoảng ", "cấp tỉnh có ", "ngày 3 tháng ", "giai đoạn\n"]
               for i in range(len(t) + 1)]
    for tail in tails:
        for before in befores:
            plain, fast = tail.pattern.search(before), tail.search(before)
            assert (plain and (plain.span(), plain.groups())) == (fast and (fast.span(), fast.groups())), before


def test_target_hint_passes_over_only_texts_that_hold_no_target():
    from etl.parse.indicators import _is_target
    from etl.parse.phrases import fold, load

    ph = load()
    texts = TRICKY + [
        "Phấn đấu đến năm 2025 đạt 100%", "phấn đã giao đấu 5", "mục tiêu quốc gia 3", "chương trình mục tiêu 12",
        "đề nghị của tỉnh 4", "theo đề nghị, sẽ 7", "kế hoạch đã đề ra 9", "giao chỉ tiêu 8",
    ]
    for text in texts:
        folded = fold(text)
        if ph.target_hint_re.search(folded) is None:
            assert not any(_is_target(folded, 0, end, ph) for end in range(len(folded) + 1)), text


def test_people_whatever_their_surname_and_however_long_their_apposition():
    people = parse_article(CleanArticle(paragraphs=[
        "Đồng chí Rơ Chăm Hlinh, Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo chủ trì hội nghị.",
        "Đồng chí K’Brôn Ha Tâm, Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng Ban Dân vận Tỉnh ủy phát biểu.",
        "Đồng chí Hà Văn Toàn, Ủy viên Ban Thường vụ Tỉnh ủy, Bí thư Huyện ủy Văn Chấn cho biết như vậy.",
        "Theo đồng chí Nguyễn Văn Hùng, Giám đốc Sở Lao động - Thương binh và Xã hội, còn vướng mắc.",
    ]))["people"]
    assert {p["name"]: p["position"] for p in people} == {
        "Rơ Chăm Hlinh": "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo",
        "K’Brôn Ha Tâm": "Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng Ban Dân vận Tỉnh ủy",
        "Hà Văn Toàn": "Ủy viên Ban Thường vụ Tỉnh ủy, Bí thư Huyện ủy Văn Chấn",  # Văn Chấn is the district
        "Nguyễn Văn Hùng": "Giám đốc Sở Lao động - Thương binh và Xã hội",
    }


# --- rules from the fifth held-out round ----------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "Dự án đường Vành đai 4 - Vùng Thủ đô đoạn qua tỉnh được đẩy nhanh tiến độ.",
        "Dự án Hòa Phát Dung Quất 2 còn vướng mặt bằng.",
        "Cảng tổng hợp Hòa Phát (bến số 5, 6) còn vướng mặt bằng.",
    ],
)
def test_numbers_inside_names_are_not_indicators(text):
    assert _one(text) == []


def test_a_small_count_after_a_capitalised_sentence_start_is_still_a_count():
    # No known unit after it, so only the sentence-start test keeps "Tổng cộng 12" from reading as a name.
    [indicator] = _one("Hội nghị đã diễn ra. Tổng cộng 12 đều được duyệt.")
    assert indicator["value"] == 12


def test_percentage_points_are_a_percent():
    [share, change] = _one("Tỷ lệ lao động qua đào tạo đạt 61,5%, tăng 9,3 điểm phần trăm so với năm 2018.")
    assert (change["value"], change["kind"], change["unit"]) == (9.3, "percent", "%")


def test_figures_in_a_subheading_restate_the_text():
    article = CleanArticle(paragraphs=["100% hộ người có công có mức sống khá", "Có 100% hộ người có công có mức sống khá."],
                           subheadings=["100% hộ người có công có mức sống khá"])
    assert [i["paragraph"] for i in parse_article(article)["indicators"]] == [1]


def test_a_level_before_a_figure_with_an_adverb_between():
    [indicator] = _one("Tỷ lệ hộ nghèo cấp tỉnh mới đạt 9,8%.")
    assert indicator["level"] == "tỉnh"


# --- rules from the sixth held-out round ----------------------------------------------------------

def test_a_span_of_years_is_not_a_range():
    assert [i["value"] for i in _one("Trao Huy hiệu 30 - 60 năm tuổi Đảng 1.041 đồng chí.")] == [1041]


def test_a_department_whose_name_lists_its_fields():
    people = parse_article(CleanArticle(paragraphs=[
        "Theo đồng chí Điểu Minh Thuận, Giám đốc Sở Văn hóa, Thể thao và Du lịch, nguồn nhân lực còn thiếu.",
        "Giám đốc Sở Nội vụ Lăng Thị Hường báo cáo kết quả sắp xếp.",
    ]))["people"]
    assert [(p["name"], p["position"]) for p in people] == [
        ("Điểu Minh Thuận", "Giám đốc Sở Văn hóa, Thể thao và Du lịch"), ("Lăng Thị Hường", "Giám đốc Sở Nội vụ")]


# --- rules from the seventh held-out round --------------------------------------------------------

@pytest.mark.parametrize(
    "text, values",
    [
        ("Thành phố phủ sóng 4G tới 100% thôn và có 1.145 trạm phát sóng 5G.", [100, 1145]),
        ("Tỉnh đã đầu tư 3 tuyến đường dây 220 kV và 2 trạm biến áp 500 kV.", [3, 2]),
        ("Quy mô GRDP đạt khoảng 1,79 triệu tỷ đồng.", [1_790_000_000_000_000]),
    ],
)
def test_generations_voltage_classes_and_compound_scales(text, values):
    assert [i["value"] for i in _one(text)] == values


def test_a_position_before_a_name_with_a_comma_inside_the_department():
    people = parse_article(CleanArticle(paragraphs=["Giám đốc Sở Văn hóa, Thể thao và Du lịch Trương Thị Ngọc Ánh báo cáo."]))["people"]
    assert [(p["name"], p["position"]) for p in people] == [("Trương Thị Ngọc Ánh", "Giám đốc Sở Văn hóa, Thể thao và Du lịch")]


def test_the_word_before_thi_or_van_is_the_surname_whatever_it_is():
    people = parse_article(CleanArticle(paragraphs=[
        "Bí thư Huyện ủy Nam Giang Zơrâm Thị Bích đề nghị tỉnh hỗ trợ.", "Bí thư Huyện ủy Văn Chấn Nguyễn Văn An phát biểu.",
    ]))["people"]
    assert [(p["name"], p["position"]) for p in people] == [
        ("Zơrâm Thị Bích", "Bí thư Huyện ủy Nam Giang"), ("Nguyễn Văn An", "Bí thư Huyện ủy Văn Chấn")]


def test_a_committee_named_with_its_scope():
    people = parse_article(CleanArticle(paragraphs=[
        "Đồng chí Lê Thị Thu Hồng, Phó Bí thư Thường trực Tỉnh ủy, Trưởng Ban Chỉ đạo chuyển đổi số trong các cơ quan đảng cho biết.",
        "Đồng chí Lê Văn An, Bí thư Tỉnh ủy trong buổi làm việc cho biết.",
    ]))["people"]
    assert [p["position"] for p in people] == [
        "Phó Bí thư Thường trực Tỉnh ủy, Trưởng Ban Chỉ đạo chuyển đổi số trong các cơ quan đảng", "Bí thư Tỉnh ủy"]


def test_a_phase_number_is_not_a_count():
    assert [i["value"] for i in _one("Khu công nghiệp rộng 500 ha theo quy hoạch giai đoạn 1.")] == [500]


# --- rules of the eleventh and twelfth held-out rounds ---------------------------------------------

def test_committee_membership_is_a_position_and_the_lead_names_officials_first():
    article = CleanArticle(
        summary="Đồng chí Ngô Văn Hiển, Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh chủ trì phiên họp.",
        paragraphs=["Đồng chí Lê Văn Đức, Tỉnh ủy viên, Bí thư Huyện ủy chủ trì hội nghị.",
                    "Kết luận phiên họp, đồng chí Ngô Văn Hiển yêu cầu các sở, ngành tập trung."],
        captions=["Chủ tịch UBND tỉnh Ngô Văn Hiển kết luận phiên họp."],
    )
    people = {p["name"]: p["position"] for p in parse_article(article)["people"]}
    assert people == {"Ngô Văn Hiển": "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh", "Lê Văn Đức": "Tỉnh ủy viên, Bí thư Huyện ủy"}


def test_a_list_of_durations_gives_no_figures():
    assert [i["value"] for i in _one("Dịp này, 163 đồng chí nhận Huy hiệu 30, 40, 45, 50, 55 năm tuổi Đảng.")] == [163]


def test_parts_after_a_marker_apart_from_the_total_link_when_they_add_up():
    text = ("Toàn tỉnh có 512 trường học với 221.480 học sinh, tăng 3.125 học sinh so với năm học trước; trong đó "
            "mầm non có 172 trường, tiểu học 168 trường, trung học cơ sở 121 trường và trung học phổ thông 51 trường.")
    assert [i["parent"] for i in _one(text)] == [None, None, None, 0, 0, 0, 0]
    # Parts that do not add up to any earlier figure stay unlinked.
    text = "Toàn tỉnh có 512 trường học; trong đó mầm non có 172 trường, tiểu học 168 trường."
    assert [i["parent"] for i in _one(text)] == [None, None, None]


# --- rules of the thirteenth held-out round ----------------------------------------------------------

def test_a_scale_word_after_a_fraction_scales_both_parts():
    [ratio, _] = _one("Vốn đầu tư phát triển mới giải ngân được 203,7/398,5 tỷ đồng, đạt 51,1% kế hoạch.")
    assert (ratio["numerator"], ratio["denominator"], ratio["unit"]) == (203_700_000_000, 398_500_000_000, "đồng")


def test_an_honorific_opening_the_sentence_is_not_part_of_the_name():
    people = parse_article(CleanArticle(paragraphs=["Ông Nguyễn Đức Toàn, Giám đốc Bảo hiểm xã hội tỉnh cho biết."]))["people"]
    assert people == [{"name": "Nguyễn Đức Toàn", "position": "Giám đốc Bảo hiểm xã hội tỉnh"}]


# --- rules of the fifteenth and sixteenth held-out rounds ----------------------------------------------

@pytest.mark.parametrize(
    "text, values",
    [
        ("Giá trị sản xuất bình quân trên 1 ha đất canh tác đạt 185 triệu đồng.", [185_000_000]),  # the basis of a rate
        ("Diện tích trên 1 triệu ha rừng.", [1_000_000]),
        ("Tỷ lệ trẻ 6 tuổi vào lớp 1 đạt 100%.", [100]),  # a grade
        ("Ở cấp huyện, 9/9 quận, huyện đã ban hành kế hoạch.", [9]),  # districts, not 9 September
        ("Dịp nghỉ lễ từ 30/4 đến 1/5 tỉnh đón 120.000 lượt khách.", [120_000]),  # a span of dates
    ],
)
def test_bases_grades_counted_districts_and_date_spans(text, values):
    assert [i["value"] for i in _one(text)] == values


# --- rules of the seventeenth and eighteenth held-out rounds --------------------------------------------

def test_a_place_after_the_position_belongs_to_it_and_a_total_number_is_a_count():
    people = parse_article(CleanArticle(paragraphs=[
        "Bác sĩ Hoàng Văn Sính, Trạm trưởng Trạm Y tế xã Thuận Hòa, huyện Vị Xuyên khám bệnh cho người dân."]))["people"]
    assert people == [{"name": "Hoàng Văn Sính", "position": "Trạm trưởng Trạm Y tế xã Thuận Hòa, huyện Vị Xuyên"}]
    assert [i["value"] for i in _one("Thôn, bản có nhân viên y tế với tổng số 2.046 nhân viên y tế.")] == [2046]


def test_a_category_number_is_not_a_count():
    assert [i["value"] for i in _one("Bồi dưỡng kiến thức quốc phòng cho 2.418 cán bộ đối tượng 3, 4 trong năm.")] == [2418]


def test_a_class_of_the_counted_things_is_not_a_figure():
    assert [i["value"] for i in _one("Vẫn còn 62 doanh nghiệp có từ 50 lao động trở lên nhưng chưa có đảng viên.")] == [62]
    assert [(i["value"], i["qualifier"]) for i in _one("Kết nạp từ 50 đảng viên trở lên.")] == [(50, "min")]


@given(st.text(alphabet="oaeuyiòóỏõọàáảãạùúủũụỳýỷỹỵèéẻẽẹ hOAUYÒÓỎÕỌ.5", max_size=16))
def test_fold_slicer_reads_every_slice_as_fold_slice(text):
    from etl.parse.phrases import fold, fold_slice, fold_slicer, foldable_by_slices

    folded = fold(text)
    cut = fold_slicer(text, folded)
    sliceable = folded if foldable_by_slices(text, folded) else None
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 3):
            assert cut(start, end) == fold_slice(text, sliceable, start, end) == fold(text[start:end]), (start, end)


@given(st.lists(st.text(alphabet="tấh ", min_size=1, max_size=4), max_size=8), st.text(alphabet="tấh .", max_size=12))
def test_one_of_matches_as_the_plain_alternation(words, text):
    import re

    from etl.parse.phrases import _word_pattern, one_of

    grouped, plain = re.compile(one_of(words) or "(?!)"), re.compile("|".join(map(_word_pattern, words)) or "(?!)")
    for pos in range(len(text) + 1):
        fast, slow = grouped.match(text, pos), plain.match(text, pos)
        assert (fast and fast.span()) == (slow and slow.span()), pos


def _position_heads() -> list[str]:
    import yaml

    from etl import settings

    return yaml.safe_load((settings.PACKAGE_DATA_DIR / "phrases.yaml").read_text(encoding="utf-8"))["position_heads"]


_PEOPLE_PIECES = [
    *_position_heads(), *(h.capitalize() for h in _position_heads()), "Nguyễn Văn An", "Lò Thị Xuyến", "Rơ Chăm Hlinh",
    "ông", "Đồng chí", ",", "Tỉnh ủy", "UBND tỉnh", "huyện Vị Xuyên", "phát biểu", "và", "Sở", "Ủy ban",
]


@given(st.lists(st.sampled_from(_PEOPLE_PIECES), max_size=10))
def test_people_skips_only_texts_without_a_position_head(pieces):
    import dataclasses
    import re

    from etl.parse import people
    from etl.parse.phrases import load

    text = " ".join(pieces).replace(" ,", ",")
    every_text = dataclasses.replace(load(), position_hint_re=re.compile(""))
    assert people.find([text], None, load()) == people.find([text], None, every_text)


@pytest.mark.parametrize("head", _position_heads())
def test_every_position_head_lets_its_text_through_the_people_prefilter(head):
    from etl.parse.people import find

    text = f"Đồng chí Nguyễn Văn An, {head} Tỉnh ủy phát biểu."
    assert find([text]) == [{"name": "Nguyễn Văn An", "position": f"{head} Tỉnh ủy"}]


_WORDS = st.text(alphabet="tấh ", min_size=1, max_size=4).map(str.strip).filter(bool)


@given(st.lists(_WORDS, max_size=8), st.text(alphabet="tấh .,", max_size=12))
def test_one_of_after_a_non_word_ends_where_the_pattern_led_by_a_non_word_does(words, text):
    import re

    from etl.parse.phrases import _word_pattern, one_of

    led = re.compile(rf"(?:{one_of(words, after_non_word=True) or '(?!)'})(?![\w])")
    plain = re.compile(rf"(?:^|\W)(?:{'|'.join(map(_word_pattern, words)) or '(?!)'})(?![\w])")
    assert [m.end() for m in led.finditer(text)] == [m.end() for m in plain.finditer(text)]
    for pos in range(len(text) + 1):
        if pos == 0 or re.match(r"\w", text[pos - 1]):  # as _is_target searches: right after a target word
            fast, slow = led.search(text, pos), plain.search(text, pos)
            assert (fast and fast.end()) == (slow and slow.end()), pos


def test_every_level_phrase_holds_cap():
    from etl.parse.phrases import load

    # find passes over level_re where a paragraph's fold holds no "cấp".
    assert load().level_re.pattern.pattern.startswith("cấp")


@given(st.lists(st.sampled_from(["thứ", "hạng", "top", "từ", "trên", "dưới", "có", "12", "hộ", "âm", "-", " ", ",", "th", "ứ"]),
                max_size=12))
def test_a_tail_matches_no_slice_of_a_text_it_may_not_match_in(pieces):
    from etl.parse.indicators import _CLASS_BEFORE_RE, _NEGATIVE_RE
    from etl.parse.phrases import load

    text = "".join(pieces)
    for tail in (load().ordinal_re, _CLASS_BEFORE_RE):
        if not tail.may_match_in(text):
            assert all(tail.search(text[a:b]) is None for a in range(len(text) + 1) for b in range(a, len(text) + 1))
    assert _NEGATIVE_RE.search(text) is None or "-" in text or "âm" in text


@given(st.lists(st.sampled_from(["12", "1.200", "5,5", "3", "%", " ", "/", "-", " từ ", " đến ", " triệu ", " hộ", ", "]),
                max_size=14))
def test_no_two_figures_share_a_paragraph_and_an_end(pieces):
    # link_parents finds a total's index by this, where indicators.index() compared every field.
    found = parse_article(CleanArticle(paragraphs=["".join(pieces), "".join(pieces)]))["indicators"]
    keys = [(i["paragraph"], i["end"]) for i in found]
    assert len(keys) == len(set(keys))


def test_target_and_result_words_end_in_a_word_character():
    import re

    import yaml

    from etl import settings

    # target_re and result_re end where "(?:^|\W)(?:words)" would only while each word ends in one (their
    # matches then cannot share the character before the next).
    data = yaml.safe_load((settings.PACKAGE_DATA_DIR / "phrases.yaml").read_text(encoding="utf-8"))
    assert all(re.search(r"\w$", w) for w in data["target_words"] + data["result_words"])
