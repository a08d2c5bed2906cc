"""Find the officials an article names with their position ("Phó Bí thư Thường trực Tỉnh ủy Trần Thế Dũng")."""

from __future__ import annotations

import re
from typing import Any

from etl.parse.phrases import Phrases, fold, load

_WORD_RE = re.compile(r"[^\W\d_]+")


def _capitalised_runs(text: str) -> list[tuple[int, int, list[str]]]:
    """Runs of two or more capitalised words ("Hương Sơn Bùi Nhân Sâm") separated by single spaces."""
    runs: list[tuple[int, int, list[str]]] = []
    current: list[re.Match[str]] = []
    for word in _WORD_RE.finditer(text):
        is_name_word = word.group()[0].isupper() and (len(word.group()) == 1 or word.group()[1:].islower())
        joined = bool(current) and text[current[-1].end() : word.start()] == " "
        if is_name_word and (joined or not current):
            current.append(word)
            continue
        if len(current) >= 2:
            runs.append((current[0].start(), current[-1].end(), [w.group() for w in current]))
        current = [word] if is_name_word else []
    if len(current) >= 2:
        runs.append((current[0].start(), current[-1].end(), [w.group() for w in current]))
    return runs


def _name_in_run(run: list[str], ph: Phrases) -> int | None:
    """Index in a run of capitalised words where a person's name starts (2 to 4 words to the end)."""
    for i, word in enumerate(run):
        if word in ph.surnames and 2 <= len(run) - i <= 4:
            return i
    return None


def _position_before(text: str, folded: str, end: int, ph: Phrases) -> str | None:
    """The position written right before a name: from its head word to the name, in one clause."""
    boundaries = ",;:.(“\""
    clause_start = max(text.rfind(c, 0, end) for c in boundaries) + 1
    heads = list(ph.position_head_re.finditer(folded, clause_start, end))
    if not heads:
        return None
    start = heads[0].start()
    # "Ủy viên Ban Thường vụ, Trưởng ban Tuyên giáo Tỉnh ủy Võ Hữu Phước": one position in
    # comma-separated parts, each starting with a head word and naming nobody.
    while clause_start > 0 and text[clause_start - 1] == ",":
        previous_start = max(text.rfind(c, 0, clause_start - 1) for c in boundaries) + 1
        segment = text[previous_start : clause_start - 1]
        lead = len(segment) - len(segment.lstrip())
        head = ph.position_head_re.match(folded, previous_start + lead)
        if head is None or any(_name_in_run(words, ph) is not None for _, _, words in _capitalised_runs(segment)):
            break
        start, clause_start = head.start(), previous_start
    return " ".join(text[start:end].split()) or None


def _position_after(text: str, folded: str, end: int, ph: Phrases) -> str | None:
    """The position written right after a name, as an apposition: "đồng chí Nguyễn Văn A, Bí thư Tỉnh ủy"."""
    match = re.match(r"\s*,\s*", text[end:])
    if not match:
        return None
    start = end + match.end()
    head = ph.position_head_re.match(folded, start)
    if not head:
        return None
    stop = re.search(r"[,;.:()]|\s(?:chủ trì|phát biểu|trình bày|cho biết|nhấn mạnh|khẳng định|đề nghị|và)\s", text[start:])
    return " ".join(text[start : start + (stop.start() if stop else len(text) - start)].split()) or None


def find(texts: list[str], author: str | None = None, ph: Phrases | None = None) -> list[dict[str, Any]]:
    """Each named official once, with the first position given for them."""
    ph = ph or load()
    found: dict[str, dict[str, Any]] = {}
    for text in texts:
        folded = fold(text)
        for run_start, run_end, words in _capitalised_runs(text):
            first = _name_in_run(words, ph)
            if first is None:
                continue
            name_start = run_start + len(" ".join(words[:first])) + (1 if first else 0)
            name = " ".join(words[first:])
            position = _position_before(text, folded, name_start, ph) or _position_after(text, folded, run_end, ph)
            if position is None:
                continue
            found.setdefault(name, {"name": name, "position": position})
    if author:
        lines = [line.strip() for line in author.split(" / ") if line.strip()]
        runs = _capitalised_runs(lines[0]) if lines else []
        if len(lines) >= 2 and len(runs) == 1 and runs[0][2] == lines[0].split() and _name_in_run(runs[0][2], ph) == 0:
            found.setdefault(lines[0], {"name": lines[0], "position": lines[1]})
    return list(found.values())
