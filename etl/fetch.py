"""Download portal pages politely: robots.txt, turns per host, retries with backoff, conditional requests, limits.

``walk`` finds a source's article URLs on its listing pages, RSS/Atom feeds and sitemaps, and stops
following a listing where earlier runs already saw every article on it; ``fetch_urls`` downloads
articles, keeps each body once in the raw archive and writes one fetch record per URL
(docs/architecture.md). A page that cannot be had is recorded with a one-line reason; it never
stops the others. Which URLs to fetch, and what earlier runs knew about them, is ``etl.crawl``'s
business: this module gets that knowledge as arguments.
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
import re
import socket
import tempfile
import time
import zlib
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego

from etl import settings
from etl.politeness import HostBusy, HostLimiter, default_limiter
from etl.sources import Source

log = logging.getLogger(__name__)

# Query parameters that only track where a click came from; they never change the page.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "zarsrc"})
TRACKING_PREFIXES = ("utm_",)
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Feeds and sitemaps: any XML, gzip-compressed sitemaps, and servers that call them text.
FEED_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream")
ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
# Statuses that send us elsewhere (httpx's is_redirect also counts 304 Not Modified).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses worth asking again: the server or something in between is busy or briefly broken.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
# RFC 9309: crawlers need read no more than this much of a robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024
# Outcomes of a fetch record. "unchanged": answered 200 with a body already parsed for this URL.
OUTCOMES = ("fetched", "not_modified", "unchanged", "failed", "skipped")
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml")


class FetchError(Exception):
    """A URL that could not be had; ``outcome`` is ``failed`` (tried and lost) or ``skipped`` (refused by policy)."""

    def __init__(self, outcome: str, message: str, *, status: int | None = None, final_url: str | None = None):
        super().__init__(message)
        self.outcome = outcome
        self.status = status
        self.final_url = final_url
        self.attempts = 0
        self.tries: list[dict[str, Any]] = []


@dataclass
class Page:
    """One page as it came over the wire (after redirects); ``status`` 304 has no body."""

    url: str
    final_url: str
    status: int
    body: bytes
    headers: httpx.Headers
    attempts: int
    # One entry per HTTP request made for this page (retries and redirect hops).
    tries: list[dict[str, Any]] = field(default_factory=list)

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

    @property
    def declared_encoding(self) -> str | None:
        """The charset of the HTTP header, else of the page's meta tag, else None (left to detection)."""
        if self.encoding:
            return self.encoding
        match = _META_CHARSET.search(self.body[:4096])
        return match.group(1).decode("ascii", "replace").lower() if match else None


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


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _now() -> str:
    """The current UTC time to the millisecond: runs a second apart must still order their fetches."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Fetcher:
    """An HTTP client for one source: robots.txt, turns per host, retries, redirects, conditional requests, limits.

    Every limit defaults to its value in ``etl.settings``; ``sleep``, ``clock`` and ``rng`` are
    there so tests need not wait. ``robots_state`` maps a robots.txt URL to what an earlier run
    got (validators and archived body hash) so that it too is asked for conditionally;
    ``robots_records`` collects a fetch record for every robots.txt asked for.
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
    limiter: HostLimiter | None = None
    robots_state: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        timeout = httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s)
        # httpx asks for gzip and deflate and decodes them; the size limit applies to the decoded body.
        headers = {"User-Agent": self.user_agent, "Accept-Language": "vi"}
        self._client = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)
        self._owns_limiter = self.limiter is None
        self.limiter = self.limiter or default_limiter()
        # Per origin: the parsed robots.txt, None when there is none (allow all), or why it could not be read.
        self._robots: dict[str, Protego | str | None] = {}
        self.robots_records: list[dict[str, Any]] = []
        # Per host: None when it resolves to public addresses only, else why it may not be fetched.
        self._address_checks: dict[str, str | None] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()
        if self._owns_limiter and hasattr(self.limiter, "close"):
            self.limiter.close()  # type: ignore[union-attr]

    # --- the public calls ----------------------------------------------------
    def get(self, url: str, *, kind: str = "page", validators: Mapping[str, Any] | None = None) -> Page:
        """One page (``kind`` page: HTML; feed: RSS, Atom or sitemap XML), following redirects inside the source.

        ``validators`` (``etag``, ``last_modified``) make the request conditional: an unchanged page
        comes back as a ``Page`` with status 304 and no body. Raises FetchError.
        """
        tries: list[dict[str, Any]] = []
        current = url
        try:
            for hop in range(self.max_redirects + 1):
                self._check_allowed(current, redirected_from=url if hop else None)
                if not self.robots_allows(current):
                    raise FetchError("skipped", f"disallowed by robots.txt: {current}")
                response, body = self._request(
                    current, kind=kind, max_bytes=self.max_body_bytes, validators=validators, tries=tries
                )
                if response.status_code in REDIRECT_STATUSES:
                    current = self._redirect_target(response, current)
                    continue
                if response.status_code == 304:
                    return Page(url, current, 304, b"", response.headers, len(tries), tries)
                if response.status_code != 200:
                    raise FetchError("failed", f"HTTP {response.status_code}", status=response.status_code)
                return Page(url, current, 200, body, response.headers, len(tries), tries)
            raise FetchError("failed", f"more than {self.max_redirects} redirects")
        except FetchError as exc:
            exc.attempts = len(tries)
            exc.tries = tries
            exc.final_url = exc.final_url or current
            raise

    def robots_allows(self, url: str) -> bool:
        """Whether robots.txt lets us fetch a URL; raises FetchError when the site's robots.txt cannot be read."""
        parser = self._robots_for(url)
        if isinstance(parser, str):
            raise FetchError("failed", parser)
        return parser is None or parser.can_fetch(url, self.user_agent)

    def sitemaps(self, url: str) -> list[str]:
        """The sitemaps a URL's robots.txt announces (empty when it has none or cannot be read)."""
        parser = self._robots_for(url)
        return list(parser.sitemaps) if isinstance(parser, Protego) else []

    # --- politeness ----------------------------------------------------------
    def _delay_for(self, origin: str) -> float:
        """The source's delay, or robots.txt's Crawl-delay or Request-rate when longer."""
        parser = self._robots.get(origin)
        delay = self.source.delay_s
        if isinstance(parser, Protego):
            delay = max(delay, float(parser.crawl_delay(self.user_agent) or 0.0))
            rate = parser.request_rate(self.user_agent)
            if rate is not None and rate.requests:
                delay = max(delay, rate.seconds / rate.requests)
        return delay

    def _robots_for(self, url: str) -> Protego | str | None:
        """The parsed robots.txt of a URL's origin: None when there is none (allow all), a reason when unreadable.

        RFC 9309: a robots.txt the server cannot serve (5xx, no answer) means crawl nothing for now.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._robots:
            return self._robots[origin]
        robots_url = f"{origin}/robots.txt"
        prior = dict(self.robots_state.get(robots_url) or {})
        if not prior.get("content_hash") or read_raw(prior["content_hash"]) is None:
            prior = {}
        tries: list[dict[str, Any]] = []
        parser: Protego | str | None
        record: dict[str, Any]
        try:
            response, body = self._robots_response(robots_url, prior, tries)
            page = Page(robots_url, str(response.url), response.status_code, body, response.headers, len(tries), tries)
            if response.status_code in (200, 304):
                record = fetch_record(self.source, robots_url, kind="robots", page=page, previous=prior)
                text = body if response.status_code == 200 else read_raw(prior["content_hash"]) or b""
                parser = Protego.parse(text.decode("utf-8", errors="replace"))
            else:
                error = FetchError("failed", f"HTTP {response.status_code}", status=response.status_code)
                error.attempts, error.tries = len(tries), tries
                record = fetch_record(self.source, robots_url, kind="robots", error=error)
                status = response.status_code
                parser = None if 400 <= status < 500 else f"robots.txt unavailable (HTTP {status})"
        except FetchError as exc:
            exc.attempts, exc.tries = len(tries), tries
            record = fetch_record(self.source, robots_url, kind="robots", error=exc)
            parser = f"robots.txt unavailable ({exc})"
        if isinstance(parser, str):
            log.warning("%s: %s; fetching nothing from this site", origin, parser)
        self.robots_records.append(record)
        self._robots[origin] = parser
        return parser

    def _robots_response(
        self, url: str, prior: Mapping[str, Any], tries: list[dict[str, Any]]
    ) -> tuple[httpx.Response, bytes]:
        """robots.txt, conditionally when an earlier body is archived; redirects followed (RFC 9309: at least five)."""
        response, body = self._request(
            url, kind="robots", max_bytes=ROBOTS_MAX_BYTES, truncate=True, validators=prior, tries=tries
        )
        for _ in range(self.max_redirects):
            if response.status_code not in REDIRECT_STATUSES:
                break
            target = self._redirect_target(response, str(response.url))
            response, body = self._request(
                target, kind="robots", max_bytes=ROBOTS_MAX_BYTES, truncate=True, validators=None, tries=tries
            )
        return response, body

    # --- one request with retries -------------------------------------------
    def _request(
        self,
        url: str,
        *,
        kind: str,
        max_bytes: int,
        tries: list[dict[str, Any]],
        truncate: bool = False,
        validators: Mapping[str, Any] | None = None,
    ) -> tuple[httpx.Response, bytes]:
        """GET one URL (no redirects) in the host's turn, retrying on 408/429/5xx and network errors."""
        parts = urlsplit(url)
        origin, host = f"{parts.scheme}://{parts.netloc}", parts.netloc.lower()
        headers = {"Accept": ACCEPT.get(kind, "*/*")}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
        max_attempts = max(1, self.max_attempts)
        reason, status = "", None
        for attempt in range(1, max_attempts + 1):
            retry_after: float | None = None
            entry = {"url": url, "attempt": attempt, "started_at": _now(), "conditional": conditional,
                     "status": None, "error": None, "elapsed_ms": None}
            tries.append(entry)
            started = self.clock()
            try:
                assert self.limiter is not None
                with self.limiter.turn(host, concurrency=self.source.concurrency, delay_s=self._delay_for(origin),
                                       sleep=self.sleep):
                    started = self.clock()
                    entry["started_at"] = _now()
                    response, body = self._stream(url, kind=kind, max_bytes=max_bytes, truncate=truncate,
                                                  headers=headers)
            except HostBusy as exc:
                entry["error"] = _one_line(exc)
                raise FetchError("failed", _one_line(exc)) from None
            except FetchError as exc:
                entry.update(status=exc.status, error=_one_line(exc), elapsed_ms=_ms(self.clock() - started))
                raise
            except httpx.TransportError as exc:
                reason, status = _describe(exc), None
                entry.update(error=reason, elapsed_ms=_ms(self.clock() - started))
            except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
                entry["error"] = f"{type(exc).__name__}: {_one_line(exc)}"
                raise FetchError("failed", entry["error"]) from None
            else:
                entry.update(status=response.status_code, elapsed_ms=_ms(self.clock() - started))
                if response.status_code not in RETRY_STATUSES:
                    return response, body
                reason, status = f"HTTP {response.status_code}", response.status_code
                retry_after = _retry_after(response.headers.get("retry-after"))
            if attempt == max_attempts:
                break
            delay = self.rng() * min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
            if retry_after is not None:
                # Held for every worker that asks this host, not only for this URL.
                self.limiter.defer(host, retry_after)
                if retry_after > self.backoff_cap_s:
                    raise FetchError("failed", f"{reason}, asked to retry after {retry_after:.0f} s", status=status)
            log.info("%s: %s; attempt %d of %d in %.1f s", url, reason, attempt + 1, max_attempts,
                     max(delay, retry_after or 0.0))
            self.sleep(delay)
        plural = "s" if max_attempts != 1 else ""
        raise FetchError("failed", f"{reason} after {max_attempts} attempt{plural}", status=status)

    def _stream(
        self, url: str, *, kind: str, max_bytes: int, truncate: bool, headers: dict[str, str]
    ) -> tuple[httpx.Response, bytes]:
        started = self.clock()
        with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                return response, b""
            _check_type(kind, response.headers.get("content-type"))
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

    # --- redirects and where we may go -----------------------------------------
    def _redirect_target(self, response: httpx.Response, current: str) -> str:
        location = response.headers.get("location")
        target = canonical_url(location or "", base=current)
        if target is None:
            status = response.status_code
            raise FetchError("failed", f"HTTP {status} without a usable Location", status=status)
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


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def _check_type(kind: str, content_type: str | None) -> None:
    """Refuse a 200 whose Content-Type cannot be what we asked for (a PDF where an article should be)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if not media or kind == "robots":
        return
    if kind == "page" and media not in HTML_TYPES:
        raise FetchError("skipped", f"not HTML ({media})", status=200)
    if kind == "feed" and not ("xml" in media or media.startswith("text/") or media in FEED_TYPES):
        raise FetchError("skipped", f"not a feed or sitemap ({media})", status=200)


# --- the raw archive ----------------------------------------------------------------
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


def read_raw(content_hash: str | None) -> bytes | None:
    """An archived body, or None when the archive does not have it (or it is damaged)."""
    if not content_hash:
        return None
    try:
        return gzip.decompress(raw_path(content_hash).read_bytes())
    except (OSError, EOFError, zlib.error):
        return None


# --- fetch records -------------------------------------------------------------------
def fetch_record(
    source: Source,
    url: str,
    *,
    kind: str = "article",
    page: Page | None = None,
    error: FetchError | None = None,
    previous: Mapping[str, Any] | None = None,
    parsed: Collection[str] = (),
) -> dict[str, Any]:
    """A fetch record of docs/architecture.md; a 200 body is archived here.

    ``previous`` is what an earlier run knew of the URL: a 304 carries its body hash, archive path
    and validators forward. A 200 whose body hash is in ``parsed`` (versions of this URL already
    parsed) is ``unchanged``, so that clean and parse pass it by.
    """
    previous = previous or {}
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
        "kind": kind,
        "headers": None,
        "body_bytes": None,
        "tries": [],
    }
    if error is not None:
        record.update(
            final_url=error.final_url or url,
            status=error.status,
            outcome=error.outcome,
            error=_one_line(error),
            attempts=error.attempts,
            tries=error.tries,
        )
    if page is not None:
        record.update(
            final_url=page.final_url,
            status=page.status,
            content_type=page.content_type,
            encoding=page.declared_encoding,
            etag=page.headers.get("etag"),
            last_modified=page.headers.get("last-modified"),
            attempts=page.attempts,
            headers=dict(page.headers.items()),
            tries=page.tries,
        )
        if page.status == 304:
            record.update(
                outcome="not_modified",
                content_hash=previous.get("content_hash"),
                raw_path=previous.get("raw_path"),
                content_type=previous.get("content_type") or record["content_type"],
                encoding=previous.get("encoding"),
                etag=record["etag"] or previous.get("etag"),
                last_modified=record["last_modified"] or previous.get("last_modified"),
            )
        else:
            digest, path = store_raw(page.body)
            record.update(
                content_hash=digest,
                raw_path=str(path),
                body_bytes=len(page.body),
                outcome="unchanged" if digest in parsed else "fetched",
            )
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


# --- discovery -------------------------------------------------------------------
def _links(body: bytes, base_url: str) -> tuple[list[str], list[str]]:
    """Every ``<a href>`` of a page and every feed it announces (``<link rel=alternate>``), absolute, in order."""
    import lxml.etree
    import lxml.html

    if not body.strip():
        return [], []
    try:
        doc = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return [], []
    base = doc.xpath("string(//base/@href)").strip()
    base_url = urljoin(base_url, base) if base else base_url
    anchors = [urljoin(base_url, href) for href in doc.xpath("//a/@href")]
    feeds = [
        urljoin(base_url, link.get("href"))
        for link in doc.xpath("//link[@href]")
        if "alternate" in (link.get("rel") or "").lower().split()
        and (link.get("type") or "").lower().strip() in _FEED_LINK_TYPES
    ]
    return anchors, feeds


def _iso(value: str | None) -> str | None:
    """A feed or sitemap date (RFC 822 or ISO 8601) as ISO 8601 UTC, or None when unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def feed_entries(body: bytes) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """The links of an RSS, Atom or sitemap document with their dates, and the child sitemaps of a sitemap index.

    Parsed without entities, DTDs or network access; a gzip-compressed sitemap is decompressed up
    to ``MAX_BODY_BYTES``.
    """
    import lxml.etree

    if body[:2] == b"\x1f\x8b":
        try:
            body = zlib.decompressobj(wbits=31).decompress(body, settings.MAX_BODY_BYTES)
        except zlib.error:
            return [], []
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []

    def local(el: Any) -> str:
        return lxml.etree.QName(el).localname.lower() if isinstance(el.tag, str) else ""

    def child_text(el: Any, *names: str) -> str | None:
        for child in el:
            if local(child) in names and (child.text or "").strip():
                return child.text.strip()
        return None

    entries: list[tuple[str, str | None]] = []
    children: list[tuple[str, str | None]] = []
    for el in root.iter():
        tag = local(el)
        if tag == "item":
            link = child_text(el, "link") or child_text(el, "guid")
            if link:
                entries.append((link, _iso(child_text(el, "pubdate", "date", "updated"))))
        elif tag == "entry":
            hrefs = [c.get("href") for c in el if local(c) == "link" and c.get("rel", "alternate") == "alternate"]
            if hrefs and hrefs[0]:
                entries.append((hrefs[0], _iso(child_text(el, "updated", "published"))))
        elif tag == "url":
            loc = child_text(el, "loc")
            if loc:
                entries.append((loc, _iso(child_text(el, "lastmod"))))
        elif tag == "sitemap":
            loc = child_text(el, "loc")
            if loc:
                children.append((loc, _iso(child_text(el, "lastmod"))))
    return entries, children


