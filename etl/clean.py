"""Turn a portal's HTML into an article: title, date, author, body paragraphs and captions, without layout noise.

Pure functions over bytes and text. lxml does the parsing (a full BeautifulSoup tree per page is
ten times slower); a site profile's CSS selectors pick the parts where the source has one, and a
text-density fallback finds the article on portals without one. The Vietnamese boilerplate pass
(etl/data/boilerplate.yaml) then removes what both miss.

Without a profile, the parts are found by what any portal's markup says about them: the title is
the heading the <title> or og:title repeats (else the heading just before the text), the date a
meta tag, JSON-LD or a short dated line after the title, the sapo a lead-classed block or the
text's first bold paragraph, captions the italic or centred lines beside an image, the signature
the short name lines at the end. `decode` also reads pages typed in the old TCVN3 and VNI fonts.
tests/fixtures/pages/README.md lists the layouts this is measured on.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache, cached_property, lru_cache, partial
from itertools import accumulate, groupby
from typing import Any, Iterator

import yaml
from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from etl import settings
from etl.alternation import by_first_letter


# lxml.html's parser gives the same tree, but looks up a Python class for every element it hands out.
_HTML_PARSER = etree.HTMLParser()
# An element's text, descendants' included: what lxml.html's text_content() (XPath "string()") gives,
# from the text serialiser, which does not set up an XPath context each time.
_text_content = partial(etree.tostring, method="text", encoding=str, with_tail=False)
_text_bytes = partial(etree.tostring, method="text", encoding="utf-8", with_tail=False)


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
    # Most text has single spaces already, which split and join (costly on a long paragraph) would give back
    # as they are: every character str.split() parts at but the space is non-printable (true of all of Unicode
    # in Python 3.11: categories Cc, Zs, Zl, Zp), so printable text need only have no double, leading or trailing space.
    if not (text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "):
        text = " ".join(text.split())
    return unicodedata.normalize("NFC", text)


# --- decoding --------------------------------------------------------------------

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
# Charsets a server may claim by default that never carry Vietnamese text.
_WESTERN = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}
# Control bytes (not tab, line feed, form feed or carriage return) mark a binary body; the others are deleted to count them.
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    import codecs

    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


_WESTERN_CODECS = frozenset(filter(None, map(_codec, _WESTERN)))


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
    if b"\x00" in head or len(head.translate(None, _NOT_CONTROL_BYTES)) > len(head) // 20:
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
        if codec in _WESTERN_CODECS and utf8 is not None and not body.isascii():
            text = utf8
            break
        text = utf8 if codec == "utf-8" else _try(body, codec)
        if text is not None:
            break
    if text is None:
        text = utf8
    if text is None:
        # An undeclared page in a legacy font encoding: detection would read it as windows-1258.
        latin = body.decode("latin-1")
        legacy = _from_legacy_font_encoding(latin)
        text = legacy if legacy is not latin else None
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(body, cp_isolation=["cp1258", "utf_8", "utf_16"]).best()
        text = str(best) if best is not None else body.decode("cp1258", errors="replace")
    return unicodedata.normalize("NFC", _from_legacy_font_encoding(text))


# --- the old Vietnamese font encodings ----------------------------------------------
# Pages typed in the 1990s-2000s with the .VnTime (TCVN3/ABC) or VNI-Times fonts store Vietnamese as
# Latin-1 look-alikes ("§¶ng bé tØnh" for "Đảng bộ tỉnh", "Ñaûng boä" for "Đảng bộ"); browsers only
# showed them right with the font installed. These are the two code tables, as Latin-1 characters.

# TCVN3: one byte per letter; the .VnTime fonts have only these upper-case letters with marks.
_TCVN3 = dict(zip(
    "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦",
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ",
))
# Characters TCVN3 text is full of (à á ả ã ạ ă â đ ê ô ơ ư...) and neither Unicode Vietnamese nor VNI uses.
_TCVN3_ONLY = frozenset("µ¸¶·¹¨»¾¼½©®ª«¬\xad¡¢§£¤¥¦×÷ßÞÐ")

# VNI: a base letter followed by a mark character; for each vowel, the forms with no tone and with
# sắc, huyền, hỏi, ngã, nặng (the VNI keyboard's 1-5).
_VNI_VOWELS = {
    "a": ("a", "aù", "aø", "aû", "aõ", "aï"), "â": ("aâ", "aá", "aà", "aå", "aã", "aä"),
    "ă": ("aê", "aé", "aè", "aú", "aü", "aë"), "e": ("e", "eù", "eø", "eû", "eõ", "eï"),
    "ê": ("eâ", "eá", "eà", "eå", "eã", "eä"), "o": ("o", "où", "oø", "oû", "oõ", "oï"),
    "ô": ("oâ", "oá", "oà", "oå", "oã", "oä"), "ơ": ("ô", "ôù", "ôø", "ôû", "ôõ", "ôï"),
    "u": ("u", "uù", "uø", "uû", "uõ", "uï"), "ư": ("ö", "öù", "öø", "öû", "öõ", "öï"),
    "i": ("i", "í", "ì", "æ", "ó", "ò"), "y": ("y", "yù", "yø", "yû", "yõ", "î"),
}
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")


def _vni_table() -> dict[str, str]:
    table = {"ñ": "đ", "Ñ": "Đ"}
    for vowel, forms in _VNI_VOWELS.items():
        for tone, code in zip(_TONES, forms):
            letter = unicodedata.normalize("NFC", vowel + tone)
            if code != letter:
                table[code] = letter
                table[code.upper()] = letter.upper()
    return table


_VNI = _vni_table()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI), key=len, reverse=True)))
# Mark characters VNI text is full of (huyền, hỏi, nặng, ư, đ...) and Unicode Vietnamese never uses;
# TCVN3 uses them too, so TCVN3 is tested first, by the characters only it uses.
_VNI_MARK_RE = re.compile("[øïûöñæîåäëØÏÛÖÑÆÎÅÄË]")
# Letters only Unicode Vietnamese has: neither legacy encoding writes them as one character (both
# write â, ê, ô, à, á... as the Latin-1 letters).
_VIETNAMESE_RE = re.compile("[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
_TAG_RE = re.compile(r"<[^>]*>")
_LETTER_RE = re.compile(r"[^\W\d_]")
_TCVN3_ONLY_RE = re.compile("[" + re.escape("".join(sorted(_TCVN3_ONLY))) + "]")
_TCVN3_TABLE = str.maketrans(_TCVN3)
_NOT_LEGACY_MARK_BYTES = bytes(
    b for b in range(256) if chr(b) not in _TCVN3_ONLY and not _VNI_MARK_RE.match(chr(b))
)
_FONT_HINT_RE = re.compile(r"""face\s*=\s*["']?\s*(\.vn|vni)|font-family\s*:\s*["']?(\.vn|vni)""", re.IGNORECASE)
_LEGACY_MIN_SHARE = 0.02  # of the letters, for the marks of an old encoding to count as one
_LEGACY_MIN_DISTINCT = 4  # different mark characters


def _from_legacy_font_encoding(text: str) -> str:
    """Text typed in the TCVN3 or VNI font encodings, converted to Unicode; other text as it is."""
    if text.isascii():
        return text
    # The marks are Latin-1 characters: kept by this encoding, counted at C speed, the common case
    # (fewer than five of them) is decided without a pass of a regex over the whole page.
    if len(text.encode("latin-1", "ignore").translate(None, _NOT_LEGACY_MARK_BYTES)) < 5:
        return text
    tcvn3_marks = _TCVN3_ONLY_RE.findall(text)
    vni_marks = _VNI_MARK_RE.findall(text)
    tcvn3, vni = len(tcvn3_marks), len(vni_marks)
    if max(tcvn3, vni) < 5:  # the common case, decided without looking further
        return text
    # Real legacy text uses many of its mark characters, not one symbol over and over ("©", "Þ").
    tcvn3 = tcvn3 if len(set(tcvn3_marks)) >= _LEGACY_MIN_DISTINCT else 0
    vni = vni if len(set(vni_marks)) >= _LEGACY_MIN_DISTINCT else 0
    plain = _TAG_RE.sub(" ", text)
    unicode_vietnamese = len(_VIETNAMESE_RE.findall(plain))
    floor = 5 if _FONT_HINT_RE.search(text) else max(20, len(_LETTER_RE.findall(plain)) * _LEGACY_MIN_SHARE)
    if tcvn3 >= floor and tcvn3 > 4 * unicode_vietnamese:
        return text.translate(_TCVN3_TABLE)
    if vni >= floor and vni > 4 * unicode_vietnamese:
        return _VNI_RE.sub(lambda m: _VNI[m.group()], text)
    return text


# --- noise data ------------------------------------------------------------------


@dataclass(frozen=True)
class _NoiseRule:
    """A noise selector: a tag name, [attribute=value] or [attribute*=value] is tested on the page's
    elements and attribute values directly; any other CSS is run as a selector."""

    css: str
    tag: str | None = None
    attribute: str | None = None
    value: str = ""
    partial: bool = False  # [attribute*=value]: the value holds it
    selector: etree.XPath | None = None

    def accepts(self, value: str) -> bool:
        if not self.partial:
            return self.value == value
        # A class that says the part is absent ("entry-content no-share") does not name it.
        return self.value in value and any(self.value in token and not _NEGATED_RE.match(token) for token in value.split())


# A class or id token that switches a part off: "no-share", "hide_comments", "without-tags".
_NEGATED_RE = re.compile(r"(?:no|hide|hidden|without|disable|disabled)[-_]", re.IGNORECASE)


_SIMPLE_SELECTOR_RE = re.compile(r"^(?:(?P<tag>[a-z][a-z0-9]*)|\[(?P<attribute>[a-z][a-z0-9-]*)(?P<op>\*?=)(?P<value>[\w.-]+)\])$")


def _noise_rule(css: str) -> _NoiseRule:
    match = _SIMPLE_SELECTOR_RE.match(css)
    _selector(css)  # a bad selector fails here, whatever its form
    if match is None:
        return _NoiseRule(css, selector=_selector(css))
    if match.group("tag"):
        return _NoiseRule(css, tag=match.group("tag"))
    return _NoiseRule(css, attribute=match.group("attribute"), value=match.group("value"), partial=match.group("op") == "*=")


@dataclass(frozen=True)
class _Boilerplate:
    noise: tuple[_NoiseRule, ...]
    box_heading_re: re.Pattern[str]
    comment_heading_re: re.Pattern[str]
    noise_line_re: re.Pattern[str]
    caption_line_re: re.Pattern[str]
    byline_prefix_re: re.Pattern[str]
    clock_re: re.Pattern[str]
    # noise_line_re in two, for is_noise_line: the lines that end in a figure ("Mục lục ........ 12"), and the others.
    figure_noise_line_re: re.Pattern[str]
    other_noise_line_re: re.Pattern[str]

    def is_noise_line(self, line: str) -> bool:
        """Whether noise_line_re matches a line. The patterns of lines ending in a figure are tried only on
        lines that do ("^.{3,}……\\d{1,3}$" tries every position of a long paragraph); a line holding a line
        break is tried whole, as "$" also matches before a last line break."""
        if "\n" in line:
            return self.noise_line_re.match(line) is not None
        return self.other_noise_line_re.match(line) is not None or (
            line[-1:].isdecimal() and self.figure_noise_line_re.match(line) is not None  # re's \d is isdecimal()
        )


@lru_cache(maxsize=1)
def _boilerplate() -> _Boilerplate:
    data = yaml.safe_load((settings.PACKAGE_DATA_DIR / "boilerplate.yaml").read_text(encoding="utf-8"))
    headings = "|".join([*(re.escape(unicodedata.normalize("NFC", h)) for h in data["box_headings"]),
                         *(unicodedata.normalize("NFC", p) for p in data["box_heading_patterns"])])
    comments = "|".join(re.escape(unicodedata.normalize("NFC", h)) for h in data["comment_headings"])
    clock = "|".join(re.escape(unicodedata.normalize("NFC", w)) for w in data["clock_words"])
    # The clock's line, with the date that ends it, is one of the lines that end in a figure.
    figure_lines = [unicodedata.normalize("NFC", p) for p in [*data["figure_noise_lines"], rf"^(?:{clock})\b.{{0,40}}\d{{4}}$"]]
    other_lines = [unicodedata.normalize("NFC", p) for p in data["noise_lines"]]
    lines, figures, others = (
        "|".join(f"(?:{p})" for p in group) for group in (figure_lines + other_lines, figure_lines, other_lines)
    )
    credits = "|".join(f"(?:{unicodedata.normalize('NFC', p)})" for p in data["caption_lines"])
    prefixes = "|".join(re.escape(unicodedata.normalize("NFC", p)) for p in data["byline_prefixes"])
    return _Boilerplate(
        noise=tuple(_noise_rule(s) for s in data["noise_selectors"]),
        # "Bình luận (2)", "Tin liên quan:"
        box_heading_re=re.compile(rf"^(?:{headings}|{comments})\s*(?:\(\d+\))?\s*:?$", re.IGNORECASE),
        comment_heading_re=re.compile(rf"^(?:{comments})\s*(?:\(\d+\))?\s*:?$", re.IGNORECASE),
        noise_line_re=re.compile(lines, re.IGNORECASE),
        figure_noise_line_re=re.compile(figures, re.IGNORECASE),
        other_noise_line_re=re.compile(others, re.IGNORECASE),
        caption_line_re=re.compile(credits, re.IGNORECASE),
        byline_prefix_re=re.compile(rf"^\(?(?:{prefixes})\s*:?\s*", re.IGNORECASE),
        clock_re=re.compile(rf"^\W*(?:{clock})\b", re.IGNORECASE),
    )


@lru_cache(maxsize=512)
def _selector(css: str) -> etree.XPath:
    try:
        path = CSSSelector(css).path
    except SelectorError as exc:
        raise ValueError(f"invalid CSS selector {css!r} in a site profile ({exc})") from None
    return etree.XPath(_FAST_STEP_RE.sub(_fast_step, path))


# cssselect writes "#x" as "*[@id = 'x']" and "[class*=x]" as "*[@class and contains(@class, 'x')]":
# libxml2 tests that predicate on every element, slowly; the same step through the attribute axis,
# "*/@id[. = 'x']/..", gives the same elements several times faster. Quoted strings are kept as they are.
_FAST_STEP_RE = re.compile(
    r"""(?P<quoted>'[^']*'|"[^"]*")"""
    r"""|(?:^|(?<=/)|(?<=\| ))(?P<step>(?:[a-z-]+::)?\*)\["""
    r"""(?:@(?P<equal>[\w-]+) = (?P<value>'[^']*'|"[^"]*")|@(?P<has>[\w-]+) and contains\(@(?P=has), (?P<part>'[^']*'|"[^"]*")\))"""
    r"""\](?=/|$| \|)"""
)


def _fast_step(match: re.Match[str]) -> str:
    if match.group("quoted"):
        return match.group()
    if match.group("equal"):
        return f"{match.group('step')}/@{match.group('equal')}[. = {match.group('value')}]/.."
    return f"{match.group('step')}/@{match.group('has')}[contains(., {match.group('part')})]/.."


def _select(root: etree._Element, css: str | list[str] | None) -> list[etree._Element]:
    """The elements each selector finds, selector by selector, each's in document order."""
    if not css:
        return []
    selectors = [css] if isinstance(css, str) else css
    compounds = [_compound(one) for one in selectors]
    found: list[list[etree._Element]] = [[] for _ in selectors]
    # Tags with classes or ids ("div.news-tools", "td#footer": most of a profile's noise) are told in one walk
    # over their tags, not each by an XPath over the whole tree.
    by_tag: dict[str, list[int]] = {}
    for index, compound in enumerate(compounds):
        if compound is not None:
            by_tag.setdefault(compound.tag, []).append(index)
    if by_tag:
        for element in root.iter(*by_tag):
            value = element.get("class")  # read once for all the compounds of the tag
            for index in by_tag[element.tag]:
                compound = compounds[index]
                # Most elements lack the first class: told without a call (matches() tests that first).
                if compound.classes and (value is None or compound.classes[0] not in value):
                    continue
                if compound.matches(element, value, root):
                    found[index].append(element)
    for index, one in enumerate(selectors):
        if compounds[index] is None:
            found[index].extend(_iter_select(root, one))
    return [element for elements in found for element in elements]


# XML whitespace, where XPath's normalize-space() parts a class attribute's names.
_XML_SPACE_RE = re.compile(r"[ \t\r\n]+")
_COMPOUND_RE = re.compile(r"(?P<tag>[a-z][a-z0-9]*)?(?P<names>(?:[.#]-?[A-Za-z_][A-Za-z0-9_-]*)*)")


@dataclass(frozen=True)
class _Compound:
    """A tag with classes and ids ("div.news-tools", "td#footer"), perhaps below others ("#news-detail
    h2.news-title"), tested as cssselect's XPath tests it: the tag's name, each class one of the names of the
    class attribute (normalize-space's parts), each id the id attribute's whole value, and an ancestor up
    to the root selected from (itself included) for each compound above, in turn."""

    tag: str | None  # None: any tag (only above another)
    classes: tuple[str, ...]
    ids: tuple[str, ...]
    above: tuple["_Compound", ...] = ()  # joined to it by descendant combinators, the outermost first

    def matches(self, element: etree._Element, value: str | None, root: etree._Element) -> bool:
        """Whether the element (of the compound's tag; value: its class attribute) is one the selector finds below root."""
        if self.classes:
            if value is None:
                return False
            for name in self.classes:
                # A class is in the value wherever it is one of its names: the substring test settles most.
                if name not in value or name not in _XML_SPACE_RE.split(value):
                    return False
        for name in self.ids:
            if element.get("id") != name:
                return False
        return not self.above or self._below(element, root)

    def _below(self, element: etree._Element, root: etree._Element) -> bool:
        # Each compound above is met by the nearest ancestor that fits it: that leaves the most ancestors for
        # the ones further up, so a match is found if there is one.
        wanted = len(self.above) - 1
        if element is root:
            return False
        for ancestor in element.iterancestors():
            compound = self.above[wanted]
            if (compound.tag is None or ancestor.tag == compound.tag) and compound.matches(ancestor, ancestor.get("class"), root):
                if wanted == 0:
                    return True
                wanted -= 1
            if ancestor is root:
                break
        return False


@lru_cache(maxsize=512)
def _compound(css: str) -> _Compound | None:
    """The selector as a _Compound, where it is one (compounds of tags, classes and ids joined by single spaces,
    the last naming its tag); None for any other."""
    _selector(css)  # a bad selector fails as it would
    compounds = []
    for part in css.split(" "):
        match = _COMPOUND_RE.fullmatch(part)
        if match is None or not part:
            return None
        names = re.findall(r"[.#][^.#]+", match.group("names"))
        compounds.append(_Compound(match.group("tag"), tuple(n[1:] for n in names if n[0] == "."),
                                   tuple(n[1:] for n in names if n[0] == "#")))
    if compounds[-1].tag is None:
        return None
    *above, last = compounds
    return _Compound(last.tag, last.classes, last.ids, tuple(above))


_TAG_SELECTOR_RE = re.compile(r"[a-z][a-z0-9]*")
_TAG_ATTRIBUTE_SELECTOR_RE = re.compile(r"""(?P<tag>[a-z][a-z0-9]*)\[(?P<attribute>[a-z][a-z0-9-]*)="(?P<value>[^"\\]*)"\]""")


def _iter_select(root: etree._Element, css: str) -> Iterator[etree._Element]:
    """The elements a selector finds, in document order, read as they are wanted (a caller after the first
    stops there). A tag name ("title") or a tag with an attribute's value ('meta[property="og:title"]') walks
    the elements of that tag: its XPath ("descendant-or-self::title", "…meta[@property = 'og:title']")
    gives the same elements, root included, but walks the whole tree first."""
    if _TAG_SELECTOR_RE.fullmatch(css):
        return _tagged(root, css)
    if _compound(css) is not None:
        return iter(_select(root, css))
    match = _TAG_ATTRIBUTE_SELECTOR_RE.fullmatch(css)
    if match:
        attribute, value = match.group("attribute"), match.group("value")
        return (element for element in root.iter(match.group("tag")) if element.get(attribute) == value)
    return iter(_selector(css)(root))


def _tagged(root: etree._Element, tag: str) -> Iterator[etree._Element]:
    """root.iter(tag), the first element found without walking on: lxml's iterator looks for the next
    element before it hands out one, and "descendant-or-self::title[1]" (the first in document order:
    the position counts along the axis) stops at it."""
    first = _first_tagged(tag)(root)
    if not first:
        return
    yield first[0]
    rest = root.iter(tag)
    next(rest)  # the first again
    yield from rest


@lru_cache(maxsize=64)
def _first_tagged(tag: str) -> etree.XPath:
    return etree.XPath(f"descendant-or-self::{tag}[1]")


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


# A generic noise selector never removes an element holding more than this share of the page's
# text: ASP.NET and DNN wrap the whole page in one <form>, themes put "has-sidebar" on <body>.
_NOISE_MAX_SHARE = 0.5
_NOISE_MAX_LINKS = 0.5


def _remove_generic_noise(root: etree._Element, attributes: _Attributes) -> None:
    """Remove the elements of each noise rule in turn, as its selector would find them then: the matches
    are read once, and those an earlier rule took out with an ancestor are skipped."""
    rules = _boilerplate().noise
    matches = _noise_matches(root, rules, attributes.values)
    total = 0
    for rule, found in zip(rules, matches):
        for element in rule.selector(root) if rule.selector else [e for e in found if _attached(e, root)]:
            if next(element.iter("p", "br"), None) is not None:  # only a wrapper of text may be most of the page
                total = total or len(_text_content(root)) or 1
                # ... and a wrapper of the article is not mostly links (a theme's <header> holding its sidebar is).
                if len(_text_content(element)) > _NOISE_MAX_SHARE * total and _link_density(element) <= _NOISE_MAX_LINKS:
                    continue
            _remove(element)


def _noise_matches(root: etree._Element, rules: tuple[_NoiseRule, ...], values: list[Any]) -> list[list[etree._Element]]:
    """The elements each tag or attribute rule matches, in document order."""
    found: list[list[etree._Element]] = [[] for _ in rules]
    by_tag: dict[str, list[int]] = {}
    by_attribute: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        if rule.tag:
            by_tag.setdefault(rule.tag, []).append(index)
        elif rule.attribute:
            by_attribute.setdefault(rule.attribute, []).append(index)
    if by_tag:
        for element in root.iter(*by_tag):
            for index in by_tag[element.tag]:
                found[index].append(element)
    for value in _found_in(values, _noise_prefilter()):
        for index in by_attribute.get(value.attrname, ()):
            if rules[index].accepts(value):
                found[index].append(value.getparent())
    return found


@lru_cache(maxsize=1)
def _noise_prefilter() -> re.Pattern[str]:
    """Any attribute rule's value: most class and id values hold none, and are passed over at once."""
    values = sorted({rule.value for rule in _boilerplate().noise if rule.attribute}, key=len, reverse=True)
    return re.compile(_by_first_letter(list(map(re.escape, values))) or "(?!)")


def _by_first_letter(words: list[str]) -> str:
    """The alternation of words (regexes), grouped behind their first letter ("s(?:hare|ocial)|tags" for
    "share|social|tags"): see etl.alternation. Unless every word opens with a plain letter or digit (not
    quantified), and no two first letters are one letter in two cases (which IGNORECASE matches at one
    place), the words are joined as they are.
    """
    if not all(word[:1].isalnum() and word[1:2] not in ("?", "*", "+", "{") for word in words):
        return "|".join(words)
    if len({word[0].casefold() for word in words}) != len({word[0] for word in words}):
        return "|".join(words)
    return by_first_letter([(word[0], word[1:]) for word in words])


def _found_in(values: list[Any], pattern: re.Pattern[str]) -> list[Any]:
    """The values the pattern finds something in, in order: one search over them all, joined by line
    breaks, instead of a search per value (the patterns here have no anchors and never match a line break)."""
    joined = "\n".join(values)
    if pattern.flags & re.IGNORECASE and joined.isascii():
        # Class and id values are ASCII: matching lower-case words without IGNORECASE is several times faster.
        joined, pattern = joined.lower(), _case_sensitive(pattern)
    ends = list(accumulate(len(value) + 1 for value in values))
    found: list[Any] = []
    last = -1
    for match in pattern.finditer(joined):
        index = bisect_right(ends, match.start())
        if index != last:
            found.append(values[index])
            last = index
    return found


@lru_cache(maxsize=8)
def _case_sensitive(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """An IGNORECASE pattern written in lower case, for lower-cased ASCII text (where the two agree)."""
    if pattern.pattern != pattern.pattern.lower():
        raise ValueError(f"{pattern.pattern!r} is not written in lower case")
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def _attached(element: etree._Element, root: etree._Element) -> bool:
    """Whether an element is still in root's tree (not taken out with an ancestor)."""
    while (parent := element.getparent()) is not None:
        element = parent
    return element is root


class _Attributes:
    """The class, id, role, itemprop, rel and aria-hidden values of a page, each knowing its element: read in one
    XPath pass when first needed, for the noise rules and the hints at a part to test as strings."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._values: list[Any] | None = None

    @property
    def values(self) -> list[Any]:
        if self._values is None:
            self._values = _ATTRIBUTE_VALUES(self.root)
        return self._values


_ATTRIBUTE_VALUES = etree.XPath("//@class | //@id | //@role | //@itemprop | //@rel | //@aria-hidden")


# --- blocks ------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "figure", "figcaption",
    "table", "tbody", "thead", "tr", "td", "th", "caption", "section", "article", "main", "pre", "dl", "dd",
    "dt", "center", "address", "header", "footer", "nav", "aside", "form", "fieldset", "details", "hgroup",
}
_HEADING_TAGS = {"h2", "h3", "h4", "h5", "h6"}
# Stands for a <br> in text read from the tree (U+2028 LINE SEPARATOR: whitespace to str.split(),
# unlike "\n", which HTML source has wherever an editor wrapped a line).
_BR = "\u2028"


def _raw_text(element: etree._Element) -> str:
    """_text_content(element); for an element with no children (most paragraphs, links, cells), its own
    text, read without setting up the serialiser: with no child nodes but text, that is all it gives."""
    if len(element) or not isinstance(element.tag, str):
        return _text_content(element)
    return element.text or ""


def _text(element: etree._Element) -> str:
    return normalise(_raw_text(element))


def _iter_tags(element: etree._Element, *tags: str) -> Iterator[etree._Element]:
    """element.iter(*tags) without setting up a walk for an element with no children: the element is then
    all the walk could give."""
    if len(element):
        return element.iter(*tags)
    return iter((element,) if element.tag in tags else ())


class _Texts(dict):
    """Elements' _text(), each read once: valid only while the tree is unchanged (taking out an element
    changes its ancestors' texts), so one is made for a stretch of work that changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self._raw: dict[etree._Element, str] = {}

    def raw(self, element: etree._Element) -> str:
        """The element's _text_content(), not normalised."""
        raw = self._raw.get(element)
        if raw is None:
            raw = self._raw[element] = _raw_text(element)
        return raw

    def __missing__(self, element: etree._Element) -> str:
        text = self[element] = normalise(self.raw(element))
        return text


def _nesting(top: etree._Element) -> set[etree._Element]:
    """The elements of top's tree (top included) that hold a block element somewhere below them,
    found in one pass over the blocks instead of a walk below each element; valid while the tree is unchanged."""
    nesting: set[etree._Element] = set()
    for block in top.iterdescendants(*_BLOCK_TAGS):
        node = block.getparent()
        while node not in nesting:
            nesting.add(node)
            if node is top:
                break
            node = node.getparent()
    return nesting


def _has_image(element: etree._Element) -> bool:
    return next(_iter_tags(element, "img", "amp-img", "picture"), None) is not None


@dataclass
class _Block:
    raw: str
    element: etree._Element
    image: bool = False  # the block shows an image (with no text: an image alone)

    @cached_property
    def text(self) -> str:
        return normalise(self.raw)


def _blocks(element: etree._Element, nesting: set[etree._Element]) -> Iterator[_Block]:
    """Text blocks of a container in document order: leaf blocks, loose text between blocks, images
    (nesting: _nesting() of the container)."""
    if element not in nesting:
        raw = _raw_text(element)
        image = _has_image(element)
        if raw.strip() or image:
            yield _Block(raw, element, image)
        return
    loose: list[str] = [element.text or ""]
    image = False
    for child in element:
        if not isinstance(child.tag, str):
            loose.append(child.tail or "")
            continue
        if child.tag in _BLOCK_TAGS or child in nesting:  # an inline element around blocks (<font><p>…) too
            if "".join(loose).strip() or image:
                yield _Block("".join(loose), element, image)
            loose, image = [], False
            yield from _blocks(child, nesting)
            loose.append(child.tail or "")
        else:
            loose.append(_raw_text(child) + (child.tail or ""))
            image = image or _has_image(child)
    if "".join(loose).strip() or image:
        yield _Block("".join(loose), element, image)


_SENTENCE_END_RE = re.compile(r"[.!?…:;]['\"”’)]*$")


def _pieces(raw: str, emphasised: set[str]) -> list[str]:
    """The paragraphs of a block's text. Two <br> always part two paragraphs (portals that never
    write <p>); one <br> does before a line that starts like a paragraph (a capital, a digit, a
    quote), or after a sentence or a bold line; before a lower-case word it only breaks a line."""
    if _BR not in raw:  # one line, as most paragraphs are
        text = normalise(raw)
        return [text] if text else []
    out: list[str] = []
    for part in re.split(rf"{_BR}\s*{_BR}", raw):
        current = ""
        for line in part.split(_BR):
            text = normalise(line)
            if not text:
                continue
            starts = text[0].isupper() or text[0].isdigit() or text[0] in "“\"‘(-–•©"
            if current and starts:
                out.append(current)
                current = text
            else:
                current = f"{current} {text}".strip()
        if current:
            out.append(current)
    return out


def _emphasised(element: etree._Element, tags: tuple[str, ...]) -> set[str]:
    """Texts of the bold (or italic) runs of a block, each as a whole line would read."""
    runs = set()
    for run in _iter_tags(element, *tags):
        runs.update(normalise(line) for line in _text_content(run).split(_BR))
        runs.add(_text(run))
    runs.discard("")
    return runs


def _link_density(element: etree._Element, text: str | None = None, texts: _Texts | None = None) -> float:
    """The share of an element's text (text: its _text(), when already read; texts: the page's text cache,
    where there is one) that is link text."""
    read = _text if texts is None else texts.__getitem__
    total = len(read(element) if text is None else text) or 1
    links = sum(len(read(a)) for a in element.iter("a"))
    return links / total


# A box heading is a short line; one of that many characters holds at most half as many words
# (a word and the space after it are two characters at least).
_BOX_HEADING_MAX_CHARS = 40
_BOX_HEADING_MAX_WORDS = _BOX_HEADING_MAX_CHARS // 2


def _drop_boxes(root: etree._Element, container: etree._Element) -> None:
    """Remove "Tin cùng chuyên mục"-style boxes: the heading and the link lists that follow it."""
    bp = _boilerplate()
    for element in list(container.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        raw = _text_content(element)
        if len(raw.split(None, _BOX_HEADING_MAX_WORDS)) > _BOX_HEADING_MAX_WORDS:
            continue  # too many words to be a heading: not worth normalising
        text = normalise(raw)
        if len(text) > _BOX_HEADING_MAX_CHARS or not bp.box_heading_re.match(text):
            continue
        # The heading with the wrappers that hold it alone ("<div class=topwrapper><div class=title>…"); then the
        # box: up through the parents that hold mostly links besides it.
        head = element
        while head.getparent() is not None and head.getparent() is not container and normalise(_text_content(head.getparent())) == text:
            head = head.getparent()
        box = head
        while box.getparent() is not None and box.getparent() is not container and _link_density(box.getparent()) > 0.5:
            box = box.getparent()
        if box is head and head.getprevious() is None:
            # A box that opens with its heading ("<div class=others><h3>Các tin khác</h3><article>…<p>summary"):
            # the whole box, summaries of the listed articles included.
            parent = head.getparent()
            if parent is not None and parent is not container and not (parent.text or "").strip():
                box = parent
        if bp.comment_heading_re.match(text):
            # Readers' comments are text, not links: the box is the heading's parent, or all that follows it.
            parent = head.getparent()
            if parent is not None and parent is not container and head.getprevious() is None:
                box = parent
            else:
                for sibling in list(head.itersiblings()):
                    sibling.getparent().remove(sibling)
        if box is head:
            # A list written as links between <br>s, each with its date: "<a>...</a> (09/10/2019)<br>".
            sibling = head.getnext()
            while sibling is not None and _is_box_item(sibling):
                following = sibling.getnext()
                sibling.getparent().remove(sibling)
                sibling = following
            if head.tail and (not head.tail.strip() or _is_date_line(normalise(head.tail))):
                head.tail = None
        _remove(box)


# A table of figures inside the article (rows of short cells), not a layout table holding the text.
_DATA_CELL_MAX_CHARS = 150


def _drop_data_tables(container: etree._Element) -> None:
    """Remove tables of figures from the body: their cells are not paragraphs (docs/LABELING.md)."""
    for table in list(container.iter("table")):
        if table is container or table.getparent() is None or any(t is not table for t in table.iter("table")):
            continue  # the body itself, gone with an outer table, or a layout table holding another
        rows = [row for row in table.iter("tr") if len(row.findall("td") + row.findall("th")) >= 2]
        cells = [cell for row in rows for cell in (*row.findall("td"), *row.findall("th"))]
        if len(rows) >= 2 and all(len(_text(cell)) <= _DATA_CELL_MAX_CHARS for cell in cells):
            # With its title on the line above it ("KẾT QUẢ MỘT SỐ CHỈ TIÊU 6 THÁNG ĐẦU NĂM 2024"), the
            # table's own wrapper ("<div class=table-responsive>") in between.
            block = table
            while block.getparent() is not None and block.getparent() is not container and len(block.getparent()) == 1:
                block = block.getparent()
            heading = block.getprevious()
            if heading is not None and isinstance(heading.tag, str) and _is_table_title(heading):
                _remove(heading)
            _remove(table)


_TABLE_TITLE_MAX_CHARS = 150


def _is_table_title(element: etree._Element) -> bool:
    """A short line in capitals or in bold, not a sentence: the title of the table below it."""
    text = _text(element)
    if not text or len(text) > _TABLE_TITLE_MAX_CHARS or _SENTENCE_END_RE.search(text):
        return False
    return text.isupper() or _is_bold_only(element)


def _is_box_item(element: etree._Element) -> bool:
    """A line of a related-articles list: a link, a line break, or the date beside a link."""
    text = _text(element)
    tail = normalise(element.tail or "")
    if tail and not _is_date_line(tail) and len(tail) > 3:
        return False
    return not text or _link_density(element, text) > 0.5 or _is_date_line(text)


def _aligned(element: etree._Element, side: str, stop: etree._Element | None = None) -> bool:
    """Text aligned to a side by the element or an ancestor inside stop (align= on a table places the
    table, not its text)."""
    for node in (element, *element.iterancestors()):
        if node is stop or node.tag in ("body", "article"):
            break
        style = (node.get("style") or "").replace(" ", "").lower()
        if f"text-align:{side}" in style or (node.tag != "table" and (node.get("align") or "").lower() == side):
            return True
    return False


def _is_right_aligned(element: etree._Element) -> bool:
    return _aligned(element, "right")


# Classes that mark a signature line inside the body ("text-right", "author", "tac-gia").
_SIGNATURE_CLASS_RE = re.compile(r"text-right|align-right|pull-right|author|tac-?gia|signature|byline", re.IGNORECASE)


def _is_signature_element(element: etree._Element, container: etree._Element) -> bool:
    for node in (element, *element.iterancestors()):
        if node is container:
            return False
        if _SIGNATURE_CLASS_RE.search(node.get("class") or ""):
            return True
    return False


def _is_bold_only(element: etree._Element) -> bool:
    """A paragraph whose whole text is bold: portals write subheadings this way."""
    bold = normalise(" ".join(_text(b) for b in _iter_tags(element, "strong", "b")))
    if not bold:  # nothing bold: the element's own text need not be read
        return False
    text = _text(element)
    return bool(text) and bold == text and len(text) < 300


# --- metadata ---------------------------------------------------------------------------

_DIGIT_RE = re.compile(r"\d")
_DATE_RES = [
    re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
    re.compile(r"(?<![\d/.])(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?![\d/.])"),  # 2024/03/14, 2024.03.14
    re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE),
]
# WordPress in Vietnamese writes "18 Tháng Mười, 2023" or "Tháng Mười 18, 2023"; themes and site
# builders left in English "March 14, 2024" or "14 Mar 2024".
_MONTHS = {"một": 1, "giêng": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
           "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12}
_ENGLISH_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAME = (
    r"(?:tháng\s+(\d{1,2}|mười\s+một|mười\s+hai|một|giêng|hai|ba|tư|bốn|năm|sáu|bảy|tám|chín|mười|chạp)"
    r"|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:[a-z]{0,6})\.?)"
)
_NAMED_MONTH_RES = [
    re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME},?\s+(?:năm\s+)?(\d{{4}})(?!\d)", re.IGNORECASE),
    re.compile(rf"\b{_MONTH_NAME}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE),
]
_DAY_MONTH_RE = re.compile(
    r"(?:sáng|chiều|tối|trưa|đêm|ngày|hôm)\s+(?:nay\s+)?(?:ngày\s+)?\(?(\d{1,2})\s*/\s*(\d{1,2})\)?(?![/\d])", re.IGNORECASE
)


def parse_date(text: str | None) -> str | None:
    """The first date in a date line ("Thứ Ba, 12/03/2024 - 09:15", "2024-03-12T09:15"), as ISO."""
    if not text:
        return None
    if not _DIGIT_RE.search(text):  # every pattern below reads figures: most lines of a text hold none
        return None
    for pattern in _DATE_RES:
        for match in pattern.finditer(text):
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if a > 31 else (c, b, a)
            if month > 12 and day <= 12 and a <= 31:
                month, day = day, month  # an English month-first date: "06/17/2024"
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                continue
    for index, pattern in enumerate(_NAMED_MONTH_RES):
        for match in pattern.finditer(text):
            groups = match.groups()
            day, vietnamese, english, year = (groups[0], *groups[1:]) if index == 0 else (groups[2], groups[0], groups[1], groups[3])
            month = " ".join((vietnamese or "").lower().split())
            try:
                number = _ENGLISH_MONTHS.index(english.lower()) + 1 if english else int(month) if month.isdigit() else _MONTHS[month]
                return date(int(year), number, int(day)).isoformat()
            except (ValueError, KeyError):
                continue
    return None


# Words a date line holds besides the date: weekday, "Cập nhật", "lúc", the time, separators.
_DATE_LINE_FILLER_RE = re.compile(
    r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|\d)|chủ\s+nhật|\b(?:t\d|cn|am|pm|sa|ch)\b|ngày|tháng|năm|đăng|cập\s+nhật|lúc|gmt|giờ|"
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?)\b|"
    r"\d+\s*(?::|h)\s*\d*|\d+|[|,:\-–/().+]",
    re.IGNORECASE,
)


def _is_date_line(text: str) -> bool:
    """A line that only dates the article ("Thứ Năm, 07/09/2023 - 15:42", "Ngày 25/7/2008"), perhaps
    beside its section ("Thứ Ba, 12/11/2024 | Xây dựng Đảng")."""
    if len(text) > _DATE_LINE_MAX_CHARS:
        return False
    return any(parse_date(part) and _words_besides_date(part) <= 1 for part in _DATE_LINE_PARTS_RE.split(text)[:3])


def _words_besides_date(text: str) -> int:
    """How many words a line holds besides its date, weekday, time and the like."""
    return len(_DATE_LINE_FILLER_RE.sub(" ", text).split())


# A meta row: a whole date beside a byline or a section, no sentence ("Bài, ảnh: Ngọc Trâm Thứ ba, 16/01/2024 06:30").
_META_LINE_MAX_WORDS = 5


def _is_meta_line(text: str) -> bool:
    if len(text) > _DATE_LINE_MAX_CHARS or _SENTENCE_END_RE.search(text) or not parse_date(text):
        return False
    return _words_besides_date(text) <= _META_LINE_MAX_WORDS


# What separates a date from the section beside it: "Thứ Ba, 12/11/2024 | Xây dựng Đảng", "Tin hoạt động · 21.10.2024".
_DATE_LINE_PARTS_RE = re.compile(r"[|·•]")


# Where a page states when it was published, in order of trust: (tag, or None for any element,
# attribute, value, or None for any value).
_META_DATE_PLACES = (
    ("meta", "property", "article:published_time"),
    ("meta", "name", "pubdate"),
    ("meta", "name", "publishdate"),
    ("meta", "itemprop", "datePublished"),
    (None, "itemprop", "datePublished"),
    ("meta", "name", "date"),
    ("meta", "name", "dc.date"),
    ("time", "datetime", None),
)


_VIETNAM = timezone(timedelta(hours=7))


def _local_date(value: str | None) -> str | None:
    """An ISO timestamp as the date in Vietnam ("2024-03-11T20:00:00Z" is 12 March there)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return parse_date(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(_VIETNAM)
    return moment.date().isoformat()


_JSON_LD_DATE_RE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')


def _meta_date(root: etree._Element, attributes: _Attributes) -> str | None:
    tagged = list(root.iter("meta", "time", "script"))
    for tag, attribute, wanted in _META_DATE_PLACES:
        if tag is None:
            places = [v.getparent() for v in attributes.values if v.attrname == attribute and v == wanted]
        else:
            places = [e for e in tagged if e.tag == tag and (e.get(attribute) == wanted if wanted else attribute in e.attrib)]
        for element in places:
            found = _local_date(element.get("content") or element.get("datetime"))
            if found:
                return found
    for script in tagged:  # schema.org NewsArticle
        if script.tag != "script" or script.get("type") != "application/ld+json":
            continue
        match = _JSON_LD_DATE_RE.search(script.text or "")
        found = _local_date(match.group(1)) if match else None
        if found:
            return found
    return None


# Elements whose class or id says they hold the date; not the clock in a portal's header.
_DATE_HINT_RE = re.compile(r"date|time|ngay|publish|posted|created|thoigian|footer|meta", re.IGNORECASE)
_NOT_DATE_HINT_RE = re.compile(r"today|current|clock|weather|homnay|now\b|update", re.IGNORECASE)


_DATE_LINE_MAX_CHARS = 80


def _date_line(root: etree._Element, scan: "_Scan", title: etree._Element | None) -> str | None:
    """A date line near the title ("Thứ Hai, 15/03/2021 - 08:30"): an element whose class or id says it
    holds the date, or a short line among the three after the title.

    The nearest to the title in the tree wins, then the first after it: portals also date today's page
    in their header and the articles in their side boxes, further away. Candidates are read in that
    order, and only until one holds the date.
    """
    anchor = title if title is not None else next(_tagged(root, "h1"), None)
    steps_up = _steps_up(anchor)
    dated = dict.fromkeys([*scan.dates, *_labelled_dates(root)])
    candidates: list[tuple[int, bool, etree._Element]] = [
        (distance, True, element) for distance, element in zip(_distances(list(dated), steps_up), dated)
    ]
    if anchor is not None:
        # The title's next siblings, or its wrapper's ("<div class=title><h1>..</h1></div><div>15/03/2024</div>").
        following = list(anchor.itersiblings())[:3]
        if not following and anchor.getparent() is not None:
            following = list(anchor.getparent().itersiblings())[:3]
        following = [subtree for subtree in following if isinstance(subtree.tag, str)]
        candidates += [(distance, False, subtree) for distance, subtree in zip(_distances(following, steps_up), following)]
    # Nearest first; among equally near ones, those after the title first, then in document order (the
    # positions are read only for the distances reached).
    candidates.sort(key=lambda candidate: candidate[0])
    after = _position(anchor)
    for _, group in groupby(candidates, key=lambda candidate: candidate[0]):
        ordered = sorted(
            ((position := _position(element)) < after, position, index, hinted, element)
            for index, (_, hinted, element) in enumerate(group)
        )
        for *_, hinted, element in ordered:
            if not hinted:
                day = _first_own_date(element)
            elif _attached(element, root) and not _dates_a_link(element):  # not in a box taken out as noise
                day = _short_date(element)
            else:
                continue
            if day:
                return day
    return None


def _steps_up(anchor: etree._Element | None) -> dict[etree._Element, int]:
    """The anchor and its ancestors, each with the steps up to it from the anchor."""
    steps: dict[etree._Element, int] = {}
    node = anchor
    while node is not None:
        steps[node] = len(steps)
        node = node.getparent()
    return steps


def _distances(elements: list[etree._Element], steps_up: dict[etree._Element, int]) -> list[int]:
    """Steps through the tree from the anchor (steps_up: _steps_up of it) to each element; 0 without an anchor.

    An element's distance is one more than its parent's (an ancestor of the anchor's is its steps up, a
    root's parent's the number of those): each walk up stops where an earlier one passed, as the dates in
    a box share the box's ancestors."""
    if not steps_up:
        return [0] * len(elements)
    known = dict(steps_up)
    beyond = len(steps_up)
    distances = []
    for element in elements:
        walked = []
        node = element
        while (distance := known.get(node)) is None:
            walked.append(node)
            node = node.getparent()
            if node is None:
                distance = beyond
                break
        for below in reversed(walked):
            distance += 1
            known[below] = distance
        distances.append(distance)
    return distances


_LIST_ITEM_MAX_CHARS = 300
_LISTED_TITLE_MIN_CHARS = 15
_LISTED_TITLE_MIN_WORDS = 5
# An update's date ("lần sửa cuối 08/07/2024"): the page's date only when it gives no other.
_UPDATED_RE = re.compile(r"^\W*(?:cập nhật|lần sửa cuối|sửa lần cuối|chỉnh sửa|sửa đổi|updated|modified|last modified)\b", re.IGNORECASE)
# "… — đăng ngày 05/07/2024 08:40 — chuyên mục …": the posting date inside a longer byline.
_POSTED_RE = re.compile(r"(?:đăng ngày|ngày đăng|đăng lúc|ngày xuất bản|xuất bản lúc|vào lúc|vào ngày|published)\s*:?\s*", re.IGNORECASE)
_BYLINE_MAX_CHARS = 240


def _first_own_date(subtree: etree._Element) -> str | None:
    """The first date in a subtree that is not a listed article's, the posting date before an update's."""
    updated = None
    for element in subtree.iter():
        day = _short_date(element)
        if day and not _dates_a_link(element):
            if not _UPDATED_RE.match(_text(element)):
                return day
            updated = updated or day
    return updated


def _dates_a_link(element: etree._Element) -> bool:
    """The date of an item in a list of other articles or documents: beside a link, around one, or in a
    list item or table row that holds one ("<li><a>…</a> <span class=date>28/05/2024</span>"). The link
    names an article: the article's own info line ("Đăng lúc 07:45, 28/10/2024 trong <a>Kinh tế</a>",
    "09/07/2024 | Tác giả | In bài | A+") links only a section, an author or a tool."""
    previous, following = _sibling(element.itersiblings(preceding=True)), _sibling(element.itersiblings())
    if any(sibling is not None and sibling.tag == "a" and _names_an_article(sibling) for sibling in (previous, following)):
        return True  # "<span class=date>03.07.2024</span> <a>…</a>", or the link first ("<a>…</a><br><span>…")
    if any(_names_an_article(a) for a in element.iter("a")):
        return True
    link = next(element.iterancestors("a"), None)
    if link is not None and _names_an_article(link):
        return True  # a card that is one link: "<a><div class=title>…</div><div class=date>12.10.2024</div></a>"
    item = next(element.iterancestors("li", "tr"), None)
    # A short one: a row of a layout table holds a whole page, its menus included.
    return (
        item is not None
        and any(_names_an_article(a) for a in item.iter("a"))
        and len(_text(item)) <= _LIST_ITEM_MAX_CHARS
    )


def _sibling(siblings: Iterator[etree._Element]) -> etree._Element | None:
    """The next sibling element in a direction, past line breaks with no text after them."""
    for sibling in siblings:
        if sibling.tag != "br" or (sibling.tail or "").strip(_BR + " \t\n\r\xa0"):
            return sibling
    return None


_LETTER_OR_DIGIT_RE = re.compile(r"[^\W_]")


def _names_an_article(link: etree._Element, texts: _Texts | None = None) -> bool:
    """A link whose text is long enough to be an article's or a document's title."""
    text = _text(link) if texts is None else texts[link]
    if len(text) < _LISTED_TITLE_MIN_CHARS:
        return False
    # Words, not dashes: "Kinh tế - Xã hội" is a section of four words. A word counts when it holds a letter or
    # a digit (most are all letters, told by isalnum() before the search).
    words = text.split()
    return len(words) >= _LISTED_TITLE_MIN_WORDS and sum(
        1 for word in words if word.isalnum() or _LETTER_OR_DIGIT_RE.search(word)
    ) >= _LISTED_TITLE_MIN_WORDS


_TEXT_NODES = etree.XPath("//body//text()[normalize-space(.) = $wanted]")


def _carrier(root: etree._Element, text: str | None) -> etree._Element | None:
    """The element whose own text is the given text (the title in a plain <td> or <span>)."""
    if not text:
        return None
    try:
        found = _TEXT_NODES(root, wanted=text)
    except ValueError:  # a control character (a broken entity in the <title>): no XPath string can hold it
        return None
    return found[0].getparent() if found else None


# The date a listed document was issued or takes effect: "Ngày ban hành: 01/10/2024".
_DOCUMENT_DATE_RE = re.compile(r"^\W*(?:ngày ban hành|ban hành|ngày hiệu lực|hiệu lực|ngày ký)\b", re.IGNORECASE)


def _short_date(element: etree._Element) -> str | None:
    """The date of an element whose whole text is a short date line (not today's date in the header)."""
    if not isinstance(element.tag, str):
        return None
    text = _text(element)
    if not text or _boilerplate().clock_re.match(text) or _DOCUMENT_DATE_RE.match(text):
        return None
    if len(text) > _DATE_LINE_MAX_CHARS:
        posted = _POSTED_RE.search(text) if len(text) <= _BYLINE_MAX_CHARS else None
        return parse_date(text[posted.end() : posted.end() + 40]) if posted else None
    return parse_date(text)


def _meta(root: etree._Element, css: str) -> str | None:
    for element in _iter_select(root, css):
        value = normalise(element.get("content") or "")
        if value:
            return value
    return None


def _first_text(root: etree._Element, css: str | list[str] | None) -> str | None:
    """The first non-empty text of what the selectors find, selector by selector (each read only as far as needed)."""
    selectors = [] if not css else [css] if isinstance(css, str) else css
    for one in selectors:
        for element in _iter_select(root, one):
            text = _text(element)
            if text:
                return text
    return None


_SUMMARY_HINT_RE = re.compile(r"sapo|lead|summary|tomtat|trichdan|trichyeu|descr|intro|chapeau|excerpt|subtitle|sub-title", re.I)
# Where a class like "site-description" is the portal's slogan, not the article's lead.
_NOT_SUMMARY_RE = re.compile(r"site-(?:description|header|branding|footer)|masthead|logo|brand|slogan|footer|menu|nav|widget|sidebar", re.I)


def _in_chrome(element: etree._Element) -> bool:
    """In the site's own parts: its footer, menu, logo or slogan, a widget or a sidebar."""
    return any(_NOT_SUMMARY_RE.search(f"{node.get('class', '')} {node.get('id', '')}") or node.tag in ("footer", "nav")
               for node in (element, *element.iterancestors()))


def _generic_summary(scan: "_Scan", after: tuple[int, ...]) -> str | None:
    """The sapo of a page without a profile: a lead block marked as such by its class, after the title."""
    candidates = []
    for element in scan.summaries:
        if _in_chrome(element):
            continue
        text = _text(element)
        if 40 <= len(text) <= 800 and _link_density(element, text) < 0.3 and not _in_teaser(element):
            position = _position(element)
            candidates.append((position <= after, position, text))
    return min(candidates)[2] if candidates else None


_TEASER_MAX_CHARS_AROUND = 600


_TEASER_SUMMARY_MAX_CHARS = 300


def _card_verdict(node: etree._Element, texts: _Texts) -> bool | None:
    """True for a card: one article's link (perhaps twice, on its image and its title) and a short
    summary; False for a block too big, or linking several articles; None for neither yet."""
    raw = texts.raw(node)
    if len(raw) > 2 * _TEASER_MAX_CHARS_AROUND:
        return False
    # The links, a heading below the node (what find(".//h1") finds) and the paragraphs (the node too, as
    # iter("p") gives it), read in one walk: each list as the walk for its own tags alone would give it.
    anchors, headed, paragraphs = [], False, []
    for element in node.iter("a", "h1", "p") if len(node) else (node,):
        tag = element.tag
        if tag == "a":
            anchors.append(element)
        elif tag == "p":
            paragraphs.append(element)
        elif tag == "h1" and element is not node:
            headed = True
    if not anchors:
        return None if len(raw) <= _TEASER_MAX_CHARS_AROUND or len(texts[node]) <= _TEASER_MAX_CHARS_AROUND else False
    text = texts[node]
    if len(text) > _TEASER_MAX_CHARS_AROUND:
        return False
    links = [link for link in anchors if _names_an_article(link, texts)]
    if not links:
        return None
    if len({link.get("href") for link in links}) > 1 or headed:
        return False
    # One summary: an article's own short text has two paragraphs or more.
    return (
        sum(1 for p in paragraphs if len(_text_content(p).strip()) >= 25) <= 1
        and len(text) - len(texts[links[0]]) <= _TEASER_SUMMARY_MAX_CHARS
    )


def _in_teaser(element: etree._Element, cards: dict[etree._Element, bool | None] | None = None,
               texts: _Texts | None = None) -> bool:
    """Inside a small card that links another article by its title: a listed article's summary.
    cards: what is known of elements already looked at (True a card, False too big to be one, None
    neither), shared by the calls of one page; texts: the elements' texts, while the tree is unchanged."""
    cards = {} if cards is None else cards
    texts = _Texts() if texts is None else texts
    node: etree._Element | None = element
    for _ in range(3):
        if node is None:
            return False
        verdict = cards.get(node, ...)
        if verdict is ...:
            verdict = _card_verdict(node, texts)
            cards[node] = verdict
        if verdict is not None:
            return verdict
        node = node.getparent()
    return False


# A whole date in an article's URL path: "/2024/10/03/slug", "/2024-10-03-slug", "/20241003/".
_URL_DATE_RE = re.compile(
    r"/((?:19|20)\d{2})(?:/(\d{1,2})/(\d{1,2})|-(\d{2})-(\d{2})|(\d{2})(\d{2}))(?=[/_.-])"
)


def _url_date(url: str | None) -> str | None:
    """The publication date a URL's path spells out, when the page itself gives none."""
    match = _URL_DATE_RE.search(url or "")
    if not match:
        return None
    year, *rest = match.groups()
    month, day = [int(v) for v in rest if v is not None]
    try:
        return date(int(year), month, day).isoformat()
    except ValueError:
        return None


def _year_hint(url: str | None, texts: list[str | None]) -> int | None:
    """The year of a page that only says "Chiều 30/5": from its URL, else the latest past year its
    lead mentions, leaving out targets ("đến năm 2025") and periods ("2021 - 2025")."""
    if url:
        match = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", url)
        if match:
            return int(match.group(1))
    years = []
    for text in filter(None, texts):
        # A bare year, or a month's ("đến tháng 10/2023"); not the year of a dated document ("ngày 19/7/2017").
        for match in re.finditer(r"(?:(?<![\d/.,-])|(?<=tháng \d/)|(?<=tháng \d\d/))((?:19|20)\d{2})(?![\d/])", text, re.IGNORECASE):
            before = text[max(0, match.start() - 24) : match.start()].lower()
            if re.search(r"(?:đến|tới|trước|tầm nhìn|giai đoạn|nhiệm kỳ|[-–])\s*(?:năm\s*)?$", before):
                continue
            years.append(int(match.group(1)))
    years = [y for y in years if y <= date.today().year]
    return max(years) if years else None


_LEAD_DATE_RE = re.compile(
    r"^\W*(?:sáng|chiều|tối|trưa|đêm|ngày|hôm)\s+(?:ngày\s+)?(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*((?:19|20)\d{2})(?!\d)", re.IGNORECASE
)


def lead_date(paragraphs: list[str]) -> str | None:
    """The date a lead paragraph opens with, written whole ("Ngày 08/5/2024, Ban Thường vụ …")."""
    match = _LEAD_DATE_RE.match(paragraphs[0]) if paragraphs else None
    if not match:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1))).isoformat()
    except ValueError:
        return None


