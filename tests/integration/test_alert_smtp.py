"""etl.alert.send through Airflow's real ``smtp_default`` connection (set by env var) to a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
from pathlib import Path

import pytest

from etl import alert, settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REPORT = {
    "run_id": "manual__2026-11-22T02:00:00+00:00",
    "checked_at": "2026-11-22T02:05:00+00:00",
    "passed": 1,
    "failed": 1,
    "sources": ["nghean"],
    "data_docs": None,
    "checks": [
        {
            "name": "percent_matches_fraction",
            "suite": "stg_indicators_crosscheck",
            "severity": "error",
            "success": False,
            "unexpected_count": 1,
            "notes": "a stated percent should be its fraction, rounded",
            "description": "a stated percent agrees with its fraction within 0.05 pp",
            "examples": [
                {
                    "url": "http://127.0.0.1:8765/nghean/vi-vn/tin/1.html",
                    "source": "nghean",
                    "sentence": "281/411 xã đạt 68,13% <b>bold</b>",
                    "detail": "281/411 = 68.37%, stated 68.13%",
                }
            ],
        },
        {"name": "value_not_null", "suite": "stg_indicators", "severity": "error", "success": True},
    ],
}


BROKEN_SOURCE = {
    "name": "source_has_articles",
    "suite": "sources",
    "severity": "error",
    "success": False,
    "unexpected_count": 1,
    "notes": "pages came back but nothing parsed",
    "description": "every source that fetched pages produced articles",
    "examples": [{"url": "http://127.0.0.1:8765/hatinh/tin/1.html", "source": "hatinh", "sentence": None,
                  "detail": "hatinh: 6 pages fetched, 0 articles, 0 indicators"}],
}
REPORT_WITH_BROKEN_SOURCE = {**REPORT, "checks": [*REPORT["checks"], BROKEN_SOURCE]}


def _check_source_delivered(message) -> None:
    assert message["Subject"] == "[tinhuy] 1 source broken: pages fetched, nothing parsed — hatinh"
    assert message.get_content_type() == "multipart/alternative"
    assert "hatinh: 6 pages fetched, 0 articles, 0 indicators" in message.get_body(preferencelist=("plain",)).get_content()


def _check_delivered(message) -> None:
    assert message["Subject"] == "[tinhuy] 1 data-quality check failed — nghean"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "281/411" in text and "68,13" in text
    assert "281/411" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_send_through_smtp_default(smtp_server: "SmtpServer") -> None:
    where = alert.send(REPORT)
    assert where is not None and f"127.0.0.1:{smtp_server.port}" in where
    assert len(smtp_server.saved) == 1
    assert smtp_server.saved[0].parent == smtp_server.outbox and smtp_server.saved[0].suffix == ".eml"
    message = smtp_server.messages[0]
    _check_delivered(message)
    assert message["To"] == ", ".join(settings.ALERT_TO)


def test_a_broken_source_is_a_second_email_in_the_same_session(smtp_server: "SmtpServer") -> None:
    where = alert.send(REPORT_WITH_BROKEN_SOURCE)
    assert where is not None and where.count(";") == 1
    first, second = smtp_server.messages
    _check_delivered(first)
    _check_source_delivered(second)


def test_nothing_failed_nothing_sent(smtp_server: "SmtpServer") -> None:
    passing = {**REPORT, "checks": [REPORT["checks"][1]], "failed": 0}
    assert alert.send(passing) is None
    assert smtp_server.saved == []


def test_connection_from_email_wins(smtp_server: "SmtpServer", monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_server.connection_json(from_email="ops@example.org"))
    alert.send(REPORT)
    assert smtp_server.messages[0]["From"] == "ops@example.org"


def test_unreachable_server_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
            "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 2, "retry_limit": 0}}
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(conn))
    with pytest.raises(OSError):
        alert.send(REPORT)


# --- STARTTLS and login ------------------------------------------------------------------
def _self_signed(directory: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


def test_send_with_starttls_and_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from etl.demo import OutboxHandler

    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"tinhuy" and auth_data.password == b"s3cret")

    handler = OutboxHandler(tmp_path / "outbox")
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=_self_signed(tmp_path),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        conn = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "login": "tinhuy",
            "password": "s3cret",
            # STARTTLS (disable_tls false) on a plain port (disable_ssl true); "none": a self-signed test certificate.
            "extra": {"disable_ssl": True, "disable_tls": False, "ssl_context": "none", "timeout": 10, "retry_limit": 0},
        }
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(conn))
        assert alert.send(REPORT_WITH_BROKEN_SOURCE) is not None
    finally:
        controller.stop()
    assert logins == [(b"tinhuy", b"s3cret")]  # one session, one login, both emails
    assert len(handler.saved) == 2
    from email import policy
    from email.parser import BytesParser

    first, second = (BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in handler.saved)
    _check_delivered(first)
    _check_source_delivered(second)
