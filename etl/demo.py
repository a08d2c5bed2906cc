"""``tinhuy demo``: run the ingestion DAG once through Airflow against the local demo portal.

It keeps an Airflow home in ``<repo>/.airflow`` (SQLite, LocalExecutor, the repository's ``dags/``),
serves the demo portal and an SMTP server that saves each message to ``data/outbox/`` on
127.0.0.1, runs ``airflow dags test tinhuy_ingest``, stops what it started and prints what the
run produced. Airflow's own output goes to a log file under ``.airflow/logs/``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from etl import settings

log = logging.getLogger(__name__)

DAG_ID = "tinhuy_ingest"
AIRFLOW_HOME = settings.REPO_DIR / ".airflow"
DAGS_DIR = settings.REPO_DIR / "dags"
# A demo run takes about a minute; one that has not finished in this long is stuck.
DAG_TEST_TIMEOUT_S = 1800
WAREHOUSE_POOL = ("warehouse", "1", "one writer of the DuckDB warehouse at a time")
# The last task of the DAG: it fails, after the load and the alert, when an error-level check failed.
DQ_GATE_TASK = "dq_gate"


class DemoError(RuntimeError):
    """The demo could not run; the message is one line saying what to do."""


# --- the local mail server ------------------------------------------------------------
class OutboxHandler:
    """An aiosmtpd handler that saves each message it receives as ``<outbox>/<timestamp>-<n>.eml``."""

    def __init__(self, outbox: Path):
        self.outbox = Path(outbox)
        self.saved: list[Path] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        self.outbox.mkdir(parents=True, exist_ok=True)
        with self._lock:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            n = len(self.saved) + 1
            path = self.outbox / f"{stamp}-{n}.eml"
            while path.exists():
                n += 1
                path = self.outbox / f"{stamp}-{n}.eml"
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(content)
            os.replace(tmp, path)
            self.saved.append(path)
        log.info("saved message for %s to %s", ", ".join(envelope.rcpt_tos), path)
        return "250 Message accepted for delivery"


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def smtp_server(outbox: Path, host: str = "127.0.0.1", port: int | None = None) -> Iterator[tuple[int, OutboxHandler]]:
    """A local SMTP server saving to ``outbox``; yields its port and handler. Another free port if the one asked is taken."""
    from aiosmtpd.controller import Controller

    port = settings.DEMO_SMTP_PORT if port is None else port
    if port == 0 or not _port_free(host, port):
        port = _free_port(host)
    handler = OutboxHandler(outbox)
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


@contextlib.contextmanager
def demo_portal(host: str = settings.DEMO_PORTAL_HOST, port: int | None = None) -> Iterator[int]:
    """The demo portal served from a thread; yields its port."""
    from etl.demo_portal.server import make_server

    port = settings.DEMO_PORTAL_PORT if port is None else port
    try:
        server = make_server(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DemoError(
                f"port {port} on {host} is in use (is `tinhuy demo-portal` running?); "
                "stop it or set TINHUY_DEMO_PORTAL_PORT to a free port"
            ) from None
        raise
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- Airflow ------------------------------------------------------------------------------
def airflow_config(home: Path) -> dict[tuple[str, str], str]:
    """The Airflow settings of the demo home, as (section, key) -> value."""
    return {
        ("core", "dags_folder"): str(DAGS_DIR),
        ("core", "load_examples"): "False",
        ("core", "executor"): "LocalExecutor",
        ("database", "sql_alchemy_conn"): f"sqlite:///{home / 'airflow.db'}",
        ("logging", "base_log_folder"): str(home / "logs"),
    }


def smtp_connection(port: int, host: str = "127.0.0.1") -> str:
    """The ``smtp_default`` connection as Airflow's JSON form: plain SMTP, no SSL, no STARTTLS, no login."""
    extra = {"disable_ssl": True, "disable_tls": True, "from_email": settings.ALERT_FROM, "timeout": 10, "retry_limit": 1}
    return json.dumps({"conn_type": "smtp", "host": host, "port": port, "extra": extra})


