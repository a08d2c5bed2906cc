"""Find the officials an article names with their position ("Phó Bí thư Thường trực Tỉnh ủy Trần Thế Dũng")."""

from __future__ import annotations

import re
from typing import Any

from etl.parse.phrases import Phrases, Tail, fold, load

# A word; ethnic-minority names join capitalised parts with an apostrophe ("K’Brôn", "Ka’Ka").
_WORD_RE = re.compile(r"[^\W\d_]+(?:[’'][^\W\d_]+)*")
_RANK_RE = re.compile(r"(?:đại|thượng|trung|thiếu)\s+(?:tá|úy|tướng)|đại tướng")


def _capitalised_runs(text: str) -> list[tuple[int, int, list[str]]]:
    """Runs of two or more capitalised words ("Hương Sơn Bùi Nhân Sâm") separated by single spaces."""
    runs: list[tuple[int, int, list[str]]] = []
    current: list[tuple[int, str]] = []  # (start, word) of the run being read
    offset = 0
    for token in text.split(" "):
        # The words of all-lower-case tokens are passed over: they only end a run, and the gap to the
        # next capitalised word, not a single space then, ends it as well.
        if not token.islower():
            if token.isalpha() and not ("’" in token or "'" in token):
                words: Any = ((offset, token),)
            else:
                words = ((offset + m.start(), m.group()) for m in _WORD_RE.finditer(token))
            for start, word in words:
                is_name_word = _is_name_word(word)
                if is_name_word and current and text[current[-1][0] + len(current[-1][1]) : start] == " ":
                    current.append((start, word))
                    continue
                if len(current) >= 2:
                    runs.append(_run(current))
                current = [(start, word)] if is_name_word else []
        offset += len(token) + 1
    if len(current) >= 2:
        runs.append(_run(current))
    return runs


_APOSTROPHE_RE = re.compile("[’']")


def _is_name_word(word: str) -> bool:
    """A capitalised word, each part of it after an apostrophe too ("Hà", "K’Brôn")."""
    if "’" not in word and "'" not in word:  # most words: one part, no split to make
        return word[0].isupper() and (len(word) == 1 or word[1:].islower())
    return word[0].isupper() and all(len(piece) == 1 or piece[1:].islower() for piece in _APOSTROPHE_RE.split(word))


def _run(words: list[tuple[int, str]]) -> tuple[int, int, list[str]]:
    return words[0][0], words[-1][0] + len(words[-1][1]), [word for _, word in words]


def _name_in_run(run: list[str], ph: Phrases, after_honorific: bool = False) -> int | None:
    """Index in a run of capitalised words where a person's name starts (2 to 4 words to the end).

    Right after "đồng chí", "ông" or "bà" the whole run is the name, whatever its surname ("Rơ Chăm
    Hlinh", "K’Brôn Ha Tâm"): the surname list cannot hold every ethnic group's names.
    """
    if after_honorific and 2 <= len(run) <= 4:
        return 0
    # "Thị" or "Văn" is the middle name: the word before it is the surname, in the list or not
    # ("Bí thư Huyện ủy Nam Giang Zơrâm Thị Bích", "Lò Thị Xuyến").
    for i, word in enumerate(run[1:], 1):
        if word in ph.middle_names and 3 <= len(run) - (i - 1) <= 4:
            return i - 1
    for i, word in enumerate(run):
        if word in ph.surnames and 2 <= len(run) - i <= 4:
            return i
    return None


# "đồng chí", "ông", "bà" right before a name: its position, if any, is written after it.
_HONORIFICS = frozenset({"ông", "bà", "anh", "chị"})
_HONORIFIC_BEFORE_RE = re.compile(rf"(?:^|\s)(?:đồng chí|đ/c|{'|'.join(sorted(_HONORIFICS))})\s*$")
# The same, searched in the text before a name only where that text ends with one of the words (a search
# from the start of a long paragraph at every name is what it saves).
_HONORIFIC_BEFORE = Tail(_HONORIFIC_BEFORE_RE, ("đồng chí", "đ/c", *_HONORIFICS))
_HONORIFIC_RE = re.compile(r"(?:^|\s)(?:đồng chí|đ/c|ông|bà)\s", re.IGNORECASE)
# Bodies named by a place: two capitalised words right after one are the place, not a person
# ("Bí thư Huyện ủy Văn Chấn", "Chủ tịch UBND huyện Hà Quảng"); officials' names have three or more
# ("Phó Bí thư Thường trực Tỉnh ủy Trần Thế Dũng").
_PLACE_BEFORE_RE = re.compile(
    r"(?:^|\s)(?:tỉnh ủy|thành ủy|huyện ủy|thị ủy|quận ủy|đảng ủy|tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s*$"
)


