"""Find the indicators, cited documents and named officials in a cleaned article (pure functions)."""

from __future__ import annotations

from typing import Any

from etl.clean import CleanArticle

PARSER_VERSION = "0.1.0"


def parse_article(
    article: CleanArticle, *, url: str | None = None, source: str | None = None, province: str | None = None
) -> dict[str, Any]:
    """The `tinhuy parse` JSON object of docs/LABELING.md for one article."""
    raise NotImplementedError  # being written
