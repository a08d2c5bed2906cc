"""`tinhuy crawl` against a real local portal that fails in every common way, twice.

The first run meets the faults; before the second, the portal heals some of them, breaks a page
that worked, stops listing the pages that failed and lets robots.txt allow what it refused. For
every fault: the outcome is logged (raw.fetch_log, raw.fetch_attempts), the run finishes, nothing
archived before is lost, and the next run retries what failed.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import socket
import struct
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from etl import cli, crawl, fetch, settings
from etl.demo_portal.server import to_cp1258

import local_server

pytestmark = pytest.mark.timeout(300)

ARTICLE = """<!DOCTYPE html><html lang="vi"><head>{meta}<title>{title}</title></head>
<body><nav><a href="/">Trang chủ</a></nav><article><h1>{title}</h1>
<p>Sáng 12/5, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết công tác {topic}.</p>
<p>Toàn tỉnh có {n}/411 xã đạt chuẩn nông thôn mới; tổ chức {n} cuộc giám sát trong năm.</p>
<p>Hội nghị đề ra mục tiêu phấn đấu đến năm 2030 đạt 80% số xã đạt chuẩn nông thôn mới nâng cao.</p>
</article></body></html>"""
MB = 1024 * 1024
HUGE = 50 * MB
TITLES = {
    "cp1258": "Tỉnh ủy Hà Tĩnh tổng kết công tác dân vận",
    "wrong-charset": "Đổi mới phương thức lãnh đạo của Đảng",
    "latin1-header": "Xây dựng nông thôn mới ở Hương Khê",
}
# Phase 1 faults, in the order the listing shows them.
PAGES = ["ok", "flaky", "busy503", "busy429", "slow", "reset", "truncated", "loop", "foreign", "huge",
         "huge-declared", "report", "cp1258", "wrong-charset", "latin1-header"]


def article(name: str, meta: str = '<meta charset="utf-8">') -> str:
    title = TITLES.get(name, f"Hội nghị về {name}")
    return ARTICLE.format(meta=meta, title=title, topic=name, n=100 + len(name))


class Faults(BaseHTTPRequestHandler):
    """The fault portal; ``server.phase`` is 1 or 2."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes | str = b"", ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        local_server.send(self, status, body, ctype, **headers)

    def do_GET(self) -> None:  # noqa: C901 - one branch per fault, on purpose
        server = self.server
        path = self.path
        server.hits[path] = hits = server.hits.get(path, 0) + 1  # type: ignore[attr-defined]
        phase = server.phase  # type: ignore[attr-defined]
        name = path.removeprefix("/tin/").removeprefix("/cam/tin/").removesuffix(".html")
        try:
            if path == "/robots.txt":
                rules = "User-agent: *\nDisallow: /cam/\n" if phase == 1 else "User-agent: *\nAllow: /\n"
                self.send(200, rules, "text/plain")
            elif path == "/tin":
                shown = PAGES + ["/cam/tin/robots"] if phase == 1 else ["ok", "new"]
                links = "".join(f'<a href="{p if p.startswith("/") else "/tin/" + p}.html">{p}</a>' for p in shown)
                self.send(200, f"<html><body><h1>Tin tức</h1>{links}</body></html>")
            elif path == "/tin/ok.html":
                self.send(200, article("ok")) if phase == 1 else self.send(500, "Internal Server Error")
            elif path == "/tin/flaky.html":
                self.send(500, "oops") if hits == 1 else self.send(200, article(name))
            elif path == "/tin/busy503.html":
                self.send(503, "later", Retry_After="1") if hits == 1 else self.send(200, article(name))
            elif path == "/tin/busy429.html":
                self.send(429, "slow down", Retry_After="1") if hits == 1 else self.send(200, article(name))
            elif path == "/tin/slow.html":
                if phase == 1:
                    time.sleep(1.2)
                self.send(200, article(name))
            elif path == "/tin/reset.html" and phase == 1:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
            elif path == "/tin/truncated.html" and phase == 1:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "8000")
                self.end_headers()
                self.wfile.write(article(name).encode("utf-8")[:300])
                self.close_connection = True
            elif path == "/tin/loop.html" and phase == 1:
                self.send(302, "", Location="/tin/loop.html")
            elif path == "/tin/foreign.html":
                self.send(302, "", Location="http://evil.example.com/tin/ok.html")
            elif path in ("/tin/huge.html", "/tin/huge-declared.html"):
                self.huge(declared=path == "/tin/huge-declared.html")
            elif path == "/tin/report.html":
                self.send(200, b"%PDF-1.7\n" + b"0" * 4000, "application/pdf")
            elif path == "/tin/cp1258.html":  # declared only in its meta tag, as old portals do
                self.send(200, to_cp1258(article(name, '<meta http-equiv="Content-Type" content="text/html; '
                                                       'charset=windows-1258">')), "text/html")
            elif path == "/tin/wrong-charset.html":  # the header says UTF-8, the bytes are windows-1258
                self.send(200, to_cp1258(article(name, '<meta charset="windows-1258">')), "text/html; charset=utf-8")
            elif path == "/tin/latin1-header.html":  # a server default of ISO-8859-1 over a UTF-8 page
                self.send(200, article(name), "text/html; charset=iso-8859-1")
            elif path.startswith("/tin/") or path.startswith("/cam/tin/"):
                self.send(200, article(name))
            else:
                self.send(404, "not here")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def huge(self, *, declared: bool) -> None:
        """50 MB of HTML, announced or not; counts what it managed to send before the client hung up."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declared:
            self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        self.close_connection = True
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>"
        sent = 0
        try:
            while sent < HUGE:
                self.wfile.write(chunk)
                sent += len(chunk)
        finally:
            self.server.sent[self.path] = sent  # type: ignore[attr-defined]


def _serve() -> ThreadingHTTPServer:
    return local_server.start(Faults, hits={}, sent={}, phase=1)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Two crawls of the fault portal (and of a portal that is down), shared by the tests of this module."""
    tmp = tmp_path_factory.mktemp("faults")
    server = _serve()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    sources_file = tmp / "sources.yaml"
    sources_file.write_text(
        f"""sources:
  - id: loi
    province: Hà Tĩnh
    start_urls: ["{base}/tin"]
    allowed_hosts: ["127.0.0.1"]
    local: true
    article_pattern: '^/(cam/)?tin/[a-z0-9-]+\\.html$'
    listing_pattern: '^/tin$'
    politeness: {{delay_s: 0}}
  - id: chet
    province: Nghệ An
    start_urls: ["http://127.0.0.1:{_closed_port()}/tin"]
    allowed_hosts: ["127.0.0.1"]
    local: true
    article_pattern: '^/tin/[a-z0-9-]+\\.html$'
    politeness: {{delay_s: 0}}
""",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        data = tmp / "data"
        for name, sub in {"DATA_DIR": "", "WAREHOUSE": "warehouse.duckdb", "RAW_DIR": "raw", "RUNS_DIR": "runs",
                          "OUTBOX_DIR": "outbox", "GX_DOCS_DIR": "gx_docs"}.items():
            mp.setattr(settings, name, data / sub if sub else data)
        # Short limits, so that the faults cost little time.
        for name, value in {"CONNECT_TIMEOUT_S": 0.5, "READ_TIMEOUT_S": 0.5, "MAX_ATTEMPTS": 2, "BACKOFF_BASE_S": 0.01,
                            "BACKOFF_CAP_S": 5.0, "MAX_BODY_BYTES": 2 * MB, "MAX_REDIRECTS": 3, "HOSTS_DIR": ""}.items():
            mp.setattr(settings, name, value)
        out = io.StringIO()
        started = time.monotonic()
        with contextlib.redirect_stdout(out):
            code = cli.main(["crawl", "--sources", str(sources_file), "--no-validate"])
        first_s = time.monotonic() - started
        first_hits = dict(server.hits)  # type: ignore[attr-defined]
        server.phase = 2  # type: ignore[attr-defined]
        second = crawl.crawl(sources=str(sources_file), validate=False)
        con = __import__("duckdb").connect(str(settings.WAREHOUSE), read_only=True)
        try:
            yield {"base": base, "code": code, "stdout": out.getvalue(), "first_s": first_s, "first_hits": first_hits,
                   "second": second, "server": server, "con": con, "raw_dir": settings.RAW_DIR}
        finally:
            con.close()
            server.shutdown()
            server.server_close()


def _log(runs: dict, run: int) -> dict[str, tuple[str, str | None]]:
    """url path -> (outcome, error) of the first or second run in raw.fetch_log."""
    run_ids = [r for (r,) in runs["con"].execute("select distinct run_id from raw.fetch_log order by 1").fetchall()]
    rows = runs["con"].execute("select url, outcome, error from raw.fetch_log where run_id = ?", [run_ids[run - 1]]).fetchall()
    return {url.split("/", 3)[3] if url.startswith(runs["base"]) else url: (outcome, error) for url, outcome, error in rows}


def test_the_first_run_finishes_and_prints_its_counts(runs) -> None:
    assert runs["code"] == 0
    counts = json.loads(runs["stdout"].strip().splitlines()[-1])
    assert list(counts)[:6] == ["fetched", "not_modified", "unchanged", "failed", "new_articles", "parsed"]
    assert counts == {"fetched": 7, "not_modified": 0, "unchanged": 0, "failed": 5, "new_articles": 7,
                      "parsed": 7, "skipped": 5}
    assert runs["first_s"] < 60


def test_every_fault_is_logged_with_its_outcome(runs) -> None:
    log = _log(runs, 1)
    expected = {
        "tin/ok.html": ("fetched", None),
        "tin/flaky.html": ("fetched", None),
        "tin/busy503.html": ("fetched", None),
        "tin/busy429.html": ("fetched", None),
        "tin/slow.html": ("failed", "read timeout"),
        "tin/reset.html": ("failed", ""),
        "tin/truncated.html": ("failed", "protocol error"),
        "tin/loop.html": ("failed", "more than 3 redirects"),
        "tin/foreign.html": ("skipped", "redirected to a host outside the source: evil.example.com"),
        "tin/huge.html": ("skipped", "too large (more than 2097152 bytes)"),
        "tin/huge-declared.html": ("skipped", "too large (52428800 bytes > 2097152)"),
        "tin/report.html": ("skipped", "not HTML (application/pdf)"),
        "tin/cp1258.html": ("fetched", None),
        "tin/wrong-charset.html": ("fetched", None),
        "tin/latin1-header.html": ("fetched", None),
        "cam/tin/robots.html": ("skipped", "disallowed by robots.txt"),
    }
    for path, (outcome, error) in expected.items():
        got = log.pop(path)
        assert got[0] == outcome, (path, got)
        assert (got[1] is None) if error is None else got[1].startswith(error), (path, got)
        assert "\n" not in (got[1] or "")
    [(dead_url, (outcome, error))] = log.items()  # the portal that is down: its listing page
    assert dead_url.endswith("/tin") and outcome == "failed" and error.startswith("robots.txt unavailable (cannot connect")
    for path in ("tin/slow.html", "tin/reset.html", "tin/truncated.html"):
        assert _log(runs, 1)[path][1].endswith("after 2 attempts"), path


def test_retries_and_retry_after_are_in_the_attempt_log(runs) -> None:
    def tries(path: str) -> list[tuple]:
        return runs["con"].execute(
            "select status_code, started_at, error from raw.fetch_attempts "
            "where url = ? and run_id = (select min(run_id) from raw.fetch_attempts) order by try_index",
            [f"{runs['base']}/{path}"],
        ).fetchall()

    assert [t[0] for t in tries("tin/flaky.html")] == [500, 200]
    for path in ("tin/busy503.html", "tin/busy429.html"):
        (first, told, _), (second, again, _) = tries(path)
        assert (first, second) in ((503, 200), (429, 200))
        assert (again - told).total_seconds() >= 0.95, path  # Retry-After: 1
    assert [(t[0], t[2].split(" (")[0]) for t in tries("tin/slow.html")] == [(None, "read timeout")] * 2
    assert [t[0] for t in tries("tin/loop.html")] == [302] * 4


def test_encodings_are_decoded_whatever_the_header_says(runs) -> None:
    titles = dict(runs["con"].execute("select article_id, title from staging.stg_articles").fetchall())
    for name, title in TITLES.items():
        assert titles[f"{runs['base']}/tin/{name}.html"] == title, name
    encoding = runs["con"].execute(
        "select encoding from raw.fetch_log where url = ? order by fetched_at limit 1", [f"{runs['base']}/tin/cp1258.html"]
    ).fetchall()
    assert encoding == [("windows-1258",)]


def test_a_fifty_megabyte_body_is_not_downloaded(runs) -> None:
    sent = runs["server"].sent
    assert sent["/tin/huge.html"] < 12 * MB  # the client hung up after 2 MB (plus socket buffers)
    assert sent["/tin/huge-declared.html"] < 12 * MB  # refused on its Content-Length
    archived = [p for p in runs["raw_dir"].rglob("*.html.gz") if p.stat().st_size > MB]
    assert archived == []


def test_the_next_run_retries_what_failed(runs) -> None:
    second = runs["second"]
    assert second["counts"] == {"fetched": 6, "not_modified": 0, "unchanged": 6, "failed": 2, "new_articles": 1,
                                "parsed": 6, "skipped": 0}
    records = {r["url"].removeprefix(runs["base"] + "/"): r
               for r in (json.loads(line) for line in (second["run_dir"] / "loi" / "fetched.jsonl").open())}
    for path in ("tin/slow.html", "tin/reset.html", "tin/truncated.html", "tin/loop.html"):
        # No longer listed: asked again because the last attempt failed.
        assert (records[path]["plan"], records[path]["outcome"]) == ("retry", "fetched"), path
    assert (records["tin/new.html"]["plan"], records["tin/new.html"]["outcome"]) == ("new", "fetched")
    # robots.txt allows it now; refusals by robots.txt cost no request, so they are checked every run.
    assert records["cam/tin/robots.html"]["outcome"] == "fetched"
    # Pages fetched before and served the same again: not parsed again, even without ETags.
    for path in ("tin/flaky.html", "tin/busy503.html", "tin/cp1258.html"):
        assert records[path]["outcome"] == "unchanged", path
    # Refusals by policy are asked again after SKIPPED_RECHECK_DAYS, not every run.
    for path in ("/tin/foreign.html", "/tin/huge.html", "/tin/report.html"):
        assert runs["server"].hits[path] == runs["first_hits"][path], path
    # The portal that is down is still down: its listing page fails again, and nothing else is lost.
    assert [v[0] for k, v in _log(runs, 2).items() if k.startswith("http://")] == ["failed"]


def test_nothing_archived_before_is_lost(runs) -> None:
    con, url = runs["con"], f"{runs['base']}/tin/ok.html"
    assert _log(runs, 2)["tin/ok.html"] == ("failed", "HTTP 500 after 2 attempts")
    (content_hash,) = con.execute("select content_hash from raw.fetch_log where url = ? and outcome = 'fetched'",
                                  [url]).fetchone()
    assert gzip.decompress(fetch.raw_path(content_hash).read_bytes()).decode("utf-8") == article("ok")
    assert con.execute("select count(*) from staging.stg_articles where article_id = ?", [url]).fetchone() == (1,)
    assert con.execute("select count(*) from mart.dim_article where article_id = ? and is_latest_version",
                       [url]).fetchone() == (1,)
    state = con.execute("select last_outcome, consecutive_failures, content_hash from raw.url_state where url = ?",
                        [url]).fetchone()
    assert state == ("failed", 1, content_hash)  # still known by its last good body, and queued for a retry
    stats = con.execute("select source_id, fetched, failed, skipped, retry_urls from raw.crawl_runs order by run_id, 1"
                        ).fetchall()
    assert stats == [("chet", 0, 1, 0, 0), ("loi", 7, 4, 5, 0), ("chet", 0, 1, 0, 0), ("loi", 6, 1, 0, 4)]