def _position_before(text: str, folded: str, end: int, ph: Phrases) -> str | None:
    """The position written right before a name: from its head word to the name, in one clause."""
    if _HONORIFIC_BEFORE.search(folded[:end]):
        return None
    boundaries = ",;:.(“\""
    clause_start = max(text.rfind(c, 0, end) for c in boundaries) + 1
    # "Giám đốc Sở Văn hóa, Thể thao và Du lịch Trương Thị Ngọc Ánh": that comma is inside the body's name.
    while clause_start > 0 and text[clause_start - 1] == "," and _LISTED_NAME_RE.match(text, clause_start):
        clause_start = max(text.rfind(c, 0, clause_start - 1) for c in boundaries) + 1
    heads = list(ph.position_head_re.finditer(folded, clause_start, end))
    if not heads:
        return None
    first = start = heads[0].start()
    # "Ủy viên Ban Thường vụ, Trưởng ban Tuyên giáo Tỉnh ủy Võ Hữu Phước": one position in
    # comma-separated parts, each starting with a head word and naming nobody.
    while clause_start > 0 and text[clause_start - 1] == ",":
        previous_start = max(text.rfind(c, 0, clause_start - 1) for c in boundaries) + 1
        segment = text[previous_start : clause_start - 1]
        lead = len(segment) - len(segment.lstrip())
        named = [run for run in _capitalised_runs(segment) if _name_in_run(run[2], ph) is not None]
        if named and named[-1][1] == len(segment.rstrip()):
            # "đồng chí Trần Văn Bình, Bí thư Tỉnh ủy, Phó Chủ tịch UBND tỉnh Đỗ Minh Hà": the parts after a
            # name written without a position are that person's apposition; only the last is this name's.
            # After "Cục trưởng Cục Thuế Nguyễn Văn Nam," they start this name's position.
            if not ph.position_head_re.search(folded, previous_start, previous_start + named[-1][0]):
                start = first
            break
        head = ph.position_head_re.match(folded, previous_start + lead)
        if head is None or named:
            break
        start, clause_start = head.start(), previous_start
    return " ".join(text[start:end].split()) or None


_COMMA_RE = re.compile(r"\s*,\s*")
_DASH_NAME_RE = re.compile(r"[^\W\d_a-zđ]")  # a capitalised word right after " - "
# A comma inside a body's name, which lists its fields up to "và": "Sở Văn hóa, Thể thao và Du lịch".
_LISTED_NAME_RE = re.compile(r" [^\W\d_a-zđ][^\W\d_]*(?: [^\W\d_]+){0,3} và [^\W\d_a-zđ]")
_PART_END_RE = re.compile(r"[,;.:()“”\"!?]|\s[-–]\s")
# "và" inside a name ("Sở Nông nghiệp và Phát triển nông thôn") joins two capitalised words.
_AND_RE = re.compile(r"\svà\s+(?=([^\W\d_]+))")


def _part_end(text: str, folded: str, start: int, ph: Phrases) -> tuple[int, bool]:
    """Where one comma-separated part of a position ends, and whether a predicate ended it.

    A dash between capitalised words is inside a body's name ("Sở Lao động - Thương binh và Xã hội")
    unless a new position starts after it.
    """
    punctuation = _PART_END_RE.search(text, start)
    while punctuation and (
        (punctuation.group().strip() in "-–" and _DASH_NAME_RE.match(text, punctuation.end()))
        or (punctuation.group() == "," and _LISTED_NAME_RE.match(text, punctuation.end()))
    ) and not ph.position_head_re.match(folded, punctuation.end() + (punctuation.group() == ",")):
        punctuation = _PART_END_RE.search(text, punctuation.end())
    end = punctuation.start() if punctuation else len(text)
    predicate = ph.predicate_re.search(text, start, end)
    # "Ban Chỉ đạo chuyển đổi số trong các cơ quan đảng": "trong" before "các"/"toàn"/"khối" names a scope.
    while predicate and ph.scope_after_trong_re.match(text, predicate.start()):
        predicate = ph.predicate_re.search(text, predicate.end(), end)
    for joined in _AND_RE.finditer(text, start, end):
        word = joined.group(1)
        if not word[0].isupper() or ph.position_head_re.match(folded, joined.start(1)) or fold(word) == "đồng":
            end = min(end, joined.start())
            break
    if predicate and predicate.start() < end:
        return predicate.start(), True
    return end, False


def _ends_with_name(part: str, ph: Phrases) -> bool:
    """Whether a part of a position ends with a person's name (not a place: "Huyện ủy Văn Chấn")."""
    runs = _capitalised_runs(part)
    if not runs:
        return False
    start, end, words = runs[-1]
    return end == len(part.rstrip()) and _name_in_run(words, ph) is not None and not _is_place(part, start, words)


