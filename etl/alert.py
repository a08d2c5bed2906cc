"""The emails of a run's validation report: one data-quality alert, and one "source broken" alert.

The data-quality alert lists the failed checks with up to ALERT_EXAMPLES example rows each, what
was held out of the mart and a link to the run's data docs. The source-broken alert (to
SOURCE_ALERT_TO) names the sources that fetched pages but yielded no articles or no indicators.
``build_message`` and ``build_source_message`` are pure (report in, message out); ``send`` hands
the messages to Airflow's SMTP connection. Subjects and bodies are Jinja2 templates in
``etl/templates``; the HTML ones escape everything, since the sentences come from scraped pages.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from etl import settings

log = logging.getLogger(__name__)

TEMPLATES_DIR = settings.PACKAGE_DIR / "templates"
# Sources named in a subject before the rest are counted ("nghean, hatinh, thanhhoa +2").
SUBJECT_SOURCES = 3


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _is_source_check(check: dict[str, Any]) -> bool:
    from etl.validate import SOURCE_SUITE

    return check.get("suite") == SOURCE_SUITE


def failed_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The row-level checks that did not pass, errors before warnings (source checks have their own alert)."""
    failed = [c for c in report.get("checks") or [] if not c.get("success", False) and not _is_source_check(c)]
    return sorted(failed, key=lambda c: c.get("severity") != "error")


def failed_source_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The source-level checks that did not pass: sources that fetched pages but yielded nothing."""
    return [c for c in report.get("checks") or [] if not c.get("success", False) and _is_source_check(c)]


def _source_of(url: str | None, sources: list[Any]) -> str | None:
    """The id of the source whose hosts and article pattern match a URL."""
    if not url:
        return None
    parts = urlsplit(url)
    hosts = {(parts.hostname or "").lower(), parts.netloc.lower()}
    for source in sources:
        if hosts & set(source.allowed_hosts) and source.is_article(parts.path):
            return source.id
    return None


def _known_sources() -> list[Any]:
    from etl.sources import SourcesError, load_sources

    try:
        return load_sources()
    except SourcesError as exc:
        log.warning("cannot name the sources of failed checks: %s", exc)
        return []


def _failing_sources(report: dict[str, Any], failed: list[dict[str, Any]]) -> list[str]:
    """Sources with at least one failing example, in order of appearance; the run's sources when unknown."""
    found: dict[str, None] = {}
    known: list[Any] | None = None
    for check in failed:
        for sid in check.get("sources") or []:
            found.setdefault(str(sid), None)
        for example in check.get("examples") or []:
            sid = example.get("source")
            if not sid:
                known = _known_sources() if known is None else known
                sid = _source_of(example.get("url"), known)
            if sid:
                found.setdefault(str(sid), None)
    return list(found) or [str(s) for s in report.get("sources") or []]


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _view(check: dict[str, Any]) -> dict[str, Any]:
    """A failed check as the templates show it: at most ALERT_EXAMPLES examples, the rest counted."""
    examples = list(check.get("examples") or [])
    shown = examples[: settings.ALERT_EXAMPLES]
    count = int(check.get("unexpected_count") or len(examples))
    return {
        "name": _one_line(check.get("name")) or "(unnamed check)",
        "suite": _one_line(check.get("suite")),
        "severity": _one_line(check.get("severity")) or "error",
        "description": _one_line(check.get("description")),
        "notes": _one_line(check.get("notes")),
        "unexpected_count": count,
        "more": max(count, len(examples)) - len(shown),
        "examples": [
            {
                "sentence": _one_line(e.get("sentence")),
                "detail": _one_line(e.get("detail")),
                "url": _one_line(e.get("url")),
                "href": e["url"] if str(e.get("url") or "").startswith(("http://", "https://")) else None,
            }
            for e in shown
        ],
    }


