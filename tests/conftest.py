"""Shared fixtures: real local servers (demo portal, SMTP) and a private data directory per test.

``etl.settings`` reads the environment once, at import. So this file points every path at a
throw-away directory *before* anything imports ``etl`` or ``airflow``; a test that needs its own
directory or port uses a fixture that sets both the environment (for subprocesses such as
``airflow dags test``) and the attribute on ``etl.settings`` (for code in this process).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="tinhuy-tests-"))

# Before etl.settings and airflow are imported: nothing a test does lands in the repository or ~/airflow.
os.environ["TINHUY_DATA_DIR"] = str(_SESSION_DIR / "data")
for _name in ("WAREHOUSE", "RAW_DIR", "RUNS_DIR", "OUTBOX_DIR", "GX_DOCS_DIR"):
    os.environ.pop(f"TINHUY_{_name}", None)
os.environ["AIRFLOW_HOME"] = str(_SESSION_DIR / "airflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_DIR / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ.pop("AIRFLOW_CONN_SMTP_DEFAULT", None)

from etl import settings  # noqa: E402 - must follow the environment above

# settings.<NAME> -> the path under a data directory it defaults to.
DATA_PATHS = {
    "DATA_DIR": "",
    "WAREHOUSE": "warehouse.duckdb",
    "RAW_DIR": "raw",
    "RUNS_DIR": "runs",
    "OUTBOX_DIR": "outbox",
    "GX_DOCS_DIR": "gx_docs",
}


@pytest.fixture(scope="session", autouse=True)
def _session_dir() -> Iterator[Path]:
    yield _SESSION_DIR
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """Undo what importing Airflow does to the root logger (level INFO, a stdout handler).

    Airflow configures logging on first import, inside whichever test imports it first; without
    this, every later test would see INFO records on the root logger, and results would depend
    on test order.
    """
    root = logging.getLogger()
    level, before = root.level, set(root.handlers)
    yield
    root.setLevel(level)
    for handler in root.handlers[:]:
        if handler not in before and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tmp_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory (warehouse, raw archive, runs, outbox) for this test, in env and settings."""
    data = tmp_path / "data"
    for name, sub in DATA_PATHS.items():
        path = data / sub if sub else data
        monkeypatch.setenv(f"TINHUY_{name}", str(path))
        monkeypatch.setattr(settings, name, path)
    data.mkdir(parents=True)
    return data


@pytest.fixture
def demo_portal(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo portal served from a thread on a free port; the ``demo`` sources point at it. Yields its base URL."""
    from etl.demo_portal.server import make_server

    server = make_server("127.0.0.1", 0)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="demo-portal", daemon=True)
    thread.start()
    monkeypatch.setenv("TINHUY_DEMO_PORTAL_PORT", str(port))
    monkeypatch.setattr(settings, "DEMO_PORTAL_PORT", port)
    monkeypatch.setenv("TINHUY_SOURCES", "demo")
    monkeypatch.setattr(settings, "SOURCES", "demo")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class SmtpServer:
    """A running aiosmtpd server that saves what it receives as .eml files."""

    host: str
    port: int
    outbox: Path
    saved: list[Path] = field(default_factory=list)

    @property
    def messages(self) -> list[EmailMessage]:
        return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in self.saved]

    def connection_json(self, **extra: object) -> str:
        """The ``smtp_default`` connection for this server as Airflow's JSON form: plain SMTP, no SSL, no TLS."""
        import json

        return json.dumps(
            {
                "conn_type": "smtp",
                "host": self.host,
                "port": self.port,
                "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 10, "retry_limit": 0, **extra},
            }
        )


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on a free port; ``smtp_default`` points at it through AIRFLOW_CONN_SMTP_DEFAULT."""
    from aiosmtpd.controller import Controller

    from etl.demo import OutboxHandler

    outbox = tmp_path / "outbox"
    handler = OutboxHandler(outbox)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    server = SmtpServer("127.0.0.1", port, outbox, handler.saved)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", server.connection_json())
    try:
        yield server
    finally:
        controller.stop()
