"""etl.fetch against a real local HTTP server that misbehaves on purpose."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl import fetch
from etl.fetch import Fetcher, FetchError, canonical_url
from etl.sources import Source

import local_server
from local_server import send

ARTICLE = "<html><head><meta charset='utf-8'><title>Tin</title></head><body><p>Hội nghị tổng kết</p></body></html>"
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def _listing(page: int, links: list[str]) -> str:
    anchors = "".join(f'<a href="{href}">x</a>' for href in links)
    return f"<html><body><h1>Trang {page}</h1>{anchors}</body></html>"


LISTINGS = {
    "/tin": _listing(
        1,
        [
            "/tin/1.html",
            "/tin/2.html?utm_source=fb&utm_medium=x",
            "/tin/2.html#comments",
            "HTTP://127.0.0.1:{port}/tin/3.html",
            "http://example.org/tin/9.html",
            "mailto:toasoan@example.org",
            "javascript:void(0)",
            "/tin?page=2",
            "/gioi-thieu",
        ],
    ),
    "/tin?page=2": _listing(2, ["/tin/4.html", "/tin/1.html", "/tin?page=3", "/tin?page=1"]),
    "/tin?page=3": _listing(3, ["/tin/5.html", "/private/tin/6.html"]),
}


class Portal(BaseHTTPRequestHandler):
    """A small site whose paths each show one way a portal can fail."""

    protocol_version = "HTTP/1.0"
    hits: dict[str, int]
    requests: list[tuple[float, str, dict[str, str]]]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: C901 - one branch per fault, on purpose
        path = self.path
        self.server.hits[path] = self.server.hits.get(path, 0) + 1  # type: ignore[attr-defined]
        self.server.requests.append((time.monotonic(), path, dict(self.headers)))  # type: ignore[attr-defined]
        hits = self.server.hits[path]  # type: ignore[attr-defined]
        port = self.server.server_address[1]
        try:
            if path == "/robots.txt":
                send(self, 200, ROBOTS, "text/plain")
            elif path in LISTINGS:
                send(self, 200, LISTINGS[path].replace("{port}", str(port)))
            elif path.startswith(("/tin/", "/private/")) or path == "/page":
                send(self, 200, ARTICLE)
            elif path == "/flaky":
                send(self, 500, "oops") if hits == 1 else send(self, 200, ARTICLE)
            elif path == "/always-500":
                send(self, 500, "oops")
            elif path == "/busy":
                send(self, 503, "later", Retry_After="1") if hits == 1 else send(self, 200, ARTICLE)
            elif path == "/busy-long":
                send(self, 429, "later", Retry_After="3600")
            elif path == "/missing":
                send(self, 404, "not here")
            elif path == "/local-redirect":
                send(self, 301, "", Location="/page")
            elif path == "/foreign-redirect":
                send(self, 302, "", Location="http://evil.example.com/tin/1.html")
            elif path == "/loop":
                send(self, 302, "", Location="/loop")
            elif path == "/file.pdf":
                send(self, 200, b"%PDF-1.4", "application/pdf")
            elif path == "/big":
                send(self, 200, "<p>" + "x" * 5000 + "</p>")
            elif path == "/big-unannounced":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(10):
                    self.wfile.write(b"<p>" + b"y" * 1000 + b"</p>")
            elif path == "/trickle":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(8):
                    self.wfile.write(b"<p>x</p>" * 100)
                    self.wfile.flush()
                    time.sleep(0.1)
            elif path == "/slow":
                time.sleep(1.5)
                send(self, 200, ARTICLE)
            else:
                send(self, 404, "not here")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def portal_server() -> Iterator[ThreadingHTTPServer]:
    with local_server.serving(Portal, hits={}, requests=[]) as server:
        yield server


@pytest.fixture
def portal(portal_server: ThreadingHTTPServer) -> str:
    """The base URL of the misbehaving portal."""
    return local_server.base_url(portal_server)


@pytest.fixture(autouse=True)
def _own_hosts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-host turn files of this test only: a port reused by a later test must not inherit a Retry-After."""
    from etl import settings

    monkeypatch.setattr(settings, "HOSTS_DIR", str(tmp_path / "hosts"))


