"""etl.tasks: what the DAG's per-source tasks write, and that one bad page or source loses nothing else."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from etl import fetch, settings, sources, tasks
from local_server import base_url, send, serving

ARTICLE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>
<body><article><h1>{title}</h1>
<p class="sapo">Sáng 12/5, Ban Thường vụ Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận.</p>
<p>Toàn tỉnh có 281/411 xã đạt chuẩn nông thôn mới, chiếm 68,37%.</p>
<p>Năm 2025, toàn tỉnh tổ chức 2.849 cuộc giám sát, trong đó cấp tỉnh 15 cuộc.</p>
<p>Hội nghị đề ra mục tiêu phấn đấu đến năm 2030 đạt 80% số xã đạt chuẩn nông thôn mới nâng cao.</p>
</article></body></html>"""
LISTING = '<html><body><a href="/tin/1.html">1</a> <a href="/tin/2.html">2</a> <a href="/tin/3.html">3</a></body></html>'


class Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        pages = {
            "/robots.txt": ("text/plain", "User-agent: *\nAllow: /\n"),
            "/tin": ("text/html; charset=utf-8", LISTING),
            "/tin/1.html": ("text/html; charset=utf-8", ARTICLE.format(title="Hội nghị tổng kết công tác dân vận")),
            "/tin/2.html": ("text/html; charset=utf-8", "<html><body><nav>Trang chủ</nav></body></html>"),
            "/tin/3.html": ("application/pdf", "%PDF-1.4"),
        }
        ctype, body = pages.get(self.path, ("text/html", "not found"))
        send(self, 200 if self.path in pages else 404, body, ctype)


