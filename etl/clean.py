"""Turn a portal's HTML into an article: title, date, author, body paragraphs and captions, without layout noise."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any


class UnreadablePage(ValueError):
    """A page that holds no article text; the message is one line."""


@dataclass
class CleanArticle:
    title: str | None = None
    summary: str | None = None
    published: str | None = None
    author: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CleanArticle":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


def decode(body: bytes, content_type: str | None = None) -> str:
    """Bytes to NFC text: charset from the HTTP header, then the meta tag, then detection."""
    raise NotImplementedError  # being written


def clean_html(html: str, profile: dict[str, Any] | None = None, url: str | None = None) -> CleanArticle:
    """The article in a page, using the site profile's selectors where there is one."""
    raise NotImplementedError  # being written


def clean_text(text: str) -> CleanArticle:
    """An article given as plain text, one paragraph per line."""
    lines = [unicodedata.normalize("NFC", " ".join(line.split())) for line in text.splitlines()]
    return CleanArticle(paragraphs=[line for line in lines if line])