def _is_place(text: str, start: int, words: list[str]) -> bool:
    return len(words) == 2 and _PLACE_BEFORE_RE.search(fold(text[:start])) is not None


def _position_after(text: str, folded: str, end: int, ph: Phrases) -> str | None:
    """The position written right after a name, as an apposition, in as many comma-separated parts as
    start with a position word: "đồng chí Lê Văn Thắng, Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy chủ trì"."""
    match = _COMMA_RE.match(text, end)
    if not match:
        return None
    start = match.end()
    parts: list[str] = []
    while True:
        # A part opens with a position word, or, after one, is the place of its body ("huyện Vị Xuyên").
        place = None
        if not ph.position_head_re.match(folded, start):
            place = _place_end(text, start) if parts else None
            if place is None:
                break
        if place is None:
            stop, by_predicate = _part_end(text, folded, start, ph)
        else:
            stop, by_predicate = place, not _COMMA_RE.match(text, place)
        part = text[start:stop]
        if parts and place is None and _ends_with_name(part, ph):
            break  # the next official's position and name: "..., Phó Chủ tịch UBND tỉnh Trần Văn B"
        parts.append(" ".join(part.split()))
        more = _COMMA_RE.match(text, stop)
        if by_predicate or not more:
            break
        start = more.end()
    return ", ".join(p for p in parts if p) or None


# The place a position's body is in, after a comma: "Trạm trưởng Trạm Y tế xã Thuận Hòa, huyện Vị Xuyên".
_PLACE_WORD_RE = re.compile(r"(?:huyện|tỉnh|xã|thành phố|thị xã|quận|phường|thị trấn)(?=\s)")
_NEXT_WORD_RE = re.compile(r"\s+(\w+)")


def _place_end(text: str, start: int) -> int | None:
    """Where "huyện Vị Xuyên" (a unit word and a capitalised name) starting at start ends, if it does."""
    match = _PLACE_WORD_RE.match(text, start)
    if match is None:
        return None
    end = None
    for word in _NEXT_WORD_RE.finditer(text, match.end()):
        if word.start() != (end or match.end()) or not word.group(1)[0].isupper():
            break
        end = word.end()
    return end


def find(
    texts: list[str], author: str | None = None, ph: Phrases | None = None, folds: list[str | None] | None = None
) -> list[dict[str, Any]]:
    """Each named official once, with the first position given for them; folds: fold() of each text, where the
    caller has it already (None where not)."""
    ph = ph or load()
    found: dict[str, dict[str, Any]] = {}
    for index, text in enumerate(texts):
        folded = folds[index] if folds is not None and folds[index] is not None else fold(text)
        # An official is kept only with a position, read before or after the name from a match of
        # position_head_re in folded: where its words are nowhere, no one is kept (most texts; the cheaper test).
        if not ph.position_hint_re.search(folded):
            continue
        # A name starts with a surname or follows "đồng chí": neither here, no one named.
        if not ph.surname_re.search(text) and not _HONORIFIC_RE.search(text):
            continue
        for run_start, run_end, words in _capitalised_runs(text):
            after_honorific = _HONORIFIC_BEFORE.search(folded[:run_start]) is not None
            if len(words) >= 3 and fold(words[0]) in _HONORIFICS:
                # "Ông Nguyễn Đức Toàn, Giám đốc …" opening a sentence: the honorific, then the name.
                run_start, words, after_honorific = run_start + len(words[0]) + 1, words[1:], True
            first = _name_in_run(words, ph, after_honorific)
            if first is None or (first == 0 and _is_place(text, run_start, words)):
                continue
            name_start = run_start + len(" ".join(words[:first])) + (1 if first else 0)
            name = " ".join(words[first:])
            before = _position_before(text, folded, name_start, ph)
            after = _position_after(text, folded, run_end, ph)
            # "Đại tá Nguyễn Văn Hải, Giám đốc Công an tỉnh": a rank alone is a title, the post follows the name.
            position = after if after and (before is None or _RANK_RE.fullmatch(fold(before))) else before
            if position is None:
                continue
            found.setdefault(name, {"name": name, "position": position})
    if author:
        lines = [line.strip() for line in author.split(" / ") if line.strip()]
        runs = _capitalised_runs(lines[0]) if lines else []
        if len(lines) >= 2 and len(runs) == 1 and runs[0][2] == lines[0].split() and _name_in_run(runs[0][2], ph) == 0:
            found.setdefault(lines[0], {"name": lines[0], "position": lines[1]})
    return list(found.values())
