"""The shipped sources and profiles load and fit the portals; a bad sources file gives one line naming file and entry."""

from __future__ import annotations

import http.client
import json
import re
import threading
import unicodedata
from pathlib import Path

import pytest
import soupsieve
from bs4 import BeautifulSoup

from etl import settings
from etl.demo_portal import server as demo
from etl.sources import SourcesError, load_profiles, load_sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROFILE_KEYS = {"body", "title", "summary", "date", "author", "captions", "subheadings", "noise"}


# --- the shipped files -------------------------------------------------------------


def test_demo_sources_point_at_the_demo_portal():
    sources = {s.id: s for s in load_sources("demo")}
    assert set(sources) == {"nghean", "hatinh"}
    assert sources["nghean"].province == "Nghệ An" and sources["hatinh"].province == "Hà Tĩnh"
    base = f"http://127.0.0.1:{settings.DEMO_PORTAL_PORT}/"
    for sid, source in sources.items():
        assert source.profile_name == sid and source.profile is not None
        assert source.is_local and source.delay_s == 0 and source.concurrency == 1
        assert source.allowed_hosts == ("127.0.0.1",)
        assert all(url.startswith(base + sid + "/") for url in source.start_urls)


@pytest.mark.parametrize("portal_id", list(demo.PORTALS))
def test_demo_patterns_tell_articles_from_listings(portal_id):
    source = {s.id: s for s in load_sources("demo")}[portal_id]
    for data in demo.load_articles(portal_id).values():
        path = demo.article_path(portal_id, data)
        assert source.is_article(path) and not source.is_listing(path), path
    for page in (1, 2, 3):
        listing = demo.listing_path(portal_id, page=page)
        assert source.is_listing(listing) and source.is_listing(listing.split("?")[0]), listing
        assert not source.is_article(listing)
    for other in (f"/{portal_id}/", f"/{portal_id}/rss.xml", "/robots.txt", "/nghean/vi-vn/tim-kiem"):
        assert not source.is_article(other) and not source.is_listing(other)


def test_demo_start_urls_are_listing_pages():
    for source in load_sources("demo"):
        for url in source.start_urls:
            assert source.is_listing(url.split(str(settings.DEMO_PORTAL_PORT), 1)[1])


def test_default_sources_are_the_real_portals():
    sources = {s.id: s for s in load_sources("default")}
    nghean = sources["nghean"]
    assert nghean.start_urls[0].startswith("https://nghean.dcs.vn") and nghean.allowed_hosts == ("nghean.dcs.vn",)
    assert nghean.article_pattern == r"^/vi-vn/tin/[^/]+/[\d-]+"
    assert nghean.is_article("/vi-vn/tin/tac-pham-doi-song-moi%E2%80%9D-cua-chu-tich-ho-chi-minh/73410-203449-163366")
    assert not nghean.is_article("/vi-vn/chuyen-muc/tin-tong-hop")
    assert nghean.profile_name == "nghean" and nghean.concurrency == 1 and nghean.delay_s >= 2
    assert not nghean.is_local
    hatinh = sources["hatinh"]
    assert hatinh.province == "Hà Tĩnh" and hatinh.allowed_hosts == ("hatinh.dcs.vn",) and hatinh.delay_s >= 2


def test_shipped_files_are_nfc_and_commented():
    for name in ("sources.demo.yaml", "sources.default.yaml", "profiles.yaml"):
        text = (settings.PACKAGE_DATA_DIR / name).read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text)
        assert text.startswith("#")


def test_profiles_have_every_key_and_valid_selectors():
    profiles = load_profiles()
    assert {"nghean", "hatinh"} <= set(profiles)
    for name, profile in profiles.items():
        assert set(profile) == PROFILE_KEYS, name
        assert isinstance(profile["noise"], list) and profile["noise"]
        for selector in [profile[k] for k in PROFILE_KEYS - {"noise"}] + profile["noise"]:
            soupsieve.compile(selector)


# --- bad sources files -------------------------------------------------------------

