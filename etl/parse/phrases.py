"""The Vietnamese phrase lists of etl/data/phrases.yaml, loaded once and compiled to patterns."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import yaml

from etl import settings
from etl.alternation import by_first_letter


def fold(text: str) -> str:
    """Lower-case NFC text with the old and new tone placements made equal (uỷ/ủy, hoà/hòa)."""
    text = unicodedata.normalize("NFC", text).lower()
    return _TONE_PLACEMENT_RE.sub(lambda m: _TONE_PLACEMENT[m.group()], text)


# fold() of a short text that comes up again and again (a unit, a word): remembered, not recomputed.
fold_word = lru_cache(maxsize=8192)(fold)


def foldable_by_slices(text: str, folded: str) -> bool:
    """Whether fold_slice may read folds of slices of text off folded (fold(text)): text is NFC (and so
    is any slice of it) and lower-cases letter by letter (no capital sigma, whose lower case depends on
    the letters around it, and no letter that lower-cases to two)."""
    return len(folded) == len(text) and "Σ" not in text and unicodedata.is_normalized("NFC", text)


def fold_slice(text: str, folded: str | None, start: int, end: int) -> str:
    """fold(text[start:end]), read off folded (fold(text) where foldable_by_slices, else None) where the
    two agree: everywhere but where a tone pair ("oà", "uỷ") straddles an end of the slice or ends right
    before its end, as a cut can make or unmake the end of a syllable the tone moves at."""
    end = min(end, len(text))
    if folded is not None and not (
        (start > 0 and text[start - 1 : start + 1].lower() in _TONE_PLACEMENT)
        or (end < len(text) and (
            text[end - 1 : end + 1].lower() in _TONE_PLACEMENT or text[max(start, end - 2) : end].lower() in _TONE_PLACEMENT
        ))
    ):
        return folded[start:end]
    return fold(text[start:end])


def fold_slicer(text: str, folded: str) -> Callable[[int, int], str]:
    """fold_slice(text, folded or None, start, end) as a function of (start, end), for the many slices of one
    text: the positions fold_slice must look at are found once, and a slice with no end at one of them is
    cut straight out of folded (fold_slice's tests all need a tone pair at start - 1, end - 1 or end - 2)."""
    if not foldable_by_slices(text, folded):
        return lambda start, end: fold(text[start:end])
    near_pair = set()
    for pair in _TONE_PAIR_RE.finditer(text.lower()):  # pairs cannot overlap: none starts with a toned vowel
        near_pair.update((pair.start() + 1, pair.end()))
    if not near_pair:
        return lambda start, end: folded[start:end]

    def cut(start: int, end: int) -> str:
        if start in near_pair or end in near_pair:
            return fold_slice(text, folded, start, end)
        return folded[start:end]

    return cut


# Old-style tone placement on the first vowel of "oa", "oe", "uy" and its new-style equivalent.
# Every pair has the same length, so offsets in folded text are offsets in the original.
_TONE_PLACEMENT = {
    "uỷ": "ủy", "uý": "úy", "uỳ": "ùy", "uỹ": "ũy", "uỵ": "ụy",
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
}
# Only at the end of a syllable: "hoà" and "hòa" differ in placement, "hoạch" does not.
_TONE_PLACEMENT_RE = re.compile("(?:" + "|".join(_TONE_PLACEMENT) + r")(?![^\W\d_])")
# Any of those pairs, at the end of a syllable or not: where fold_slice looks.
_TONE_PAIR_RE = re.compile("|".join(_TONE_PLACEMENT))


def alternation(words: list[str], *, after_non_word: bool = False) -> str:
    """A regex alternation of words, longest first, with spaces matching any whitespace (after_non_word: as
    one_of's)."""
    return one_of(sorted({fold(w) for w in words}, key=len, reverse=True), after_non_word=after_non_word)


def one_of(words: list[str], *, after_non_word: bool = False) -> str:
    """A regex alternation of words, tried in the order given, with spaces matching any whitespace, the words
    of one first letter grouped behind it ("t(?:ấn|ỷ)|ha" for "tấn|tỷ|ha": see etl.alternation).

    after_non_word: only where no word character stands before, as "(?<!\\w)(?:…)"; the look-behind is written
    after each first letter ("t(?<!\\wt)(?:ấn|ỷ)"), so that a search still jumps between first letters.
    """
    if any(not w or w[0].isspace() for w in words):  # \s+ in front may give back: left as written
        plain = "|".join(map(_word_pattern, words))
        return rf"(?<!\w)(?:{plain})" if after_non_word and plain else plain

    def lead(letter: str) -> str:
        return re.escape(letter) + (rf"(?<!\w{re.escape(letter)})" if after_non_word else "")

    return by_first_letter([(w[0], _word_pattern(w[1:])) for w in words], lead=lead)


def _word_pattern(word: str) -> str:
    return re.escape(word).replace(r"\ ", r"\s+")


def last_words(words: list[str], *more: str) -> tuple[str, ...]:
    """What a text matched by alternation(words) (then maybe one of more) ends with, before trailing whitespace."""
    return tuple({(fold(w).split() or [""])[-1] for w in words} | set(more))


@dataclass(frozen=True)
class Tail:
    """A pattern anchored at the end of a text (the words before a number), with what such a text ends
    with: a text ending otherwise is passed over without running the pattern over every position."""

    pattern: re.Pattern[str]
    ends: tuple[str, ...]

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if text.rstrip().endswith(self.ends) else None

    def may_match_in(self, text: str) -> bool:
        """Whether search may find something in a slice of text: not where text holds none of ends."""
        return any(end in text for end in self.ends)


@dataclass(frozen=True)
class Phrases:
    scales: dict[str, int]
    measure_units: frozenset[str]
    unit_re: re.Pattern[str]
    admin_re: re.Pattern[str]
    admin_modifier_re: re.Pattern[str]
    time_unit_re: re.Pattern[str]
    scale_re: re.Pattern[str]
    reference_prefix_re: Tail
    day_word_re: Tail
    ordinal_re: Tail
    per_unit_re: re.Pattern[str]
    year_word_re: Tail
    qualifier_re: Tail
    qualifier_of: dict[str, str]
    target_re: re.Pattern[str]
    target_hint_re: re.Pattern[str]  # the words of a target phrase in order: a text without them holds none
    target_exclusion_re: re.Pattern[str]
    result_re: re.Pattern[str]
    breakdown_re: re.Pattern[str]
    breakdown_hint_re: re.Pattern[str]  # breakdown_re without the boundary before: where it finds nothing, no breakdown
    breakdown_ends: tuple[str, ...]
    rating_re: re.Pattern[str]
    post_qualifier_re: re.Pattern[str]
    post_qualifier_of: dict[str, str]
    level_re: Tail
    position_head_re: re.Pattern[str]
    position_hint_re: re.Pattern[str]  # position_head_re's words alone: a text where it finds nothing names no position
    predicate_re: re.Pattern[str]
    surnames: frozenset[str]
    middle_names: frozenset[str]
    scope_after_trong_re: re.Pattern[str]
    surname_re: re.Pattern[str]  # any surname, anywhere: a quick test for a text that names no one
    document_types: dict[str, str]
    document_words: dict[str, str]
    issuers: frozenset[str]


_WORD_END = r"(?![\w])"


@lru_cache(maxsize=1)
def load() -> Phrases:
    data = yaml.safe_load((settings.PACKAGE_DATA_DIR / "phrases.yaml").read_text(encoding="utf-8"))
    qualifier_of = {fold(w): kind for kind, words in data["qualifiers"].items() for w in words}
    all_qualifiers = [w for words in data["qualifiers"].values() for w in words]
    return Phrases(
        scales={fold(k): int(v) for k, v in data["scales"].items()},
        measure_units=frozenset(fold(u) for u in data["measure_units"]),
        unit_re=re.compile(rf"(?:{alternation(data['units'])}){_WORD_END}"),
        admin_re=re.compile(rf"(?:{alternation(data['admin_units'])}){_WORD_END}"),
        admin_modifier_re=re.compile(rf"\s+(?:{alternation(data['admin_modifiers'])}){_WORD_END}"),
        time_unit_re=re.compile(rf"\s*(?:{alternation(data['time_units'])}){_WORD_END}"),
        # "tỷ lệ" (a rate) and "tỷ trọng" (a share) are not the scale word "tỷ".
        scale_re=re.compile(rf"\s*({alternation(list(data['scales']))}){_WORD_END}(?!\s+(?:lệ|trọng)\b)"),
        # "Điều 5", "Kỳ họp thứ 3", and the rest of a numbered list: "bến số 5, 6", "tổ số 3 và 4".
        reference_prefix_re=Tail(
            re.compile(
                rf"(?:^|[\s(,;:])(?:{alternation(data['reference_prefixes'])})\s*(?:số\s*)?"
                r"(?:\d{1,3}\s*(?:,|và)\s*)*$"
            ),
            last_words(data["reference_prefixes"], "số", ",", "và"),
        ),
        day_word_re=Tail(
            re.compile(rf"(?:^|[\s(,;:])(?:{alternation(data['day_words'])})\s*(?:ngày\s*)?$"),
            last_words(data["day_words"], "ngày"),
        ),
        ordinal_re=Tail(
            re.compile(rf"(?:^|[\s(,;:])(?:{alternation(data['ordinal_words'])})\s*$"), last_words(data["ordinal_words"])
        ),
        per_unit_re=re.compile(rf"/(?:{alternation(data['per_units'])}){_WORD_END}"),
        year_word_re=Tail(
            re.compile(rf"(?:^|[\s(,;:])(?:{alternation(data['year_words'])})\s*$"), last_words(data["year_words"])
        ),
        qualifier_re=Tail(re.compile(rf"(?:^|[\s(,;:])({alternation(all_qualifiers)})\s*$"), last_words(all_qualifiers)),
        qualifier_of=qualifier_of,
        # Led by the words' first letters, a search jumps between them; a match ends where one of
        # "(?:^|\W)(?:words)" would, and is read only for where it ends (the words end in a letter).
        target_re=re.compile(rf"(?:{alternation(data['target_words'], after_non_word=True)}){_WORD_END}"),
        # Blanking the exclusions only turns letters into spaces: a target read after it is made of
        # words the text already holds, in the same order.
        target_hint_re=re.compile(
            "|".join(".*?".join(map(re.escape, fold(w).split())) for w in data["target_words"]) or "(?!)", re.DOTALL
        ),
        target_exclusion_re=re.compile(rf"(?:{alternation(data['target_exclusions'])}){_WORD_END}"),
        result_re=re.compile(rf"(?:{alternation(data['result_words'], after_non_word=True)}){_WORD_END}"),  # as target_re
        breakdown_re=re.compile(rf"(?:^|\W)(?:{alternation(data['breakdown_words'])}){_WORD_END}"),
        # Led by its words, not by "(?:^|\W)", a search jumps between their first letters.
        breakdown_hint_re=re.compile(rf"(?:{alternation(data['breakdown_words'])}){_WORD_END}"),
        breakdown_ends=tuple(fold(e) for e in data["breakdown_ends"]),
        rating_re=re.compile(rf"\s*(?:{alternation(data['rating_words'])}){_WORD_END}"),
        post_qualifier_re=re.compile(
            rf"\s+({alternation([w for ws in data['post_qualifiers'].values() for w in ws])}){_WORD_END}"
        ),
        post_qualifier_of={fold(w): k for k, ws in data["post_qualifiers"].items() for w in ws},
        level_re=Tail(
            re.compile(rf"cấp\s+({alternation(data['levels'])})\s*(?:(?:mới|chỉ|đã|vẫn|cũng)\s+)?(?::|có|là|đạt)?\s*$"),
            last_words(data["levels"], ":", "có", "là", "đạt"),
        ),
        position_head_re=re.compile(rf"(?<!\w)(?:{alternation(data['position_heads'])}){_WORD_END}"),
        position_hint_re=re.compile(alternation(data["position_heads"]) or "(?!)"),
        # Matched in the original text, not folded: "giao" ends a position, "Sở Giao thông" does not.
        predicate_re=re.compile(
            rf"\s(?:{one_of(sorted(data['predicate_words'], key=len, reverse=True))})(?![\w])"
        ),
        surnames=frozenset(unicodedata.normalize("NFC", s) for s in data["surnames"]),
        middle_names=frozenset(unicodedata.normalize("NFC", s) for s in data["middle_names"]),
        scope_after_trong_re=re.compile(rf"\strong\s+(?:{alternation(data['scope_after_trong'])})\s"),
        surname_re=re.compile(
            one_of(sorted({unicodedata.normalize("NFC", s) for s in data["surnames"]}, key=len, reverse=True)) or "(?!)"
        ),
        document_types=dict(data["document_types"]),
        document_words={fold(v): v for v in data["document_types"].values()},
        issuers=frozenset(data["issuers"]),
    )
