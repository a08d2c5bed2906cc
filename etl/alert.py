"""One email per run that failed data-quality checks: which checks, how many rows, example sentences.

``build_message`` is pure (report in, message out); ``send`` hands the message to Airflow's
SMTP connection. Subject, text and HTML bodies are Jinja2 templates in ``etl/templates``; the
HTML one escapes everything, since the sentences come from scraped pages.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

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


def failed_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The checks that did not pass, errors before warnings."""
    failed = [c for c in report.get("checks") or [] if not c.get("success", False)]
    return sorted(failed, key=lambda c: c.get("severity") != "error")


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


def subject_sources(sources: list[str]) -> list[str]:
    if len(sources) <= SUBJECT_SOURCES:
        return sources
    return [*sources[:SUBJECT_SOURCES], f"+{len(sources) - SUBJECT_SOURCES}"]


def build_message(report: dict[str, Any]) -> EmailMessage | None:
    """The alert for a validation report (docs/architecture.md); None when every check passed."""
    failed = failed_checks(report)
    if not failed:
        return None
    env = _environment()
    context: dict[str, Any] = {
        "run_id": _one_line(report.get("run_id")) or "(unknown run)",
        "checked_at": _one_line(report.get("checked_at")),
        "total": len(report.get("checks") or []),
        "failed": [_view(c) for c in failed],
        "sources": subject_sources(_failing_sources(report, failed)),
        "run_sources": [str(s) for s in report.get("sources") or []],
        "data_docs": report.get("data_docs"),
    }
    subject = _one_line(env.get_template("alert_subject.txt.j2").render(context))
    context["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.ALERT_FROM
    message["To"] = ", ".join(settings.ALERT_TO)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.ALERT_FROM.rpartition("@")[2] or "tinhuy.local")
    message["X-Tinhuy-Run-Id"] = context["run_id"]
    message.set_content(env.get_template("alert.txt.j2").render(context))
    message.add_alternative(env.get_template("alert.html.j2").render(context), subtype="html")
    return message


def send(report: dict[str, Any], conn_id: str | None = None) -> str | None:
    """Mail the alert through Airflow's SMTP connection; where it went, or None when nothing failed."""
    message = build_message(report)
    if message is None:
        log.info("all data-quality checks passed; no alert")
        return None
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    conn_id = conn_id or settings.SMTP_CONN_ID
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        if hook.from_email:
            message.replace_header("From", hook.from_email)
        # The hook's send_email_smtp builds an HTML-only message; a multipart/alternative one
        # goes through the client the hook opened (SSL, STARTTLS and login already done).
        hook._smtp_client.send_message(message)  # noqa: SLF001
        where = f"{message['To']} via {conn_id} ({hook.host}:{hook.port})"
    log.info("alert sent: %s: %s", message["Subject"], where)
    return where