def make_source(base: str, delay_s: float = 0.0) -> Source:
    return Source(
        id="thu",
        province="Tỉnh Thử",
        start_urls=(f"{base}/tin",),
        allowed_hosts=("127.0.0.1",),
        article_pattern=r"^/(tin|private/tin)/\d+\.html$",
        listing_pattern=r"^/tin$",
        delay_s=delay_s,
        is_local=True,
    )


class Sleeps(list):
    """A stand-in for time.sleep that records the pauses instead of taking them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_fetcher(base: str, **kwargs: object) -> Fetcher:
    options: dict[str, object] = {
        "connect_timeout_s": 2.0,
        "read_timeout_s": 2.0,
        "max_attempts": 3,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 5.0,
        "sleep": Sleeps(),
        "rng": lambda: 1.0,
    }
    options.update(kwargs)
    return Fetcher(make_source(base), **options)  # type: ignore[arg-type]


# --- canonical URLs ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.ORG/a/b.html#top", "http://example.org/a/b.html"),
        ("https://example.org:443/a?utm_source=x&id=3&fbclid=y", "https://example.org/a?id=3"),
        ("http://example.org:8080", "http://example.org:8080/"),
        ("/tin/1.html", "http://example.org/tin/1.html"),
        ("http://example.org/tin tức/đảng.html", "http://example.org/tin%20t%E1%BB%A9c/%C4%91%E1%BA%A3ng.html"),
        ("http://example.org/a%20b", "http://example.org/a%20b"),
        ("mailto:a@example.org", None),
        ("javascript:void(0)", None),
        ("", None),
    ],
)
def test_canonical_url(raw: str, expected: str | None) -> None:
    assert canonical_url(raw, base="http://example.org/") == expected


def test_canonical_url_is_idempotent() -> None:
    url = canonical_url("http://Example.org/tin tức?utm_campaign=a&page=2#x")
    assert url is not None
    assert canonical_url(url) == url


_segment = st.text(alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyAĐ-_.~%20 ạảãàá"), max_size=8)


@given(
    scheme=st.sampled_from(["http", "HTTP", "https", "Https"]),
    host=st.sampled_from(["nghean.dcs.vn", "NGHEAN.dcs.VN", "127.0.0.1", "hatinh.dcs.vn."]),
    port=st.sampled_from(["", ":80", ":443", ":8765"]),
    path=st.lists(_segment, max_size=4),
    query=st.lists(st.tuples(st.sampled_from(["page", "id", "utm_source", "fbclid", "q"]), _segment), max_size=3),
    fragment=_segment,
)
def test_canonical_url_properties(scheme, host, port, path, query, fragment) -> None:
    raw = f"{scheme}://{host}{port}/{'/'.join(path)}?{'&'.join(f'{k}={v}' for k, v in query)}#{fragment}"
    url = canonical_url(raw)
    assert url is not None
    assert canonical_url(url) == url
    assert "#" not in url and "utm_" not in url and "fbclid" not in url
    assert url.split("://")[0] in ("http", "https") and url.split("/")[2] == url.split("/")[2].lower()
    assert " " not in url


# --- one page ------------------------------------------------------------------------------
def test_sends_user_agent_and_language(portal: str, portal_server: ThreadingHTTPServer) -> None:
    with make_fetcher(portal, user_agent="tinhuy-test/1.0 (+contact)") as fetcher:
        page = fetcher.get(f"{portal}/page")
    assert page.status == 200
    _, path, headers = portal_server.requests[-1]  # type: ignore[attr-defined]
    assert path == "/page"
    assert headers["User-Agent"] == "tinhuy-test/1.0 (+contact)"
    assert headers["Accept-Language"] == "vi"
    assert "Hội nghị" in page.body.decode("utf-8")
    assert page.encoding == "utf-8"


def test_retries_a_500_then_succeeds(portal: str) -> None:
    with make_fetcher(portal) as fetcher:
        page = fetcher.get(f"{portal}/flaky")
    assert page.status == 200
    assert page.attempts == 2
    assert fetcher.sleep == [0.01]


def test_backoff_doubles_and_gives_up(portal: str) -> None:
    with make_fetcher(portal, max_attempts=4) as fetcher:
        with pytest.raises(FetchError) as info:
            fetcher.get(f"{portal}/always-500")
    assert info.value.outcome == "failed"
    assert str(info.value) == "HTTP 500 after 4 attempts"
    assert info.value.attempts == 4
    assert fetcher.sleep == [0.01, 0.02, 0.04]


def test_backoff_is_capped() -> None:
    fetcher = make_fetcher("http://127.0.0.1:9", backoff_base_s=1.0, backoff_cap_s=3.0, max_attempts=5,
                           connect_timeout_s=0.2)
    with fetcher, pytest.raises(FetchError) as info:
        fetcher.get("http://127.0.0.1:9/tin/1.html")
    assert info.value.outcome == "failed"
    assert "robots.txt unavailable (cannot connect" in str(info.value)
    assert fetcher.sleep == [1.0, 2.0, 3.0, 3.0]


def test_honours_retry_after(portal: str, portal_server: ThreadingHTTPServer) -> None:
    with make_fetcher(portal, sleep=time.sleep) as fetcher:
        page = fetcher.get(f"{portal}/busy")
    assert page.status == 200 and page.attempts == 2
    times = [t for t, path, _ in portal_server.requests if path == "/busy"]  # type: ignore[attr-defined]
    assert times[1] - times[0] >= 0.95
    assert [t["status"] for t in page.tries] == [503, 200]


def test_retry_after_holds_back_every_fetcher_of_the_host(portal: str, portal_server: ThreadingHTTPServer) -> None:
    """A 503 with Retry-After told to one worker pauses the others too (they share the host's turn files)."""
    with make_fetcher(portal, sleep=time.sleep) as first, make_fetcher(portal, sleep=time.sleep) as second:
        second.get(f"{portal}/page")  # robots.txt read, so the next request is the page alone
        first.get(f"{portal}/busy")
        told = [t for t, path, _ in portal_server.requests if path == "/busy"][0]  # type: ignore[attr-defined]
        assert time.monotonic() - told >= 0.95
        portal_server.requests.clear()  # type: ignore[attr-defined]
        second.get(f"{portal}/page")
    assert [p for _, p, _ in portal_server.requests] == ["/page"]  # type: ignore[attr-defined]


def test_retry_after_beyond_the_cap_fails_at_once(portal: str) -> None:
    with make_fetcher(portal) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/busy-long")
    assert str(info.value) == "HTTP 429, asked to retry after 3600 s"
    assert info.value.attempts == 1


def test_client_errors_are_not_retried(portal: str) -> None:
    with make_fetcher(portal) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/missing")
    assert (info.value.outcome, info.value.status, info.value.attempts) == ("failed", 404, 1)


def test_follows_redirects_inside_the_source(portal: str) -> None:
    with make_fetcher(portal) as fetcher:
        page = fetcher.get(f"{portal}/local-redirect")
    assert page.final_url == f"{portal}/page"
    assert page.url == f"{portal}/local-redirect"


def test_refuses_a_redirect_to_a_foreign_host(portal: str) -> None:
    with make_fetcher(portal) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/foreign-redirect")
    assert info.value.outcome == "skipped"
    assert str(info.value) == "redirected to a host outside the source: evil.example.com"
    assert info.value.final_url == "http://evil.example.com/tin/1.html"


def test_stops_a_redirect_loop(portal: str) -> None:
    with make_fetcher(portal, max_redirects=3) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/loop")
    assert str(info.value) == "more than 3 redirects"


def test_refuses_a_foreign_host_outright(portal: str) -> None:
    with make_fetcher(portal) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get("http://example.org/tin/1.html")
    assert info.value.outcome == "skipped"


def test_a_public_source_may_not_reach_the_local_machine(portal: str) -> None:
    import dataclasses

    public = dataclasses.replace(make_source(portal), is_local=False)
    with Fetcher(public) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/tin/1.html")
    assert info.value.outcome == "skipped"
    assert str(info.value) == "127.0.0.1 resolves to a non-public address (127.0.0.1); only local sources may"


def test_refuses_non_html(portal: str) -> None:
    with make_fetcher(portal) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/file.pdf")
    assert (info.value.outcome, str(info.value)) == ("skipped", "not HTML (application/pdf)")


def test_refuses_a_body_announced_too_large(portal: str) -> None:
    with make_fetcher(portal, max_body_bytes=1000) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/big")
    assert info.value.outcome == "skipped"
    assert str(info.value).startswith("too large (5007 bytes > 1000)")


def test_stops_reading_a_body_that_grows_too_large(portal: str) -> None:
    with make_fetcher(portal, max_body_bytes=2500) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/big-unannounced")
    assert str(info.value) == "too large (more than 2500 bytes)"


def test_obeys_robots_txt(portal: str) -> None:
    with make_fetcher(portal) as fetcher:
        with pytest.raises(FetchError) as info:
            fetcher.get(f"{portal}/private/tin/6.html")
        assert fetcher.robots_allows(f"{portal}/tin/1.html")
    assert info.value.outcome == "skipped"
    assert str(info.value).startswith("disallowed by robots.txt")


def test_gives_up_on_a_slow_page(portal: str) -> None:
    start = time.monotonic()
    with make_fetcher(portal, read_timeout_s=0.3, max_attempts=2) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/slow")
    assert str(info.value).startswith("read timeout")
    assert str(info.value).endswith("after 2 attempts")
    assert time.monotonic() - start < 1.4


def test_gives_up_on_a_body_that_trickles_in(portal: str) -> None:
    with make_fetcher(portal, read_timeout_s=0.35, max_attempts=1) as fetcher, pytest.raises(FetchError) as info:
        fetcher.get(f"{portal}/trickle")
    assert str(info.value).startswith("read timeout (body not complete after 0.35 s)")


def test_waits_between_requests_to_one_host(portal: str, portal_server: ThreadingHTTPServer) -> None:
    with Fetcher(make_source(portal, delay_s=0.25)) as fetcher:
        for i in range(3):
            fetcher.get(f"{portal}/tin/{i}.html")
    times = [t for t, _, _ in portal_server.requests]  # type: ignore[attr-defined]
    assert [p for _, p, _ in portal_server.requests][0] == "/robots.txt"  # type: ignore[attr-defined]
    assert len(times) == 4
    assert all(later - earlier >= 0.24 for earlier, later in zip(times, times[1:]))


# --- discover and fetch_urls -------------------------------------------------------------
def test_discover_walks_pagination_and_canonicalises(portal: str) -> None:
    with make_fetcher(portal) as fetcher:
        urls = fetch.discover(make_source(portal), max_listing_pages=10, fetcher=fetcher)
    assert urls == [
        f"{portal}/tin/1.html",
        f"{portal}/tin/2.html",
        f"{portal}/tin/3.html",
        f"{portal}/tin/4.html",
        f"{portal}/tin/5.html",
        f"{portal}/private/tin/6.html",
    ]


def test_discover_respects_the_listing_page_limit(portal: str) -> None:
    with make_fetcher(portal) as fetcher:
        urls = fetch.discover(make_source(portal), max_listing_pages=1, fetcher=fetcher)
    assert urls == [f"{portal}/tin/1.html", f"{portal}/tin/2.html", f"{portal}/tin/3.html"]


def test_discover_survives_an_unreachable_portal() -> None:
    source = make_source("http://127.0.0.1:9")
    failures: list[dict] = []
    fetcher = Fetcher(source, max_attempts=1, connect_timeout_s=0.2)
    assert fetch.discover(source, fetcher=fetcher, failures=failures) == []
    assert [f["outcome"] for f in failures] == ["failed"]
    assert "cannot connect" in failures[0]["error"]


def test_fetch_urls_writes_records_and_archives_bodies(portal: str, tmp_data: Path) -> None:
    urls = [
        f"{portal}/tin/1.html",
        f"{portal}/tin/2.html",  # the same body as 1: archived once
        f"{portal}/file.pdf",
        f"{portal}/private/tin/6.html",
        f"{portal}/missing",
    ]
    run_dir = tmp_data / "runs" / "r1"
    with make_fetcher(portal) as fetcher:
        path = fetch.fetch_urls(make_source(portal), urls, run_dir, fetcher=fetcher)
    assert path == run_dir / "thu" / "fetched.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["url"], r["outcome"]) for r in records] == [
        (urls[0], "fetched"),
        (urls[1], "fetched"),
        (urls[2], "skipped"),
        (urls[3], "skipped"),
        (urls[4], "failed"),
    ]
    first = records[0]
    assert set(first) == {
        "source", "url", "final_url", "status", "outcome", "error", "content_hash", "raw_path",
        "content_type", "encoding", "etag", "last_modified", "fetched_at", "attempts",
        "kind", "headers", "body_bytes", "tries",
    }
    assert first["status"] == 200 and first["error"] is None and first["attempts"] == 1
    assert first["kind"] == "article" and first["headers"]["content-type"] == "text/html; charset=utf-8"
    assert first["body_bytes"] == len(ARTICLE.encode("utf-8"))
    assert [(t["status"], t["conditional"]) for t in first["tries"]] == [(200, False)]
    raw = Path(first["raw_path"])
    assert raw == tmp_data / "raw" / first["content_hash"][:2] / f"{first['content_hash']}.html.gz"
    assert gzip.decompress(raw.read_bytes()) == ARTICLE.encode("utf-8")
    assert records[1]["content_hash"] == first["content_hash"]
    assert records[4]["error"] == "HTTP 404" and records[4]["content_hash"] is None
    assert all("\n" not in (r["error"] or "") for r in records)
    assert list(raw.parent.glob(".tmp-*")) == []


