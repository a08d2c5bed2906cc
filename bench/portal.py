"""Serve a generated corpus over HTTP as a portal would: ETag and Last-Modified, 304 to conditional requests.

It reuses the demo portal's server and request handler (``etl.demo_portal.server``) with a site
that answers from the corpus files instead of rendering templates. ``python -m bench.portal DIR``
serves a corpus by hand.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from etl.demo_portal import server


class CorpusSite(server.Site):
    """Pages from a corpus directory, by request target (path and query)."""

    def __init__(self, corpus: Path) -> None:  # noqa: D107 - no templates, no demo articles
        self.corpus = Path(corpus)
        manifest = json.loads((self.corpus / "manifest.json").read_text(encoding="utf-8"))
        self.files: dict[str, dict[str, Any]] = manifest["files"]

    def page(self, target: str, base_url: str) -> server.Page:
        parts = urlsplit(target)
        entry = self.files.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if entry is None:
            return server.Page(404, b"<!DOCTYPE html><title>404</title><h1>Not found</h1>")
        body = (self.corpus / entry["file"]).read_bytes()
        kind = "text/plain; charset=utf-8" if entry["kind"] == "robots" else "text/html; charset=utf-8"
        modified = datetime.strptime(entry["modified"], "%Y-%m-%d %H:%M").replace(tzinfo=server.VN_TZ)
        return server.Page(200, body, kind, last_modified=modified)


@contextmanager
def serving(corpus: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The corpus served from a thread; yields its base URL."""
    httpd = server.DemoPortalServer((host, port), CorpusSite(corpus))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    httpd = server.DemoPortalServer((args.host, args.port), CorpusSite(args.corpus))
    print(f"http://{args.host}:{httpd.server_address[1]}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