def complete_day_month(paragraphs: list[str], year_hint: str | int | None) -> str | None:
    """A date from "Chiều 30/5" in the lead paragraph, completed with the year from the page."""
    if not paragraphs or not year_hint:
        return None
    match = _DAY_MONTH_RE.search(paragraphs[0][:200])
    if not match:
        return None
    try:
        return date(int(year_hint), int(match.group(2)), int(match.group(1))).isoformat()
    except ValueError:
        return None


# --- title ---------------------------------------------------------------------------------

_TITLE_HINT_RE = re.compile(r"title|tieu-?de|headline|heading", re.IGNORECASE)
_TITLE_MIN, _TITLE_MAX = 12, 300


_FILE_NAME_TITLE_RE = re.compile(r"^microsoft (?:word|excel|powerpoint) - |\.(?:docx?|pdf|odt|rtf)$", re.IGNORECASE)


def _title_candidates(scan: "_Scan") -> list[etree._Element]:
    """Headings and elements whose class or id says they hold a title, in document order."""
    found = []
    for element in scan.titles:
        text = _text(element)
        if _TITLE_MIN <= len(text) <= _TITLE_MAX and not _boilerplate().box_heading_re.match(text):
            found.append(element)
    return found


def _is_big_font(font: etree._Element) -> bool:
    """<font size="4"> and up, or "+1" and up: a heading in a page of the <font> era."""
    size = (font.get("size") or "").strip()
    return size.startswith("+") and size[1:].isdigit() or (size.isdigit() and int(size) >= 4)


