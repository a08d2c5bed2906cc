"""A local HTTP server that looks like two provincial party portals: Nghệ An (/nghean/) and Hà Tĩnh (/hatinh/).

Pages are rendered at request time from the article YAML files in ``articles/<portal>/`` with the
Jinja2 templates in ``templates/``. Article pages carry an ETag (sha256 of the body) and a
Last-Modified (the article's update or publication time) and answer conditional requests with
304. If the environment variable ``TINHUY_DEMO_EDITS`` names a directory and
``<dir>/<portal>/<slug>.yaml`` exists, its keys replace that article's keys (the slug stays), so a
test can change one article while the server runs.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2
import yaml
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
ARTICLES_DIR = PACKAGE_DIR / "articles"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
# Environment variable naming a directory of per-article overrides (<dir>/<portal>/<slug>.yaml).
EDITS_ENV = "TINHUY_DEMO_EDITS"
# Category pages list this many articles, newest first, like the real portals.
PAGE_SIZE = 4
# Times in the article files are Vietnam local time.
VN_TZ = timezone(timedelta(hours=7))
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
# Tone marks stay combining in windows-1258; the vowel marks (circumflex, breve, horn) are precomposed.
CP1258_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# A 1x1 transparent GIF answers every image request.
PIXEL_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


@dataclass(frozen=True)
class Portal:
    """One demo site: its path prefix, province and categories (slug -> menu label)."""

    id: str
    province: str
    site_name: str
    all_category: str
    categories: dict[str, str]
    id_key: str


PORTALS: dict[str, Portal] = {
    "nghean": Portal(
        id="nghean",
        province="Nghệ An",
        site_name="Cổng thông tin điện tử Đảng bộ tỉnh Nghệ An",
        all_category="tin-tong-hop",
        categories={
            "tin-tong-hop": "Tin tổng hợp",
            "xay-dung-dang": "Xây dựng Đảng",
            "dan-van": "Dân vận",
            "kinh-te-xa-hoi": "Kinh tế - Xã hội",
            "noi-chinh": "Nội chính",
        },
        id_key="ids",
    ),
    "hatinh": Portal(
        id="hatinh",
        province="Hà Tĩnh",
        site_name="Cổng Thông tin điện tử Đảng bộ tỉnh Hà Tĩnh",
        all_category="",
        categories={
            "xay-dung-dang": "Xây dựng Đảng",
            "dan-van": "Dân vận",
            "kinh-te": "Kinh tế",
            "nong-thon-moi": "Nông thôn mới",
            "kiem-tra-giam-sat": "Kiểm tra - Giám sát",
        },
        id_key="id",
    ),
}

_NGHEAN_ARTICLE = re.compile(r"^/nghean/vi-vn/tin/(?P<slug>[a-z0-9-]+)/(?P<ids>\d+(?:-\d+)*)$")
_NGHEAN_LISTING = re.compile(r"^/nghean/vi-vn/chuyen-muc/(?P<cat>[a-z0-9-]+)$")
_HATINH_ARTICLE = re.compile(r"^/hatinh/tin-tuc/(?P<cat>[a-z0-9-]+)/(?P<slug>[a-z0-9-]+)-(?P<id>\d+)\.html$")
_HATINH_LISTING = re.compile(r"^/hatinh/tin-tuc/(?:(?!trang-\d+/)(?P<cat>[a-z0-9-]+)/)?(?:trang-(?P<page>\d+)/)?$")
_IMAGE = re.compile(r"^/(?:nghean|hatinh)/.+\.(?:jpg|jpeg|png|gif)$", re.IGNORECASE)


class ArticleDataError(ValueError):
    """An article file the portal cannot serve; the message is one line naming the file."""


@dataclass
class Page:
    """A response before it is written: status, body and the headers that depend on the page."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    last_modified: datetime | None = None
    location: str | None = None
    etag: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.status == 200:
            self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:40] + '"'