def test_store_raw_never_replaces_an_archived_body(tmp_data: Path) -> None:
    digest, path = fetch.store_raw(b"<html>one</html>")
    before = path.stat()
    again, same = fetch.store_raw(b"<html>one</html>")
    assert (again, same) == (digest, path)
    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns


# --- conditional requests, encodings, broken transfers ---------------------------------
class Routes(BaseHTTPRequestHandler):
    """A server whose answers are a table: path -> function(handler) writing the response."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))  # type: ignore[attr-defined]
        route = self.server.routes.get(self.path)  # type: ignore[attr-defined]
        try:
            if route is None:
                send(self, 404, "not here")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def routes() -> Iterator[tuple[str, dict, list]]:
    """A route-table server: yields its base URL, the table to fill and the requests it saw."""
    robots = {"/robots.txt": lambda h: send(h, 200, "User-agent: *\nAllow: /\n", "text/plain")}
    with local_server.serving(Routes, routes=robots, seen=[]) as server:
        yield local_server.base_url(server), server.routes, server.seen  # type: ignore[attr-defined]


def _with_etag(body: str, etag: str = '"v1"', modified: str = "Mon, 01 Jan 2024 00:00:00 GMT"):
    def answer(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
        else:
            send(handler, 200, body, ETag=etag, Last_Modified=modified)
    return answer


def test_a_conditional_request_gets_not_modified_and_carries_the_version_forward(routes, tmp_data: Path) -> None:
    base, table, seen = routes
    table["/tin/1.html"] = _with_etag(ARTICLE)
    with make_fetcher(base) as fetcher:
        first = fetch.fetch_record(make_source(base), f"{base}/tin/1.html", page=fetcher.get(f"{base}/tin/1.html"))
        page = fetcher.get(f"{base}/tin/1.html", validators=first)
    assert first["etag"] == '"v1"' and first["last_modified"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert seen[-1][1]["If-None-Match"] == '"v1"'
    assert seen[-1][1]["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert (page.status, page.body) == (304, b"")
    again = fetch.fetch_record(make_source(base), page.url, page=page, previous=first)
    assert again["outcome"] == "not_modified"
    assert (again["content_hash"], again["raw_path"], again["etag"]) == (first["content_hash"], first["raw_path"], '"v1"')
    assert again["tries"][0]["conditional"] is True


def test_a_body_already_parsed_is_unchanged(routes, tmp_data: Path) -> None:
    base, table, _ = routes
    table["/tin/1.html"] = lambda h: send(h, 200, ARTICLE)
    source = make_source(base)
    with make_fetcher(base) as fetcher:
        page = fetcher.get(f"{base}/tin/1.html")
    digest = fetch.store_raw(page.body)[0]
    assert fetch.fetch_record(source, page.url, page=page, parsed={digest})["outcome"] == "unchanged"
    assert fetch.fetch_record(source, page.url, page=page, parsed={"other"})["outcome"] == "fetched"


def test_fetch_urls_asks_conditionally_only_for_archived_bodies(routes, tmp_data: Path) -> None:
    base, table, seen = routes
    table["/tin/1.html"] = _with_etag(ARTICLE)
    table["/tin/2.html"] = _with_etag(ARTICLE.replace("Tin", "Tin 2"), etag='"v2"')
    digest, path = fetch.store_raw(ARTICLE.encode("utf-8"))
    state = {
        f"{base}/tin/1.html": {"etag": '"v1"', "content_hash": digest, "raw_path": str(path), "plan": "revisit"},
        f"{base}/tin/2.html": {"etag": '"v2"', "content_hash": "0" * 64, "plan": "retry"},  # not archived
    }
    with make_fetcher(base) as fetcher:
        out = fetch.fetch_urls(make_source(base), list(state), tmp_data / "runs" / "r", fetcher=fetcher, state=state)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["outcome"], r["plan"]) for r in records] == [("not_modified", "revisit"), ("fetched", "retry")]
    asked = {p: h for p, h in seen if p.startswith("/tin/")}
    assert "If-None-Match" in asked["/tin/1.html"] and "If-None-Match" not in asked["/tin/2.html"]


def test_gzip_is_decoded_and_a_gzip_bomb_is_refused(routes) -> None:
    base, table, _ = routes
    small = gzip.compress(ARTICLE.encode("utf-8"))
    bomb = gzip.compress(b"<p>" + b"a" * 3_000_000 + b"</p>")
    table["/tin/1.html"] = lambda h: send(h, 200, small, Content_Encoding="gzip")
    table["/tin/2.html"] = lambda h: send(h, 200, bomb, Content_Encoding="gzip")
    with make_fetcher(base, max_body_bytes=1_000_000) as fetcher:
        assert fetcher.get(f"{base}/tin/1.html").body == ARTICLE.encode("utf-8")
        with pytest.raises(FetchError) as info:
            fetcher.get(f"{base}/tin/2.html")
    assert len(bomb) < 1_000_000
    assert (info.value.outcome, str(info.value)) == ("skipped", "too large (more than 1000000 bytes)")


def _truncated(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "5000")
    handler.end_headers()
    handler.wfile.write(b"<p>only part of it")
    handler.close_connection = True


def _reset(handler: BaseHTTPRequestHandler) -> None:
    import socket
    import struct

    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True


def test_a_truncated_body_and_a_reset_connection_are_retried_then_failed(routes) -> None:
    base, table, seen = routes
    table["/tin/1.html"] = _truncated
    table["/tin/2.html"] = _reset
    with make_fetcher(base, max_attempts=2) as fetcher:
        with pytest.raises(FetchError) as truncated:
            fetcher.get(f"{base}/tin/1.html")
        with pytest.raises(FetchError) as reset:
            fetcher.get(f"{base}/tin/2.html")
    assert truncated.value.outcome == "failed" and str(truncated.value).startswith("protocol error")
    assert str(truncated.value).endswith("after 2 attempts") and truncated.value.attempts == 2
    assert reset.value.outcome == "failed" and str(reset.value).endswith("after 2 attempts")
    assert [p for p, _ in seen].count("/tin/2.html") == 2


def test_the_declared_encoding_comes_from_the_header_then_the_meta_tag(routes) -> None:
    base, table, _ = routes
    cp1258 = "<html><head><meta charset=\"windows-1258\"></head><body><p>Hội nghị</p></body></html>"
    table["/tin/1.html"] = lambda h: send(h, 200, cp1258.encode("cp1258", "xmlcharrefreplace"), "text/html")
    table["/tin/2.html"] = lambda h: send(h, 200, cp1258.encode("utf-8"), "text/html; charset=UTF-8")
    with make_fetcher(base) as fetcher:
        assert fetcher.get(f"{base}/tin/1.html").declared_encoding == "windows-1258"
        assert fetcher.get(f"{base}/tin/2.html").declared_encoding == "utf-8"


def test_robots_txt_is_asked_for_conditionally_and_read_back_from_the_archive(routes, tmp_data: Path) -> None:
    base, table, seen = routes
    table["/robots.txt"] = _with_etag("User-agent: *\nDisallow: /cam/\n")
    table["/tin/1.html"] = lambda h: send(h, 200, ARTICLE)
    with make_fetcher(base) as fetcher:
        fetcher.get(f"{base}/tin/1.html")
    [record] = fetcher.robots_records
    assert (record["kind"], record["outcome"], record["etag"]) == ("robots", "fetched", '"v1"')
    with make_fetcher(base, robots_state={record["url"]: record}) as again:
        with pytest.raises(FetchError) as info:
            again.get(f"{base}/cam/1.html")
    assert again.robots_records[0]["outcome"] == "not_modified"
    assert str(info.value).startswith("disallowed by robots.txt")
    assert seen[-1][0] == "/robots.txt" and seen[-1][1]["If-None-Match"] == '"v1"'


def test_crawl_delay_of_robots_txt_lengthens_the_pause(routes) -> None:
    base, table, seen = routes
    table["/robots.txt"] = lambda h: send(h, 200, "User-agent: *\nCrawl-delay: 0.3\n", "text/plain")
    for i in (1, 2):
        table[f"/tin/{i}.html"] = lambda h: send(h, 200, ARTICLE)
    with make_fetcher(base, sleep=time.sleep) as fetcher:
        fetcher.get(f"{base}/tin/1.html")
        started = time.monotonic()
        fetcher.get(f"{base}/tin/2.html")
    assert time.monotonic() - started >= 0.29


# --- feeds, sitemaps and the watermark ---------------------------------------------------
RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<item><title>Một</title><link>{base}/tin/1.html?utm_source=rss</link><pubDate>Tue, 02 Jan 2024 08:00:00 +0700</pubDate></item>
<item><title>Bảy</title><link>{base}/tin/7.html</link></item>
<item><title>Ngoài</title><link>http://example.org/tin/8.html</link></item>
</channel></rss>"""
ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/tin/9.html"/>
<updated>2024-01-03T00:00:00Z</updated></entry></feed>"""
SITEMAP_INDEX = """<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-old.xml</loc><lastmod>2020-01-01</lastmod></sitemap>
<sitemap><loc>{base}/sitemap-new.xml.gz</loc><lastmod>2024-02-01</lastmod></sitemap></sitemapindex>"""
SITEMAP = """<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/tin/10.html</loc><lastmod>2024-02-01T10:00:00+07:00</lastmod></url></urlset>"""


def test_feed_entries_reads_rss_atom_sitemaps_and_gzip() -> None:
    entries, children = fetch.feed_entries(RSS.format(base="http://h").encode())
    assert entries[0] == ("http://h/tin/1.html?utm_source=rss", "2024-01-02T01:00:00+00:00")
    assert [e[0] for e in entries] == ["http://h/tin/1.html?utm_source=rss", "http://h/tin/7.html", "http://example.org/tin/8.html"]
    assert fetch.feed_entries(ATOM.encode()) == ([("/tin/9.html", "2024-01-03T00:00:00+00:00")], [])
    _, children = fetch.feed_entries(SITEMAP_INDEX.format(base="http://h").encode())
    assert children == [("http://h/sitemap-old.xml", "2020-01-01T00:00:00+00:00"),
                        ("http://h/sitemap-new.xml.gz", "2024-02-01T00:00:00+00:00")]
    gz = gzip.compress(SITEMAP.format(base="http://h").encode())
    assert fetch.feed_entries(gz) == ([("http://h/tin/10.html", "2024-02-01T03:00:00+00:00")], [])
    assert fetch.feed_entries(b"not xml at all <<<") == ([], [])


def test_feed_entries_expands_no_entities() -> None:
    laughs = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><link>http://h/tin/&c;&x;.html</link></item></channel></rss>"""
    entries, _ = fetch.feed_entries(laughs)
    assert all("aaaa" not in link and "root" not in link for link, _ in entries)


