"""Turn a portal's HTML into an article: title, date, author, body paragraphs and captions, without layout noise.

Pure functions over bytes and text. lxml does the parsing (a full BeautifulSoup tree per page is
ten times slower); a site profile's CSS selectors pick the parts where the source has one, and a
text-density fallback finds the article on portals without one. The Vietnamese boilerplate pass
(etl/data/boilerplate.yaml) then removes what both miss.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Iterator

import lxml.html
import yaml
from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from etl import settings


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
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def normalise(text: str) -> str:
    """NFC, with every run of whitespace (non-breaking spaces included) made one space."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


# --- decoding --------------------------------------------------------------------

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
# Charsets a server may claim by default that never carry Vietnamese text.
_WESTERN = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    import codecs

    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def _try(body: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(body: bytes, content_type: str | None = None) -> str:
    """Bytes to NFC text: charset from the HTTP header, then the meta tag, then detection.

    A Western charset in the header is not trusted when the body is valid UTF-8 (servers
    often default to ISO-8859-1); windows-1258 combining tone marks are composed by NFC.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    head = body[:2048]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20:
        raise UnreadablePage("binary content, not a text page")
    header_match = _HEADER_CHARSET_RE.search(content_type or "")
    header = _codec(header_match.group(1)) if header_match else None
    meta_match = _META_CHARSET_RE.search(body[:4096])
    meta = _codec(meta_match.group(1).decode("ascii", "replace")) if meta_match else None
    utf8 = _try(body, "utf-8")
    text = None
    for codec in (header, meta):
        if codec is None:
            continue
        if codec in {_codec(w) for w in _WESTERN} and utf8 is not None and not body.isascii():
            text = utf8
            break
        text = _try(body, codec)
        if text is not None:
            break
    if text is None:
        text = utf8
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(body, cp_isolation=["cp1258", "utf_8", "utf_16"]).best()
        text = str(best) if best is not None else body.decode("cp1258", errors="replace")
    return unicodedata.normalize("NFC", text)


# --- noise data ------------------------------------------------------------------


@dataclass(frozen=True)
class _Boilerplate:
    noise: tuple[CSSSelector, ...]
    box_heading_re: re.Pattern[str]
    noise_line_re: re.Pattern[str]


@lru_cache(maxsize=1)
def _boilerplate() -> _Boilerplate:
    data = yaml.safe_load((settings.PACKAGE_DATA_DIR / "boilerplate.yaml").read_text(encoding="utf-8"))
    headings = "|".join(re.escape(unicodedata.normalize("NFC", h)) for h in data["box_headings"])
    lines = "|".join(f"(?:{unicodedata.normalize('NFC', p)})" for p in data["noise_lines"])
    return _Boilerplate(
        noise=tuple(_selector(s) for s in data["noise_selectors"]),
        box_heading_re=re.compile(rf"^(?:{headings})\s*:?$", re.IGNORECASE),
        noise_line_re=re.compile(lines, re.IGNORECASE),
    )


@lru_cache(maxsize=512)
def _selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css)
    except SelectorError as exc:
        raise ValueError(f"invalid CSS selector {css!r} in a site profile ({exc})") from None


def _select(root: etree._Element, css: str | list[str] | None) -> list[etree._Element]:
    if not css:
        return []
    found: list[etree._Element] = []
    for one in [css] if isinstance(css, str) else css:
        found.extend(_selector(one)(root))
    return found


def _remove(element: etree._Element) -> None:
    """Drop an element but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail and tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


# --- blocks ------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "figure", "figcaption",
    "table", "tbody", "thead", "tr", "td", "th", "caption", "section", "article", "main", "pre", "dl", "dd",
    "dt", "center", "address",
}
_HEADING_TAGS = {"h2", "h3", "h4", "h5", "h6"}


def _text(element: etree._Element) -> str:
    return normalise(element.text_content())


def _has_block_child(element: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in element.iterdescendants())


@dataclass
class _Block:
    raw: str
    element: etree._Element

    @property
    def text(self) -> str:
        return normalise(self.raw)


def _blocks(element: etree._Element) -> Iterator[_Block]:
    """Text blocks of a container in document order: leaf blocks, and loose text between blocks."""
    if not _has_block_child(element):
        raw = element.text_content()
        if raw.strip():
            yield _Block(raw, element)
        return
    loose: list[str] = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):
            loose.append(child.tail or "")
            continue
        if child.tag in _BLOCK_TAGS:
            if "".join(loose).strip():
                yield _Block("".join(loose), element)
            loose = []
            yield from _blocks(child)
            loose.append(child.tail or "")
        else:
            loose.append(child.text_content() + (child.tail or ""))
    if "".join(loose).strip():
        yield _Block("".join(loose), element)


def _link_density(element: etree._Element) -> float:
    total = len(_text(element)) or 1
    links = sum(len(_text(a)) for a in element.iter("a"))
    return links / total