GOOD_ENTRY = """\
  - id: {id}
    province: Nghệ An
    start_urls: [https://nghean.dcs.vn/vi-vn]
    allowed_hosts: [nghean.dcs.vn]
    article_pattern: '{pattern}'
    profile: {profile}
"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.bad.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "sources:\n" + GOOD_ENTRY.format(id="ok", pattern="^/vi-vn/tin/", profile="nghean")
            + "  - id: thieu\n    province: Hà Tĩnh\n    start_urls: [https://hatinh.dcs.vn/]\n",
            r"source 'thieu': missing allowed_hosts, article_pattern",
        ),
        ("sources:\n" + GOOD_ENTRY.format(id="regex", pattern="^/vi-vn/(tin", profile="nghean"),
         r"source 'regex': 'article_pattern' is not a valid regular expression"),
        ("sources:\n" + GOOD_ENTRY.format(id="hoso", pattern="^/vi-vn/tin/", profile="khong-co"),
         r"source 'hoso': unknown profile 'khong-co'"),
        ("sources:\n  - id: [x\n    province: Nghệ An\n", r"line \d+ not valid YAML"),
        ("sources: []\n", r"expected a non-empty list under 'sources'"),
    ],
    ids=["missing-key", "bad-regex", "unknown-profile", "bad-yaml", "empty"],
)
def test_bad_sources_file_gives_one_line_naming_file_and_entry(tmp_path, body, expected):
    path = _write(tmp_path, body)
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert re.search(expected, message), message


def test_missing_sources_file_is_one_line(tmp_path):
    with pytest.raises(SourcesError, match=r"file not found$"):
        load_sources(tmp_path / "sources.none.yaml")


# --- the profiles read the demo pages as the gold files say --------------------------


@pytest.fixture(scope="module")
def portal():
    server = demo.make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[:2]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _fetch(address: tuple[str, int], path: str) -> str:
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body, content_type = resp.read(), resp.getheader("Content-Type", "")
    finally:
        conn.close()
    match = re.search(r"charset=[\"']?([\w-]+)", content_type) or re.search(rb"charset=[\"']?([\w-]+)", body[:2048])
    charset = match.group(1) if match else "utf-8"
    return unicodedata.normalize("NFC", body.decode(charset if isinstance(charset, str) else charset.decode()))


def _collapse(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def extract(html: str, profile: dict) -> dict:
    """The reading of a page that profiles.yaml describes (the contract the cleaner implements)."""
    soup = BeautifulSoup(html, "lxml")

    def text(el) -> str | None:
        return _collapse(el.get_text()) if el is not None else None

    author_els = soup.select(profile["author"])
    caption_els = soup.select(profile["captions"])
    result = {
        "title": text(soup.select_one(profile["title"])),
        "summary": text(soup.select_one(profile["summary"])),
        "date": text(soup.select_one(profile["date"])),
        "author": " / ".join(text(e) for e in author_els) or None,
        "captions": [text(e) for e in caption_els],
        "subheadings": [text(e) for e in soup.select(profile["subheadings"])],
    }
    body = soup.select_one(profile["body"])
    for el in author_els + caption_els:
        el.decompose()
    for selector in profile["noise"]:
        for el in body.select(selector):
            el.decompose()
    blocks = [text(e) for e in body.find_all(["p", "h2", "h3", "h4", "h5", "h6", "li"])]
    result["paragraphs"] = [b for b in blocks if b]
    return result


def _gold_pages() -> list[tuple[str, Path]]:
    pages = []
    for gold_path in sorted((FIXTURES / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if "page" in gold:
            pages.append((gold["page"], gold_path))
            continue
        if "seed" not in gold:  # a mapping file, or a static page of another layout
            continue
        for portal_id in demo.PORTALS:
            for data in demo.load_articles(portal_id).values():
                if data.get("seed") == gold["seed"]:
                    pages.append((demo.article_path(portal_id, data), gold_path))
    return pages


@pytest.mark.parametrize(("page", "gold_path"), _gold_pages(), ids=lambda v: v.stem if isinstance(v, Path) else "")
def test_profile_selectors_read_each_page_as_its_gold_says(portal, page, gold_path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    portal_id = page.split("/")[1]
    got = extract(_fetch(portal, page), load_profiles()[portal_id])
    expected_subheadings = [_collapse(s) for s in gold["subheadings"]]
    assert got["subheadings"] == expected_subheadings
    assert got["captions"] == [_collapse(c) for c in gold["captions"]]
    assert [p for p in got["paragraphs"] if p not in expected_subheadings] == [_collapse(p) for p in gold["body_paragraphs"]]
    assert [p for p in got["paragraphs"] if p in expected_subheadings] == expected_subheadings
    if gold["title"]:
        assert got["title"] == gold["title"]
    if "page" in gold or gold["summary"]:
        assert got["summary"] == gold["summary"]
    if "page" in gold or gold["author"]:
        assert got["author"] == gold["author"]
    if "published" in gold:
        day, month, year = re.search(r"(\d\d)/(\d\d)/(\d{4})", got["date"]).groups()
        assert f"{year}-{month}-{day}" == gold["published"]