@dataclass
class Discovery:
    """What one walk of a source's listing pages, feeds and sitemaps found."""

    # Canonical article URLs in the order found, with the date a feed or sitemap gives (else None).
    articles: dict[str, str | None] = field(default_factory=dict)
    # One fetch record (kind listing, feed or sitemap) per discovery page asked for.
    records: list[dict[str, Any]] = field(default_factory=list)
    # Listing pages showing no article that was new (to earlier runs and to this walk so far): it stopped there.
    stopped_at: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return len(self.records)


def walk(
    source: Source,
    fetcher: Fetcher,
    *,
    known: Collection[str] = frozenset(),
    pages_state: Mapping[str, Mapping[str, Any]] | None = None,
    max_pages: int | None = None,
    since: str | None = None,
) -> Discovery:
    """Find a source's article URLs: its start (listing) pages and their pagination, its feeds and sitemaps.

    The watermark: ``known`` holds the article URLs earlier runs saw. A listing page showing no
    article outside it (nor outside what this walk already found) is the end of its start URL's
    stream (newest first, so the rest is older and seen): its pagination is not followed, and pages
    of that stream still queued are dropped. With nothing known (a first crawl) only ``max_pages``
    (default ``MAX_LISTING_PAGES``) stops it.
    Sitemaps of an index whose lastmod is older than ``since`` (ISO time of the last crawl) are skipped.

    ``pages_state`` maps discovery pages to what an earlier run got (validators, archived body
    hash): they are asked for conditionally, and an unchanged one is read back from the archive.
    Feeds come from the source's ``feeds``, from ``<link rel=alternate>`` on listing pages and from
    ``Sitemap:`` lines of robots.txt. Pages that cannot be fetched are recorded; the walk goes on.
    """
    max_pages = settings.MAX_LISTING_PAGES if max_pages is None else max_pages
    pages_state = pages_state or {}
    found = Discovery()
    queue: deque[tuple[str, str, int | None]] = deque()
    queued: set[str] = set()
    stopped: set[int] = set()
    origins: set[str] = set()

    def push(url: str | None, kind: str, stream: int | None = None) -> None:
        if url and url not in queued and host_allowed(source, url):
            queued.add(url)
            queue.append((url, kind, stream))

    for stream, start in enumerate(source.start_urls):
        push(canonical_url(start), "listing", stream)
    for feed in getattr(source, "feeds", ()):
        push(canonical_url(feed), "feed")
    while queue and found.pages < max_pages:
        url, kind, stream = queue.popleft()
        if kind == "listing" and stream in stopped:
            continue
        body, record = _discovery_page(source, fetcher, url, kind, pages_state.get(url))
        found.records.append(record)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        if origin not in origins:
            origins.add(origin)
            for sitemap in fetcher.sitemaps(url):
                push(canonical_url(sitemap), "feed")
        if body is None:
            continue
        base = record["final_url"] or url
        if kind == "listing":
            anchors, feeds = _links(body, base)
            on_page: dict[str, None] = {}
            fresh, follow = 0, []
            for link in anchors:
                link = canonical_url(link)
                if link is None or not host_allowed(source, link):
                    continue
                path = urlsplit(link).path
                if source.is_article(path):
                    if link not in known and link not in found.articles:
                        fresh += 1
                    found.articles.setdefault(link, None)
                    on_page[link] = None
                elif source.is_listing(path):
                    follow.append(link)
            for feed in feeds:
                push(canonical_url(feed), "feed")
            is_watermark = bool(known) and not fresh
            record.update(article_count=len(on_page), new_article_count=fresh, is_watermark=is_watermark)
            if is_watermark:
                stopped.add(stream)  # type: ignore[arg-type]
                found.stopped_at.append(url)
            else:
                for link in follow:
                    push(link, "listing", stream)
        else:
            entries, children = feed_entries(body)
            count = 0
            for link, date in entries:
                link = canonical_url(link, base=base)
                if link and host_allowed(source, link) and source.is_article(urlsplit(link).path):
                    count += 1
                    if found.articles.get(link) is None:
                        found.articles[link] = date
            record.update(article_count=count)
            for child, date in sorted(children, key=lambda c: c[1] or "", reverse=True):
                if since is None or date is None or date >= since:
                    push(canonical_url(child, base=base), "feed")
    log.info("%s: %d article URLs from %d discovery pages%s", source.id, len(found.articles), found.pages,
             f", stopped at {len(found.stopped_at)} seen listing page(s)" if found.stopped_at else "")
    return found


