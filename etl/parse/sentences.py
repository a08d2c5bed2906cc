"""Split a paragraph into sentences, keeping character offsets."""

from __future__ import annotations

import re

# Abbreviations after which a full stop does not end a sentence ("TP. Vinh", "ThS. Nguyễn").
_ABBREVIATIONS = {"tp", "tx", "tt", "ts", "ths", "gs", "pgs", "bs", "cn", "ks", "th.s", "đ/c", "tr", "q", "p", "ng"}
_END_RE = re.compile(r"([.!?…]+[\"”’)]*)(\s+)(?=[\"“‘(]?[A-ZÀ-ỸĐ0-9])")


def split(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a paragraph, in order, covering the non-blank text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END_RE.finditer(paragraph):
        before = paragraph[start : match.start()].rsplit(None, 1)
        word = before[-1].lower() if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        spans.append((start, match.end(1)))
        start = match.end()
    if start < len(paragraph.rstrip()):
        spans.append((start, len(paragraph.rstrip())))
    return spans
