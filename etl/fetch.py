"""Download portal pages politely: robots.txt, a pause per host, retries with backoff, size and type limits.

``discover`` walks a source's listing pages to find article URLs; ``fetch_urls`` downloads them,
keeps each body once in the raw archive and writes one fetch record per URL (docs/architecture.md).
A page that cannot be had is recorded with a one-line reason; it never stops the others.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import ipaddress
import json
import logging
import os
import random
import socket
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego

from etl import settings
from etl.sources import Source

log = logging.getLogger(__name__)

# Query parameters that only track where a click came from; they never change the page.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "zarsrc"})
TRACKING_PREFIXES = ("utm_",)
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Statuses worth asking again: the server or something in between is busy or briefly broken.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
# RFC 9309: crawlers need read no more than this much of a robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"


class FetchError(Exception):
    """A URL that could not be had; ``outcome`` is ``failed`` (tried and lost) or ``skipped`` (refused by policy)."""

    def __init__(self, outcome: str, message: str, *, status: int | None = None, final_url: str | None = None):
        super().__init__(message)
        self.outcome = outcome
        self.status = status
        self.final_url = final_url
        self.attempts = 0


@dataclass
class Page:
    """One page as it came over the wire (after redirects)."""

    url: str
    final_url: str
    status: int
    body: bytes
    headers: httpx.Headers
    attempts: int

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def encoding(self) -> str | None:
        """The charset the server declared, if any; decoding itself is ``clean.decode``'s job."""
        for part in (self.content_type or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ").lower()
        return None


def canonical_url(url: str, base: str | None = None) -> str | None:
    """The canonical form of a link: absolute, scheme and host lower-case, no fragment, no tracking parameters.

    None for links that are not web pages (``mailto:``, ``javascript:``, empty).
    """
    url = (url or "").strip()
    if not url:
        return None
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    kept = [p for p in parts.query.split("&") if p and not _is_tracking(p.partition("=")[0])]
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    query = quote("&".join(kept), safe=_SAFE_QUERY)
    return urlunsplit((scheme, host, path, query, ""))


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def host_allowed(source: Source, url: str) -> bool:
    """Whether a URL's host (or host:port) is one the source lets us visit."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host in source.allowed_hosts or parts.netloc.lower() in source.allowed_hosts


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _describe(exc: httpx.TransportError) -> str:
    kind = {
        httpx.ConnectTimeout: "connect timeout",
        httpx.ReadTimeout: "read timeout",
        httpx.WriteTimeout: "write timeout",
        httpx.PoolTimeout: "pool timeout",
        httpx.ConnectError: "cannot connect",
        httpx.RemoteProtocolError: "protocol error",
        httpx.ReadError: "read error",
    }.get(type(exc), type(exc).__name__)
    detail = " ".join(str(exc).split())
    return f"{kind} ({detail})" if detail and detail != kind else kind


@dataclass
class Fetcher:
    """An HTTP client for one source: robots.txt, politeness, retries, redirects and limits.

    Every limit defaults to its value in ``etl.settings``; ``sleep``, ``clock`` and ``rng``
    are there so tests need not wait.
    """

    source: Source
    connect_timeout_s: float = field(default_factory=lambda: settings.CONNECT_TIMEOUT_S)
    read_timeout_s: float = field(default_factory=lambda: settings.READ_TIMEOUT_S)
    max_attempts: int = field(default_factory=lambda: settings.MAX_ATTEMPTS)
    backoff_base_s: float = field(default_factory=lambda: settings.BACKOFF_BASE_S)
    backoff_cap_s: float = field(default_factory=lambda: settings.BACKOFF_CAP_S)
    max_body_bytes: int = field(default_factory=lambda: settings.MAX_BODY_BYTES)
    max_redirects: int = field(default_factory=lambda: settings.MAX_REDIRECTS)
    user_agent: str = field(default_factory=lambda: settings.USER_AGENT)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        timeout = httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s)
        headers = {"User-Agent": self.user_agent, "Accept-Language": "vi", "Accept": "text/html,application/xhtml+xml"}
        self._client = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)
        # Per origin: the parsed robots.txt, None when there is none, or why it could not be read.
        self._robots: dict[str, Protego | str | None] = {}
        self._last_request: dict[str, float] = {}
        # Per host: None when it resolves to public addresses only, else why it may not be fetched.
        self._address_checks: dict[str, str | None] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # --- the public call -----------------------------------------------------
    def get(self, url: str) -> Page:
        """One HTML page, following redirects inside the source's hosts; raises FetchError."""
        attempts = 0
        current = url
        try:
            for hop in range(self.max_redirects + 1):
                self._check_allowed(current, redirected_from=url if hop else None)
                if not self.robots_allows(current):
                    raise FetchError("skipped", f"disallowed by robots.txt: {current}")
                response, body, tries = self._request(current, html_only=True, max_bytes=self.max_body_bytes)
                attempts += tries
                if response.is_redirect:
                    current = self._redirect_target(response, current)
                    continue
                if response.status_code == 304:
                    return Page(url, current, 304, b"", response.headers, attempts)
                if response.status_code != 200:
                    raise FetchError("failed", f"HTTP {response.status_code}", status=response.status_code)
                return Page(url, current, 200, body, response.headers, attempts)
            raise FetchError("failed", f"more than {self.max_redirects} redirects")
        except FetchError as exc:
            exc.attempts = exc.attempts or attempts
            exc.final_url = exc.final_url or current
            raise

    def robots_allows(self, url: str) -> bool:
        """Whether robots.txt lets us fetch a URL; raises FetchError when the site's robots.txt cannot be read."""
        parser = self._robots_for(url)
        if isinstance(parser, str):
            raise FetchError("failed", parser)
        return parser is None or parser.can_fetch(url, self.user_agent)

    # --- politeness ----------------------------------------------------------
    def _delay_for(self, origin: str) -> float:
        parser = self._robots.get(origin)
        crawl_delay = parser.crawl_delay(self.user_agent) if isinstance(parser, Protego) else None
        return max(self.source.delay_s, float(crawl_delay or 0.0))

    def _wait_turn(self, origin: str) -> None:
        last = self._last_request.get(origin)
        if last is not None:
            pause = last + self._delay_for(origin) - self.clock()
            if pause > 0:
                self.sleep(pause)

    def _robots_for(self, url: str) -> Protego | str | None:
        """The parsed robots.txt of a URL's origin: None when there is none (allow all), a reason when unreadable.

        RFC 9309: a robots.txt the server cannot serve (5xx, no answer) means crawl nothing for now.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._robots:
            return self._robots[origin]
        robots_url = f"{origin}/robots.txt"
        parser: Protego | str | None
        try:
            response, body, _ = self._request(robots_url, html_only=False, max_bytes=ROBOTS_MAX_BYTES, truncate=True)
            for _ in range(self.max_redirects):
                if not response.is_redirect:
                    break
                target = self._redirect_target(response, str(response.url))
                response, body, _ = self._request(target, html_only=False, max_bytes=ROBOTS_MAX_BYTES, truncate=True)
            if response.status_code == 200:
                parser = Protego.parse(body.decode("utf-8", errors="replace"))
            elif 400 <= response.status_code < 500:
                parser = None
            else:
                parser = f"robots.txt unavailable (HTTP {response.status_code})"
        except FetchError as exc:
            parser = f"robots.txt unavailable ({exc})"
        if isinstance(parser, str):
            log.warning("%s: %s; fetching nothing from this site", origin, parser)
        self._robots[origin] = parser
        return parser

    # --- one request with retries -------------------------------------------
    def _request(
        self, url: str, *, html_only: bool, max_bytes: int, truncate: bool = False
    ) -> tuple[httpx.Response, bytes, int]:
        """GET one URL (no redirects), retrying on 408/429/5xx and network errors."""
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        max_attempts = max(1, self.max_attempts)
        for attempt in range(1, max_attempts + 1):
            self._wait_turn(origin)
            retry_after: float | None = None
            try:
                response, body = self._stream(url, html_only=html_only, max_bytes=max_bytes, truncate=truncate)
            except FetchError as exc:
                exc.attempts = attempt
                raise
            except httpx.TransportError as exc:
                reason = _describe(exc)
                status = None
            except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
                err = FetchError("failed", f"{type(exc).__name__}: {' '.join(str(exc).split())}")
                err.attempts = attempt
                raise err from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response, body, attempt
                reason, status = f"HTTP {response.status_code}", response.status_code
                retry_after = _retry_after(response.headers.get("retry-after"))
            finally:
                self._last_request[origin] = self.clock()
            if attempt == max_attempts:
                break
            delay = self.rng() * min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
            if retry_after is not None:
                if retry_after > self.backoff_cap_s:
                    err = FetchError("failed", f"{reason}, asked to retry after {retry_after:.0f} s", status=status)
                    err.attempts = attempt
                    raise err
                delay = max(delay, retry_after)
            log.info("%s: %s; attempt %d of %d in %.1f s", url, reason, attempt + 1, max_attempts, delay)
            self.sleep(delay)
        plural = "s" if max_attempts != 1 else ""
        err = FetchError("failed", f"{reason} after {max_attempts} attempt{plural}", status=status)
        err.attempts = max_attempts
        raise err

    def _stream(self, url: str, *, html_only: bool, max_bytes: int, truncate: bool) -> tuple[httpx.Response, bytes]:
        started = self.clock()
        with self._client.stream("GET", url) as response:
            if response.status_code != 200:
                return response, b""
            if html_only:
                kind = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
                if kind and kind not in HTML_TYPES:
                    raise FetchError("skipped", f"not HTML ({kind})", status=200)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes and not truncate:
                raise FetchError("skipped", f"too large ({int(declared)} bytes > {max_bytes})", status=200)
            chunks: list[bytes] = []
            size = 0
            # The read timeout bounds each wait for bytes; this bounds a body trickling in slowly.
            deadline = started + self.read_timeout_s
            for chunk in response.iter_bytes():
                if self.clock() > deadline:
                    raise httpx.ReadTimeout(f"body not complete after {self.read_timeout_s:g} s")
                size += len(chunk)
                if size > max_bytes:
                    if truncate:
                        chunks.append(chunk[: max_bytes - (size - len(chunk))])
                        break
                    raise FetchError("skipped", f"too large (more than {max_bytes} bytes)", status=200)
                chunks.append(chunk)
            return response, b"".join(chunks)

    # --- redirects -------------------------------------------------------------
    def _redirect_target(self, response: httpx.Response, current: str) -> str:
        location = response.headers.get("location")
        target = canonical_url(location or "", base=current)
        if target is None:
            raise FetchError("failed", f"HTTP {response.status_code} without a usable Location", status=response.status_code)
        return target

    def _check_allowed(self, url: str, *, redirected_from: str | None) -> None:
        if not host_allowed(self.source, url):
            host = urlsplit(url).netloc
            if redirected_from:
                raise FetchError("skipped", f"redirected to a host outside the source: {host}", final_url=url)
            raise FetchError("skipped", f"host outside the source: {host}", final_url=url)
        if not self.source.is_local:
            reason = self._private_address(urlsplit(url).hostname or "")
            if reason:
                raise FetchError("skipped", reason, final_url=url)

    def _private_address(self, host: str) -> str | None:
        """Why a public source's host may not be fetched (it resolves to a loopback or private address), or None.

        A portal on the internet never lives there; a sources file or DNS entry that points there
        would make the crawler probe the machine it runs on. Only ``local`` sources may.
        """
        if host not in self._address_checks:
            try:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            except (socket.gaierror, UnicodeError):
                self._address_checks[host] = None  # the request itself will fail with a clear reason
                return None
            reason = None
            for info in infos:
                address = ipaddress.ip_address(info[4][0].split("%")[0])
                if not address.is_global:
                    reason = f"{host} resolves to a non-public address ({address}); only local sources may"
                    break
            self._address_checks[host] = reason
        return self._address_checks[host]


# --- discovery -------------------------------------------------------------------
def _links(body: bytes, base_url: str) -> list[str]:
    """Every ``<a href>`` of a page, absolute, in document order."""
    import lxml.etree
    import lxml.html

    if not body.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = doc.xpath("string(//base/@href)").strip()
    base_url = urljoin(base_url, base) if base else base_url
    return [urljoin(base_url, href) for href in doc.xpath("//a/@href")]


def discover(
    source: Source,
    max_listing_pages: int | None = None,
    *,
    fetcher: Fetcher | None = None,
    failures: list[dict[str, Any]] | None = None,
) -> list[str]:
    """Canonical article URLs found by walking the source's listing pages and their pagination.

    Patterns are matched against URL paths; a listing URL keeps its query (``?page=2``), so
    pagination by query string is followed as far as ``max_listing_pages`` allows.

    Listing pages that cannot be fetched are logged (and appended to ``failures`` as fetch
    records); discovery goes on with the others.
    """
    max_listing_pages = settings.MAX_LISTING_PAGES if max_listing_pages is None else max_listing_pages
    max_articles = settings.MAX_PAGES_PER_RUN
    owned = fetcher is None
    fetcher = fetcher or Fetcher(source)
    queue = [u for u in (canonical_url(s) for s in source.start_urls) if u]
    seen_listings = set(queue)
    articles: dict[str, None] = {}
    walked = 0
    try:
        while queue and walked < max_listing_pages and len(articles) < max_articles:
            listing = queue.pop(0)
            walked += 1
            try:
                page = fetcher.get(listing)
            except FetchError as exc:
                log.warning("%s: listing page %s %s: %s", source.id, listing, exc.outcome, exc)
                if failures is not None:
                    failures.append(_record(source, listing, error=exc))
                continue
            for link in _links(page.body, page.final_url):
                url = canonical_url(link)
                if url is None or not host_allowed(source, url):
                    continue
                path = urlsplit(url).path
                if source.is_article(path):
                    articles.setdefault(url, None)
                elif source.is_listing(path) and url not in seen_listings:
                    seen_listings.add(url)
                    queue.append(url)
    finally:
        if owned:
            fetcher.close()
    found = list(articles)[:max_articles]
    log.info("%s: %d article URLs from %d listing pages", source.id, len(found), walked)
    return found


# --- fetching articles -------------------------------------------------------------
def raw_path(content_hash: str) -> Path:
    return settings.RAW_DIR / content_hash[:2] / f"{content_hash}.html.gz"


def store_raw(body: bytes) -> tuple[str, Path]:
    """Keep a body once in the archive, gzip-compressed and named by its sha256; never replaces a file."""
    digest = hashlib.sha256(body).hexdigest()
    path = raw_path(digest)
    if path.exists():
        return digest, path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".gz")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(gzip.compress(body, mtime=0))
        try:
            os.link(tmp, path)  # fails if another worker stored the same body meanwhile
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return digest, path


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _record(source: Source, url: str, *, page: Page | None = None, error: FetchError | None = None) -> dict[str, Any]:
    """A fetch record of docs/architecture.md."""
    record: dict[str, Any] = {
        "source": source.id,
        "url": url,
        "final_url": url,
        "status": None,
        "outcome": "failed",
        "error": None,
        "content_hash": None,
        "raw_path": None,
        "content_type": None,
        "encoding": None,
        "etag": None,
        "last_modified": None,
        "fetched_at": _now(),
        "attempts": 0,
    }
    if error is not None:
        record.update(
            final_url=error.final_url or url,
            status=error.status,
            outcome=error.outcome,
            error=" ".join(str(error).split()),
            attempts=error.attempts,
        )
    if page is not None:
        record.update(
            final_url=page.final_url,
            status=page.status,
            outcome="not_modified" if page.status == 304 else "fetched",
            content_type=page.content_type,
            encoding=page.encoding,
            etag=page.headers.get("etag"),
            last_modified=page.headers.get("last-modified"),
            attempts=page.attempts,
        )
        if page.status == 200:
            digest, path = store_raw(page.body)
            record.update(content_hash=digest, raw_path=str(path))
    return record


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    """Write JSON lines to a temporary file, then move it into place: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def fetch_urls(
    source: Source,
    urls: Iterable[str],
    run_dir: Path | str,
    *,
    fetcher: Fetcher | None = None,
    extra_records: Iterable[dict[str, Any]] = (),
) -> Path:
    """Fetch each URL, archive its body and write ``<run_dir>/<source>/fetched.jsonl``; returns its path.

    ``extra_records`` (e.g. failed listing pages from ``discover``) are written first.
    """
    urls = list(dict.fromkeys(urls))
    if len(urls) > settings.MAX_PAGES_PER_RUN:
        log.warning("%s: %d URLs, fetching the first %d", source.id, len(urls), settings.MAX_PAGES_PER_RUN)
        urls = urls[: settings.MAX_PAGES_PER_RUN]
    owned = fetcher is None
    fetcher = fetcher or Fetcher(source)
    records = list(extra_records)
    counts: dict[str, int] = {}
    try:
        for url in urls:
            try:
                record = _record(source, url, page=fetcher.get(url))
            except FetchError as exc:
                log.warning("%s: %s %s: %s", source.id, url, exc.outcome, exc)
                record = _record(source, url, error=exc)
            records.append(record)
            counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
    finally:
        if owned:
            fetcher.close()
    log.info("%s: %s", source.id, ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no URLs")
    return write_jsonl(Path(run_dir) / source.id / "fetched.jsonl", records)
