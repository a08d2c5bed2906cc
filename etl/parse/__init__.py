"""Find the indicators, cited documents and named officials in a cleaned article (pure functions).

`parse_article` gives the `tinhuy parse` object of docs/LABELING.md. Nothing here touches the
network, a database or Airflow.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from etl.clean import CleanArticle
from etl.parse import documents, indicators, people
from etl.parse.phrases import fold, load

PARSER_VERSION = "0.2.0"


def parse_article(
    article: CleanArticle, *, url: str | None = None, source: str | None = None, province: str | None = None
) -> dict[str, Any]:
    """The `tinhuy parse` JSON object of docs/LABELING.md for one article."""
    ph = load()
    paragraphs = [unicodedata.normalize("NFC", p) for p in article.paragraphs]
    # A subheading is a title: its figures restate the text below it (docs/LABELING.md).
    subheadings = {unicodedata.normalize("NFC", s) for s in article.subheadings}
    folds = [fold(p) for p in paragraphs]  # read by both indicators.find and link_parents
    found: list[indicators.Indicator] = []
    for index, paragraph in enumerate(paragraphs):
        if paragraph not in subheadings:
            found.extend(indicators.find(paragraph, index, ph, folds[index]))
    indicators.link_parents(found, paragraphs, ph, folds)
    texts = [t for t in [article.title, article.summary, *paragraphs, *article.captions] if t]
    # The texts people are named in, with their folds where read already.
    named = [(article.summary, None), *zip(paragraphs, folds), *((c, None) for c in article.captions)]
    named = [(t, f) for t, f in named if t]
    return {
        "url": url,
        "source": source,
        "province": province,
        "title": article.title,
        "summary": article.summary,
        "published": article.published,
        "author": article.author,
        "paragraphs": paragraphs,
        "subheadings": list(article.subheadings),
        "captions": list(article.captions),
        "indicators": [i.to_dict() for i in found],
        "documents": documents.find(texts, ph),
        # The lead often names the official first, with the full position ("Đồng chí …, Phó Bí thư Tỉnh ủy, …").
        "people": people.find([t for t, _ in named], article.author, ph, [f for _, f in named]),
        "parser_version": PARSER_VERSION,
    }