def _parse_time(value: Any, where: str) -> datetime:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)
    except ValueError:
        raise ArticleDataError(f"{where}: time {value!r} is not 'YYYY-MM-DD HH:MM'") from None


def article_path(portal_id: str, data: dict[str, Any]) -> str:
    """The URL path of an article on its portal."""
    if portal_id == "nghean":
        return f"/nghean/vi-vn/tin/{data['slug']}/{data['ids']}"
    return f"/hatinh/tin-tuc/{data['category']}/{data['slug']}-{data['id']}.html"


def listing_path(portal_id: str, category: str | None = None, page: int = 1) -> str:
    """The URL path of a category page (``category`` None: all articles)."""
    if portal_id == "nghean":
        path = f"/nghean/vi-vn/chuyen-muc/{category or PORTALS['nghean'].all_category}"
        return path if page == 1 else f"{path}?page={page}"
    path = "/hatinh/tin-tuc/" + (f"{category}/" if category else "")
    return path if page == 1 else f"{path}trang-{page}/"


def load_article_file(portal_id: str, path: Path) -> dict[str, Any]:
    """One article's data, checked enough to render it."""
    where = f"{path}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ArticleDataError(f"{where}: cannot read ({' '.join(str(exc).split())})") from None
    if not isinstance(data, dict):
        raise ArticleDataError(f"{where}: expected a mapping")
    portal = PORTALS[portal_id]
    for key in ("slug", "title", "published", "category", "body", portal.id_key):
        if not data.get(key):
            raise ArticleDataError(f"{where}: missing '{key}'")
    if data["slug"] != path.stem:
        raise ArticleDataError(f"{where}: slug '{data['slug']}' differs from the file name")
    if data["category"] not in portal.categories:
        raise ArticleDataError(f"{where}: unknown category '{data['category']}'")
    data[portal.id_key] = str(data[portal.id_key])
    return data


def load_articles(portal_id: str) -> dict[str, dict[str, Any]]:
    """All articles of a portal as shipped, by slug."""
    return {
        p.stem: load_article_file(portal_id, p) for p in sorted((ARTICLES_DIR / portal_id).glob("*.yaml"))
    }


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes the way Vietnamese pages have them: base letters precomposed, tones combining."""
    out: list[str] = []
    base, tones = "", ""
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if ch in CP1258_TONES:
                tones += ch
            else:
                base += ch
            continue
        out.append(unicodedata.normalize("NFC", base) + tones)
        base, tones = ch, ""
    out.append(unicodedata.normalize("NFC", base) + tones)
    return "".join(out).encode("cp1258", errors="xmlcharrefreplace")


def _nbsp(value: Any) -> Markup:
    """Escape text and write no-break spaces as ``&nbsp;``, as the portals' editors do."""
    return Markup(str(escape(value)).replace("\xa0", "&nbsp;"))