def _drop_boxes(root: etree._Element, container: etree._Element) -> None:
    """Remove "Tin cùng chuyên mục"-style boxes: the heading and the link lists that follow it."""
    bp = _boilerplate()
    for element in list(container.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if len(_text(element)) > 40 or not bp.box_heading_re.match(_text(element)):
            continue
        box = element
        while box.getparent() is not None and box.getparent() is not container and _link_density(box.getparent()) > 0.5:
            box = box.getparent()
        if box is element:
            sibling = element.getnext()
            while sibling is not None and (_link_density(sibling) > 0.5 or not _text(sibling)):
                following = sibling.getnext()
                _remove(sibling)
                sibling = following
        _remove(box)


def _is_right_aligned(element: etree._Element) -> bool:
    for node in (element, *element.iterancestors()):
        style = (node.get("style") or "").replace(" ", "").lower()
        if "text-align:right" in style or (node.get("align") or "").lower() == "right":
            return True
        if node.tag in ("body", "article"):
            break
    return False


def _is_bold_only(element: etree._Element) -> bool:
    """A paragraph whose whole text is bold: portals write subheadings this way."""
    text = _text(element)
    bold = normalise(" ".join(_text(b) for b in element.iter("strong", "b")))
    return bool(text) and bold == text and len(text) < 300


# --- metadata ---------------------------------------------------------------------------

_DATE_RES = [
    re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
    re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE),
]
_DAY_MONTH_RE = re.compile(r"(?:sáng|chiều|tối|trưa|đêm|ngày|hôm)\s+(?:nay\s+)?\(?(\d{1,2})/(\d{1,2})\)?(?!/\d)", re.IGNORECASE)


def parse_date(text: str | None) -> str | None:
    """The first date in a date line ("Thứ Ba, 12/03/2024 - 09:15", "2024-03-12T09:15"), as ISO."""
    if not text:
        return None
    for pattern in _DATE_RES:
        for match in pattern.finditer(text):
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if a > 31 else (c, b, a)
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                continue
    return None


_META_DATE_SELECTORS = (
    'meta[property="article:published_time"]',
    'meta[name="pubdate"]',
    'meta[name="publishdate"]',
    'meta[itemprop="datePublished"]',
    'meta[name="date"]',
    'meta[name="dc.date"]',
    "time[datetime]",
)


def _meta_date(root: etree._Element) -> str | None:
    for css in _META_DATE_SELECTORS:
        for element in _select(root, css):
            found = parse_date(element.get("content") or element.get("datetime"))
            if found:
                return found
    return None


_DATE_HINT_SELECTORS = ('[class*="date"]', '[class*="time"]', '[class*="ngay"]', '[id*="date"]', '[class*="publish"]')


def _date_line(root: etree._Element) -> str | None:
    """A date line near the title ("Thứ Hai, 15/03/2021 - 08:30"), found by its class or its place."""
    for css in _DATE_HINT_SELECTORS:
        for element in _select(root, css):
            if len(_text(element)) < 80:
                found = parse_date(_text(element))
                if found:
                    return found
    for heading in root.iter("h1"):
        sibling = heading.getnext()
        for _ in range(3):
            if sibling is None:
                break
            found = parse_date(_text(sibling)[:80])
            if found:
                return found
            sibling = sibling.getnext()
    return None


def _meta(root: etree._Element, css: str) -> str | None:
    for element in _select(root, css):
        value = normalise(element.get("content") or "")
        if value:
            return value
    return None


def _first_text(root: etree._Element, css: str | list[str] | None) -> str | None:
    for element in _select(root, css):
        text = _text(element)
        if text:
            return text
    return None


_SUMMARY_SELECTOR = (
    '[class*="sapo"], [class*="lead"], [class*="summary"], [class*="tomtat"], [class*="description"], '
    '[class*="intro"], [class*="chapeau"], [class*="excerpt"]'
)


def _generic_summary(root: etree._Element) -> str | None:
    """The sapo of a page without a profile: a short lead block marked as such by its class."""
    for element in _select(root, _SUMMARY_SELECTOR):
        text = _text(element)
        if 40 <= len(text) <= 800 and _link_density(element) < 0.3:
            return text
    return None


def complete_day_month(paragraphs: list[str], year_hint: str | None) -> str | None:
    """A date from "Chiều 30/5" in the lead paragraph, completed with the year from the page."""
    if not paragraphs or not year_hint:
        return None
    match = _DAY_MONTH_RE.search(paragraphs[0])
    if not match:
        return None
    try:
        return date(int(year_hint), int(match.group(2)), int(match.group(1))).isoformat()
    except ValueError:
        return None


# --- container ---------------------------------------------------------------------------

