"""etl.crawl and etl.politeness: turns per host across processes, the fetch plan, batches, state and records."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etl import crawl, fetch, settings, tasks
from etl.politeness import FileLimiter, HostBusy
from etl.sources import Source
from local_server import base_url, send, serving

ARTICLE = "<html><head><meta charset='utf-8'><title>Tin {n}</title></head><body><p>Có {n} xã đạt chuẩn.</p></body></html>"
REDIS_URL = os.environ.get("TINHUY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


# --- a site that records when each request was being served --------------------------------
class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        started = time.time()
        routes = server.routes  # type: ignore[attr-defined]
        if self.path in routes:
            status, ctype, body = routes[self.path]
        elif self.path == "/slow":
            time.sleep(0.1)
            status, ctype, body = 200, "text/html", "<p>ok</p>"
        else:
            status, ctype, body = 404, "text/html", "not here"
        send(self, status, body, ctype)
        server.spans.append((self.path, started, time.time()))  # type: ignore[attr-defined]


@pytest.fixture
def site() -> Iterator[ThreadingHTTPServer]:
    with serving(Recorder, routes={"/robots.txt": (200, "text/plain", "User-agent: *\nAllow: /\n")}, spans=[]) as server:
        yield server


_base = base_url


def _worker(url: str, backend: str, where: str, each: int, delay: float, concurrency: int) -> None:
    """One worker process: ``each`` requests to the host, each in its turn."""
    import httpx

    from etl.politeness import RedisLimiter

    limiter = FileLimiter(Path(where)) if backend == "file" else RedisLimiter(backend, prefix=where)
    with httpx.Client() as client:
        for _ in range(each):
            with limiter.turn(url.split("/")[2], concurrency=concurrency, delay_s=delay):
                client.get(url).raise_for_status()


def _run_workers(url: str, backend: str, where: str, *, workers: int, each: int, delay: float, concurrency: int) -> None:
    """Separate processes (forked: no start-up cost) that share nothing but the limiter's files or Redis keys."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_worker, args=(url, backend, where, each, delay, concurrency))
             for _ in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0] * workers


def _most_in_flight(spans: list[tuple[str, float, float]]) -> int:
    events = sorted([(start, 1) for _, start, _ in spans] + [(end, -1) for _, _, end in spans])
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