@pytest.fixture
def site() -> Iterator[str]:
    with serving(Site) as server:
        yield base_url(server)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sources_file(site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two sources: one served by ``site``, one whose portal is down."""
    path = tmp_path / "sources.test.yaml"
    down = f"http://127.0.0.1:{_closed_port()}"
    path.write_text(
        f"""sources:
  - id: song
    province: Nghệ An
    start_urls: ["{site}/tin"]
    allowed_hosts: ["127.0.0.1"]
    article_pattern: '^/tin/\\d+\\.html$'
    local: true
    politeness: {{delay_s: 0}}
  - id: chet
    province: Hà Tĩnh
    start_urls: ["{down}/tin"]
    allowed_hosts: ["127.0.0.1"]
    article_pattern: '^/tin/\\d+\\.html$'
    local: true
    politeness: {{delay_s: 0}}
""",
        encoding="utf-8",
    )
    monkeypatch.setattr(settings, "SOURCES", str(path))
    # These sources use no site profile: the generic cleaner, whatever profiles ship.
    monkeypatch.setattr(sources, "load_profiles", lambda path=None: {})
    monkeypatch.setattr(settings, "MAX_ATTEMPTS", 1)
    monkeypatch.setattr(settings, "CONNECT_TIMEOUT_S", 0.5)
    return path


def _lines(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_run_dir_is_a_safe_name(tmp_data: Path) -> None:
    assert tasks.run_dir("manual__2026-11-22T02:00:00+00:00") == tmp_data / "runs" / "manual__2026-11-22T02_00_00_00_00"
    assert tasks.run_dir("../../etc") == tmp_data / "runs" / ".._.._etc"


def test_source_ids(sources_file: Path) -> None:
    assert tasks.source_ids() == ["song", "chet"]


def test_a_live_source_goes_through_every_file(sources_file: Path, tmp_data: Path, site: str) -> None:
    urls_path = tasks.discover("song", "run-1")
    assert urls_path == str(tmp_data / "runs" / "run-1" / "song" / "urls.json")
    found = json.loads(Path(urls_path).read_text(encoding="utf-8"))
    assert found["source"] == "song"
    assert found["urls"] == [f"{site}/tin/{i}.html" for i in (1, 2, 3)]

    fetched_path = tasks.fetch(urls_path)
    assert [(r["url"].rsplit("/", 1)[1], r["outcome"]) for r in _lines(fetched_path)] == [
        ("1.html", "fetched"),
        ("2.html", "fetched"),
        ("3.html", "skipped"),
    ]

    cleaned_path = tasks.clean(fetched_path)
    cleaned = _lines(cleaned_path)
    # 2.html has no article: logged and skipped, the run goes on.
    assert [r["url"] for r in cleaned] == [f"{site}/tin/1.html"]
    assert cleaned[0]["outcome"] == "fetched" and cleaned[0]["content_hash"]
    assert cleaned[0]["clean"]["title"] == "Hội nghị tổng kết công tác dân vận"

    parsed = _lines(tasks.parse(cleaned_path))
    assert len(parsed) == 1
    article = parsed[0]
    assert article["url"] == f"{site}/tin/1.html"
    assert (article["source"], article["province"]) == ("song", "Nghệ An")
    assert article["content_hash"] == cleaned[0]["content_hash"]
    assert article["fetched_at"] == cleaned[0]["fetched_at"]
    assert article["parser_version"]
    assert any(i["kind"] == "ratio" and i["numerator"] == 281 for i in article["indicators"])


def test_a_dead_source_gives_empty_files_not_a_failure(sources_file: Path, tmp_data: Path) -> None:
    urls_path = tasks.discover("chet", "run-1")
    found = json.loads(Path(urls_path).read_text(encoding="utf-8"))
    assert found["urls"] == []
    fetched = _lines(tasks.fetch(urls_path))
    assert [r["outcome"] for r in fetched] == ["failed"]
    assert fetched[0]["url"].endswith("/tin") and "robots.txt unavailable" in fetched[0]["error"]
    cleaned_path = tasks.clean(str(Path(urls_path).with_name("fetched.jsonl")))
    assert _lines(cleaned_path) == []
    assert _lines(tasks.parse(cleaned_path)) == []


def test_a_page_that_breaks_the_cleaner_is_skipped(
    sources_file: Path, tmp_data: Path, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl import clean

    fetched_path = tasks.fetch(tasks.discover("song", "run-1"))
    real = clean.clean_html

    def flaky(html: str, profile=None, url=None):
        if url.endswith("/1.html"):
            raise RuntimeError("a bug\nover two lines")
        return real(html, profile=profile, url=url)

    monkeypatch.setattr(clean, "clean_html", flaky)
    assert _lines(tasks.clean(fetched_path)) == []


def test_an_article_that_breaks_the_parser_is_skipped(
    sources_file: Path, tmp_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl import parse

    cleaned_path = tasks.clean(tasks.fetch(tasks.discover("song", "run-1")))
    record = _lines(cleaned_path)[0]
    second = {**record, "url": record["url"].replace("1.html", "9.html")}
    fetch.write_jsonl(Path(cleaned_path), [record, second])
    real = parse.parse_article

    def flaky(article, **kwargs):
        if kwargs["url"].endswith("/9.html"):
            raise ValueError("cannot parse")
        return real(article, **kwargs)

    monkeypatch.setattr(parse, "parse_article", flaky)
    assert [p["url"] for p in _lines(tasks.parse(cleaned_path))] == [record["url"]]


def test_alert_task_mails_a_failing_report(tmp_data: Path, smtp_server) -> None:
    report = {
        "run_id": "run-1",
        "sources": ["song"],
        "checks": [
            {"name": "percent_matches_fraction", "severity": "error", "success": False, "unexpected_count": 1,
             "description": "d", "examples": [{"url": "http://x/1", "source": "song", "sentence": "s", "detail": "d"}]}
        ],
    }
    path = tmp_data / "validation.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    assert tasks.alert(str(path)) is not None
    assert smtp_server.messages[0]["Subject"] == "[tinhuy] 1 data-quality check failed — song"


def test_a_run_with_nothing_new_skips_validation_the_copy_and_the_alert(tmp_data: Path) -> None:
    run_id = "scheduled__quiet"
    record = {"source": "song", "url": "http://127.0.0.1:9/tin/1.html", "final_url": "http://127.0.0.1:9/tin/1.html",
              "status": 304, "outcome": "not_modified", "content_hash": "a" * 64, "kind": "article",
              "fetched_at": "2026-11-22T02:00:00+00:00", "attempts": 1}
    fetch.write_jsonl(tasks.run_dir(run_id) / "song" / "fetched.jsonl", [record])
    assert tasks.stage(run_id)["fetches"] == 1
    published = settings.WAREHOUSE.stat()

    report_path = tasks.validate(run_id)
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    assert report["skipped"].startswith(f"run {run_id} staged no article version and fetched no new page")
    assert report["checks"] == []
    # Only read: the warehouse was not copied and swapped in again.
    assert (settings.WAREHOUSE.stat().st_ino, settings.WAREHOUSE.stat().st_mtime_ns) == (
        published.st_ino, published.st_mtime_ns)
    assert tasks.alert(report_path) is None
    assert tasks.dq_gate(report_path) == f"run {run_id}: nothing new to check ({report['skipped']})"


def test_discover_and_fetch_on_the_demo_portal(demo_portal: str, tmp_data: Path) -> None:
    assert tasks.source_ids() == ["nghean", "hatinh"]
    for source_id in ("nghean", "hatinh"):
        found = json.loads(Path(tasks.discover(source_id, "run-demo")).read_text(encoding="utf-8"))
        assert found["urls"], source_id
        assert all(url.startswith(f"{demo_portal}/{source_id}/") for url in found["urls"])
        assert len(set(found["urls"])) == len(found["urls"])
        records = _lines(tasks.fetch(str(tmp_data / "runs" / "run-demo" / source_id / "urls.json")))
        assert records and all(r["outcome"] == "fetched" for r in records), records