def _broken_sources(failed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per broken source named by the failed source checks: what it fetched and yielded, a page to try."""
    found: dict[str, dict[str, Any]] = {}
    for check in failed:
        for example in check.get("examples") or []:
            sid = _one_line(example.get("source")) or _one_line(example.get("detail")).partition(":")[0] or "?"
            url = _one_line(example.get("url"))
            found.setdefault(
                sid,
                {
                    "source": sid,
                    "check": _one_line(check.get("name")),
                    "description": _one_line(check.get("description")),
                    "detail": _one_line(example.get("detail")),
                    "url": url,
                    "href": url if url.startswith(("http://", "https://")) else None,
                },
            )
    return list(found.values())


def _data_docs_link(path: Any) -> str | None:
    """The data docs' address: under DATA_DOCS_URL when the docs are served, else a file:// URL."""
    if not path:
        return None
    docs = Path(str(path))
    if settings.DATA_DOCS_URL:
        try:
            relative = docs.resolve().relative_to(settings.GX_DOCS_DIR.resolve())
        except ValueError:
            relative = None
        if relative is not None:
            return settings.DATA_DOCS_URL.rstrip("/") + "/" + quote(relative.as_posix())
    return docs.resolve().as_uri() if docs.is_absolute() else None


def subject_sources(sources: list[str]) -> list[str]:
    if len(sources) <= SUBJECT_SOURCES:
        return sources
    return [*sources[:SUBJECT_SOURCES], f"+{len(sources) - SUBJECT_SOURCES}"]


def _context(report: dict[str, Any]) -> dict[str, Any]:
    """What every template shows about the run."""
    quarantine = report.get("quarantine") or {}
    return {
        "run_id": _one_line(report.get("run_id")) or "(unknown run)",
        "checked_at": _one_line(report.get("checked_at")),
        "total": len(report.get("checks") or []),
        "run_sources": [str(s) for s in report.get("sources") or []],
        "data_docs": _one_line(report.get("data_docs")) or None,
        "data_docs_href": _data_docs_link(report.get("data_docs")),
        "held": int(quarantine.get("held") or 0),
        "flagged": int(quarantine.get("flagged") or 0),
    }


def _message(env: Environment, name: str, context: dict[str, Any], to: list[str]) -> EmailMessage:
    """A multipart/alternative message from the templates <name>_subject.txt.j2, <name>.txt.j2 and <name>.html.j2."""
    subject = _one_line(env.get_template(f"{name}_subject.txt.j2").render(context))
    context = {**context, "subject": subject}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.ALERT_FROM
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.ALERT_FROM.rpartition("@")[2] or "tinhuy.local")
    message["X-Tinhuy-Run-Id"] = context["run_id"]
    message.set_content(env.get_template(f"{name}.txt.j2").render(context))
    message.add_alternative(env.get_template(f"{name}.html.j2").render(context), subtype="html")
    return message


def build_message(report: dict[str, Any]) -> EmailMessage | None:
    """The data-quality alert for a validation report (docs/architecture.md); None when every row-level check passed."""
    failed = failed_checks(report)
    if not failed:
        return None
    context = {
        **_context(report),
        "failed": [_view(c) for c in failed],
        "sources": subject_sources(_failing_sources(report, failed)),
        "broken_sources": [s["source"] for s in _broken_sources(failed_source_checks(report))],
    }
    return _message(_environment(), "alert", context, settings.ALERT_TO)


def build_source_message(report: dict[str, Any]) -> EmailMessage | None:
    """The "source broken" alert: sources that fetched pages but yielded no articles or indicators; None when none."""
    failed = failed_source_checks(report)
    if not failed:
        return None
    broken = _broken_sources(failed)
    count = max(len(broken), sum(int(c.get("unexpected_count") or 0) for c in failed))
    context = {
        **_context(report),
        "broken": broken,
        "count": count,
        "more": count - len(broken),
        "sources": subject_sources([s["source"] for s in broken]),
    }
    return _message(_environment(), "source_broken", context, settings.SOURCE_ALERT_TO)


def build_messages(report: dict[str, Any]) -> list[EmailMessage]:
    """Every email a report calls for: the data-quality alert and the source-broken alert, each when due."""
    built = (build_message(report), build_source_message(report))
    return [message for message in built if message is not None]


def send(report: dict[str, Any], conn_id: str | None = None) -> str | None:
    """Mail the run's alerts through Airflow's SMTP connection, in one session; where they went, or None when none was due."""
    messages = build_messages(report)
    if not messages:
        log.info("all data-quality checks passed; no alert")
        return None
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    conn_id = conn_id or settings.SMTP_CONN_ID
    sent = []
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        for message in messages:
            if hook.from_email:
                message.replace_header("From", hook.from_email)
            # The hook's send_email_smtp builds an HTML-only message; a multipart/alternative one
            # goes through the client the hook opened (SSL, STARTTLS and login already done).
            hook._smtp_client.send_message(message)  # noqa: SLF001
            log.info("alert sent: %s: to %s", message["Subject"], message["To"])
            sent.append(f"{message['To']}")
        where = f"{'; '.join(sent)} via {conn_id} ({hook.host}:{hook.port})"
    return where