def _reads_as_headline(text: str) -> bool:
    """Long enough to be an article's title, short enough not to be a paragraph."""
    return _TITLE_MIN <= len(text) <= _TITLE_MAX and len(text.split()) >= _LISTED_TITLE_MIN_WORDS


def _title_in_page_title(candidates: list[etree._Element], page_title: str | None) -> etree._Element | None:
    """The longest heading the <title> repeats ("Tên bài > Tin tức - Sự kiện" names the article)."""
    if not page_title:
        return None
    folded = page_title.casefold()
    matching = [c for c in candidates if _text(c).casefold() in folded]
    return max(matching, key=lambda c: len(_text(c)), default=None)


_TITLE_SEPARATOR_RE = re.compile(r"\s+(?:[-|–—>»:]|::)\s+")


# Where the <title> may continue with the article's title: after a separator, or after "Tin tức:".
_TITLE_TAIL_RE = re.compile(r"\s+(?:[-|–—>»:]|::)\s+|(?<=\w):\s+")


def _title_carrier(root: etree._Element, page_title: str) -> etree._Element | None:
    """The element whose whole text is the longest tail of the <title> after a separator, if any."""
    for match in _TITLE_TAIL_RE.finditer(page_title):
        tail = page_title[match.end() :]
        if len(tail) < _TITLE_MIN:
            break
        found = _carrier(root, tail)  # a text node in <body>: never the <title> itself
        if found is not None:
            return found
    return None


