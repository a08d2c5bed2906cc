"""A synthetic corpus of provincial portal pages: three layouts, real Vietnamese report text, 60-150 KB a page.

Article text is recombined, paragraph by paragraph, from the demo portal's articles and the
gold-labelled pages, figures as the reports state them, so the parser sees the density of
indicators real reports have and the checks see figures that mostly agree with each other. Each page is wrapped in the
layout of a portal and padded, as the real portals are, with style sheets, scripts, a menu of a
few hundred links, "most read" and "latest news" boxes and a footer, up to a size drawn between
60 and 150 KB. Two layouts are the demo portal's (Nghệ An, Hà Tĩnh, cleaned with their site
profiles); the third is a WordPress-style site with no profile (the generic cleaner).

The corpus is written once under ``<out>/`` (pages plus ``manifest.json``) and reused while the
generator version, seed and size are unchanged.
"""

from __future__ import annotations

import html
import json
import random
import re
import shutil
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from etl import settings

GENERATOR_VERSION = 9
LAYOUTS = ("nghean", "hatinh", "thanhhoa")
# Real article pages of the provincial portals weigh this much, most of it layout.
MIN_PAGE_BYTES, MAX_PAGE_BYTES = 60_000, 150_000
# Articles per listing page, as on the real portals (the demo portal shows 4).
LISTING_SIZE = 20
DEMO_ARTICLES = settings.PACKAGE_DIR / "demo_portal" / "articles"
GOLD_DIR = settings.REPO_DIR / "tests" / "fixtures" / "gold"
SEEDS_DIR = settings.REPO_DIR / "tests" / "fixtures" / "seeds"
FIRST_DATE, LAST_DATE = datetime(2019, 1, 1, 7, 0), datetime(2026, 10, 31, 17, 0)

THANHHOA = {
    "province": "Thanh Hóa",
    "site_name": "Báo điện tử Đảng bộ tỉnh Thanh Hóa",
    "categories": {"thoi-su": "Thời sự", "xay-dung-dang": "Xây dựng Đảng", "kinh-te": "Kinh tế",
                   "xa-hoi": "Xã hội", "quoc-phong-an-ninh": "Quốc phòng - An ninh"},
}
MENU_WORDS = (
    "Tin tức", "Sự kiện", "Xây dựng Đảng", "Kiểm tra - Giám sát", "Dân vận", "Tuyên giáo", "Tổ chức",
    "Nội chính", "Kinh tế", "Văn hóa - Xã hội", "Quốc phòng - An ninh", "Đối ngoại", "Văn bản",
    "Nghị quyết", "Chỉ thị", "Kết luận", "Hướng dẫn", "Thông báo", "Lịch công tác", "Tư liệu",
    "Hỏi đáp", "Video", "Ảnh", "Podcast", "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Bảo vệ nền tảng tư tưởng của Đảng", "Chuyển đổi số", "Nông thôn mới", "Giảm nghèo bền vững",
)
PROVINCE_SITES = (
    "Hà Nội", "Hải Phòng", "Đà Nẵng", "TP Hồ Chí Minh", "Cần Thơ", "Huế", "Lai Châu", "Điện Biên",
    "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang",
    "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Ninh Bình", "Quảng Trị", "Quảng Ngãi",
    "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Đồng Nai", "Tây Ninh", "Vĩnh Long", "Đồng Tháp",
    "Cà Mau", "An Giang",
)