def _discovery_page(
    source: Source, fetcher: Fetcher, url: str, kind: str, prior: Mapping[str, Any] | None
) -> tuple[bytes | None, dict[str, Any]]:
    """A listing page or feed body (from the archive when unchanged) and its fetch record; None when it failed."""
    fetch_kind = "page" if kind == "listing" else "feed"
    if prior and read_raw(prior.get("content_hash")) is None:
        prior = None  # a 304 would leave us without the body
    try:
        page = fetcher.get(url, kind=fetch_kind, validators=prior)
    except FetchError as exc:
        log.warning("%s: %s page %s %s: %s", source.id, kind, url, exc.outcome, exc)
        return None, fetch_record(source, url, kind=kind, error=exc)
    record = fetch_record(source, url, kind=kind, page=page, previous=prior)
    body = page.body if page.status == 200 else read_raw(record["content_hash"])
    return body, record


def discover(
    source: Source,
    max_listing_pages: int | None = None,
    *,
    fetcher: Fetcher | None = None,
    failures: list[dict[str, Any]] | None = None,
    known: Collection[str] = frozenset(),
) -> list[str]:
    """Canonical article URLs of a source (``walk``), at most ``MAX_PAGES_PER_RUN``.

    Discovery pages that cannot be fetched are logged and, when ``failures`` is given, appended
    to it as fetch records; discovery goes on with the others.
    """
    owned = fetcher is None
    fetcher = fetcher or Fetcher(source)
    try:
        found = walk(source, fetcher, known=known, max_pages=max_listing_pages)
    finally:
        if owned:
            fetcher.close()
    if failures is not None:
        failures.extend(r for r in found.records if r["outcome"] in ("failed", "skipped"))
    return list(found.articles)[: settings.MAX_PAGES_PER_RUN]