def _strip_site_name(page_title: str) -> str:
    """"Tên bài - Cổng thông tin ..." without the site's name: the longest part between separators."""
    parts = _TITLE_SEPARATOR_RE.split(page_title)
    return max(parts, key=len) if len(parts) > 1 and len(max(parts, key=len)) >= _TITLE_MIN else page_title


# --- container ---------------------------------------------------------------------------

_POSITIVE_RE = re.compile(r"content|article|detail|body|news|entry|post|main|noidung|chitiet|text", re.I)
_NEGATIVE_RE = re.compile(r"comment|sidebar|menu|footer|header|related|relate|other|nav|banner|widget|share|tag|ads", re.I)


# A container grows to its parent while the parent holds this much more paragraph text, mostly not
# links: an e-magazine puts every paragraph in its own <section>.
_GROW_RATIO = 1.5
_GROW_MAX_LINKS = 0.35
_GROW_LEVELS = 12


def _has_loose_text(element: etree._Element) -> bool:
    if (element.text or "").strip():
        return True
    return any((child.tail or "").strip() or (isinstance(child.tag, str) and child.tag not in _BLOCK_TAGS) for child in element)


def _loose_text(element: etree._Element) -> str:
    """The text of an element that sits between its block children (a <td> of <br>-separated lines)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _BLOCK_TAGS:
            parts.append(_text_content(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _is_one_link(element: etree._Element) -> bool:
    """An element that is one link and nothing else ("<li><a>…</a></li>"): its text is all link text,
    with no need to read it again from the link."""
    if len(element) != 1 or (element.text or "").strip():
        return False
    link = element[0]
    # next(iterdescendants()) is how lxml's find(".//a") looks, without parsing the path.
    return link.tag == "a" and not (link.tail or "").strip() and (not len(link) or next(link.iterdescendants("a"), None) is None)


def _find_container(root: etree._Element) -> etree._Element:
    """The element holding most paragraph text that is not link text (a readability-style score),
    grown to an ancestor that holds much more of it."""
    scores: dict[etree._Element, float] = {}
    owned: dict[etree._Element, float] = {}
    cards: dict[etree._Element, bool | None] = {}
    texts = _Texts()  # nothing changes the tree here: a paragraph's, a link's, a card's text is read once
    nesting = _nesting(root)
    for paragraph in root.iter("p", "td", "div", "pre", "li"):
        if paragraph in nesting and paragraph.tag in ("div", "td", "li"):
            if not _has_loose_text(paragraph):
                continue
            text, owner, anchors = normalise(_loose_text(paragraph)), paragraph, paragraph.iterchildren("a")
        else:
            # A paragraph without children holds no link (it is no <a> itself).
            text, owner, anchors = texts[paragraph], paragraph.getparent(), paragraph.iter("a") if len(paragraph) else ()
        if len(text) < 25 or owner is None:
            continue
        links = len(text) if len(paragraph) == 1 and _is_one_link(paragraph) else sum(len(texts[a]) for a in anchors)
        score = max(0.0, len(text) - 2 * links) + 10 * text.count(",")
        if score <= 0:  # a menu item or a related link
            continue
        if len(text) <= _TEASER_MAX_CHARS_AROUND and _in_teaser(paragraph, cards, texts):
            continue  # a listed article's summary in its card, beside the link to it
        scores[owner] = scores.get(owner, 0.0) + score
        grand = owner.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
        owned[owner] = owned.get(owner, 0.0) + score
    # Each element's total is its own paragraphs' and its descendants': added up owner by owner (the
    # scores are whole numbers and halves, so the sums are exact in any order).
    totals: dict[etree._Element, float] = {}
    for owner, score in owned.items():
        totals[owner] = totals.get(owner, 0.0) + score
        for ancestor in owner.iterancestors():
            totals[ancestor] = totals.get(ancestor, 0.0) + score
    if not scores:
        return root
    for element in list(scores):
        hint = f"{element.get('class', '')} {element.get('id', '')}"
        if _POSITIVE_RE.search(hint):
            scores[element] *= 1.25
        if _NEGATIVE_RE.search(hint):
            scores[element] *= 0.5
    best = max(scores, key=scores.get)
    while True:
        grown = None
        for ancestor in list(best.iterancestors())[:_GROW_LEVELS]:
            if ancestor.tag in ("body", "html"):
                break
            if totals.get(ancestor, 0.0) >= _GROW_RATIO * totals.get(best, 0.0) and _link_density(ancestor, texts=texts) <= _GROW_MAX_LINKS:
                grown = ancestor
                break
        if grown is None:
            return best
        best = grown


# --- the cleaner ---------------------------------------------------------------------------


@dataclass
class _Scan:
    """The elements whose markup hints at a part of the article, each list in document order."""

    titles: list[etree._Element]
    dates: list[etree._Element]
    summaries: list[etree._Element]
    bylines: list[etree._Element]


_UNHINTED_TAGS = {"html", "head", "body", "meta", "link", "script", "style", "title", "noscript"}


def _scan(root: etree._Element, attributes: _Attributes) -> _Scan:
    scan = _Scan([], [], [], [])
    any_hint = _any_hint_re()
    titles: dict[etree._Element, None] = dict.fromkeys(root.iter("h1", "h2", "h3", "h4"))
    # A page repeats its values (each listed article's "date", "box-title"): the hints of a value, and
    # whether a class and id pair rules out a date, are read once per page, not once per element.
    hints: dict[str, tuple[bool, bool, bool, bool]] = {}
    not_dates: dict[str, bool] = {}
    # Most values are menu items and the like; "headline" is itself a hint.
    for value in _found_in(attributes.values, any_hint):
        name = value.attrname
        if name == "role":
            continue
        if name == "itemprop" and value == "headline":
            titles[value.getparent()] = None
        element = value.getparent()
        if not isinstance(element.tag, str) or element.tag in _UNHINTED_TAGS:
            continue
        found = hints.get(value)
        if found is None:
            found = hints[value] = _hints(value)
        title, dated, summary, byline = found
        if title:
            titles[element] = None
        if dated:
            names = f"{element.get('class', '')} {element.get('id', '')}"
            not_date = not_dates.get(names)
            if not_date is None:
                not_date = not_dates[names] = _NOT_DATE_HINT_RE.search(names) is not None
            if not not_date:
                scan.dates.append(element)
        if summary:
            scan.summaries.append(element)
        if byline:
            scan.bylines.append(element)
    scan.titles = sorted(titles, key=_position) if len(titles) > 1 else list(titles)
    scan.dates = list(dict.fromkeys(scan.dates))
    scan.summaries = list(dict.fromkeys(scan.summaries))
    scan.bylines = list(dict.fromkeys(scan.bylines))
    return scan


# What labels a posting-date field, written once: the XPath finds text nodes holding one (a cheap
# substring test in libxml2, the first letter left out so "Ngày" and "ngày" both match), the regex decides.
_POSTING_LABELS = ("ngày tạo", "ngày xuất bản", "ngày đăng", "created on", "published on")
_POSTING_LABEL_HINTS = tuple(label[1:] for label in _POSTING_LABELS)
_POSTING_LABEL_HINT_BYTES = tuple(hint.encode("utf-8") for hint in _POSTING_LABEL_HINTS)
_POSTING_LABEL_NODES = etree.XPath(
    "//body//text()[" + " or ".join(f"contains(., '{hint}')" for hint in _POSTING_LABEL_HINTS) + "]"
)
_POSTING_LABEL_RE = re.compile(rf"^\s*(?:{'|'.join(_POSTING_LABELS)})\b", re.IGNORECASE)


def _labelled_dates(root: etree._Element) -> list[etree._Element]:
    """Fields labelled as the posting date, whatever their class: "<td><label>Ngày xuất bản:</label></td>
    <td>08/10/2024 16:45</td>", "Ngày tạo: 16/07/2024", "Created on 06/17/2024": the row is the date line."""
    # The nodes the XPath finds are in <body>: where the text of the body holds no label, none does
    # (the <head>'s styles and scripts are not searched). The text is read as the serialiser writes it, in
    # UTF-8, not decoded: a UTF-8 word is in UTF-8 text exactly where the word is in the text.
    text = b"".join(map(_text_bytes, root.iter("body")))
    if not any(label in text for label in _POSTING_LABEL_HINT_BYTES):
        return []
    found = []
    for label in _POSTING_LABEL_NODES(root):
        element = label.getparent()
        if element is None or not _POSTING_LABEL_RE.match(label):
            continue
        row = next(element.iterancestors("tr"), None)
        target = row if row is not None and len(_text_content(row)) <= _DATE_LINE_MAX_CHARS else element
        if isinstance(target.tag, str):
            found.append(target)
    return found


