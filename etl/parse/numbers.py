"""Vietnamese number formatting: "2.849" is 2849, "68,13" is 68.13, "06" is 6."""

from __future__ import annotations

import re

# Thousands grouped with dots and an optional decimal comma, or plain digits with a decimal comma.
# A point followed by one or two digits before "%" is an English decimal point ("tăng 6.5%").
NUMBER = r"\d{1,3}\.\d{1,2}(?=\s*%)|\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# NUMBER not after a letter, digit or separator: written with its first digit taken out in front (and the
# look-behind after it), so that a search jumps from digit to digit instead of trying every position.
NUMBER_RE = re.compile(r"\d(?<![\w.,/]\d)(?:\d{0,2}\.\d{1,2}(?=\s*%)|\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:,\d+)?)(?![\d])")


_DECIMAL_POINT_RE = re.compile(r"\d{1,3}\.\d{1,2}")


def to_number(text: str) -> float | int:
    """The value of a number written the Vietnamese way."""
    if text.isdecimal() and len(text) <= 15:  # plain digits, most numbers: a float would hold them exactly
        return int(text)
    if _DECIMAL_POINT_RE.fullmatch(text):
        return float(text)
    cleaned = text.replace(".", "").replace(",", ".")
    value = float(cleaned)
    return int(value) if value.is_integer() and "," not in text else value


def format_vi(value: float | int, decimals: int = 0) -> str:
    """A number written the Vietnamese way (the inverse of to_number), for tests and messages."""
    whole, _, frac = f"{abs(value):,.{decimals}f}".partition(".")
    text = whole.replace(",", ".") + ("," + frac if frac else "")
    return ("-" if value < 0 else "") + text
