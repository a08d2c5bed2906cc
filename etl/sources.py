"""Read and check the sources file: which portals to crawl, how politely, with which site profile."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etl import settings


class SourcesError(ValueError):
    """A sources or profiles file that cannot be used; the message is one line naming file and entry."""


@dataclass(frozen=True)
class Source:
    """One portal to crawl."""

    id: str
    province: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    # Regular expression matched against an absolute URL's path to recognise article pages.
    article_pattern: str
    # Regular expression for listing pages (pagination) to follow; None follows none.
    listing_pattern: str | None = None
    delay_s: float = settings.DEFAULT_DELAY_S
    concurrency: int = 1
    # A local source (the demo portal) may resolve to loopback or private addresses.
    is_local: bool = False
    profile_name: str | None = None
    profile: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # RSS/Atom feeds or sitemaps to discover articles from, besides those the site announces itself.
    feeds: tuple[str, ...] = ()

    def is_article(self, path: str) -> bool:
        return re.search(self.article_pattern, path) is not None

    def is_listing(self, path: str) -> bool:
        return self.listing_pattern is not None and re.search(self.listing_pattern, path) is not None


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


def resolve_path(name_or_path: str | Path) -> Path:
    """A sources file given by path, or by the name of one shipped in etl/data (``default``, ``demo``)."""
    text = str(name_or_path)
    shipped = settings.PACKAGE_DATA_DIR / f"sources.{text}.yaml"
    if "/" not in text and not text.endswith((".yaml", ".yml")) and shipped.exists():
        return shipped
    return Path(text)


def _read_yaml(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read ({exc})") from None
    try:
        return yaml.safe_load(_expand(raw))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SourcesError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None


def _expand(raw: str) -> str:
    """Expand ``${DEMO_PORTAL}`` to the demo portal's base URL and ``${DEMO_PORTAL_HOST}`` to its host, from settings."""
    base = f"http://{settings.DEMO_PORTAL_HOST}:{settings.DEMO_PORTAL_PORT}"
    return raw.replace("${DEMO_PORTAL}", base).replace("${DEMO_PORTAL_HOST}", settings.DEMO_PORTAL_HOST)


def load_profiles(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Site profiles (selectors per portal layout) by name."""
    path = path or settings.PACKAGE_DATA_DIR / "profiles.yaml"
    data = _read_yaml(path) or {}
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict):
        raise SourcesError(f"{path}: expected a mapping under 'profiles'")
    return _nfc(profiles)


_REQUIRED = ("id", "province", "start_urls", "allowed_hosts", "article_pattern")


def load_sources(name_or_path: str | Path | None = None) -> list[Source]:
    """All sources of a sources file, checked; raises SourcesError with a one-line reason."""
    path = resolve_path(name_or_path or settings.SOURCES)
    data = _read_yaml(path)
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: expected a non-empty list under 'sources'")
    profiles = load_profiles()
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{path}: source #{i + 1}"
        if not isinstance(entry, dict):
            raise SourcesError(f"{where}: expected a mapping, got {type(entry).__name__}")
        entry = _nfc(entry)
        where = f"{path}: source '{entry.get('id', '#' + str(i + 1))}'"
        missing = [k for k in _REQUIRED if not entry.get(k)]
        if missing:
            raise SourcesError(f"{where}: missing {', '.join(missing)}")
        if entry["id"] in seen:
            raise SourcesError(f"{where}: duplicate id")
        seen.add(entry["id"])
        for key in ("start_urls", "allowed_hosts"):
            if not isinstance(entry[key], list) or not all(isinstance(u, str) for u in entry[key]):
                raise SourcesError(f"{where}: '{key}' must be a list of strings")
        feeds = entry.get("feeds") or []
        if not isinstance(feeds, list) or not all(isinstance(u, str) for u in feeds):
            raise SourcesError(f"{where}: 'feeds' must be a list of strings")
        for key in ("article_pattern", "listing_pattern"):
            if entry.get(key):
                try:
                    re.compile(entry[key])
                except re.error as exc:
                    raise SourcesError(f"{where}: '{key}' is not a valid regular expression ({exc})") from None
        politeness = entry.get("politeness") or {}
        if not isinstance(politeness, dict):
            raise SourcesError(f"{where}: 'politeness' must be a mapping")
        profile_name = entry.get("profile")
        if profile_name is not None and profile_name not in profiles:
            raise SourcesError(f"{where}: unknown profile '{profile_name}' (known: {', '.join(sorted(profiles))})")
        try:
            delay = float(politeness.get("delay_s", settings.DEFAULT_DELAY_S))
            concurrency = int(politeness.get("concurrency", 1))
        except (TypeError, ValueError):
            raise SourcesError(f"{where}: politeness delay_s and concurrency must be numbers") from None
        if delay < 0 or concurrency < 1:
            raise SourcesError(f"{where}: politeness needs delay_s >= 0 and concurrency >= 1")
        sources.append(
            Source(
                id=str(entry["id"]),
                province=str(entry["province"]),
                start_urls=tuple(entry["start_urls"]),
                allowed_hosts=tuple(h.lower() for h in entry["allowed_hosts"]),
                article_pattern=entry["article_pattern"],
                listing_pattern=entry.get("listing_pattern"),
                delay_s=delay,
                concurrency=concurrency,
                is_local=bool(entry.get("local", False)),
                profile_name=profile_name,
                profile=profiles.get(profile_name) if profile_name else None,
                feeds=tuple(feeds),
            )
        )
    return sources


def get_source(source_id: str, name_or_path: str | Path | None = None) -> Source:
    for source in load_sources(name_or_path):
        if source.id == source_id:
            return source
    raise SourcesError(f"{resolve_path(name_or_path or settings.SOURCES)}: no source with id '{source_id}'")