def _hints(value: str) -> tuple[bool, bool, bool, bool]:
    """Whether a class or id value hints at a title, a date, a summary, a byline."""
    return (
        _TITLE_HINT_RE.search(value) is not None,
        _DATE_HINT_RE.search(value) is not None,
        _SUMMARY_HINT_RE.search(value) is not None,
        _BYLINE_HINT_RE.search(value) is not None,
    )


@lru_cache(maxsize=1)
def _any_hint_re() -> re.Pattern[str]:
    patterns = (_TITLE_HINT_RE, _DATE_HINT_RE, _SUMMARY_HINT_RE, _BYLINE_HINT_RE)
    # Each is a plain alternation of words, so their words joined in one alternation find the same; re runs
    # a flat one about twice as fast as one of the four groups, and one grouped by first letter twice as fast again.
    if any(not re.fullmatch(r"[\w?|-]+", p.pattern) for p in patterns):
        raise ValueError("a hint pattern is not a plain alternation of words")
    return re.compile(_by_first_letter("|".join(p.pattern for p in patterns).split("|")), re.IGNORECASE)


def _position(element: etree._Element | None) -> tuple[int, ...]:
    """Where an element stands in document order, comparable between elements; () for none."""
    if element is None:
        return ()
    path = []
    node = element
    while (parent := node.getparent()) is not None:
        path.append(parent.index(node) + 1)
        node = parent
    return tuple(reversed(path))


