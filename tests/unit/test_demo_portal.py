"""The demo portal serves both sites from its article data: every gold text, pagination, robots.txt, RSS, caching, encodings."""

from __future__ import annotations

import email.utils
import http.client
import json
import re
import threading
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from protego import Protego

from etl.demo_portal import server as demo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Gold files that label a demo page (a seed, or a `page` path); others label static pages of other layouts.
GOLD_FILES = [
    path
    for path in sorted((FIXTURES / "gold").glob("*.json"))
    if {"seed", "page"} & set(json.loads(path.read_text(encoding="utf-8")))
]
DEMO_GOLD_FILES = [p for p in GOLD_FILES if p.name.startswith("demo_")]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """The body as NFC text, decoded with the charset of the header or else of the meta tag."""
        charset = _charset(self.headers.get("content-type", "")) or _charset(self.body[:2048].decode("ascii", "replace"))
        return unicodedata.normalize("NFC", self.body.decode(charset or "utf-8"))


def _charset(text: str) -> str | None:
    match = re.search(r"charset=[\"']?([\w-]+)", text, re.IGNORECASE)
    return match.group(1).lower() if match else None


@dataclass
class Portal:
    host: str
    port: int

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()


@pytest.fixture(scope="module")
def portal():
    server = demo.make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield Portal(host, port)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def collapse(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def element_texts(html: str) -> set[str]:
    """The whitespace-collapsed text of every element of a page, and every image's alt text."""
    soup = BeautifulSoup(html, "lxml")
    texts = {collapse(el.get_text()) for el in soup.find_all(True)}
    texts |= {collapse(img.get("alt", "")) for img in soup.find_all("img")}
    return texts


def articles(portal_id: str) -> list[dict]:
    return list(demo.load_articles(portal_id).values())


def page_of(gold_path: Path) -> str:
    """The URL path a gold file describes: its `page`, or the article built from its seed."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    if "page" in gold:
        return gold["page"]
    for portal_id in demo.PORTALS:
        for data in articles(portal_id):
            if data.get("seed") == gold["seed"]:
                return demo.article_path(portal_id, data)
    raise AssertionError(f"no demo article for seed {gold['seed']}")


# --- pages -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/nghean/", "/hatinh/"])
def test_index_and_home_pages_render(portal, path):
    resp = portal.get(path)
    assert resp.status == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert "<a href=" in resp.text()


def test_index_links_both_portals_and_homes_link_their_listing(portal):
    assert {"/nghean/", "/hatinh/"} <= set(re.findall(r'href="([^"]+)"', portal.get("/").text()))
    assert 'href="/nghean/vi-vn/chuyen-muc/tin-tong-hop"' in portal.get("/nghean/").text()
    assert 'href="/hatinh/tin-tuc/"' in portal.get("/hatinh/").text()


def test_each_portal_has_at_least_ten_articles_over_several_years():
    for portal_id in demo.PORTALS:
        data = articles(portal_id)
        assert len(data) >= 10
        assert len({str(a["published"])[:4] for a in data}) >= 5


@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=lambda p: p.stem)
def test_every_gold_text_is_an_element_of_its_page(portal, gold_path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    resp = portal.get(page_of(gold_path))
    assert resp.status == 200
    texts = element_texts(resp.text())
    for key in ("body_paragraphs", "subheadings", "captions"):
        for expected in gold[key]:
            assert collapse(expected) in texts, f"{key}: {expected[:60]!r}"
    for key in ("title", "summary"):
        if gold[key]:
            assert collapse(gold[key]) in texts
    for snippet in gold["noise_snippets"]:
        assert snippet in collapse(BeautifulSoup(resp.text(), "lxml").get_text(" ")) or snippet in texts


@pytest.mark.parametrize("seed", sorted((FIXTURES / "seeds").glob("*.txt")), ids=lambda p: p.stem)
def test_seed_lines_are_served_verbatim(portal, seed):
    page = page_of(FIXTURES / "gold" / f"{seed.stem}.json")
    soup = BeautifulSoup(portal.get(page).text(), "lxml")
    raw_texts = [el.get_text() for el in soup.find_all(True)] + [img.get("alt", "") for img in soup.find_all("img")]
    for line in seed.read_text(encoding="utf-8").splitlines():
        if line.strip():
            assert any(line.strip() in text for text in raw_texts), line[:60]


def test_nghean_seed_page_has_the_real_layout(portal):
    seed = (FIXTURES / "seeds" / "002_4deea102b9c38809.txt").read_text(encoding="utf-8").splitlines()
    related_titles = [line for line in seed[seed.index("Tin cùng chuyên mục") + 1 :] if line.strip()][::2]
    html = portal.get(page_of(FIXTURES / "gold" / "002_4deea102b9c38809.json")).text()
    soup = BeautifulSoup(html, "lxml")
    assert soup.select_one("div.top-banner img")["alt"] == "Banner Tỉnh ủy Nghệ An (Home-latest-1)"
    assert soup.select_one("nav.top-menu") and soup.select_one("ol.breadcrumb")
    assert soup.select_one("h1").get_text() == seed[2]
    assert re.fullmatch(r"Thứ Hai, 15/03/2021 - \d\d:\d\d", soup.select_one("div.date-news").get_text())
    assert re.fullmatch(r"Lượt xem: \d+", collapse(soup.select_one("div.news-views").get_text()))
    items = soup.select("div.news-related li")
    assert len(items) == 14 == len(related_titles)
    for item, title in zip(items, related_titles):
        assert item.find("img")["alt"] == title
        assert collapse(item.select_one("a.related-link").get_text()) == title
    signature = [collapse(p.get_text()) for p in soup.select('div.content-news > p[style*="right"]')]
    assert signature == ["Nguyễn Mạnh Khôi", "Phó trưởng ban TT Ban Dân vận Tỉnh ủy Nghệ An"]
    footer = collapse(soup.select_one("footer").get_text())
    assert "Bản quyền thuộc về Tỉnh ủy Nghệ An" in footer and "Địa chỉ:" in footer and "Điện thoại:" in footer


def test_hatinh_pages_use_their_own_older_layout(portal):
    path = demo.article_path("hatinh", demo.load_articles("hatinh")["nhin-lai-cong-tac-xay-dung-dang-nhiem-ky-2015-2020"])
    soup = BeautifulSoup(portal.get(path).text(), "lxml")
    assert soup.select_one("table#main td#main-col div#news-detail")
    assert re.fullmatch(r"Cập nhật lúc \d\d:\d\d, ngày \d\d/\d\d/\d{4}", soup.select_one("div.news-date").get_text())
    assert soup.select("table.image td.image-caption")
    assert soup.select_one("div.related-news .box-title").get_text() == "Tin liên quan"
    assert soup.select_one("div.share-bar")


# --- listings, robots.txt, RSS -------------------------------------------------------


@pytest.mark.parametrize("portal_id", list(demo.PORTALS))
def test_listing_pagination_reaches_every_article_newest_first(portal, portal_id):
    path, seen, pages = demo.listing_path(portal_id), [], 0
    while path:
        resp = portal.get(path)
        assert resp.status == 200
        soup = BeautifulSoup(resp.text(), "lxml")
        links = [a["href"] for a in soup.select(".news-item-title a, table.list-news a.title")]
        assert 1 <= len(links) <= demo.PAGE_SIZE
        seen += links
        pages += 1
        nxt = soup.find("a", string=re.compile("Trang sau"))
        path = nxt["href"] if nxt else None
        if path and path.startswith("?"):
            path = urlsplit(demo.listing_path(portal_id)).path + path
    data = sorted(articles(portal_id), key=lambda a: (str(a["published"]), a["slug"]), reverse=True)
    assert seen == [demo.article_path(portal_id, a) for a in data]
    assert pages == -(-len(data) // demo.PAGE_SIZE) >= 3


def test_listing_page_links_are_numbered(portal):
    html = portal.get("/nghean/vi-vn/chuyen-muc/tin-tong-hop?page=2").text()
    assert 'href="/nghean/vi-vn/chuyen-muc/tin-tong-hop?page=3"' in html
    assert "Trang trước" in html
    assert portal.get("/hatinh/tin-tuc/trang-2/").status == 200
    assert portal.get("/hatinh/tin-tuc/xay-dung-dang/").status == 200


def test_robots_txt_allows_articles_and_listings_but_not_search(portal):
    resp = portal.get("/robots.txt")
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/plain")
    robots = Protego.parse(resp.text())
    base = f"http://{portal.host}:{portal.port}"
    allowed = [demo.listing_path(p) for p in demo.PORTALS] + [
        demo.article_path(p, a) for p in demo.PORTALS for a in articles(p)
    ]
    for path in allowed:
        assert robots.can_fetch(base + path, "tinhuy")
    for path in ("/nghean/vi-vn/tim-kiem?q=dan+van", "/hatinh/admin/login", "/hatinh/tim-kiem/?tukhoa=x"):
        assert not robots.can_fetch(base + path, "tinhuy")


@pytest.mark.parametrize("portal_id", list(demo.PORTALS))
def test_rss_lists_every_article_with_its_date(portal, portal_id):
    resp = portal.get(f"/{portal_id}/rss.xml")
    assert resp.status == 200 and resp.headers["content-type"].startswith("application/rss+xml")
    items = ET.fromstring(resp.body).findall("./channel/item")
    data = {demo.article_path(portal_id, a): a for a in articles(portal_id)}
    assert {urlsplit(i.findtext("link")).path for i in items} == set(data)
    for item in items:
        published = email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        article = data[urlsplit(item.findtext("link")).path]
        assert published.strftime("%Y-%m-%d %H:%M") == str(article["published"])


# --- HTTP behaviour ------------------------------------------------------------------


def test_article_validators_and_conditional_requests(portal):
    article = page_of(FIXTURES / "gold" / "002_4deea102b9c38809.json")
    first = portal.get(article)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and last_modified == "Mon, 15 Mar 2021 01:30:00 GMT"  # 08:30 in Vietnam
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    again = portal.get(article, {"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["etag"] == etag
    assert portal.get(article, {"If-Modified-Since": last_modified}).status == 304
    assert portal.get(article, {"If-Modified-Since": "Sun, 14 Mar 2021 00:00:00 GMT"}).status == 200
    assert portal.get(article, {"If-None-Match": '"other"', "If-Modified-Since": last_modified}).status == 200
    head = portal.get(article, method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["etag"] == etag
    assert portal.get(demo.listing_path("nghean")).headers["etag"] != etag


@pytest.mark.parametrize(
    "path",
    [
        "/khong-co",
        "/nghean/vi-vn/tin/khong-co-bai-nay/1-2-3",
        "/nghean/vi-vn/chuyen-muc/tin-tong-hop?page=99",
        "/nghean/vi-vn/chuyen-muc/khong-co",
        "/hatinh/tin-tuc/kinh-te/khong-co-bai-nay-1.html",
        "/hatinh/tin-tuc/trang-99/",
    ],
)
def test_unknown_paths_answer_404(portal, path):
    resp = portal.get(path)
    assert resp.status == 404
    assert "404" in resp.text()


def _article_with(portal_id: str, key: str, value: str) -> dict:
    matches = [a for a in articles(portal_id) if a.get(key) == value]
    assert len(matches) == 1
    return matches[0]


def test_windows_1258_page_declares_its_charset_only_in_the_page(portal):
    data = _article_with("hatinh", "encoding", "windows-1258")
    resp = portal.get(demo.article_path("hatinh", data))
    assert resp.headers["content-type"] == "text/html"
    assert b'charset=windows-1258"' in resp.body[:1024]
    with pytest.raises(UnicodeDecodeError):
        resp.body.decode("utf-8")
    decoded = resp.body.decode("cp1258")
    assert "\u0301" in decoded and "\u0323" in decoded and "ư" in decoded  # tones combining, vowels precomposed
    texts = element_texts(unicodedata.normalize("NFC", decoded))
    gold = json.loads((FIXTURES / "gold" / f"demo_hatinh_{data['slug']}.json").read_text(encoding="utf-8"))
    for expected in gold["body_paragraphs"] + gold["subheadings"] + gold["captions"] + [gold["title"]]:
        assert expected in texts


def test_decomposed_page_is_nfd_utf8(portal):
    data = _article_with("nghean", "normalization", "NFD")
    body = portal.get(demo.article_path("nghean", data)).body.decode("utf-8")
    gold = json.loads((FIXTURES / "gold" / f"demo_nghean_{data['slug']}.json").read_text(encoding="utf-8"))
    assert gold["body_paragraphs"][0] not in body
    assert unicodedata.normalize("NFD", gold["body_paragraphs"][0]) in body
    texts = element_texts(unicodedata.normalize("NFC", body))
    assert all(p in texts for p in gold["body_paragraphs"])


def test_edits_directory_overrides_one_article(portal, tmp_path, monkeypatch):
    data = demo.load_articles("hatinh")["thu-ngan-sach-nha-nuoc-nam-2023-vuot-du-toan"]
    path = demo.article_path("hatinh", data)
    before = portal.get(path)
    monkeypatch.setenv(demo.EDITS_ENV, str(tmp_path))
    assert portal.get(path).headers["etag"] == before.headers["etag"]
    edit = tmp_path / "hatinh" / f"{data['slug']}.yaml"
    edit.parent.mkdir()
    body = data["body"] + [{"p": "Đoạn văn được bổ sung khi cập nhật bài viết."}]
    edit.write_text(yaml.safe_dump({"body": body, "updated": "2023-12-09 08:00"}, allow_unicode=True), encoding="utf-8")
    after = portal.get(path)
    assert after.status == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["last-modified"] == "Sat, 09 Dec 2023 01:00:00 GMT"
    assert "Đoạn văn được bổ sung khi cập nhật bài viết." in after.text()
    assert portal.get(path, {"If-None-Match": before.headers["etag"]}).status == 200
    edit.unlink()
    assert portal.get(path).headers["etag"] == before.headers["etag"]


# --- the gold labels of the demo articles --------------------------------------------


def test_every_demo_article_has_one_gold_file():
    pages = {json.loads(p.read_text(encoding="utf-8")).get("page") for p in DEMO_GOLD_FILES}
    seeds = {json.loads(p.read_text(encoding="utf-8")).get("seed") for p in GOLD_FILES} - {None}
    for portal_id in demo.PORTALS:
        for data in articles(portal_id):
            if data.get("seed"):
                assert data["seed"] in seeds
            else:
                assert demo.article_path(portal_id, data) in pages
                gold_path = FIXTURES / "gold" / f"demo_{portal_id}_{data['slug']}.json"
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
                assert gold["published"] == str(data["published"])[:10]
                assert gold["province"] == demo.PORTALS[portal_id].province


@pytest.mark.parametrize("gold_path", DEMO_GOLD_FILES, ids=lambda p: p.stem)
def test_demo_gold_labels_are_consistent(gold_path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    assert list(gold) == [
        "page", "province", "title", "summary", "published", "author", "body_paragraphs", "subheadings",
        "captions", "noise_snippets", "indicators", "non_indicators", "documents", "people", "dq_flags",
    ]  # fmt: skip
    assert gold["dq_flags"] == []
    text = "\n".join(gold["body_paragraphs"] + gold["subheadings"])
    indicators = gold["indicators"]
    for ind in indicators:
        assert ind["text"] in text, ind["text"]
        assert ind["kind"] in {"count", "percent", "ratio", "range", "measure"}
        if ind["kind"] == "ratio":
            assert 0 < ind["numerator"] <= ind["denominator"]
        if ind["kind"] == "range":
            assert ind["value"] is None and ind["low"] < ind["high"]
    for index in {i["parent"] for i in indicators if i["parent"] is not None}:
        parts = [Decimal(str(i["value"])) for i in indicators if i["parent"] == index]
        assert sum(parts) == Decimal(str(indicators[index]["value"])), indicators[index]["text"]
    for ratio, percent in zip(indicators, indicators[1:]):
        if ratio["kind"] == "ratio" and percent["kind"] == "percent":
            assert abs(100 * ratio["numerator"] / ratio["denominator"] - percent["value"]) <= 0.05
    for doc in gold["documents"]:
        assert doc["number"] in text and doc["issuer"]
