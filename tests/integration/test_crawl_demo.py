"""`tinhuy crawl --sources demo` three times and `tinhuy reparse` with the network off: the issue's bar.

1. A second crawl with nothing changed makes only conditional requests, parses nothing and skips validation.
2. After one demo article changes, exactly that article is fetched, parsed and versioned.
3. A reparse from the raw archive, with no network, validated like the crawls, rebuilds the same mart:
   ``etl.warehouse.checksums`` over every column of every mart table is equal (rows held or flagged
   by the checks included; a version names the crawl that first fetched it, not the reparse).
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from etl import cli, crawl, settings, warehouse
from etl.demo_portal import server as portal

pytestmark = pytest.mark.timeout(300)

EDITED = ("hatinh", "thu-ngan-sach-nha-nuoc-nam-2023-vuot-du-toan")


class Recording(portal.DemoPortalHandler):
    """The demo portal's handler, noting each answer: path, status, whether the request was conditional."""

    def send_response(self, code: int, message: str | None = None) -> None:
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        self.server.answers.append((self.path, code, conditional))  # type: ignore[attr-defined]
        super().send_response(code, message)


@pytest.fixture
def recorded_portal(tmp_data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[portal.DemoPortalServer]:
    server = portal.DemoPortalServer(("127.0.0.1", 0), portal.Site())
    server.RequestHandlerClass = Recording
    server.answers = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(settings, "DEMO_PORTAL_PORT", server.server_address[1])
    monkeypatch.setenv("TINHUY_DEMO_PORTAL_PORT", str(server.server_address[1]))
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _tinhuy(*args: str) -> dict:
    """Run the command line in process; the JSON line it ends with."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(list(args)) == 0
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def _edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Change one figure in one demo article's body (nothing another page shows), as TINHUY_DEMO_EDITS allows."""
    site, slug = EDITED
    data = portal.load_article_file(site, portal.ARTICLES_DIR / site / f"{slug}.yaml")
    body = data["body"]
    assert "16.920 tỷ" in body[0]["p"]
    body[0]["p"] = body[0]["p"].replace("16.920 tỷ", "17.050 tỷ")
    edits = tmp_path / "edits" / site
    edits.mkdir(parents=True)
    (edits / f"{slug}.yaml").write_text(yaml.safe_dump({"body": body, "updated": "2024-01-05 09:00"},
                                                       allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(portal.EDITS_ENV, str(tmp_path / "edits"))


@contextlib.contextmanager
def _network_off() -> Iterator[None]:
    """Every attempt to open a connection fails, as on a machine without a network."""
    real = socket.socket.connect

    def refuse(self: socket.socket, address: object) -> None:
        raise OSError(f"network is off (connect to {address})")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = real  # type: ignore[method-assign]


def test_crawl_again_edit_and_reparse_the_demo_portal(recorded_portal, tmp_path: Path, tmp_data: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    articles = sum(len(portal.load_articles(pid)) for pid in portal.PORTALS)

    first = _tinhuy("crawl", "--sources", "demo")
    assert first == {"fetched": articles, "not_modified": 0, "unchanged": 0, "failed": 0,
                     "new_articles": articles, "parsed": articles, "skipped": 0}

    # 1. Nothing changed: only conditional requests (robots.txt, listings, feeds, articles), all 304, nothing parsed.
    recorded_portal.answers.clear()
    second = _tinhuy("crawl", "--sources", "demo")
    assert second == {"fetched": 0, "not_modified": articles, "unchanged": 0, "failed": 0,
                      "new_articles": 0, "parsed": 0, "skipped": 0}
    answers = recorded_portal.answers
    assert answers and all(conditional and status == 304 for _, status, conditional in answers), answers
    assert {path for path, _, _ in answers} >= {"/robots.txt", "/nghean/rss.xml", "/hatinh/rss.xml", "/hatinh/tin-tuc/"}
    # Validation was asked for, but nothing was new: it was skipped, and the report says why.
    report_path = max(settings.RUNS_DIR.glob("crawl__*/validation.json"))  # run ids sort by time: this crawl's
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["skipped"] == (f"run {report['run_id']} staged no article version and fetched no new page "
                                 f"({articles} pages not modified or unchanged, 0 failed)")

    # 2. One article edited: exactly that one is fetched in full, parsed and staged as a new version.
    _edit(tmp_path, monkeypatch)
    third = _tinhuy("crawl", "--sources", "demo")
    assert third == {"fetched": 1, "not_modified": articles - 1, "unchanged": 0, "failed": 0,
                     "new_articles": 0, "parsed": 1, "skipped": 0}
    con = warehouse.read()
    try:
        run_id = con.execute("select max(run_id) from raw.crawl_runs").fetchone()[0]
        parsed = [json.loads(line)["url"] for p in (settings.RUNS_DIR / run_id).glob("*/parsed.jsonl") for line in p.open()]
        versions = con.execute(
            "select article_id, content_hash, version_number, is_latest_version from mart.dim_article "
            "where version_count > 1 order by version_number"
        ).fetchall()
        latest_hash = con.execute("select content_hash from raw.url_state where url = ?", [parsed[0]]).fetchone()[0]
        before = {"all": warehouse.checksums(con),
                  "staged": con.execute("select count(*), count(distinct article_id) from staging.stg_articles").fetchone()}
    finally:
        con.close()
    site, slug = EDITED
    assert len(parsed) == 1 and f"/{site}/" in parsed[0] and slug in parsed[0]
    assert [(v[0], v[2], v[3]) for v in versions] == [(parsed[0], 1, False), (parsed[0], 2, True)]
    assert versions[1][1] == latest_hash
    assert before["staged"] == (articles + 1, articles)

    # 3. Reparse from the archive alone: the portal is gone and so is the network.
    recorded_portal.shutdown()
    with _network_off():
        reparsed = _tinhuy("reparse", "--sources", "demo")
    assert reparsed == {"versions": articles + 1, "parsed": articles + 1, "failed": 0, "missing": 0}
    con = warehouse.read()
    try:
        after = {"all": warehouse.checksums(con),
                 "staged": con.execute("select count(*), count(distinct article_id) from staging.stg_articles").fetchone()}
        runs = {r for (r,) in con.execute("select distinct first_run_id from mart.dim_article").fetchall()}
    finally:
        con.close()
    assert len(before["all"]) >= 8
    assert after["all"] == before["all"]
    assert after["staged"] == before["staged"]
    # The versions name the crawls that first fetched them (the first crawl, and the edit's).
    assert len(runs) == 2 and not any(r.startswith("reparse__") for r in runs)