# Zero-width spaces and joiners (site builders pad empty blocks with them): not text, and not
# whitespace to str.split; taken out of the whole page at once.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH}]")


def _parse(html: str) -> etree._Element:
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    # One substring test per mark (a fast C scan each) instead of a character-class search, which
    # tries every position of the page.
    if any(mark in html for mark in _ZERO_WIDTH):
        html = _ZERO_WIDTH_RE.sub("", html)
    if not html or html.isspace():
        raise UnreadablePage("empty page")
    try:
        root = etree.fromstring(html, _HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadablePage(f"not HTML ({exc})") from None
    if root is None:
        raise UnreadablePage("not HTML (Document is empty)")
    breaks, comments = [], []
    for node in root.iter("br", etree.Comment, etree.ProcessingInstruction):
        (breaks if node.tag == "br" else comments).append(node)
    for br in breaks:
        br.tail = _BR + (br.tail or "")
    for comment in comments:
        _remove(comment)
    return root


@dataclass
class _Row:
    """One paragraph read from the body, with what the layout says about it."""

    text: str
    element: etree._Element
    bold: bool
    subheading: bool


# A sapo written as the body's first, bold paragraph is longer than a subheading.
_SAPO_MIN_CHARS = 100
_CAPTION_MAX_CHARS = 300
_SIGNATURE_MAX_CHARS = 160


@dataclass
class _Body:
    rows: list[_Row] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    date_lines: list[str] = field(default_factory=list)


def _is_inline_caption(block: _Block, caption_elements: set[etree._Element]) -> bool:
    """An image and its caption in one block: "<div><img><span class=caption>…</span></div>"."""
    if not block.image:
        return False
    inner = [node for node in block.element.iterdescendants() if node in caption_elements]
    return bool(inner) and normalise(" ".join(_text(node) for node in inner)) == block.text


# How far up from a text block a wrapper it shares with an image may be: "<dl><dt><img></dt><dd>…"
# is one level, an image table's second row ("<table><tbody><tr><td>…") three.
_IMAGE_WRAPPER_LEVELS = 4


def _shares_wrapper_with_image(element: etree._Element, text: str, container: etree._Element) -> bool:
    """A short text alone with an image in a small wrapper below the body: the image's caption,
    however the wrapper is classed ("<dl class=anh><dt><img></dt><dd>…</dd></dl>", "<table
    class=tplCaption>" with the image in one row and the text in the next)."""
    node = element
    for _ in range(_IMAGE_WRAPPER_LEVELS):
        node = node.getparent()
        if node is None or node is container:
            return False
        if next(node.iter("img"), None) is not None:
            return _text(node) == text
    return False


_MENU_LABEL_MAX_WORDS = 6


def _is_label(text: str) -> bool:
    """Short enough, and without a figure, to name a menu item or a section."""
    return len(text.split()) <= _MENU_LABEL_MAX_WORDS and not _DIGIT_RE.search(text)


def _menu_labels(links: list[etree._Element]) -> set[str]:
    """The short texts of the page's links (menu items, sections), case-folded: a line that is one of
    them names a section of the site, not a sentence of the article."""
    labels = set()
    for link in links:
        # A menu item's text is the link's own text, or (a builder's <a><div><span>…) its one nested text.
        text = link.text if link.text and not link.text.isspace() else (_text_content(link) if len(link) else "")
        label = " ".join(text.split())  # the page is NFC already (decode): only the spaces to even out
        if label and _is_label(label):
            labels.add(label.casefold())
    return labels


_RUNNING_HEAD_MAX_WORDS = 8


def _without_running_heads(rows: list["_Row"]) -> list["_Row"]:
    """The rows without a page's running head or foot ("THÔNG TIN NỘI BỘ - SỐ 05/2024" on every page
    of a converted bulletin): a short line the body repeats word for word is layout, not text."""
    # A split stopped after that many words tells as much, without cutting a long paragraph into all its words.
    short = [row.text for row in rows if len(row.text.split(None, _RUNNING_HEAD_MAX_WORDS)) <= _RUNNING_HEAD_MAX_WORDS]
    counts = Counter(short)
    repeated = {text for text, count in counts.items() if count > 1}
    return [row for row in rows if row.text not in repeated] if repeated else rows


# Where a sentence, a heading or a list item may end; a line ending otherwise runs on.
_LINE_END_RE = re.compile(r"[.!?:…\"”)\]]$")
# A name broken after its first word: "… Đồng chí Võ" / "Đình Khoa, Ủy viên …".
_NAME_RUNS_ON_RE = re.compile(r"(?:^|\s)(?:đồng chí|ông|bà)\s+[^\W\d_]+$", re.IGNORECASE)


def _joined_lines(rows: list["_Row"]) -> list["_Row"]:
    """Lines of one paragraph put back together, where a page gives every line its own element (a PDF
    converted to HTML): a line that ends without punctuation, followed by one that starts in lower case
    or with a digit, runs on into it. Vietnamese paragraphs start with a capital."""
    if len(rows) < 2:
        return rows
    joined = [rows[0]]
    for row in rows[1:]:
        previous = joined[-1]
        if not previous.subheading and not row.subheading and not _LINE_END_RE.search(previous.text) \
                and (row.text[:1].islower() or row.text[:1].isdigit() or _NAME_RUNS_ON_RE.search(previous.text)):
            joined[-1] = _Row(f"{previous.text} {row.text}", previous.element, previous.bold and row.bold, False)
        else:
            joined.append(row)
    return joined


_MASTHEAD_MAX_WORDS = 8


def _without_masthead(rows: list["_Row"]) -> list["_Row"]:
    """The rows without the short upper-case lines a body may open with: a bulletin's masthead, a
    section's kicker ("ĐẢNG BỘ TỈNH …", "TRONG SỐ NÀY", "KINH TẾ - XÃ HỘI"). A sentence is never all capitals."""
    leading = 0
    while leading < len(rows) - 1 and rows[leading].text.isupper() and len(rows[leading].text.split()) <= _MASTHEAD_MAX_WORDS:
        leading += 1
    return rows[leading:] if leading >= 2 else rows


def _without_leading_labels(rows: list["_Row"], links: list[etree._Element]) -> list["_Row"]:
    """The rows without the section's name above the title ("TIN TỨC - SỰ KIỆN"), a menu item's text
    repeated: only short rows before the first sentence are looked up among the page's links."""
    leading = 0
    while leading < len(rows) and _is_label(rows[leading].text):
        leading += 1
    if not leading:
        return rows
    labels = _menu_labels(links)
    return [row for i, row in enumerate(rows) if i >= leading or row.text.casefold() not in labels]


_STYLED_SPANS = etree.XPath(".//span[contains(@style, 'font-weight') or contains(@style, 'font-style')]")
_BOLD_STYLE_RE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)", re.IGNORECASE)
_ITALIC_STYLE_RE = re.compile(r"font-style\s*:\s*italic", re.IGNORECASE)