# --- fetching articles -------------------------------------------------------------
def fetch_urls(
    source: Source,
    urls: Iterable[str],
    run_dir: Path | str,
    *,
    fetcher: Fetcher | None = None,
    extra_records: Iterable[dict[str, Any]] = (),
    state: Mapping[str, Mapping[str, Any]] | None = None,
    path: Path | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    limit: int | None = None,
) -> Path:
    """Fetch each URL, archive its body and write ``<run_dir>/<source>/fetched.jsonl`` (or ``path``); returns it.

    ``state`` maps a URL to what an earlier run knew (``etag``, ``last_modified``, ``content_hash``,
    ``raw_path``, ``parsed``: hashes already parsed, ``plan``: why it is fetched): a URL whose body
    is archived is asked for conditionally. ``extra_records`` (e.g. failed listing pages) are
    written first; ``on_record`` sees each record as it is made (progress). At most ``limit``
    URLs are fetched (default MAX_PAGES_PER_RUN).
    """
    urls = list(dict.fromkeys(urls))
    limit = settings.MAX_PAGES_PER_RUN if limit is None else limit
    if len(urls) > limit:
        log.warning("%s: %d URLs, fetching the first %d", source.id, len(urls), limit)
        urls = urls[:limit]
    state = state or {}
    owned = fetcher is None
    fetcher = fetcher or Fetcher(source)
    records = list(extra_records)
    counts: dict[str, int] = {}
    try:
        for url in urls:
            prior = dict(state.get(url) or {})
            archived = bool(prior.get("content_hash")) and raw_path(prior["content_hash"]).exists()
            try:
                page = fetcher.get(url, validators=prior if archived else None)
                record = fetch_record(source, url, page=page, previous=prior, parsed=prior.get("parsed") or ())
            except FetchError as exc:
                log.warning("%s: %s %s: %s", source.id, url, exc.outcome, exc)
                record = fetch_record(source, url, error=exc)
            if prior.get("plan"):
                record["plan"] = prior["plan"]
            records.append(record)
            counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
            if on_record is not None:
                on_record(record)
    finally:
        if owned:
            fetcher.close()
    log.info("%s: %s", source.id, ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no URLs")
    return write_jsonl(path or Path(run_dir) / source.id / "fetched.jsonl", records)