@pytest.fixture
def key_prefix() -> Iterator[str]:
    """A Redis key prefix of this test alone, its keys deleted afterwards; skips when Redis cannot be reached."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any reason Redis cannot be used is a reason to skip
        pytest.skip(f"no Redis at {REDIS_URL} ({type(exc).__name__})")
    prefix = f"tinhuy-test:{uuid.uuid4().hex}:"
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_one_request_at_a_time_per_host_across_processes(backend: str, site, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"{_base(site)}/slow"
    where = str(tmp_path / "hosts") if backend == "file" else request.getfixturevalue("key_prefix")
    _run_workers(url, "file" if backend == "file" else REDIS_URL, where, workers=3, each=3, delay=0.15, concurrency=1)
    spans = sorted(site.spans, key=lambda s: s[1])  # type: ignore[attr-defined]
    assert len(spans) == 9
    assert _most_in_flight(spans) == 1
    gaps = [later[1] - earlier[2] for earlier, later in zip(spans, spans[1:])]
    assert min(gaps) >= 0.14, gaps


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_concurrency_two_allows_two_and_no_more(backend: str, site, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    where = str(tmp_path / "hosts") if backend == "file" else request.getfixturevalue("key_prefix")
    _run_workers(f"{_base(site)}/slow", "file" if backend == "file" else REDIS_URL, where,
                 workers=4, each=3, delay=0.0, concurrency=2)
    assert _most_in_flight(site.spans) == 2  # type: ignore[attr-defined]


def test_a_long_deferral_makes_the_host_busy_at_once(tmp_path: Path) -> None:
    limiter = FileLimiter(tmp_path, max_wait_s=5)
    limiter.defer("portal.example:80", 3600)
    started = time.monotonic()
    with pytest.raises(HostBusy) as info:
        with limiter.turn("portal.example:80", concurrency=1, delay_s=0):
            pass
    assert time.monotonic() - started < 1
    assert info.value.wait_s > 3500
    with limiter.turn("other.example:80", concurrency=1, delay_s=0):
        pass  # other hosts are not held back


# --- the plan --------------------------------------------------------------------------------
NOW = dt.datetime(2026, 5, 1, 2, 0)


def _source(base: str = "http://h", **kwargs: object) -> Source:
    options: dict[str, object] = {
        "id": "thu", "province": "Tỉnh Thử", "start_urls": (f"{base}/tin",), "allowed_hosts": ("127.0.0.1", "h"),
        "article_pattern": r"^/tin/[a-z0-9-]+\.html$", "listing_pattern": r"^/tin$", "delay_s": 0.0, "is_local": True,
    }
    options.update(kwargs)
    return Source(**options)  # type: ignore[arg-type]


def _known(outcome: str, days_ago: float, **extra: object) -> dict:
    at = NOW - dt.timedelta(days=days_ago)
    return {"last_outcome": outcome, "last_attempt_at": at, "consecutive_failures": 0,
            "last_success_at": at if outcome in crawl.GOOD_OUTCOMES else None, **extra}


def test_plan_puts_new_then_retries_then_revisits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "RETRY_MAX_RUNS", 3)
    urls = {
        "http://h/tin/old.html": _known("not_modified", 5),
        "http://h/tin/recent.html": _known("fetched", 1),
        "http://h/tin/edited.html": _known("unchanged", 0.5),  # the feed dates it after our last look
        "http://h/tin/flaky.html": _known("failed", 1, consecutive_failures=2),
        "http://h/tin/dead.html": _known("failed", 1, consecutive_failures=3),  # out of the retry queue
        "http://h/tin/dead-long.html": _known("failed", 30, consecutive_failures=9),  # rechecked after a while
        "http://h/tin/huge.html": _known("skipped", 1, last_error="too large (more than 10 bytes)"),
        "http://h/tin/cam.html": _known("skipped", 1, last_error="disallowed by robots.txt: http://h/tin/cam.html"),
    }
    found = fetch.Discovery(articles={
        "http://h/tin/new-1.html": None, "http://h/tin/new-2.html": None,
        "http://h/tin/edited.html": "2026-05-01T01:00:00+00:00", "http://h/tin/recent.html": "2026-04-01T00:00:00+00:00",
    })
    planned = crawl.plan(_source(), found, crawl.SourceState(urls=urls), now=NOW)
    assert planned == [
        ("http://h/tin/new-1.html", "new"),
        ("http://h/tin/new-2.html", "new"),
        ("http://h/tin/flaky.html", "retry"),
        ("http://h/tin/edited.html", "revisit"),
        ("http://h/tin/dead-long.html", "revisit"),
        ("http://h/tin/old.html", "revisit"),
        ("http://h/tin/recent.html", "revisit"),
        ("http://h/tin/cam.html", "revisit"),
    ]
    assert crawl.plan(_source(), found, crawl.SourceState(urls=urls), now=NOW, max_pages=3)[-1][1] == "retry"
    monkeypatch.setattr(settings, "MAX_REVISITS_PER_RUN", 1)
    assert [u for u, why in crawl.plan(_source(), found, crawl.SourceState(urls=urls), now=NOW)
            if why == "revisit"] == ["http://h/tin/edited.html"]


def test_prior_state_carries_validators_and_parsed_hashes() -> None:
    state = crawl.SourceState(
        urls={"http://h/tin/a.html": _known("fetched", 1, etag='"e"', content_hash="abc", last_modified=None)},
        parsed={"http://h/tin/a.html": {"abc", "old"}},
    )
    assert crawl._prior("http://h/tin/a.html", "revisit", state) == {
        "plan": "revisit", "parsed": ["abc", "old"], "etag": '"e"', "content_hash": "abc"}
    assert crawl._prior("http://h/tin/b.html", "new", state) == {"plan": "new", "parsed": []}


# --- batches -------------------------------------------------------------------------------
def test_batches_fit_airflows_map_limit(monkeypatch: pytest.MonkeyPatch, tmp_data: Path) -> None:
    monkeypatch.setattr(settings, "MAX_PAGES_PER_RUN", 1000)
    monkeypatch.setattr(settings, "FETCH_BATCH_SIZE", 50)
    monkeypatch.setattr(settings, "MAX_MAPPED_TASKS", 1024)
    assert crawl.slots_per_source(34) == 20
    monkeypatch.setattr(settings, "MAX_MAPPED_TASKS", 100)
    assert crawl.slots_per_source(34) == 2
    assert len(crawl.batch_paths([f"s{i}" for i in range(34)], "run-1")) == 68
    with pytest.raises(ValueError, match="101 sources exceed the 100 mapped tasks"):
        crawl.slots_per_source(101)
    monkeypatch.setattr(settings, "FETCH_BATCH_SIZE", 5000)
    assert crawl.batch_paths(["nghean", "hatinh"], "run-1") == [
        str(tmp_data / "runs" / "run-1" / "nghean" / "urls.json"), str(tmp_data / "runs" / "run-1" / "hatinh" / "urls.json")]


def _sources_file(tmp_path: Path, base: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    from etl import sources

    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""sources:
  - id: thu
    province: Nghệ An
    start_urls: ["{base}/tin"]
    allowed_hosts: ["127.0.0.1"]
    local: true
    article_pattern: '^/tin/[a-z0-9-]+\\.html$'
    listing_pattern: '^/tin$'
    politeness: {{delay_s: 0}}
""", encoding="utf-8")
    monkeypatch.setattr(settings, "SOURCES", str(path))
    monkeypatch.setattr(sources, "load_profiles", lambda path=None: {})
    return path


