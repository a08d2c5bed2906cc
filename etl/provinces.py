"""Match province names however a portal writes them to the units of the 2025 reorganisation table.

"Tỉnh Thanh Hoá", "thanh hóa", "TP. Hồ Chí Minh", "TPHCM" and an NFD-encoded "Nghệ An" all name a
unit of ``etl/data/provinces_2025.csv``. Names are compared by a key without case, diacritics,
tone placement (Hoà/Hòa), punctuation, spaces or an administrative prefix (tỉnh, thành phố, TP.);
spellings that differ beyond that are listed in ``sql/mart/seeds/province_aliases.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import unicodedata
from pathlib import Path

from etl import settings

SEED_CSV = settings.PACKAGE_DATA_DIR / "provinces_2025.csv"
# Words before a province's name that do not belong to it, once diacritics are gone: "Tỉnh ủy
# Nghệ An", "Đảng bộ tỉnh Hà Tĩnh", "Thành phố Huế", "TP. Hồ Chí Minh". Longest first.
PREFIXES = ("dang bo tinh", "dang bo thanh pho", "tinh uy", "thanh uy", "thanh pho", "tinh", "tp")
NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


class ProvinceError(ValueError):
    """The province tables contradict themselves; the message is one line naming the file."""


def aliases_csv() -> Path:
    return settings.SQL_DIR / "mart" / "seeds" / "province_aliases.csv"


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a seed CSV file whose comment lines start with #."""
    with path.open(encoding="utf-8", newline="") as lines:
        return list(csv.DictReader(line for line in lines if not line.startswith("#")))


def seed_rows() -> list[dict[str, object]]:
    """The reorganisation table: one row per provincial unit before 1 July 2025, with its successor."""
    rows = read_csv(SEED_CSV)
    for row in rows:
        row["effective_date"] = dt.date.fromisoformat(row["effective_date"])
    return rows


def name_key(name: str) -> str:
    """What two spellings of one province name have in common: "Tỉnh Thanh Hoá" -> "thanhhoa"."""
    decomposed = unicodedata.normalize("NFD", name).replace("đ", "d").replace("Đ", "D")
    folded = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    words = NOT_ALPHANUMERIC.sub(" ", folded).strip()
    stripped = True
    while stripped:
        stripped = False
        for prefix in PREFIXES:
            if words.startswith(prefix + " "):
                words = words[len(prefix) + 1 :]
                stripped = True
                break
    return words.replace(" ", "")


@functools.lru_cache(maxsize=4)
def _names(seed_path: Path, aliases_path: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    canonical = {row["old_name"] for row in read_csv(seed_path)} | {row["new_name"] for row in read_csv(seed_path)}
    for name in sorted(canonical):
        key = name_key(name)
        if key in names and names[key] != name:
            raise ProvinceError(f"{seed_path}: {names[key]!r} and {name!r} cannot be told apart")
        names[key] = unicodedata.normalize("NFC", name)
    for row in read_csv(aliases_path):
        if row["province_name"] not in canonical:
            raise ProvinceError(
                f"{aliases_path}: {row['alias']!r} names no unit of {seed_path.name}: {row['province_name']!r}"
            )
        key = name_key(row["alias"])
        if names.get(key, row["province_name"]) != row["province_name"]:
            raise ProvinceError(f"{aliases_path}: {row['alias']!r} already means {names[key]!r}")
        names[key] = row["province_name"]
    return names


def known_names() -> dict[str, str]:
    """Every matching key and the name of the unit it means, as written in the reorganisation table."""
    return dict(_names(SEED_CSV, aliases_csv()))


def match(name: str | None) -> str | None:
    """The name of the unit a written province name means (before or after 2025), or None."""
    if not name:
        return None
    return _names(SEED_CSV, aliases_csv()).get(name_key(name))
