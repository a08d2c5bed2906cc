"""Find the policy documents an article cites: 02-NQ/TU, 120-KL/TW, 34/2007/PL-UBTVQH11..."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from etl.parse.indicators import DOCUMENT_HINT_RE, DOCUMENT_RE
from etl.parse.phrases import Phrases, fold, load

_ISSUED_RE = re.compile(
    r"\s*,?\s*(?:được\s+)?(?:ban hành\s+)?(?:ngày\s+)(\d{1,2})\s*(?:/|-|tháng\s+)(\d{1,2})\s*(?:/|-|năm\s+)(\d{4})"
)


def _type_of(number: str, before: str, ph: Phrases) -> str | None:
    code = re.split(r"[-/]", re.sub(r"^\d+(?:/\d{4})?[-/]", "", number))[0]
    code_letters = re.sub(r"\d+$", "", code)
    if code_letters in ph.document_types:
        return ph.document_types[code_letters]
    for word, name in ph.document_words.items():
        if re.search(rf"{re.escape(word)}\s*(?:số\s*)?$", before):
            return name
    return None


def _issuer_of(number: str, ph: Phrases) -> str | None:
    last = re.split(r"[-/]", number)[-1]
    code = re.sub(r"\d+$", "", last)
    return code if code in ph.issuers else (code or None)


def _issued(text: str, end: int) -> str | None:
    match = _ISSUED_RE.match(text, end)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find(texts: list[str], ph: Phrases | None = None) -> list[dict[str, Any]]:
    """Each cited document once, in order of first mention, with the first date given for it."""
    ph = ph or load()
    found: dict[str, dict[str, Any]] = {}
    for text in texts:
        if not DOCUMENT_HINT_RE.search(text):
            continue
        folded = None
        for match in DOCUMENT_RE.finditer(text):
            number = match.group()
            code_part = re.sub(r"^\d+(?:/\d{4})?[-/]", "", number)
            if not re.search(r"[A-ZĐ]{2}|[A-ZĐ][a-zđ]*[A-ZĐ]|^[A-ZĐ][a-zđ]?$", code_part):
                continue
            folded = fold(text) if folded is None else folded
            before = folded[max(0, match.start() - 30) : match.start()]
            entry = found.setdefault(
                number,
                {"number": number, "type": _type_of(number, before, ph), "issuer": _issuer_of(number, ph), "issued": None},
            )
            entry["issued"] = entry["issued"] or _issued(text, match.end())
            entry["type"] = entry["type"] or _type_of(number, before, ph)
    return list(found.values())