def _nfd(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFD", value)
    if isinstance(value, list):
        return [_nfd(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfd(v) for k, v in value.items()}
    return value


class Site:
    """Both portals: article data, templates and the routes from a path to a page."""

    def __init__(self) -> None:
        self.articles = {pid: load_articles(pid) for pid in PORTALS}
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["nbsp"] = _nbsp
        self.env.filters["vn_date"] = lambda d: d.strftime("%d/%m/%Y")
        self.env.filters["hhmm"] = lambda d: d.strftime("%H:%M")
        self.env.filters["weekday"] = lambda d: WEEKDAYS[d.weekday()]
        self.env.filters["rfc822"] = lambda d: email.utils.format_datetime(d)

    # --- data ------------------------------------------------------------------
    def current(self, portal_id: str) -> list[dict[str, Any]]:
        """A portal's articles with edits applied and URLs resolved, newest first."""
        edits = os.environ.get(EDITS_ENV)
        items = []
        for slug, data in self.articles[portal_id].items():
            override = Path(edits) / portal_id / f"{slug}.yaml" if edits else None
            if override is not None and override.is_file():
                data = {**data, **load_override(override), "slug": slug}
            where = f"{portal_id}/{slug}"
            item = dict(data)
            item["portal"] = portal_id
            item["url"] = article_path(portal_id, data)
            item["published_at"] = _parse_time(data["published"], where)
            item["modified_at"] = _parse_time(data["updated"], where) if data.get("updated") else item["published_at"]
            items.append(item)
        return sorted(items, key=lambda a: (a["published_at"], a["slug"]), reverse=True)

    # --- routing -----------------------------------------------------------------
    def page(self, target: str, base_url: str) -> Page:
        """The page for a request target (path and query)."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/":
            return self._html("index.html", base_url=base_url, portals=PORTALS)
        if path == "/robots.txt":
            return Page(200, self.env.get_template("robots.txt").render().encode(), "text/plain; charset=utf-8")
        if path in ("/nghean", "/hatinh"):
            return Page(301, location=path + "/")
        if _IMAGE.match(path):
            return Page(200, PIXEL_GIF, "image/gif")
        for pid in PORTALS:
            if path == f"/{pid}/":
                return self._home(pid, base_url)
            if path == f"/{pid}/rss.xml":
                return self._rss(pid, base_url)
        if m := _NGHEAN_ARTICLE.match(path):
            return self._article("nghean", base_url, slug=m["slug"], key=m["ids"])
        if m := _HATINH_ARTICLE.match(path):
            return self._article("hatinh", base_url, slug=m["slug"], key=m["id"], category=m["cat"])
        if m := _NGHEAN_LISTING.match(path):
            number = (query.get("page") or ["1"])[0]
            return self._listing("nghean", base_url, m["cat"], number)
        if m := _HATINH_LISTING.match(path):
            return self._listing("hatinh", base_url, m["cat"], m["page"] or "1")
        return self._not_found(base_url)

    def _html(self, template: str, **context: Any) -> Page:
        return Page(200, self.env.get_template(template).render(**context).encode("utf-8"))

    def _not_found(self, base_url: str) -> Page:
        body = self.env.get_template("not_found.html").render(base_url=base_url).encode("utf-8")
        return Page(404, body)

    def _home(self, portal_id: str, base_url: str) -> Page:
        articles = self.current(portal_id)
        return self._html(
            f"{portal_id}/home.html",
            portal=PORTALS[portal_id],
            base_url=base_url,
            articles=articles[:5],
            latest=articles[:5],
            listing_url=listing_path(portal_id),
        )

    def _listing(self, portal_id: str, base_url: str, category: str | None, number: str) -> Page:
        portal = PORTALS[portal_id]
        if category is not None and category not in portal.categories:
            return self._not_found(base_url)
        articles = self.current(portal_id)
        if category not in (None, portal.all_category):
            articles = [a for a in articles if a["category"] == category]
        pages = max(1, -(-len(articles) // PAGE_SIZE))
        if not number.isdigit() or not 1 <= int(number) <= pages:
            return self._not_found(base_url)
        page = int(number)
        links = {n: listing_path(portal_id, category, n) for n in range(1, pages + 1)}
        return self._html(
            f"{portal_id}/listing.html",
            portal=portal,
            base_url=base_url,
            category=category,
            category_label=portal.categories.get(category or "", "Tin tức"),
            articles=articles[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            latest=self.current(portal_id)[:5],
            page=page,
            pages=pages,
            links=links,
        )

    def _article(self, portal_id: str, base_url: str, *, slug: str, key: str, category: str | None = None) -> Page:
        portal = PORTALS[portal_id]
        articles = self.current(portal_id)
        by_slug = {a["slug"]: a for a in articles}
        article = by_slug.get(slug)
        if article is None or article[portal.id_key] != key or (category and article["category"] != category):
            return self._not_found(base_url)
        related = []
        for entry in article.get("related") or []:
            if isinstance(entry, str):
                other = by_slug.get(entry)
                if other is None:
                    raise ArticleDataError(f"{portal_id}/{slug}: related article '{entry}' does not exist")
                related.append({"title": other["title"], "url": other["url"], "published_at": other["published_at"]})
            else:
                related.append({"title": entry["title"], "url": entry["url"], "published_at": None})
        shown = _nfd(article) if article.get("normalization") == "NFD" else article
        charset = article.get("encoding", "utf-8")
        html = self.env.get_template(f"{portal_id}/article.html").render(
            portal=portal,
            base_url=base_url,
            a=shown,
            related=related,
            latest=articles[:5],
            charset=charset,
            category_label=portal.categories[article["category"]],
            listing_url=listing_path(portal_id),
        )
        if charset == "windows-1258":
            # Declared only in the page's meta tag, as on portals that never set a charset header.
            return Page(200, to_cp1258(html), "text/html", last_modified=article["modified_at"])
        return Page(200, html.encode("utf-8"), last_modified=article["modified_at"])

    def _rss(self, portal_id: str, base_url: str) -> Page:
        body = self.env.get_template("rss.xml").render(
            portal=PORTALS[portal_id], base_url=base_url, articles=self.current(portal_id)
        )
        return Page(200, body.encode("utf-8"), "application/rss+xml; charset=utf-8")


def load_override(path: Path) -> dict[str, Any]:
    """The keys of an edits file; an empty file changes nothing."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ArticleDataError(f"{path}: cannot read ({' '.join(str(exc).split())})") from None
    if not isinstance(data, dict):
        raise ArticleDataError(f"{path}: expected a mapping")
    return data


def not_modified(page: Page, headers: Any) -> bool:
    """Whether a conditional request may be answered 304 (If-None-Match wins over If-Modified-Since)."""
    if page.status != 200 or page.etag is None:
        return False
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or page.etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since and page.last_modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return page.last_modified.replace(microsecond=0) <= since
    return False


class DemoPortalHandler(http.server.BaseHTTPRequestHandler):
    """Answers GET and HEAD from the server's Site."""

    server: "DemoPortalServer"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        try:
            page = self.server.site.page(self.path, f"http://{host}")
        except Exception:  # noqa: BLE001 - one bad article must not take the server down
            log.exception("demo portal: cannot render %s", self.path)
            page = Page(500, b"<!DOCTYPE html><title>500</title><h1>500 Internal Server Error</h1>")
        if not_modified(page, self.headers):
            self.send_response(304)
            self._validators(page)
            self.end_headers()
            return
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        if page.location:
            self.send_header("Location", page.location)
        self._validators(page)
        self.end_headers()
        if with_body:
            self.wfile.write(page.body)

    def _validators(self, page: Page) -> None:
        if page.etag:
            self.send_header("ETag", page.etag)
        if page.last_modified is not None:
            self.send_header("Last-Modified", email.utils.format_datetime(page.last_modified.astimezone(timezone.utc), usegmt=True))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of http.server
        log.debug("%s %s", self.address_string(), format % args)


class DemoPortalServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that owns the demo Site."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        self.site = site
        super().__init__(address, DemoPortalHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-response is routine for a crawler's test server: log, don't print."""
        log.debug("demo portal: error serving %s", client_address, exc_info=True)


def make_server(host: str = "127.0.0.1", port: int = 0) -> http.server.ThreadingHTTPServer:
    """A demo portal server bound to host and port (0: any free port), not yet serving."""
    return DemoPortalServer((host, port), Site())


def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve the demo portal until interrupted."""
    server = make_server(host, port)
    bound_host, bound_port = server.server_address[:2]
    log.info("demo portal serving http://%s:%s/ (Nghệ An at /nghean/, Hà Tĩnh at /hatinh/)", bound_host, bound_port)
    try:
        server.serve_forever()
    finally:
        server.server_close()
