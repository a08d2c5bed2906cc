"""etl.fetch against a real local HTTP server that misbehaves on purpose."""

from __future__ import annotations

import gzip
import json
import threading
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

    def _send(self, status: int, body: bytes | str = b"", ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: C901 - one branch per fault, on purpose
        path = self.path
        self.server.hits[path] = self.server.hits.get(path, 0) + 1  # type: ignore[attr-defined]
        self.server.requests.append((time.monotonic(), path, dict(self.headers)))  # type: ignore[attr-defined]
        hits = self.server.hits[path]  # type: ignore[attr-defined]
        port = self.server.server_address[1]
        try:
            if path == "/robots.txt":
                self._send(200, ROBOTS, "text/plain")
            elif path in LISTINGS:
                self._send(200, LISTINGS[path].replace("{port}", str(port)))
            elif path.startswith(("/tin/", "/private/")) or path == "/page":
                self._send(200, ARTICLE)
            elif path == "/flaky":
                self._send(500, "oops") if hits == 1 else self._send(200, ARTICLE)
            elif path == "/always-500":
                self._send(500, "oops")
            elif path == "/busy":
                self._send(503, "later", Retry_After="1") if hits == 1 else self._send(200, ARTICLE)
            elif path == "/busy-long":
                self._send(429, "later", Retry_After="3600")
            elif path == "/missing":
                self._send(404, "not here")
            elif path == "/local-redirect":
                self._send(301, "", Location="/page")
            elif path == "/foreign-redirect":
                self._send(302, "", Location="http://evil.example.com/tin/1.html")
            elif path == "/loop":
                self._send(302, "", Location="/loop")
            elif path == "/file.pdf":
                self._send(200, b"%PDF-1.4", "application/pdf")
            elif path == "/big":
                self._send(200, "<p>" + "x" * 5000 + "</p>")
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
                self._send(200, ARTICLE)
            else:
                self._send(404, "not here")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def portal_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    server.daemon_threads = True
    server.hits = {}  # type: ignore[attr-defined]
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def portal(portal_server: ThreadingHTTPServer) -> str:
    """The base URL of the misbehaving portal."""
    return f"http://127.0.0.1:{portal_server.server_address[1]}"


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


def test_honours_retry_after(portal: str) -> None:
    with make_fetcher(portal) as fetcher:
        page = fetcher.get(f"{portal}/busy")
    assert page.status == 200
    assert fetcher.sleep == [1.0]


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
    }
    assert first["status"] == 200 and first["error"] is None and first["attempts"] == 1
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