def _style_spans_as_tags(container: etree._Element) -> None:
    """Spans styled bold or italic (editors and site builders write them so) become <b> and <i>."""
    for span in _STYLED_SPANS(container):
        style = span.get("style", "")
        if _BOLD_STYLE_RE.search(style):
            span.tag = "b"
        elif _ITALIC_STYLE_RE.search(style):
            span.tag = "i"


def _read_body(container: etree._Element, profile: dict[str, Any], seen_titles: set[str], signed: bool) -> _Body:
    """The container's blocks sorted into paragraphs, captions, a marked signature and date lines."""
    # Not the container itself: a utility class on it ("prose-figcaption:italic") does not make its text a caption.
    caption_elements = set(_select(container, profile.get("captions") or "figcaption, caption, [class*=caption]")) - {container}
    subheading_elements = set(_select(container, profile.get("subheadings")))
    _style_spans_as_tags(container)  # after the selectors, which may name those spans
    # A selector may pick the <strong> inside a bold paragraph: its text then is the block's text.
    subheading_texts = {_text(element) for element in subheading_elements}

    bp = _boilerplate()
    body = _Body()
    rows, captions, signature, date_lines = body.rows, body.captions, body.signature, body.date_lines
    after_image = False
    nesting = _nesting(container)
    for block in _blocks(container, nesting):
        element = block.element
        if block.image and not block.text:
            after_image = True
            continue
        chain = (element, *element.iterancestors()) if caption_elements or subheading_elements else ()
        near_image, after_image = after_image or block.image, False
        if caption_elements and (any(node in caption_elements for node in chain) or _is_inline_caption(block, caption_elements)):
            if block.text and block.text not in captions:
                captions.append(block.text)
            continue
        if not signed and (_is_right_aligned(element) or _is_signature_element(element, container)) and (
            len(block.text) < _SIGNATURE_MAX_CHARS
        ):
            signature.extend(_line_texts(block.raw))
            continue
        bold_runs = _emphasised(element, ("strong", "b"))
        pieces = _pieces(block.raw, bold_runs)
        whole_bold = len(pieces) == 1 and _is_bold_only(element)
        # Italics only tell a caption beside an image.
        italic_runs = _emphasised(element, ("em", "i")) if near_image else set()
        whole_italic = near_image and len(pieces) == 1 and _is_italic_only(element)
        for piece in pieces:
            if piece.casefold() in seen_titles or bp.is_noise_line(piece) or bp.box_heading_re.match(piece):
                continue
            bold = whole_bold or piece in bold_runs
            italic = whole_italic or piece in italic_runs
            if bp.caption_line_re.match(piece) or (
                near_image and len(piece) <= _CAPTION_MAX_CHARS
                and (
                    italic
                    or (_aligned(element, "center", container) and not bold)
                    or (len(pieces) == 1 and _shares_wrapper_with_image(element, piece, container))
                )
            ):
                if piece not in captions:
                    captions.append(piece)
                continue
            if _is_date_line(piece) or _is_meta_line(piece):
                date_lines.append(piece)
                continue
            if element is not container and _is_link_teaser(element, piece, nesting):
                continue
            is_subheading = piece in subheading_texts or (
                bool(subheading_elements) and any(node in subheading_elements for node in chain)
            ) or (not profile.get("subheadings") and (element.tag in _HEADING_TAGS or bold) and len(piece) < 300)
            rows.append(_Row(piece, element, bold, is_subheading))
    return body


# A body this short from the generic cleaner is taken for a sign that a noise rule removed the article's
# own wrapper ("entry-content no-share"): the page is read again without the generic noise rules.
_THIN_BODY_CHARS = 200


def clean_html(html: str, profile: dict[str, Any] | None = None, url: str | None = None) -> CleanArticle:
    """The article in a page, using the site profile's selectors where there is one."""
    if profile:
        return _clean(html, profile, url)
    try:
        article = _clean(html, None, url)
    except UnreadablePage as exc:
        if not str(exc).startswith("no article text"):
            raise
        try:
            return _clean(html, None, url, generic_noise=False)
        except UnreadablePage:
            raise exc from None
    if sum(map(len, article.paragraphs)) < _THIN_BODY_CHARS:
        try:
            again = _clean(html, None, url, generic_noise=False)
        except UnreadablePage:
            return article
        if sum(map(len, again.paragraphs)) > sum(map(len, article.paragraphs)):
            return again
    return article