# --- text ------------------------------------------------------------------------------------
class TextPool:
    """Paragraphs, subheadings, titles, summaries and signatures of real reports, to recombine."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.headings: list[str] = []
        self.titles: list[str] = []
        self.summaries: list[str] = []
        self.authors: list[list[str]] = []
        self.captions: list[str] = []
        for path in sorted(DEMO_ARTICLES.glob("*/*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            self._article(data.get("title"), data.get("summary"), data.get("author"))
            for block in data.get("body") or []:
                if "p" in block:
                    self.paragraphs.append(_clean(block["p"]))
                elif "h" in block:
                    self.headings.append(_clean(block["h"]))
                elif "figure" in block and block["figure"].get("caption"):
                    self.captions.append(_clean(block["figure"]["caption"]))
        for path in sorted(GOLD_DIR.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                continue
            author = data.get("author")
            self._article(data.get("title"), data.get("summary"), author.split(" / ") if author else None)
            headings = set(data.get("subheadings") or [])
            for paragraph in data.get("body_paragraphs") or []:
                (self.headings if paragraph in headings else self.paragraphs).append(_clean(paragraph))
            self.captions.extend(_clean(c) for c in data.get("captions") or [])
        for path in sorted(SEEDS_DIR.glob("*.txt")):
            self.paragraphs.extend(_clean(line) for line in path.read_text(encoding="utf-8").splitlines()
                                   if len(line.split()) > 12)
        self.paragraphs = sorted(set(p for p in self.paragraphs if p))
        self.headings = sorted(set(h for h in self.headings if h)) or ["Kết quả nổi bật"]
        self.captions = sorted(set(c for c in self.captions if c)) or ["Quang cảnh hội nghị."]

    def _article(self, title: Any, summary: Any, author: Any) -> None:
        if title:
            self.titles.append(_clean(title))
        if summary:
            self.summaries.append(_clean(summary))
        if isinstance(author, list) and author:
            self.authors.append([_clean(a) for a in author])
        elif isinstance(author, str) and author:
            self.authors.append([_clean(author)])


def _clean(text: Any) -> str:
    return unicodedata.normalize("NFC", " ".join(str(text).split()))


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in ascii_text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:80].strip("-")


def synth_article(pool: TextPool, rng: random.Random, index: int) -> dict[str, Any]:
    """One article in the demo portal's data shape: title, summary, dated, signed, 6-30 blocks of body."""
    title = rng.choice(pool.titles)
    published = FIRST_DATE + timedelta(minutes=rng.randrange(int((LAST_DATE - FIRST_DATE).total_seconds() // 60)))
    body: list[dict[str, Any]] = []
    for position in range(rng.randint(6, 30)):
        roll = rng.random()
        if position and roll < 0.12:
            body.append({"h": rng.choice(pool.headings)})
        elif position and roll < 0.20:
            body.append({"figure": {"src": f"/media/{index}_{position}.jpg", "caption": rng.choice(pool.captions)}})
        else:
            body.append({"p": rng.choice(pool.paragraphs)})
    return {
        "slug": f"{slugify(title)}-{index}",
        "title": title,
        "summary": rng.choice(pool.summaries),
        "published": published.strftime("%Y-%m-%d %H:%M"),
        "author": rng.choice(pool.authors),
        "views": rng.randint(50, 25_000),
        "body": body,
    }


# --- layout padding --------------------------------------------------------------------------
def _css(rng: random.Random, rules: int) -> str:
    props = ("margin", "padding", "color", "font-size", "line-height", "border-bottom", "background", "display")
    return "\n".join(
        f".{rng.choice(('news', 'box', 'menu', 'col', 'item', 'header', 'ft'))}-{i} > "
        f"{rng.choice(('a', 'li', 'span', 'div', 'p'))} {{ {rng.choice(props)}: {rng.randint(0, 40)}px; "
        f"{rng.choice(props)}: #{rng.randrange(16**6):06x}; }}"
        for i in range(rules)
    )


def _script(rng: random.Random, lines: int) -> str:
    return "\n".join(
        f"  window.__cfg_{i} = {{id: {rng.randrange(10**6)}, zone: 'z{rng.randrange(999)}', "
        f"lazy: {str(rng.random() < 0.5).lower()}, src: '/js/m{rng.randrange(99)}.min.js?v={rng.randrange(10**8)}'}};"
        for i in range(lines)
    )


def head_padding(rng: random.Random) -> str:
    links = "".join(f'<link rel="stylesheet" href="/assets/css/b{i}.css?v={rng.randrange(10**6)}">\n' for i in range(12))
    return (
        links
        + f"<style>\n{_css(rng, rng.randint(80, 200))}\n</style>\n"
        + f"<script>\n{_script(rng, rng.randint(40, 120))}\n</script>\n"
        + '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsMediaOrganization",'
        + '"name":"Cổng thông tin điện tử Đảng bộ tỉnh"}</script>\n'
    )


def menu_padding(rng: random.Random, prefix: str, items: int) -> str:
    links = []
    for i in range(items):
        label = rng.choice(MENU_WORDS)
        links.append(f'<li class="mi-{i}"><a href="{prefix}/chuyen-muc/{slugify(label)}-{i}">{html.escape(label)}</a></li>')
    return f'<nav class="mega-menu"><ul class="menu-root">{"".join(links)}</ul></nav>\n'


def box_padding(rng: random.Random, links: list[tuple[str, str]], wanted: int) -> str:
    """Sidebar boxes ("Tin mới", "Đọc nhiều"), the province site list and a footer: at most ``wanted`` bytes."""
    options = "".join(f'<option value="https://{slugify(p)}.dcs.vn">Tỉnh ủy {p}</option>' for p in PROVINCE_SITES)
    tail = (
        f'<div class="weblinks"><select onchange="window.open(this.value)"><option>-- Liên kết website --</option>'
        f"{options}</select></div>\n"
        '<footer class="site-footer"><p>Cơ quan chủ quản: Ban Thường vụ Tỉnh ủy. Giấy phép số 12/GP-TTĐT. '
        "Địa chỉ: số 1 đường Trần Phú. Điện thoại: 0238.3844.xxx. Ghi rõ nguồn khi phát hành lại thông tin "
        "từ website này.</p></footer>\n"
        f"<script>\n{_script(rng, rng.randint(10, 40))}\n</script>\n"
    )
    boxes = []
    size = len(tail.encode("utf-8")) + 200
    full = False
    while not full:
        heading = rng.choice(("Tin mới nhất", "Đọc nhiều nhất", "Tin nổi bật", "Tiêu điểm", "Văn bản mới"))
        size += 120  # the box around the rows
        rows = []
        for _ in range(rng.randint(4, 12)):
            url, title = rng.choice(links)
            day = FIRST_DATE + timedelta(days=rng.randrange(2800))
            row = (f'<li><a href="{html.escape(url)}" title="{html.escape(title)}">{html.escape(title)}</a>'
                   f'<span class="date">{day:%d/%m/%Y}</span></li>')
            if size + len(row.encode("utf-8")) > wanted:
                full = True
                break
            rows.append(row)
            size += len(row.encode("utf-8"))
        if rows:
            boxes.append(f'<div class="box box-{len(boxes) + 1}"><h3 class="box-title">{heading}</h3>'
                         f'<ul>{"".join(rows)}</ul></div>\n')
    return "".join(boxes) + tail


_FEED_LINK = re.compile(r'<link rel="alternate" type="application/(?:rss|atom)\+xml"[^>]*>\n?')


def pad(page: str, rng: random.Random, prefix: str, links: list[tuple[str, str]]) -> str:
    """Wrap an article page in the padding real portals have, up to a size drawn from 60-150 KB."""
    target = rng.randint(MIN_PAGE_BYTES + 2_000, MAX_PAGE_BYTES - 2_000)  # the padding lands within 2 KB
    page = _FEED_LINK.sub("", page)  # the corpus serves no feeds: announcing one would only add a 404
    page = page.replace("</head>", head_padding(rng) + "</head>", 1)
    items = rng.randint(120, 260)
    while True:  # a long article leaves less room for the menu
        menu = menu_padding(rng, prefix, items)
        if len(page.encode("utf-8")) + len(menu.encode("utf-8")) + 8_000 <= target or items < 20:
            break
        items //= 2
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + menu, page, count=1)
    rest = target - len(page.encode("utf-8"))
    return page.replace("</body>", box_padding(rng, links, rest) + "</body>", 1)


# --- the third layout: a WordPress-style site without a profile -------------------------------
def thanhhoa_path(article: dict[str, Any]) -> str:
    return f"/thanhhoa/tin-tuc/{article['slug']}.htm"


def thanhhoa_listing_path(page: int) -> str:
    return "/thanhhoa/chuyen-muc/thoi-su/" if page == 1 else f"/thanhhoa/chuyen-muc/thoi-su/page/{page}/"


def thanhhoa_article(a: dict[str, Any], related: list[dict[str, Any]]) -> str:
    e = html.escape
    published = datetime.strptime(a["published"], "%Y-%m-%d %H:%M")
    blocks = []
    for block in a["body"]:
        if "p" in block:
            blocks.append(f"<p>{e(block['p'])}</p>")
        elif "h" in block:
            blocks.append(f"<h2>{e(block['h'])}</h2>")
        else:
            blocks.append(f'<figure class="wp-caption aligncenter"><img src="{e(block["figure"]["src"])}" alt="" '
                          f'width="800"><figcaption class="wp-caption-text">{e(block["figure"]["caption"])}</figcaption></figure>')
    author = "".join(f'<p style="text-align: right;"><strong>{e(line)}</strong></p>' for line in a["author"][:1])
    rel = "".join(f'<li><a href="{e(thanhhoa_path(r))}">{e(r["title"])}</a></li>' for r in related)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(a['title'])} - {THANHHOA['site_name']}</title>
<meta property="og:title" content="{e(a['title'])}"><meta property="og:description" content="{e(a['summary'])}">
</head>
<body class="post-template-default single single-post">
<header id="masthead" class="site-header"><div class="site-branding"><a href="/thanhhoa/">{THANHHOA['site_name']}</a></div>
<div class="search-form"><form action="/thanhhoa/"><input type="search" name="s" placeholder="Tìm kiếm..."></form></div></header>
<div id="content" class="site-content"><div class="row"><div id="primary" class="col-md-8"><main id="main">
<div class="breadcrumbs"><a href="/thanhhoa/">Trang chủ</a> » <a href="{thanhhoa_listing_path(1)}">Thời sự</a></div>
<article class="post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">{e(a['title'])}</h1>
<div class="entry-meta"><span class="posted-on">Cập nhật lúc {published:%H:%M} ngày {published:%d/%m/%Y}</span>
<span class="views">Lượt xem: {a['views']}</span></div></header>
<div class="entry-content">
<p class="sapo"><strong>{e(a['summary'])}</strong></p>
{chr(10).join(blocks)}
{author}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Chia sẻ:</h3><ul><li><a href="https://www.facebook.com/sharer.php">Facebook</a></li><li><a href="https://zalo.me/share">Zalo</a></li><li><a href="javascript:window.print()">In bài</a></li></ul></div>
</div>
<div class="related-posts"><h3>Tin liên quan</h3><ul>{rel}</ul></div>
</article></main></div>
<aside id="secondary" class="col-md-4 widget-area"></aside></div></div>
</body></html>
"""


def thanhhoa_listing(articles: list[dict[str, Any]], page: int, pages: int) -> str:
    e = html.escape
    items = "".join(
        f'<article class="post-item"><h2 class="entry-title"><a href="{e(thanhhoa_path(a))}">{e(a["title"])}</a></h2>'
        f'<div class="entry-summary">{e(a["summary"])}</div></article>'
        for a in articles
    )
    nav = "".join(f'<a class="page-numbers" href="{thanhhoa_listing_path(n)}">{n}</a>' for n in range(1, pages + 1))
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="UTF-8"><title>Thời sự - trang {page}</title></head>'
            f'<body class="archive category"><main id="main">{items}<nav class="pagination">{nav}</nav></main></body></html>')


# --- the corpus ----------------------------------------------------------------------------------
def _demo_sources() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((settings.PACKAGE_DATA_DIR / "sources.demo.yaml").read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in data["sources"]}


def sources(base_url: str) -> list[dict[str, Any]]:
    """The sources file of the bench portal at ``base_url``: the demo's two, and the WordPress-style one."""
    demo = _demo_sources()
    found = []
    for entry in (demo["nghean"], demo["hatinh"]):
        entry = dict(entry)
        entry["start_urls"] = [u.replace("${DEMO_PORTAL}", base_url) for u in entry["start_urls"]]
        found.append(entry)
    found.append({
        "id": "thanhhoa",
        "province": THANHHOA["province"],
        "start_urls": [base_url + thanhhoa_listing_path(1)],
        "allowed_hosts": ["127.0.0.1"],
        "local": True,
        "article_pattern": r"^/thanhhoa/tin-tuc/[a-z0-9-]+\.htm$",
        "listing_pattern": r"^/thanhhoa/chuyen-muc/thoi-su/(?:page/\d+/)?$",
        "politeness": {"delay_s": 0, "concurrency": 1},
        "profile": None,
    })
    return found


def generate(out: Path, pages: int, seed: int = 7) -> dict[str, Any]:
    """Write ``pages`` article pages (split over the three layouts) with their listings; the manifest."""
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (manifest.get("version"), manifest.get("seed"), manifest.get("pages")) == (GENERATOR_VERSION, seed, pages):
            return manifest
    if out.exists():
        shutil.rmtree(out)
    (out / "pages").mkdir(parents=True)
    rng = random.Random(seed)
    pool = TextPool()
    files: dict[str, dict[str, Any]] = {}
    articles: list[dict[str, Any]] = []

    def write(path: str, body: bytes, kind: str, modified: str, **extra: Any) -> None:
        name = f"pages/{len(files):05d}.html"
        (out / name).write_bytes(body)
        files[path] = {"file": name, "kind": kind, "modified": modified, "bytes": len(body), **extra}

    per_layout = {layout: pages // len(LAYOUTS) + (i < pages % len(LAYOUTS)) for i, layout in enumerate(LAYOUTS)}
    index = 0
    for layout, count in per_layout.items():
        made = []
        for _ in range(count):
            index += 1
            made.append(synth_article(pool, rng, index))
        made.sort(key=lambda a: (a["published"], a["slug"]), reverse=True)
        for path, body, listing, article in _render(layout, made, rng):
            if listing:
                write(path, body, "listing", article)
            else:
                write(path, body, "article", article["published"], source=layout)
                articles.append({"path": path, "source": layout, "bytes": len(body)})
    robots = "User-agent: *\nAllow: /\nDisallow: /tim-kiem/\n".encode()
    write("/robots.txt", robots, "robots", LAST_DATE.strftime("%Y-%m-%d %H:%M"))
    manifest = {
        "version": GENERATOR_VERSION, "seed": seed, "pages": pages, "files": files,
        "articles": articles, "bytes": sum(a["bytes"] for a in articles),
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest


def _render(layout: str, made: list[dict[str, Any]], rng: random.Random):
    """(path, body, is_listing, article or modified time) of every page of one layout."""
    if layout == "thanhhoa":
        urls = [(thanhhoa_path(a), a["title"]) for a in made]
        for i, a in enumerate(made):
            related = [made[j] for j in rng.sample(range(len(made)), k=min(4, len(made)))]
            page = pad(thanhhoa_article(a, related), rng, "/thanhhoa", urls)
            yield thanhhoa_path(a), page.encode("utf-8"), False, a
        count = -(-len(made) // LISTING_SIZE)
        for n in range(1, count + 1):
            chunk = made[(n - 1) * LISTING_SIZE : n * LISTING_SIZE]
            yield thanhhoa_listing_path(n), thanhhoa_listing(chunk, n, count).encode("utf-8"), True, made[0]["published"]
        return
    from etl.demo_portal import server

    site = server.Site()
    demo = next(iter(site.articles[layout].values()))
    portal = server.PORTALS[layout]
    categories = [c for c in portal.categories if c != portal.all_category]
    data = {}
    for i, a in enumerate(made):
        item = {**demo, **a, "related": [], "category": rng.choice(categories)}
        if layout == "nghean":
            item["ids"] = f"{50000 + i}-{200000 + i}-{170000 + i}"
        else:
            item["id"] = str(30000 + i)
        item.pop("updated", None)
        item.pop("seed", None)
        item.pop("normalization", None)
        item.pop("encoding", None)
        data[item["slug"]] = item
    for item in data.values():
        item["related"] = rng.sample(list(data), k=min(4, len(data)))
    site.articles = {pid: (data if pid == layout else {}) for pid in server.PORTALS}
    current = site.current(layout)
    urls = [(a["url"], a["title"]) for a in current]
    size, server.PAGE_SIZE = server.PAGE_SIZE, LISTING_SIZE
    try:
        for a in current:
            page = site.page(a["url"], "")
            assert page.status == 200, (a["url"], page.status)
            text = pad(page.body.decode("utf-8"), rng, f"/{layout}", urls)
            yield a["url"], text.encode("utf-8"), False, data[a["slug"]]
        count = -(-len(current) // LISTING_SIZE)
        for n in range(1, count + 1):
            path = server.listing_path(layout, None, n)
            page = site.page(path, "")
            assert page.status == 200, (path, page.status)
            yield path, _FEED_LINK.sub("", page.body.decode("utf-8")).encode("utf-8"), True, data[current[0]["slug"]]["published"]
    finally:
        server.PAGE_SIZE = size