def test_a_source_is_fetched_in_batches_that_stage_reads_like_one(site, tmp_path: Path, tmp_data: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from etl import stage, warehouse

    base = _base(site)
    links = "".join(f'<a href="/tin/a{n}.html">{n}</a>' for n in range(5)) + '<a href="/tin/gone.html">x</a>'
    site.routes["/tin"] = (200, "text/html", links)  # type: ignore[attr-defined]
    for n in range(5):
        site.routes[f"/tin/a{n}.html"] = (200, "text/html; charset=utf-8", ARTICLE.format(n=n))  # type: ignore[attr-defined]
    _sources_file(tmp_path, base, monkeypatch)
    monkeypatch.setattr(settings, "MAX_PAGES_PER_RUN", 6)
    monkeypatch.setattr(settings, "FETCH_BATCH_SIZE", 2)
    paths = tasks.fetch_batches("run-b")
    assert [Path(p).parent.name for p in paths] == ["thu", "thu~001", "thu~002"]
    assert [tasks.discover_batch(p, "run-b") for p in paths] == paths
    batches = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    assert [len(b["urls"]) for b in batches] == [2, 2, 2]
    assert batches[0]["discovery"]["planned_urls"] == 6 and "discovery" not in batches[1]
    fetched = [tasks.fetch(p) for p in paths]
    assert [Path(f).parent.name for f in fetched] == ["thu", "thu~001", "thu~002"]
    run = tasks.run_dir("run-b")
    with warehouse.writing() as con:
        crawl.record_run(run, "run-b", con)
        counts = stage.stage_run(run, "run-b", con)
        outcomes = dict(con.execute("select outcome, count(*) from raw.fetch_log group by 1").fetchall())
        stats = con.execute("select planned_urls, batch_count, fetched, failed, requests from raw.crawl_runs").fetchall()
    assert counts["fetches"] == 6 and outcomes == {"fetched": 5, "failed": 1}
    # robots.txt and /tin for discovery, six pages, and robots.txt again in each of the three fetch tasks.
    assert stats == [(6, 3, 5, 1, 1 + 1 + 6 + 3)]


def test_record_run_is_idempotent_and_keeps_the_first_fetch_of_a_body(site, tmp_path: Path, tmp_data: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from etl import warehouse

    site.routes["/tin"] = (200, "text/html", '<a href="/tin/a.html">a</a>')  # type: ignore[attr-defined]
    site.routes["/tin/a.html"] = (200, "text/html", ARTICLE.format(n=1))  # type: ignore[attr-defined]
    _sources_file(tmp_path, _base(site), monkeypatch)
    tasks.fetch(tasks.discover("thu", "run-1"))
    tasks.fetch(tasks.discover("thu", "run-2"))
    tables = ("raw.pages", "raw.fetch_attempts", "raw.discovery_log", "raw.crawl_runs")
    with warehouse.writing() as con:
        for run_id in ("run-1", "run-1", "run-2"):
            crawl.record_run(tasks.run_dir(run_id), run_id, con)
        rows = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in tables}
        first = con.execute("select distinct first_run_id from raw.pages").fetchall()
        headers = con.execute("select headers ->> 'content-type' from raw.pages where kind = 'article'").fetchall()
    # robots.txt, the listing and the article: one archived body each, first fetched by run-1.
    assert rows["raw.pages"] == 3 and first == [("run-1",)] and headers == [("text/html",)]
    # Per run: robots.txt asked by discover and again by the fetch task, the listing; plus the article.
    assert rows["raw.crawl_runs"] == 2 and rows["raw.discovery_log"] == 2 * 3 and rows["raw.fetch_attempts"] == 2 * 4


# --- state ----------------------------------------------------------------------------------
def test_the_pages_state_file_round_trips_and_survives_damage(tmp_data: Path) -> None:
    record = {"url": "http://h/tin", "outcome": "fetched", "content_hash": "abc", "etag": '"1"', "kind": "listing"}
    failed = {"url": "http://h/rss.xml", "outcome": "failed", "content_hash": None}
    crawl.save_pages_state("thu", [record, failed])
    state = crawl.load_pages_state("thu")
    assert list(state) == ["http://h/tin"] and state["http://h/tin"]["etag"] == '"1"'
    (tmp_data / "raw" / "state" / "thu.json").write_text("{not json", encoding="utf-8")
    assert crawl.load_pages_state("thu") == {}


def test_state_is_empty_without_a_warehouse(tmp_data: Path) -> None:
    state = crawl.load_state(_source())
    assert (state.urls, state.parsed, state.since) == ({}, {}, None)


def test_progress_draws_on_a_terminal_and_is_silent_otherwise() -> None:
    shown = io.StringIO()
    progress = crawl.Progress(shown, enabled=True)
    progress.start("nghean: fetching", 4)
    progress.advance({"outcome": "not_modified"})
    progress.advance({"outcome": "fetched"})
    progress.finish()
    assert "nghean: fetching [############............] 2/4  fetched 1 · not modified 1" in shown.getvalue()
    quiet = io.StringIO()
    crawl.Progress(quiet).start("x", 1)  # a StringIO is not a terminal
    assert quiet.getvalue() == ""



def test_record_run_ignores_a_reparse_run(tmp_data: Path) -> None:
    from etl import warehouse

    run = tasks.run_dir("reparse__1")
    fetch.write_jsonl(run / "thu" / crawl.ARCHIVED_FILE, [{"source": "thu", "url": "http://h/tin/a.html"}])
    fetch.write_jsonl(run / "thu" / tasks.PARSED_FILE, [{"url": "http://h/tin/a.html"}])
    with warehouse.writing() as con:
        assert crawl.record_run(run, "reparse__1", con) == {}
        assert con.execute("select count(*) from raw.crawl_runs").fetchone() == (0,)