def airflow_env(home: Path, *, smtp_port: int, portal_port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the Airflow commands: the demo home, the SMTP connection, the demo sources."""
    env = dict(os.environ if base is None else base)
    env.update({f"AIRFLOW__{s.upper()}__{k.upper()}": v for (s, k), v in airflow_config(home).items()})
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            f"AIRFLOW_CONN_{settings.SMTP_CONN_ID.upper()}": smtp_connection(smtp_port),
            "TINHUY_SOURCES": "demo",
            "TINHUY_DEMO_PORTAL_PORT": str(portal_port),
            # A demo fails fast rather than waiting minutes for a retry.
            "TINHUY_TASK_RETRIES": env.get("TINHUY_TASK_RETRIES", "0"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def _write_config(home: Path) -> None:
    """An airflow.cfg holding the demo settings, so ``AIRFLOW_HOME=.airflow airflow …`` works by hand too."""
    sections: dict[str, list[str]] = {}
    for (section, key), value in airflow_config(home).items():
        sections.setdefault(section, []).append(f"{key} = {value}")
    text = "# Written by `tinhuy demo`; rewritten on every run.\n" + "".join(
        f"\n[{section}]\n" + "\n".join(lines) + "\n" for section, lines in sections.items()
    )
    (home / "airflow.cfg").write_text(text, encoding="utf-8")


def _airflow(args: list[str], env: dict[str, str], log_file: Path, timeout: float | None = None) -> int:
    """Run one ``airflow`` command, its output appended to ``log_file``; its exit code."""
    with log_file.open("ab") as out:
        out.write(f"\n$ airflow {' '.join(args)}\n".encode())
        out.flush()
        try:
            return subprocess.run(
                [sys.executable, "-m", "airflow", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, timeout=timeout, check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            raise DemoError(f"`airflow {args[0]} {args[1]}` did not finish in {timeout:.0f} s; see {log_file}") from None


def prepare_home(home: Path, env: dict[str, str], log_file: Path) -> None:
    """Create the Airflow home, migrate its metadata database and create the pool, once per Airflow version."""
    from importlib.metadata import version

    home.mkdir(parents=True, exist_ok=True)
    _write_config(home)
    marker = home / f".migrated-{version('apache-airflow')}"
    if marker.exists() and (home / "airflow.db").exists():
        return
    if _airflow(["db", "migrate"], env, log_file) != 0:
        raise DemoError(f"`airflow db migrate` failed; see {log_file}")
    if _airflow(["pools", "set", *WAREHOUSE_POOL], env, log_file) != 0:
        raise DemoError(f"`airflow pools set` failed; see {log_file}")
    marker.touch()


@dataclass
class DagOutcome:
    run_id: str | None
    state: str | None
    exit_code: int
    failed_tasks: list[str] = field(default_factory=list)

    @property
    def dq_gate_failed(self) -> bool:
        """Only the data-quality gate failed: the data had problems, the pipeline did not."""
        return self.failed_tasks == [DQ_GATE_TASK]

    @property
    def completed(self) -> bool:
        """The pipeline ran to the end: every task succeeded, or only the gate failed (after the load)."""
        if self.state == "success" and self.exit_code == 0 and not self.failed_tasks:
            return True
        return self.state == "failed" and self.dq_gate_failed


def _metadata(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True)


def _last_run_key(home: Path) -> int:
    with contextlib.closing(_metadata(home)) as db:
        return db.execute("select coalesce(max(id), 0) from dag_run").fetchone()[0]


def _run_after(home: Path, key: int) -> DagOutcome:
    """The first run of the DAG after ``key`` in the metadata database, and its failed tasks."""
    with contextlib.closing(_metadata(home)) as db:
        row = db.execute(
            "select run_id, state from dag_run where dag_id = ? and id > ? order by id limit 1", [DAG_ID, key]
        ).fetchone()
        if row is None:
            return DagOutcome(None, None, 0)
        failed = db.execute(
            "select task_id, map_index, rendered_map_index, state from task_instance "
            "where dag_id = ? and run_id = ? and state in ('failed', 'upstream_failed') order by task_id, map_index",
            [DAG_ID, row[0]],
        ).fetchall()
    labels = [f"{task_id}[{label or index}]" if index >= 0 else task_id for task_id, index, label, state in failed
              if state == "failed"]
    return DagOutcome(row[0], row[1], 0, labels)


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)): (.+)$")


def errors_in(log_file: Path, limit: int = 3) -> list[str]:
    """The distinct last lines of the tracebacks in a log ("module.SomeError: what"), newest last."""
    found: dict[str, None] = {}
    if log_file.exists():
        for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _EXCEPTION_LINE.match(line.strip())
            if match and not line.startswith((" ", "\t")):
                found.setdefault(f"{match.group(1).rsplit('.', 1)[-1]}: {match.group(2)}", None)
    return list(found)[-limit:]


def run_dag(home: Path, env: dict[str, str], log_file: Path) -> DagOutcome:
    """``airflow dags test tinhuy_ingest``: one run, in process, task after task; its outcome."""
    key = _last_run_key(home)
    code = _airflow(["dags", "test", DAG_ID], env, log_file, timeout=DAG_TEST_TIMEOUT_S)
    outcome = _run_after(home, key)
    outcome.exit_code = code
    return outcome


# --- what the run produced -----------------------------------------------------------
def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if path.exists():
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


def warehouse_counts(path: Path | None = None) -> dict[str, int]:
    """Rows per table and view of the warehouse, read-only."""
    import duckdb

    path = Path(path or settings.WAREHOUSE)
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal and schema_name <> 'meta' "
            "union all select schema_name, view_name from duckdb_views() where not internal and schema_name <> 'meta' "
            "order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for schema, name in names
        }
    finally:
        con.close()


def summarize(run_id: str) -> dict[str, Any]:
    """Pages, articles, indicators, warehouse rows and checks of one run."""
    from etl import tasks

    directory = tasks.run_dir(run_id)
    pages: dict[str, dict[str, int]] = {}
    articles = indicators = 0
    for source_dir in sorted(p for p in directory.iterdir() if p.is_dir()) if directory.exists() else []:
        outcomes = pages.setdefault(source_dir.name, {})
        for record in _jsonl(source_dir / tasks.FETCHED_FILE):
            outcomes[record["outcome"]] = outcomes.get(record["outcome"], 0) + 1
        for article in _jsonl(source_dir / tasks.PARSED_FILE):
            articles += 1
            indicators += len(article.get("indicators") or [])
    report_path = directory / tasks.VALIDATION_FILE
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else None
    return {
        "run_dir": directory,
        "pages": pages,
        "articles": articles,
        "indicators": indicators,
        "tables": warehouse_counts(),
        "report": report,
    }


def format_summary(summary: dict[str, Any], outbox: list[Path], log_file: Path) -> str:
    lines = []
    pages = summary["pages"]
    fetched = sum(o.get("fetched", 0) for o in pages.values())
    not_fetched = sum(n for o in pages.values() for k, n in o.items() if k != "fetched")
    per_source = ", ".join(f"{sid} {o.get('fetched', 0)}" for sid, o in pages.items())
    lines.append(f"  pages fetched   {fetched} ({per_source}); {not_fetched} failed or skipped")
    lines.append(f"  articles        {summary['articles']}")
    lines.append(f"  indicators      {summary['indicators']}")
    lines.append(f"  warehouse       {_display(settings.WAREHOUSE)}")
    width = max((len(name) for name in summary["tables"]), default=0)
    for name, rows in summary["tables"].items():
        lines.append(f"    {name:<{width}}  {rows:>7}")
    report = summary["report"]
    if report is None:
        lines.append("  checks          no validation report")
    else:
        quarantine = report.get("quarantine") or {}
        failed = [c for c in report.get("checks") or [] if not c.get("success")]
        passed = len(report.get("checks") or []) - len(failed)
        lines.append(f"  checks          {passed} passed, {len(failed)} failed")
        for check in failed:
            rows = check.get("unexpected_count") or 0
            lines.append(f"    ✗ {check.get('name')} ({check.get('severity')}, {rows} row{'s' if rows != 1 else ''}): "
                         f"{check.get('description')}")
            for example in (check.get("examples") or [])[: settings.ALERT_EXAMPLES]:
                lines.append(f"        {example.get('detail')}")
        lines.append(f"  quarantine      {quarantine.get('held', 0)} rows held out of the mart, "
                     f"{quarantine.get('flagged', 0)} flagged (`tinhuy quarantine` lists them)")
    if outbox:
        lines.extend(f"  alert email     {_display(p)}" for p in outbox)
    else:
        lines.append("  alert email     none sent")
    lines.append(f"  run directory   {_display(summary['run_dir'])}")
    lines.append(f"  Airflow log     {_display(log_file)}")
    return "\n".join(lines)


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- the command ---------------------------------------------------------------------------
def run(home: Path | None = None, out: Callable[[str], None] = print) -> int:
    """Run the demo; 0 when the pipeline completed (whatever the checks said, the gate included), 1 when it broke."""
    home = Path(home or AIRFLOW_HOME)
    (home / "logs").mkdir(parents=True, exist_ok=True)
    log_file = home / "logs" / f"demo-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.log"
    started = time.monotonic()
    out(f"tinhuy demo: Airflow home {_display(home)}, output in {_display(log_file)}")
    with demo_portal() as portal_port, smtp_server(settings.OUTBOX_DIR) as (smtp_port, mail):
        env = airflow_env(home, smtp_port=smtp_port, portal_port=portal_port)
        out(f"  demo portal http://{settings.DEMO_PORTAL_HOST}:{portal_port}/, SMTP on 127.0.0.1:{smtp_port}")
        prepare_home(home, env, log_file)
        out(f"  running `airflow dags test {DAG_ID}` …")
        outcome = run_dag(home, env, log_file)
        outbox = list(mail.saved)
    elapsed = time.monotonic() - started
    if outcome.run_id is None:
        out(f"tinhuy demo: Airflow did not start a run (exit code {outcome.exit_code}); see {_display(log_file)}")
        return 1
    broke = not outcome.completed
    if broke:
        out(f"tinhuy demo: the pipeline BROKE in {elapsed:.0f} s (run {outcome.run_id}, state {outcome.state})")
    else:
        out(f"tinhuy demo: the pipeline completed in {elapsed:.0f} s (run {outcome.run_id})")
    if outcome.dq_gate_failed:
        out(f"  data quality    error checks failed, so the {DQ_GATE_TASK} task failed after the load and "
            "Airflow marks the run failed; the clean rows are loaded and the alert was mailed")
    if broke:
        out(f"  failed tasks    {', '.join(outcome.failed_tasks) or 'none recorded'}")
        for error in errors_in(log_file):
            out(f"  error           {error}")
    out(format_summary(summarize(outcome.run_id), outbox, log_file))
    return 1 if broke else 0