_POSITIVE_RE = re.compile(r"content|article|detail|body|news|entry|post|main|noidung|chitiet|text", re.I)
_NEGATIVE_RE = re.compile(r"comment|sidebar|menu|footer|header|related|relate|other|nav|banner|widget|share|tag|ads", re.I)


def _find_container(root: etree._Element) -> etree._Element:
    """The element holding most paragraph text that is not link text (a readability-style score)."""
    scores: dict[etree._Element, float] = {}
    for paragraph in root.iter("p", "td", "div", "pre", "li"):
        if paragraph.tag in ("div", "td", "li") and _has_block_child(paragraph):
            continue
        text = _text(paragraph)
        if len(text) < 25:
            continue
        links = sum(len(_text(a)) for a in paragraph.iter("a"))
        score = max(0.0, len(text) - 2 * links) + 10 * text.count(",")
        parent = paragraph.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
    if not scores:
        return root
    for element in list(scores):
        hint = f"{element.get('class', '')} {element.get('id', '')}"
        if _POSITIVE_RE.search(hint):
            scores[element] *= 1.25
        if _NEGATIVE_RE.search(hint):
            scores[element] *= 0.5
    return max(scores, key=scores.get)


# --- the cleaner ---------------------------------------------------------------------------


def _parse(html: str) -> etree._Element:
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        raise UnreadablePage("empty page")
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadablePage(f"not HTML ({exc})") from None
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for comment in root.xpath("//comment()|//processing-instruction()"):
        _remove(comment)
    return root


def clean_html(html: str, profile: dict[str, Any] | None = None, url: str | None = None) -> CleanArticle:
    """The article in a page, using the site profile's selectors where there is one."""
    root = _parse(html)
    profile = profile or {}
    bp = _boilerplate()

    title = _first_text(root, profile.get("title")) or _meta(root, 'meta[property="og:title"]') or _first_text(root, "h1")
    if not title:
        title = _first_text(root, "title")
    summary = _first_text(root, profile.get("summary")) or (None if profile else _generic_summary(root))
    published = parse_date(_first_text(root, profile.get("date"))) or _meta_date(root) or _date_line(root)
    author_elements = _select(root, profile.get("author"))
    author_lines = [line for el in author_elements for line in _lines(el)]

    for element in _select(root, profile.get("noise")):
        _remove(element)
    for element in author_elements:
        _remove(element)

    container = None
    if profile.get("body"):
        found = _select(root, profile["body"])
        container = found[0] if found else None
    if container is None:
        for selector in bp.noise:
            for element in selector(root):
                _remove(element)
        container = _find_container(root)
    _drop_boxes(root, container)

    caption_elements = set(_select(container, profile.get("captions") or "figcaption, caption, [class*=caption]"))
    subheading_elements = set(_select(container, profile.get("subheadings")))
    # A selector may pick the <strong> inside a bold paragraph: its text then is the block's text.
    subheading_texts = {_text(element) for element in subheading_elements}

    paragraphs: list[str] = []
    subheadings: list[str] = []
    captions: list[str] = []
    signature: list[str] = []
    seen_titles = {t for t in (title, summary) if t}
    for block in _blocks(container):
        element = block.element
        chain = (element, *element.iterancestors())
        if any(node in caption_elements for node in chain):
            if block.text not in captions:
                captions.append(block.text)
            continue
        if block.text in seen_titles or bp.noise_line_re.match(block.text) or bp.box_heading_re.match(block.text):
            continue
        if not author_lines and _is_right_aligned(element) and len(block.text) < 160:
            signature.extend(normalise(line) for line in block.raw.split("\n") if line.strip())
            continue
        if block.text in subheading_texts or any(node in subheading_elements for node in chain) or (
            not profile.get("subheadings") and (element.tag in _HEADING_TAGS or _is_bold_only(element))
        ):
            subheadings.append(block.text)
        paragraphs.append(block.text)
    author_lines = author_lines or signature
    if not paragraphs:
        raise UnreadablePage(f"no article text found{' at ' + url if url else ''}")
    if not published:
        year = re.search(r"(?:19|20)\d{2}", " ".join(filter(None, [url, _first_text(root, profile.get("date"))])))
        published = complete_day_month(paragraphs, year.group() if year else None)
    return CleanArticle(
        title=title,
        summary=summary,
        published=published,
        author=" / ".join(author_lines) or None,
        paragraphs=paragraphs,
        subheadings=subheadings,
        captions=captions,
    )


def _lines(element: etree._Element) -> list[str]:
    """The lines of a block: one per child block or <br>-separated line."""
    lines = [normalise(line) for block in _blocks(element) for line in block.raw.split("\n")]
    return [line for line in lines if line]


def clean_text(text: str) -> CleanArticle:
    """An article given as plain text, one paragraph per line."""
    paragraphs = [normalise(line) for line in text.splitlines()]
    return CleanArticle(paragraphs=[p for p in paragraphs if p])
