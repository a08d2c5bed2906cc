"""Find the quantitative indicators of a paragraph: value, kind, unit, qualifier, level, target, subject.

A number is first tested against what it could be instead of an indicator (a document number, a
date, a year, a duration, an ordinal, a phone number, a list label); what survives is read with
its scale word, its unit or counted noun, and the words around it. See docs/LABELING.md.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from etl.parse import sentences
from etl.parse.numbers import NUMBER, NUMBER_RE, to_number
from etl.parse.phrases import Phrases, Tail, fold, fold_slicer, fold_word, load

# Spans that are never indicators, found before numbers are read. Those that start with a digit are
# written with it taken out in front of the look-behind ("\d(?<![\w/]\d)" for "(?<![\w/])\d"), as
# NUMBER_RE is: a search then jumps from digit to digit instead of trying every position.
DOCUMENT_RE = re.compile(
    r"\d(?<![\w/]\d)\d{0,4}[a-z]?(?:/\d{4})?[-/][A-ZĐ][A-Za-zĐđ&]+\d*(?:[-/][A-ZĐ][A-Za-zĐđ0-9&]*)*"
)
# What every document number holds: a text without it cites none.
DOCUMENT_HINT_RE = re.compile(r"[-/][A-ZĐ]")
# Each with a cheap test of something every match holds (found by a quick scan for its rarer characters):
# most paragraphs hold no date, phone number or version, and most masks then cost one scan.
_MASKS = [
    (DOCUMENT_RE, DOCUMENT_HINT_RE),
    (re.compile(r"-(?<=[^\W\d_]-)\d+"), None),  # Covid-19, SARS-CoV-2: part of a name
    (re.compile(r"\d(?<![\w/]\d)\d?[/.-]\d{1,2}[/.-]\d{4}(?!\d)"), re.compile(r"[/.-]\d{4}")),  # 12/5/2017
    (re.compile(r"\d(?<![\w/]\d)\d?/\d{4}(?!\d)"), re.compile(r"/\d{4}")),  # tháng 12/2020
    (re.compile(r"\d(?<![\w:]\d)\d?\s*(?::|h|giờ)\s*\d{2}(?!\d)"), re.compile(r"[:hờ]\s*\d{2}")),  # 09:15, 8h30
    (re.compile(r"(?<![\w])\(?0\d{2,3}\)?[\s.]?\d{3,4}[\s.]?\d{3,4}(?!\d)"), re.compile(r"0(?<!\w0)\d{2}")),  # phone numbers
    (re.compile(r"(?<![\w])(?:19|20)\d{2}\s*[-–—]\s*(?:19|20)\d{2}(?!\d)"), re.compile(r"[-–—]\s*(?:19|20)\d{2}")),  # 2021-2025
    (re.compile(r"\d(?<![\w.]\d)\d*\.\d{1,2}(?![\d.]|\s*%)"), re.compile(r"\.\d{1,2}(?![\d.])")),  # 4.0, 1.2 (versions, section numbers), not 6.5%
]
_DIGIT_RE = re.compile(r"\d")
_LIST_LABEL_RE = re.compile(r"^\s*\(?\d{1,2}[.)]\s")
_PHONE_CONTEXT_RE = re.compile(r"(?:đt|điện thoại|fax|hotline|sđt|tel)\s*[:.]?\s*[\d\s.()+-]*$")
# What every match of _PHONE_CONTEXT_RE holds ("sđt" holds "đt"): a paragraph without any has no window that
# matches. Tested with `in`, which finds a word faster than a search for a set of first letters.
_PHONE_WORDS = ("đt", "điện thoại", "fax", "hotline", "tel")

_RANGE_JOIN_RE = re.compile(r"\s*(?:[-–—]|đến|tới)\s*")
_DENOMINATOR_RE = re.compile(rf"/({NUMBER})(?![\d/])")
_SECOND_NUMBER_RE = re.compile(rf"({NUMBER})(?![\d/])")
_TU_BEFORE_RE = re.compile(r"(?:^|\s)từ\s*$")
_FOUR_DIGITS_RE = re.compile(r"\d{4}")
_NEGATIVE_RE = re.compile(r"(?:^|\s)(?:âm\s+|-)$")
_WORDS_RE = re.compile(r"([^\W\d_]+(?:/[^\W\d_]+)?)(?:\s([^\W\d_]+))?")
_PARENTHESIS_AFTER_RE = re.compile(r"[^\d();,.]{0,40}?\(")
# "tăng 9,3 điểm phần trăm": a change in percentage points is written down as a percent (LABELING).
_PERCENT_RE = re.compile(r"\s*(%|phần trăm|điểm phần trăm|điểm %)")
_CLAUSE_END = r"[,;.:()\[\]“”\"!?…]|\s[-–]\s|\s(?:và|với|trong đó|tham gia|trên địa bàn|so với|của)\s"
# A clause end or a digit, whichever comes first: one search where a clause end then a digit before it took two.
_CLAUSE_END_OR_DIGIT_RE = re.compile(rf"\d|{_CLAUSE_END}")

KINDS = ("count", "percent", "ratio", "range", "measure")


@dataclass
class Indicator:
    value: float | int | None
    kind: str
    unit: str | None
    start: int
    end: int
    paragraph: int
    sentence: str
    numerator: float | int | None = None
    denominator: float | int | None = None
    low: float | int | None = None
    high: float | int | None = None
    qualifier: str = "exact"
    is_target: bool = False
    level: str | None = None
    parent: int | None = None
    subject: str | None = None
    sentence_start: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "kind": self.kind,
            "unit": self.unit,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "low": self.low,
            "high": self.high,
            "qualifier": self.qualifier,
            "is_target": self.is_target,
            "level": self.level,
            "parent": self.parent,
            "subject": self.subject,
            "sentence": self.sentence,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
        }


def _masked(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for pattern, test in _MASKS if test is None or test.search(text) for m in pattern.finditer(text)]
    return sorted(spans)


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _scaled(fold_cut: Callable[[int, int], str], pos: int, ph: Phrases) -> tuple[float, int]:
    """The multiplier of a scale word at pos ("triệu", "nghìn tỷ"), and where it ends (fold_cut: the
    paragraph's fold_slicer)."""
    match = ph.scale_re.match(fold_cut(pos, pos + 16))
    if not match:
        return 1, pos
    return ph.scales[" ".join(match.group(1).split())], pos + match.end()


def _scale(value: float | int, factor: float) -> float | int:
    if factor == 1 and type(value) is int:  # most numbers: an int times 1 is itself, and int() of it too
        return value
    result = value * factor
    return int(result) if float(result).is_integer() else round(result, 6)


@dataclass
class _Reading:
    kind: str
    start: int
    end: int  # end of the number text (with % for percents)
    after: int  # where the unit may begin
    value: float | int | None = None
    numerator: float | int | None = None
    denominator: float | int | None = None
    low: float | int | None = None
    high: float | int | None = None
    number_start: int = 0  # start of the first number (after "từ")
    raw_value: float | int | None = None  # the first number as written, before any scale word
    scaled: bool = False


def _read_number_expression(
    text: str, match: re.Match[str], ph: Phrases, fold_cut: Callable[[int, int], str]
) -> _Reading | None:
    """Read a ratio, range, percent or plain number starting at a number token (fold_cut: fold_slicer(text, …))."""
    start, end = match.span()
    first = to_number(match.group())
    # Ratio: 281/411 (a day/month date was masked or is rejected by the caller).
    ratio = _DENOMINATOR_RE.match(text, end)
    if ratio:
        denominator = to_number(ratio.group(1))
        # A scale word after the fraction scales both parts: "203,7/398,5 tỷ đồng".
        factor, after = _scaled(fold_cut, ratio.end(), ph)
        numerator, denominator = _scale(first, factor), _scale(denominator, factor)
        return _Reading("ratio", start, ratio.end(), after, value=numerator, numerator=numerator,
                        denominator=denominator, number_start=start, raw_value=first, scaled=factor != 1)
    percent = _PERCENT_RE.match(text, end)
    first_end = percent.end() if percent else end
    first_factor, join_at = (1, first_end) if percent else _scaled(fold_cut, end, ph)
    # Range: 30 - 40 triệu đồng, từ 55% đến 60%, 55-60%, từ 800 nghìn đến 1,2 triệu đồng.
    join = _RANGE_JOIN_RE.match(text, join_at)
    if join:
        second = _SECOND_NUMBER_RE.match(text, join.end())
        tu_before = _TU_BEFORE_RE.search(fold_cut(max(0, start - 6), start))
        uses_word = join.group().strip() not in "-–—"
        if second and (not uses_word or tu_before):
            s_start = join.end()
            s_end = second.end()
            low, high = first, to_number(second.group(1))
            plain = _FOUR_DIGITS_RE.fullmatch(match.group()) and _FOUR_DIGITS_RE.fullmatch(second.group(1))
            if not (plain and _is_year(low) and _is_year(high)):  # "từ 2016 đến 2020", not "1.900 - 2.000 đồng"
                second_percent = _PERCENT_RE.match(text, s_end)
                if second_percent:
                    s_end = second_percent.end()
                factor, after = (1, s_end) if (percent or second_percent) else _scaled(fold_cut, s_end, ph)
                if first_factor != 1:  # each end with its own scale word: "800 nghìn đến 1,2 triệu"
                    low, high = _scale(low, first_factor), _scale(high, factor)
                elif low <= high:  # one scale word for both ends: "30 - 40 triệu đồng"
                    low, high = _scale(low, factor), _scale(high, factor)
                else:  # the first end written in full: "từ 800.000 đến 1,2 triệu đồng"
                    high = _scale(high, factor)
                range_start = start
                if tu_before:
                    range_start = start - len(tu_before.group().lstrip())
                if high >= low:
                    return _Reading("range", start, s_end, after, low=low, high=high, number_start=range_start,
                                    raw_value=first, scaled=factor != 1 or first_factor != 1)
    if percent:
        return _Reading("percent", start, first_end, first_end, value=first, number_start=start, raw_value=first)
    factor, after = first_factor, join_at  # _scaled(fold_cut, end, ph), read above
    return _Reading("count", start, end, after, value=_scale(first, factor), number_start=start,
                    raw_value=first, scaled=factor != 1)


def _is_year(value: float | int) -> bool:
    return isinstance(value, int) and 1900 <= value <= 2100


def _unit_at(text: str, pos: int, ph: Phrases, fold_cut: Callable[[int, int], str]) -> tuple[str | None, int]:
    """The unit or counted noun written at pos, and where it ends (fold_cut: fold_slicer(text, …))."""
    folded = fold_cut(pos, pos + 48)
    lead = len(folded) - len(folded.lstrip())
    match = ph.unit_re.match(folded, lead)
    if match:
        unit, end = " ".join(match.group().split()), match.end()
        per = ph.per_unit_re.match(folded, end) if unit in ph.measure_units else None
        if per:  # "2,8 tấn/ha": a yield, not a weight
            unit, end = unit + per.group(), per.end()
        return unit, pos + end
    # An unknown noun: its first two syllables ("nền tảng", "vườn mẫu"), or one if the second is
    # not part of it ("5 hộ tham gia").
    words = _WORDS_RE.match(folded[lead:])
    if words and lead <= 1 and words.group(1) not in _NOT_UNITS:
        original = text[pos + lead : pos + lead + words.end()]
        second = words.group(2)
        if second and second not in _NOT_UNITS and second not in _VERBS and original.split()[-1].islower():
            return words.group(), pos + lead + words.end()
        return words.group(1), pos + lead + words.end(1)
    return None, pos


# Words that may follow a number without being what it counts.
_NOT_UNITS = {
    "và", "với", "trong", "trên", "của", "là", "đã", "được", "có", "so", "đến", "tới", "từ", "theo",
    "tại", "ở", "cho", "khi", "thì", "mà", "nên", "về", "sau", "trước", "lên", "xuống", "còn", "đạt",
    "tăng", "giảm", "chiếm", "bằng", "hoặc", "hay", "nhưng", "người/năm", "trở", "lượt/năm",
}


# Words that begin a predicate rather than continue a noun ("5 hộ tham gia", "12 xã đạt chuẩn").
_VERBS = {
    "đạt", "tham", "được", "có", "là", "đã", "đang", "sẽ", "bị", "thực", "tổ", "xây", "hoàn", "tăng", "giảm",
    "chiếm", "ký", "đề", "ban", "kiện", "triển", "tiếp", "nhận", "thuộc", "mới", "trực", "trên", "dưới",
    "trong", "ngoài", "cấp", "khu", "vùng", "năm", "mỗi", "bình", "đều", "cùng", "chưa", "không",
}


def _is_not_indicator(
    text: str, folded: str, reading: _Reading, ph: Phrases, paragraph_start: bool, unit: str | None,
    hints: "_Hints | None" = None,
) -> bool:
    """unit: what _unit_at(text, reading.after, ph) reads; hints: _Hints.of(folded, ph), where read already."""
    hints = hints or _Hints.of(folded, ph)
    before = folded[max(0, reading.number_start - 40) : reading.number_start]
    raw = text[reading.start : reading.end]
    has_unit = unit is not None and _known_unit(unit, ph)
    # "Hội nghị Trung ương 4", "Kỳ họp thứ 3", "mức độ 4" - but "ngân sách Trung ương 512,3 tỷ đồng",
    # "kỷ luật 9 tổ chức đảng", "dứt điểm 57 kiến nghị" are figures: a scale word or a unit decides.
    # The cheap tests first: most numbers have a unit, and the phrase tests are then not needed.
    if (
        reading.kind != "percent" and not (reading.scaled or has_unit) and ph.reference_prefix_re.search(before)
        and not _TOTAL_NUMBER_RE.search(before)  # "tổng số 2.046 nhân viên": a total, not "số 5"
    ):
        return True
    # "xếp thứ 9/63 tỉnh": a rank.
    if (hints.phones and _PHONE_CONTEXT_RE.search(before)) or (hints.ranks and ph.ordinal_re.search(before)):
        return True
    if reading.kind == "count" and not (reading.scaled or has_unit) and _names_a_thing(text, reading, raw):
        return True
    if reading.kind == "count" and _CODE_AFTER_RE.match(text, reading.end) and not has_unit:
        return True  # "mạng 5G", "phủ sóng 4G": a generation or a code, not a count
    if paragraph_start and _LIST_LABEL_RE.match(text[: reading.end + 2]):
        return True
    if ph.rating_re.match(folded, reading.after):  # "sản phẩm OCOP 4 sao"
        return True
    if reading.kind == "range" and not reading.scaled and not has_unit and reading.high < 100:
        # A span of years or months: "Huy hiệu 30 - 60 năm tuổi Đảng", "từ 3 - 5 năm" (durations).
        if ph.time_unit_re.match(folded, reading.after):
            return True
    if reading.kind == "ratio":
        if ph.time_unit_re.match(folded, reading.after):  # "trực 24/24 giờ"
            return True
        # A day/month date: "Chiều 30/5", "ngày 2/9".
        num, den = reading.numerator, reading.denominator
        is_day_month = isinstance(num, int) and isinstance(den, int) and 1 <= num <= 31 and 1 <= den <= 12
        # "9/9 quận, huyện" counts districts: an administrative unit after it is a unit too.
        # The second date of a span is a date whatever follows it: "từ 30/4 đến 1/5 tỉnh đón …".
        counted = (
            has_unit or (unit is not None and ph.admin_re.fullmatch(unit) is not None)
        ) and not _DATE_SPAN_BEFORE_RE.search(before)
        return is_day_month and bool(ph.day_word_re.search(before) or not counted)
    if reading.kind == "count":
        value = reading.raw_value
        plain = "." not in raw and "," not in raw and not reading.scaled
        # A year: "năm 2018", "Từ 2016 đến nay", a bare 2025.
        if _is_year(value) and plain and (ph.year_word_re.search(before) or not has_unit):
            return True
        # A day or month: "ngày 12", "tháng 5".
        if isinstance(value, int) and value <= 31 and not has_unit and ph.day_word_re.search(before):
            return True
        # A duration: "05 năm thực hiện", "Trong 5 năm qua", "3 tháng" - but not "1.964 ngày" lost
        # to accidents nor "2,5 triệu ngày công" (a unit of its own).
        if not has_unit and plain and value < 100 and ph.time_unit_re.match(folded, reading.after):
            return True
        # A class the counted things belong to, not an amount: "62 doanh nghiệp có từ 50 lao động trở lên".
        if hints.classes and _CLASS_BEFORE_RE.search(before) and _CLASS_AFTER_RE.match(folded, reading.after):
            return True
        # The basis of a rate, not an amount: "giá trị sản xuất trên 1 ha đất canh tác đạt 150 triệu đồng".
        if plain and raw == "1" and _PER_ONE_RE.search(before) and _is_measure(unit, ph):
            return True
        # One of a list of durations: "Huy hiệu 30, 40, 45, 50 năm tuổi Đảng".
        listed = _NUMBER_LIST_TAIL_RE.match(folded, reading.end) if not has_unit and plain and value < 100 else None
        if listed and ph.time_unit_re.match(folded, listed.end()):
            return True
    return False


_CLASS_BEFORE_RE = Tail(
    re.compile(r"\d[\d.,]*\s+[^\d,;.:()]{1,30}\s+có\s+(?:từ|trên|dưới)\s*$"), ("từ", "trên", "dưới")
)
_CLASS_AFTER_RE = re.compile(r"[^\d,;.()]{0,30}?(?:trở lên|trở xuống)")
_TOTAL_NUMBER_RE = re.compile(r"(?:^|\s)tổng\s+số\s*$")
# Before the second date of a span: "từ 30/4 đến 1/5", "30/4 - 1/5".
_DATE_SPAN_BEFORE_RE = re.compile(r"\d{1,2}/\d{1,2}\s*(?:đến|tới|[-–])\s*$")
_PER_ONE_RE = re.compile(r"(?:^|\s)(?:trên|mỗi|cho)\s*$")
# The rest of a list of small numbers after one of them: ", 40, 45 và 50".
_NUMBER_LIST_TAIL_RE = re.compile(r"(?:\s*(?:,|và|hoặc)\s*\d{1,2}(?![\d.,]\d))+")


# Capital letters written onto a number ("5G", "3D") that are not a unit.
_CODE_AFTER_RE = re.compile(r"[A-Z]{1,2}(?![\w])")
_NAME_NUMBER_MAX = 100


def _names_a_thing(text: str, reading: _Reading, raw: str) -> bool:
    """A small bare number that is part of a name, not a count: "đường Vành đai 4", "dự án Dung Quất 2".
    It has no unit, and a capitalised word just before it that does not merely open the sentence."""
    if not raw.isdigit() or int(raw) >= _NAME_NUMBER_MAX:
        return False
    lead = text[max(0, reading.number_start - 30) : reading.number_start]
    if not lead.endswith(" ") or lead.rstrip()[-1:] in ",;:.()-–" or lead.endswith("  "):
        return False
    words = lead.split()[-3:]
    if len(words) < 3 or fold_word(words[-1]) in _NOT_UNITS or fold_word(words[-1]) in _VERBS:
        return False
    # The capitalised word must not merely open the sentence ("Tỉnh có 12" is not a name).
    return any(w[:1].isupper() and not words[i - 1].endswith((".", ":", ";")) for i, w in enumerate(words[-2:], 1))


def _is_measure(unit: str | None, ph: Phrases) -> bool:
    """A physical unit ("ha", "km2"), also "per" something ("tấn/ha")."""
    return bool(unit) and fold_word(unit).split("/")[0] in ph.measure_units


def _known_unit(unit: str, ph: Phrases) -> bool:
    return _fullmatches(ph.unit_re.pattern, unit)


@lru_cache(maxsize=8192)
def _fullmatches(pattern: str, text: str) -> bool:
    """Whether the pattern matches the whole text, remembered: the same units come up again and again.
    Keyed on the pattern's text, whose hash a str keeps, not on the compiled pattern, which hashes its
    whole program each time (several microseconds for the unit list)."""
    return re.compile(pattern).fullmatch(text) is not None


def _qualifier(folded: str, reading: _Reading, unit_end: int, ph: Phrases) -> str:
    before = folded[max(0, reading.number_start - 24) : reading.number_start]
    match = ph.qualifier_re.search(before)
    if match:
        return ph.qualifier_of.get(" ".join(match.group(1).split()), "exact")
    after = ph.post_qualifier_re.match(folded, max(unit_end, reading.end))
    if after:
        return ph.post_qualifier_of.get(" ".join(after.group(1).split()), "exact")
    return "exact"


def _level(folded: str, reading: _Reading, ph: Phrases) -> str | None:
    match = ph.level_re.search(folded[max(0, reading.number_start - 24) : reading.number_start])
    return match.group(1) if match else None


def _is_target(folded: str, sentence_start: int, position: int, ph: Phrases) -> bool:
    """A goal: a target word earlier in the sentence, and no word saying it was reached in between."""
    before = ph.target_exclusion_re.sub(lambda m: " " * len(m.group()), folded[sentence_start:position])
    targets = list(ph.target_re.finditer(before))
    return bool(targets) and not ph.result_re.search(before, targets[-1].end())


def _subject(text: str, folded: str, reading: _Reading, unit: str | None, unit_end: int, ph: Phrases) -> str | None:
    """The thing measured, as a short phrase from the text."""
    if unit and _fullmatches(ph.admin_re.pattern, unit):  # the same as ph.admin_re.fullmatch(unit), remembered
        # "460 xã, phường, thị trấn": the whole list, plus a restrictive modifier if any.
        end = unit_end
        more_re = _more_admin_re(ph.admin_re.pattern)
        while True:
            more = more_re.match(folded, end)
            if not more:
                break
            end = more.end()
        modifier = ph.admin_modifier_re.match(folded, end)
        if modifier:
            end = modifier.end()
        return " ".join(text[_unit_start(text, reading, unit_end, unit) : end].split())
    if reading.kind == "percent" or unit in ("đồng", "usd") or _is_measure(unit, ph):
        # Money is named by the phrase before it, whatever follows: the phrase after it is not read then.
        if reading.kind != "percent" and unit in ("đồng", "usd"):
            return _phrase_before(text, folded, reading.number_start)
        tail = _phrase_after(text, folded, reading.end if reading.kind == "percent" else unit_end)
        return tail or _phrase_before(text, folded, reading.number_start)
    if unit:
        start = _unit_start(text, reading, unit_end, unit)
        tail = _phrase_after(text, folded, unit_end)
        return " ".join((text[start:unit_end] + (" " + tail if tail else "")).split())
    return _phrase_before(text, folded, reading.number_start)


@lru_cache(maxsize=4)
def _more_admin_re(admin: str) -> re.Pattern[str]:
    """", phường, thị trấn": one more administrative unit of a list."""
    return re.compile(rf",\s*(?:{admin})")


def _unit_start(text: str, reading: _Reading, unit_end: int, unit: str) -> int:
    gap = text[reading.after : unit_end]
    return reading.after + (len(gap) - len(gap.lstrip()))


_STOP_AFTER_RE = re.compile(r"\s*(?:so với|trở lên|dự toán|kế hoạch|cùng kỳ|trở xuống)")


def _phrase_after(text: str, folded: str, pos: int) -> str | None:
    if _STOP_AFTER_RE.match(folded, pos):
        return None
    end_match = _CLAUSE_END_OR_DIGIT_RE.search(folded, pos)  # a number ends the phrase too
    end = end_match.start() if end_match else len(text)
    words = text[pos:end].split()[:16]
    return " ".join(words) or None


_VERB_TAIL_WORDS = (
    "chiếm", "đạt", "đạt tỷ lệ", "tỷ lệ", "bằng", "là", "có", "với", "tăng", "giảm", "dài", "rộng", "khoảng", "gần",
    "trên", "hơn", "dưới", "được", "từ",
)
_VERB_TAIL_RE = re.compile(rf"(?:\s+(?:{'|'.join(_VERB_TAIL_WORDS)}))+\s*$")
# What a text _VERB_TAIL_RE matches in ends with, before trailing whitespace (its one match runs to the end).
_VERB_TAIL_ENDS = tuple({w.split()[-1] for w in _VERB_TAIL_WORDS})


def _phrase_before(text: str, folded: str, pos: int) -> str | None:
    start = max(folded.rfind(",", 0, pos), folded.rfind(";", 0, pos), folded.rfind(":", 0, pos),
                folded.rfind("(", 0, pos), folded.rfind(".", 0, pos)) + 1
    phrase = " " + folded[start:pos]
    trimmed = _VERB_TAIL_RE.sub("", phrase) if phrase.rstrip().endswith(_VERB_TAIL_ENDS) else phrase
    words = text[start : start + len(trimmed) - 1].split() if trimmed.strip() else []
    while words and fold_word(words[0]) in {"trong", "đó", "trong đó", "và", "có"}:
        words = words[1:]
    return " ".join(words[-10:]) or None


@dataclass(frozen=True, slots=True)
class _Hints:
    """What the fold of a paragraph may hold, for patterns searched in windows of it: the windows before and after
    a number are slices of the fold, so a pattern that needs what the fold lacks matches in none of them."""

    targets: bool  # ph.target_re
    phones: bool  # _PHONE_CONTEXT_RE: one of _PHONE_WORDS
    ranks: bool  # ph.ordinal_re
    classes: bool  # _CLASS_BEFORE_RE
    negatives: bool  # _NEGATIVE_RE: every match holds "-" or "âm"
    levels: bool  # ph.level_re: every match holds "cấp"

    @classmethod
    def of(cls, folded: str, ph: Phrases) -> "_Hints":
        return cls(
            targets=ph.target_hint_re.search(folded) is not None,
            phones=any(word in folded for word in _PHONE_WORDS),
            ranks=ph.ordinal_re.may_match_in(folded),
            classes=_CLASS_BEFORE_RE.may_match_in(folded),
            negatives="-" in folded or "âm" in folded,
            levels="cấp" in folded,
        )


def find(paragraph: str, paragraph_index: int, ph: Phrases | None = None, folded: str | None = None) -> list[Indicator]:
    """Every indicator of one paragraph, in text order (parents not yet linked); folded: fold(paragraph), where
    the caller has it already."""
    ph = ph or load()
    if not _DIGIT_RE.search(paragraph):  # no number, nothing to read
        return []
    folded = fold(paragraph) if folded is None else folded
    # The folds of the short texts read after and before each number are slices of the paragraph's.
    fold_cut = fold_slicer(paragraph, folded)
    masked = _masked(paragraph)
    spans = sentences.split(paragraph)
    span_starts = [start for start, _ in spans]
    hints = _Hints.of(folded, ph)
    found: list[Indicator] = []
    consumed_until = -1
    for match in NUMBER_RE.finditer(paragraph):
        if match.start() < consumed_until or (masked and _inside(match.start(), masked)):
            continue
        reading = _read_number_expression(paragraph, match, ph, fold_cut)
        if reading is None:
            continue
        unit_here = _unit_at(paragraph, reading.after, ph, fold_cut)
        if _is_not_indicator(paragraph, folded, reading, ph, match.start() < 4, unit_here[0], hints):
            consumed_until = reading.end
            continue
        consumed_until = reading.end
        unit, unit_end = ("%", reading.end) if reading.kind == "percent" else unit_here
        kind = reading.kind
        if kind == "range" and "%" in paragraph[reading.start : reading.end]:
            unit, unit_end = "%", reading.end
        elif kind == "count" and _is_measure(unit, ph):
            kind = "measure"
        if unit and unit not in ("%",):
            unit = fold_word(unit)
        if unit == "usd":
            unit = "USD"
        value = reading.value
        if hints.negatives and _negative(paragraph, folded, reading):
            value = -value if value is not None else None
        s_start, s_end = _sentence_at(spans, span_starts, reading.start, len(paragraph))
        found.append(
            Indicator(
                value=value,
                kind=kind,
                unit=unit,
                start=reading.number_start if kind == "range" else reading.start,
                end=reading.end,
                paragraph=paragraph_index,
                sentence=paragraph[s_start:s_end].strip(),
                sentence_start=s_start,
                numerator=reading.numerator,
                denominator=reading.denominator,
                low=reading.low,
                high=reading.high,
                qualifier=_qualifier(folded, reading, unit_end, ph),
                is_target=hints.targets and _is_target(folded, s_start, reading.number_start, ph),
                level=_level(folded, reading, ph) if hints.levels else None,
                subject=_subject(paragraph, folded, reading, unit, unit_end, ph),
                extra={"sentence_end": s_end},
            )
        )
    return found


def _sentence_at(spans: list[tuple[int, int]], starts: list[int], position: int, length: int) -> tuple[int, int]:
    """The (start, end) of the sentence holding a position (spans: in order, not overlapping), else the
    whole paragraph's."""
    index = bisect_right(starts, position) - 1
    if index >= 0 and position < spans[index][1]:
        return spans[index]
    return 0, length


def _negative(text: str, folded: str, reading: _Reading) -> bool:
    before = folded[max(0, reading.number_start - 5) : reading.number_start]
    # Every match holds "-" or "âm": the containment tests pass over the rest without a search.
    return (
        reading.kind in ("percent", "count") and ("-" in before or "âm" in before) and bool(_NEGATIVE_RE.search(before))
    )


def _family(indicator: Indicator, ph: Phrases) -> str:
    """What a figure counts, coarsely: money, a physical measure, a share, or things."""
    if indicator.unit in ("đồng", "USD"):
        return "money"
    if indicator.unit == "%":
        return "percent"
    if indicator.kind == "measure":
        return "measure"
    return "count"


# How far "trong đó" may stand from the total it breaks down, and how close parts must add up to it.
_BREAKDOWN_MAX_GAP = 80
_SUM_TOLERANCE = 0.005


def _adds_up(total: Indicator, parts: list[Indicator]) -> bool:
    values = [p.value for p in parts]
    if total.value is None or not total.value or any(v is None for v in values):
        return False
    return abs(sum(values) - total.value) <= _SUM_TOLERANCE * abs(total.value)


def _closing_paren(text: str, start: int, stop: int) -> int | None:
    """The ")" closing the "(" at start, before stop."""
    depth = 0
    for index in range(start, stop):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def _set_parent(part: Indicator, parent_index: int | None, indicators: list[Indicator]) -> None:
    """Link a part to its total; a bare part ("khiển trách 30") counts what the total counts."""
    part.parent = parent_index
    if parent_index is None:
        return
    total = indicators[parent_index]
    if part.unit is None and total.unit is not None and part.kind == "count":
        part.unit, part.kind = total.unit, total.kind


def link_parents(
    indicators: list[Indicator], paragraphs: list[str], ph: Phrases | None = None, folds: list[str] | None = None
) -> None:
    """Set `parent` on the parts of a stated total ("2.849 cuộc, trong đó: cấp tỉnh 15 cuộc, ...").

    The total is the nearest figure before "trong đó" (or "gồm", "bao gồm") in the same sentence
    (percents between them only comment on it: "2.146 đảng viên, đạt 52,3% kế hoạch (trong đó: ...");
    the parts run to the closing parenthesis, else to the end of the clause - further over ";" when
    the next parts repeat the first one's label ("cấp tỉnh 8 cuộc; cấp huyện 164 cuộc") or add up
    to the total. Figures in parentheses right after a total that add up to it are its parts too
    ("45 đảng viên (khiển trách 30, cảnh cáo 12, cách chức 3)").

    folds: fold() of each paragraph, where the caller has them already.
    """
    ph = ph or load()
    by_paragraph: dict[int, list[tuple[int, Indicator]]] = {}
    for i, x in enumerate(indicators):
        by_paragraph.setdefault(x.paragraph, []).append((i, x))
    for paragraph_index, text in enumerate(paragraphs):
        here = by_paragraph.get(paragraph_index)
        if not here:
            continue
        folded = fold(text) if folds is None else folds[paragraph_index]
        # The last breakdown first: in "1.200 hộ, trong đó 800 hộ nghèo (gồm 500 hộ ...)" the 500 belong to the 800.
        if ph.breakdown_hint_re.search(folded):
            for marker in reversed(list(ph.breakdown_re.finditer(folded))):
                _link_marker(indicators, here, text, folded, marker, ph)
        _link_parenthesised(indicators, here, text)


def _link_marker(
    indicators: list[Indicator], here: list[tuple[int, Indicator]], text: str, folded: str, marker: re.Match[str], ph: Phrases
) -> None:
    at = marker.start()
    before = [(i, x) for i, x in here if x.end <= at and x.kind in ("count", "measure", "ratio", "range")]
    if not before:
        return
    nearest_index, nearest = before[-1]
    sentence_end = nearest.extra.get("sentence_end", len(text))
    if (
        at - nearest.end > _BREAKDOWN_MAX_GAP
        or ";" in folded[nearest.end : at]
        or any(nearest.end <= x.start < at and x.kind != "percent" for _, x in here)
        or at > sentence_end
    ):
        _link_summed(indicators, here, marker, ph)
        return
    clause_start = max(folded.rfind(";", nearest.sentence_start, at) + 1, nearest.sentence_start)
    totals = [(i, x) for i, x in before if x.start >= clause_start]
    # The marker inside parentheses opened after the total: "(trong đó: ...)", not "(FDI), trong đó".
    closing = None
    opening = folded.rfind("(", nearest.end, at + 1)
    while opening != -1 and closing is None:
        found = _closing_paren(folded, opening, sentence_end)
        if found is None or found > at:
            closing = found
            break
        opening = folded.rfind("(", nearest.end, opening)
    if closing is not None:
        scope_end = closing
    else:
        scope_end = sentence_end
        for stop in ph.breakdown_ends:
            found = folded.find(stop, marker.end(), scope_end)
            if found != -1:
                scope_end = found
    parts = [(i, x) for i, x in here if marker.end() <= x.start < scope_end and x.parent is None]
    counted = [x for _, x in parts if x.kind != "percent"]
    if closing is None and counted and folded.startswith(";", scope_end):
        parts += _continued_parts(here, text, folded, marker.end(), scope_end, sentence_end, counted, nearest)
    for _, part in parts:
        if part.kind == "percent" and part.unit == "%":
            continue
        same_unit = [i for i, x in totals if x.unit == part.unit]
        same_family = [i for i, x in totals if _family(x, ph) == _family(part, ph)]
        bare = [nearest_index] if part.unit is None and part.kind == "count" else []
        _set_parent(part, (same_unit or same_family or bare or [None])[-1], indicators)


def _link_summed(indicators: list[Indicator], here: list[tuple[int, Indicator]], marker: re.Match[str], ph: Phrases) -> None:
    """Parts after a marker that stands apart from its total ("512 trường học với 221.480 học sinh …;
    trong đó mầm non 172 trường, tiểu học 168 trường …"): linked only when they add up to a figure
    earlier in the sentence, the nearest such."""
    after = [(i, x) for i, x in here if x.start >= marker.end() and x.parent is None]
    if not after:
        return
    sentence = after[0][1].sentence_start
    # Each with its index in indicators (here holds them), not found again by indicators.index(), which compares
    # every field of each figure before it: no two figures of a list share a paragraph and an end.
    totals = [
        (i, x) for i, x in here if x.end <= marker.start() and x.sentence_start == sentence and x.kind in ("count", "measure")
    ]
    for total_index, total in reversed(totals):
        parts: list[Indicator] = []
        for _, part in after:
            if part.sentence_start != sentence or part.kind not in ("count", "measure"):
                continue
            if _family(part, ph) != _family(total, ph) or part.value is None or total.value is None:
                continue
            parts.append(part)
            if len(parts) >= 2 and _adds_up(total, parts):
                for linked in parts:
                    _set_parent(linked, total_index, indicators)
                return
            if sum(p.value or 0 for p in parts) > total.value:
                break


def _continued_parts(
    here: list[tuple[int, Indicator]], text: str, folded: str, start: int, scope_end: int, sentence_end: int,
    counted: list[Indicator], total: Indicator,
) -> list[tuple[int, Indicator]]:
    """Parts of a breakdown past a ";": segments that begin with the first part's label, or that
    make the parts add up to the total."""
    first_label = folded[start:].lstrip(" :").split(" ", 1)[0]
    segments = []
    position = scope_end
    while position < sentence_end and folded.startswith(";", position):
        following = folded.find(";", position + 1, sentence_end)
        end = following if following != -1 else sentence_end
        segments.append((position + 1, end))
        position = end
    same_label: list[tuple[int, Indicator]] = []
    for seg_start, seg_end in segments:
        if folded[seg_start:seg_end].lstrip().split(" ", 1)[0] != first_label:
            break
        same_label += [(i, x) for i, x in here if seg_start <= x.start < seg_end and x.parent is None]
    if same_label:
        return same_label
    running = list(counted)
    extra: list[tuple[int, Indicator]] = []
    for i, x in here:
        if x.start < scope_end or x.start >= sentence_end or x.parent is not None or x.kind == "percent":
            continue
        running.append(x)
        extra.append((i, x))
        if _adds_up(total, running):
            return extra
        if total.value is not None and sum(p.value or 0 for p in running) > total.value:
            break
    return []


def _link_parenthesised(indicators: list[Indicator], here: list[tuple[int, Indicator]], text: str) -> None:
    """Parts listed in parentheses right after their total, with no "trong đó", that add up to it."""
    if "(" not in text:  # _PARENTHESIS_AFTER_RE needs one
        return
    for index, total in here:
        if total.kind not in ("count", "measure") or total.value is None:
            continue
        gap = _PARENTHESIS_AFTER_RE.match(text, total.end)
        if not gap:
            continue
        opening = gap.end() - 1
        closing = _closing_paren(text, opening, len(text))
        if closing is None:
            continue
        parts = [(i, x) for i, x in here if opening < x.start < closing and x.parent is None and x.kind in ("count", "measure")]
        if len(parts) >= 2 and _adds_up(total, [x for _, x in parts]):
            for i, part in parts:
                _set_parent(part, index, indicators)