def _discovery_site(base: str, table: dict) -> None:
    table["/robots.txt"] = lambda h: send(h, 200, f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n", "text/plain")
    table["/tin"] = _with_etag(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>'
        '<a href="/tin/1.html">1</a><a href="/tin/2.html">2</a><a href="/tin?page=2">2</a><a href="/tin?page=3">3</a>'
        "</body></html>", etag='"l1"')
    table["/tin?page=2"] = lambda h: send(h, 200, '<a href="/tin/3.html">3</a><a href="/tin/4.html">4</a>')
    table["/tin?page=3"] = lambda h: send(h, 200, '<a href="/tin/5.html">5</a>')
    table["/rss.xml"] = lambda h: send(h, 200, RSS.format(base=base), "application/rss+xml")
    table["/sitemap.xml"] = lambda h: send(h, 200, SITEMAP_INDEX.format(base=base), "application/xml")
    table["/sitemap-old.xml"] = lambda h: send(h, 200, SITEMAP.format(base=base).replace("10.html", "11.html"), "text/xml")
    table["/sitemap-new.xml.gz"] = lambda h: send(h, 200, gzip.compress(SITEMAP.format(base=base).encode()),
                                                  "application/x-gzip")


def test_walk_uses_listings_announced_feeds_and_robots_sitemaps(routes, tmp_data: Path) -> None:
    base, table, _ = routes
    _discovery_site(base, table)
    source = make_source(base)
    with make_fetcher(base) as fetcher:
        found = fetch.walk(source, fetcher, since="2023-06-01T00:00:00+00:00")
    assert list(found.articles) == [f"{base}/tin/{n}.html" for n in (1, 2, 7, 3, 4, 5, 10)]
    assert found.articles[f"{base}/tin/10.html"] == "2024-02-01T03:00:00+00:00"
    kinds = [(r["url"].removeprefix(base), r["kind"]) for r in found.records]
    # robots.txt's sitemap is queued after the first page; the old child sitemap predates `since`.
    assert kinds == [("/tin", "listing"), ("/sitemap.xml", "feed"), ("/rss.xml", "feed"),
                     ("/tin?page=2", "listing"), ("/tin?page=3", "listing"), ("/sitemap-new.xml.gz", "feed")]
    assert found.records[0]["article_count"] == 2 and found.stopped_at == []


def test_walk_stops_at_the_watermark_and_reads_unchanged_listings_from_the_archive(routes, tmp_data: Path) -> None:
    base, table, seen = routes
    _discovery_site(base, table)
    source = make_source(base)
    with make_fetcher(base) as fetcher:
        first = fetch.walk(source, fetcher)
    known = set(first.articles)
    state = {r["url"]: r for r in first.records}
    seen.clear()
    with make_fetcher(base) as fetcher:
        again = fetch.walk(source, fetcher, known=known, pages_state=state, since="2025-01-01T00:00:00+00:00")
    asked = [p for p, _ in seen]
    assert "/tin?page=2" not in asked and "/tin?page=3" not in asked  # every article on /tin was seen
    assert "/sitemap-new.xml.gz" not in asked  # older than the last crawl
    listing = again.records[0]
    assert (listing["outcome"], listing["is_watermark"], listing["new_article_count"]) == ("not_modified", True, 0)
    assert again.stopped_at == [f"{base}/tin"] and set(again.articles) <= known
    assert {f"{base}/tin/1.html", f"{base}/tin/2.html"} <= set(again.articles)  # links read back from the archive


def test_walk_follows_pagination_while_a_listing_page_shows_something_new(routes, tmp_data: Path) -> None:
    base, table, _ = routes
    _discovery_site(base, table)
    with make_fetcher(base) as fetcher:
        found = fetch.walk(make_source(base), fetcher, known={f"{base}/tin/{n}.html" for n in (1, 3, 4)})
    # /tin shows 2, new: its pagination is followed; /tin?page=2 shows only seen ones: page 3 is dropped.
    assert [r["url"].removeprefix(base) for r in found.records if r["kind"] == "listing"] == ["/tin", "/tin?page=2"]
    assert found.records[0]["new_article_count"] == 1
    assert found.stopped_at == [f"{base}/tin?page=2"]