def _clean(html: str, profile: dict[str, Any] | None, url: str | None, generic_noise: bool = True) -> CleanArticle:
    root = _parse(html)
    profile = profile or {}
    bp = _boilerplate()
    # With a profile the hints are only needed when its date selector finds nothing.
    attributes = _Attributes(root)
    scan = _Scan([], [], [], []) if profile else _scan(root, attributes)

    page_title = _first_text(root, "title")
    if page_title and _FILE_NAME_TITLE_RE.search(page_title):
        page_title = None  # "Microsoft Word - TTNB so 05-2024.docx": the file the page was made from
    links = list(root.iter("a"))  # before the menus go with the noise: their texts name the site's sections
    candidates = [] if profile.get("title") else _title_candidates(scan)
    title_element = _title_in_page_title(candidates, page_title)
    if title_element is not None and _is_label(_text(title_element)) and _text(title_element).casefold() in (labels := _menu_labels(links)):
        # The <title> names the section ("Cổng … > Kiểm tra - Giám sát"), and so does a heading above the article.
        title_element = _title_in_page_title([c for c in candidates if _text(c).casefold() not in labels], page_title)
    if title_element is None and not candidates and page_title and not profile.get("title"):
        # No heading: the title is the text of a plain cell or span that ends the <title> ("Tỉnh ủy Hà Giang -
        # Tin tức: Hà Giang: Sau 3 năm, …" above "<td class=capmain>Hà Giang: Sau 3 năm, …</td>").
        title_element = _title_carrier(root, page_title)
    title = (
        _first_text(root, profile.get("title"))
        or _meta(root, 'meta[property="og:title"]')
        or (_text(title_element) if title_element is not None else None)
    )
    if title and not profile.get("title"):
        # og:title may carry the site's name ("Tên bài - Báo Bình Dương"): the heading it contains is the title.
        inside = [c for c in candidates if _text(c).casefold() in title.casefold() and len(_text(c)) >= len(title) / 2
                  and not _in_chrome(c)]
        if title_element is None or title_element not in inside:
            title_element = max(inside, key=lambda c: len(_text(c)), default=title_element)
        if title_element is not None and title_element in inside:
            title = _text(title_element)
        elif not inside:
            # og:title and <title> name only the site or app ("Đắk Nông Online - Tin tức …"): the page's <h1>
            # is the title, else its first <h2> that is not a section's name ("TIN TỨC - SỰ KIỆN" above it).
            # A heading the <title> repeats comes first: the first <h1> may hold the site's logo.
            heading = title_element if title_element is not None else next((c for c in candidates if c.tag == "h1"), None)
            if heading is None:
                labels = _menu_labels(links)
                heading = next((c for c in candidates if c.tag == "h2" and _text(c).casefold() not in labels), None)
            if heading is None and _carrier(root, title) is None:
                # A site builder's page: og:title is nowhere on it, the title is a block marked as one
                # ("<div class='t030__title t-title'>"), the first that reads as a headline.
                heading = next((c for c in candidates if _text(c).casefold() not in labels and _reads_as_headline(_text(c))), None)
            if heading is not None:
                title_element, title = heading, _text(heading)
    title_at = _position(title_element)
    summary = _first_text(root, profile.get("summary")) or (None if profile else _generic_summary(scan, title_at))
    # A profile's page is scanned for dates only when needed (its date selector found none), and once: the
    # scan reads the attribute values cached when first read, and dates taken out since are passed over.
    @cache
    def dated_scan() -> _Scan:
        return _scan(root, attributes) if profile else scan

    published = parse_date(_first_text(root, profile.get("date"))) or _meta_date(root, attributes)
    # The date line is measured from the title; its element is looked for (a search of every text node
    # when a profile names the title) only when the page is not dated already, before anything is removed.
    date_anchor = None
    if not published:
        date_anchor = title_element if title_element is not None else _carrier(root, title or page_title)
        if date_anchor is None:
            date_anchor = next(_tagged(root, "h1"), None)
        # Without a title to measure from, the date line waits for the title found above the body.
        published = _date_line(root, dated_scan(), date_anchor) if date_anchor is not None else None
    author_elements = _select(root, profile.get("author"))
    author_lines = [line for el in author_elements for line in _lines(el)]
    byline = None if profile else _byline(scan)

    for element in _select(root, profile.get("noise")):
        _remove(element)
    for element in author_elements:
        _remove(element)

    container = None
    if profile.get("body"):
        found = _select(root, profile["body"])
        container = found[0] if found else None
    if container is None:
        if generic_noise:
            _remove_generic_noise(root, attributes)
        container = _find_container(root)
    _drop_boxes(root, container)
    _drop_data_tables(container)

    # The title repeated in the body (old pages write it as a bold centred paragraph).
    seen_titles = {t.casefold() for t in (title, summary, page_title) if t}
    if page_title:
        seen_titles.add(_strip_site_name(page_title).casefold())
    body = _read_body(container, profile, seen_titles, signed=bool(author_lines))
    rows, captions, signature, date_lines = body.rows, body.captions, body.signature, body.date_lines
    rows = _joined_lines(_without_running_heads(_without_leading_labels(rows, links)))
    if not profile:
        rows = _without_masthead(rows)

    if not profile and not summary and rows and rows[0].bold and len(rows[0].text) >= _SAPO_MIN_CHARS:
        summary = rows.pop(0).text
    if not author_lines and not signature:
        signature = _trailing_signature(rows, bp) or _leading_byline(rows, bp)
    author_lines = author_lines or signature or ([byline] if byline else [])
    if title is None and rows:
        # The heading nearest before the text; the body may start with it (a container holding the <h1>).
        first_text = next((row for row in rows if len(row.text) > _TITLE_MAX or not row.subheading), rows[0])
        body_at = _position(first_text.element)
        before_body = [c for c in candidates if _attached(c, root) and _position(c) <= body_at]
        title = _text(before_body[-1]) if before_body else _first_text(root, "h1")
        # Old table pages: no heading tag, the title is the text's first bold line; a page whose <title>
        # names only a file: its first line, if it reads as a heading.
        heading_like = page_title is None and len(rows[0].text) <= _TITLE_MAX and not _LINE_END_RE.search(rows[0].text)
        if title is None and (rows[0].subheading or heading_like) and len(rows) > 1:
            title = rows[0].text  # old table pages: no heading tag, the title is the text's first bold line
        if title is None:
            # Older still: the title is set in a big font above the text ("<b><font size=4>…</font></b>").
            title = next((text for font in root.iter("font") if _is_big_font(font) and _position(font) <= body_at
                          and _reads_as_headline(text := _text(font))), None)
        rows = [row for row in rows if row.text.casefold() != (title or "").casefold()]
        if before_body and not published:
            published = _date_line(root, dated_scan(), before_body[-1])
    if not published and date_anchor is None:
        published = _date_line(root, dated_scan(), None)
    title = title or (_strip_site_name(page_title) if page_title else None)
    if not rows:
        raise UnreadablePage(f"no article text found{' at ' + url if url else ''}")
    paragraphs = [row.text for row in rows]
    if not published:
        published = parse_date(date_lines[0]) if date_lines else None
    if not published:
        published = _url_date(url)
    if not published:
        published = lead_date(paragraphs)
    if not published:
        year = _year_hint(url, [_first_text(root, profile.get("date")), title, summary, *paragraphs[:2]])
        published = complete_day_month(paragraphs, year)
    return CleanArticle(
        title=title,
        summary=summary,
        published=published,
        author=" / ".join(author_lines) or None,
        paragraphs=paragraphs,
        subheadings=[row.text for row in rows if row.subheading],
        captions=captions,
    )


# A paragraph that is one link and nothing else ("<p><a>Bình Dương khởi công 3 dự án...</a></p>") is a
# teaser for another article, not the article's text.
_TEASER_MAX_CHARS = 200
_TEASER_LINK_SHARE = 0.9


def _is_link_teaser(element: etree._Element, piece: str, nesting: set[etree._Element]) -> bool:
    if len(piece) > _TEASER_MAX_CHARS or element in nesting or next(_iter_tags(element, "a"), None) is None:
        return False  # long, holding blocks, or no link in it at all
    text = _text(element)
    return text == piece and _link_density(element, text) >= _TEASER_LINK_SHARE


def _is_italic_only(element: etree._Element) -> bool:
    italic = normalise(" ".join(_text(i) for i in _iter_tags(element, "em", "i")))
    if not italic:  # nothing in italics: the element's own text need not be read
        return False
    text = _text(element)
    return bool(text) and italic == text


def _line_texts(raw: str) -> list[str]:
    """The non-empty lines of a block's text, one per <br>-separated line."""
    return [line for line in (normalise(part) for part in raw.split(_BR)) if line]


def _lines(element: etree._Element) -> list[str]:
    """The lines of a block: one per child block or <br>-separated line."""
    return [line for block in _blocks(element, _nesting(element)) for line in _line_texts(block.raw)]


_NAME_SEPARATOR_RE = re.compile(r"\s*(?:[-–/,&]|\bvà\b)\s*|\s+")


def _looks_like_byline(text: str, bp: _Boilerplate) -> bool:
    """A signature line: "Lê Hà", "Thu Hà - Quang Vinh", "Tin, ảnh: Ngọc Tú", "PV" - capitalised
    words only, short, no digits, no sentence."""
    if len(text) > 60 or any(c.isdigit() for c in text) or _SENTENCE_END_RE.search(text.rstrip(")")):
        return False
    name = re.sub(r"\s*\([^()]*\)\s*$", "", bp.byline_prefix_re.sub("", text).strip()).strip("() ")
    words = [w for w in _NAME_SEPARATOR_RE.split(name) if w]
    if not words or len(words) > 8 or (len(words) == 1 and len(words[0]) > 20):
        return False
    return all(w[0].isupper() for w in words)


def _trailing_signature(rows: list[_Row], bp: _Boilerplate) -> list[str]:
    """The signature at the end of the body when nothing marks it: a name line, maybe a position
    line under it ("Lương Thị Hà" / "Phó Trưởng Ban Dân vận Huyện ủy Mèo Vạc"); taken off the rows."""
    if len(rows) < 2:
        return []
    last = rows[-1].text
    if _looks_like_byline(last, bp):
        return [rows.pop().text]
    before = rows[-2].text
    if _looks_like_byline(before, bp) and len(last) <= 120 and not _SENTENCE_END_RE.search(last) and last[:1].isupper():
        second = rows.pop().text
        return [rows.pop().text, second]
    return []


def _leading_byline(rows: list[_Row], bp: _Boilerplate) -> list[str]:
    """A byline written as the first line of the text ("Bài: Hoàng Hải - Ảnh: Ngọc Tâm"); taken off the rows."""
    for index, row in enumerate(rows[:3]):
        if len(row.text) > _SAPO_MIN_CHARS:
            break
        if _looks_like_byline(row.text, bp):
            return [rows.pop(index).text]
    return []


_BYLINE_HINT_RE = re.compile(r"author|byline|tac-?gia|writer", re.IGNORECASE)


def _byline(scan: "_Scan") -> str | None:
    """A byline above the text ("Tác giả: Minh Huyền"), from an element marked as the author."""
    bp = _boilerplate()
    for element in scan.bylines:
        text = bp.byline_prefix_re.sub("", _text(element)).strip()
        text = re.sub(r"^(?:bởi|by)\s+", "", text, flags=re.IGNORECASE)
        if text and _looks_like_byline(text, bp):
            return text
    return None


def clean_text(text: str) -> CleanArticle:
    """An article given as plain text, one paragraph per line."""
    paragraphs = [normalise(line) for line in text.splitlines()]
    return CleanArticle(paragraphs=[p for p in paragraphs if p])
