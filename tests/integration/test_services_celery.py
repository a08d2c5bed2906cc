"""The ingestion DAG on real services: CeleryExecutor on Redis, metadata on PostgreSQL, two workers.

The test creates a fresh database ``tinhuy_ci_<random>`` on 127.0.0.1:5432 (Airflow's metadata and
Celery's result backend) and uses a Celery queue of the same name on Redis (127.0.0.1:6379,
database ``TINHUY_CI_REDIS_DB``, 1 unless set), so it clashes with nothing else on those servers. It starts, as subprocesses with a temporary
``AIRFLOW_HOME``: the api-server (workers call its Execution API), the scheduler, the
dag-processor and two Celery workers; the demo portal and an SMTP server run in this process.
It triggers ``tinhuy_ingest``, waits for the run, checks the warehouse and the alert, then stops
everything it started and drops the database.

Without PostgreSQL or Redis it skips, unless ``TINHUY_REQUIRE_SERVICES=1`` (CI), where it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.services, pytest.mark.airflow, pytest.mark.timeout(600)]

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, os.environ.get("TINHUY_CI_PG_USER", "postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = int(os.environ.get("TINHUY_CI_REDIS_DB", "1"))
DAG_ID = "tinhuy_ingest"
# The task that fails a run whose data broke error-level checks, after the load (etl.validate.gate).
DQ_GATE = "dq_gate"
WORKERS = ("worker1", "worker2")
# The whole run, from the first process started to the DAG run's end state.
RUN_TIMEOUT_S = float(os.environ.get("TINHUY_CI_RUN_TIMEOUT_S", "300"))
# Processes get this long to stop on SIGTERM before they are killed.
STOP_GRACE_S = 15.0


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _unavailable(reason: str) -> None:
    """Skip with a reason, or fail with it where the services are required (CI)."""
    if os.environ.get("TINHUY_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (TINHUY_REQUIRE_SERVICES=1, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _require_services() -> None:
    down = [f"{name} on {host}:{port}" for name, host, port in
            (("PostgreSQL", PG_HOST, PG_PORT), ("Redis", REDIS_HOST, REDIS_PORT)) if not _reachable(host, port)]
    if down:
        _unavailable(f"services test needs {' and '.join(down)}, which cannot be reached")
    missing = []
    for module, package in (("airflow.providers.celery", "apache-airflow-providers-celery"),
                            ("psycopg2", "psycopg2-binary"), ("asyncpg", "asyncpg"), ("redis", "redis")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        _unavailable(f"services test needs the packages {', '.join(missing)} (not installed in this venv)")


# --- PostgreSQL and Redis ------------------------------------------------------------------
@contextlib.contextmanager
def _pg(dbname: str = "postgres"):
    """An autocommit cursor on a database of the local PostgreSQL, closed afterwards."""
    import psycopg2

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=5)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            yield cur
    finally:
        con.close()


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh PostgreSQL database for Airflow's metadata, dropped afterwards."""
    _require_services()
    name = f"tinhuy_ci_{secrets.token_hex(4)}"
    with _pg() as cur:
        cur.execute(f"create database {name}")  # a generated name, not input
    try:
        yield name
    finally:
        with _pg() as cur:
            cur.execute(f"drop database if exists {name} with (force)")


def _forget_queue(queue: str) -> None:
    """Remove the Redis keys of our Celery queue (messages and bindings); other keys stay."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5)
    try:
        keys = client.keys(f"*{queue}*")
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# --- Airflow processes ------------------------------------------------------------------------
@dataclass
class Deployment:
    """The Airflow processes of one test run, their logs, and how to stop them."""

    long_running = ("api-server", "scheduler", "dag-processor", *WORKERS)

    home: Path
    data: Path
    env: dict[str, str]
    database: str
    queue: str
    api_port: int
    logs: dict[str, Path] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> None:
        """Start ``airflow <args>`` in its own process group, output to ``<home>/<name>.log``."""
        log = self.home / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "airflow", *args], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def run(self, name: str, *args: str, timeout: float = 120) -> None:
        """Run ``airflow <args>`` to its end; fails the test with its output when it does not succeed."""
        self.start(name, *args)
        try:
            code = self.processes[name].wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`airflow {' '.join(args)}` did not finish in {timeout:.0f} s\n{self.tail(name)}")
        if code != 0:
            pytest.fail(f"`airflow {' '.join(args)}` exited {code}\n{self.tail(name)}")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if name in self.long_running and process.poll() is not None:
                pytest.fail(f"airflow {name} exited with {process.returncode}\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 40) -> str:
        text = self.logs[name].read_text(encoding="utf-8", errors="replace") if name in self.logs else ""
        return f"--- {self.logs.get(name)} (last {lines} lines) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM every process group we started (workers' children included), then SIGKILL what is left."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(process, signal.SIGKILL)  # stragglers in the group, if any
            if process.poll() is None:
                process.wait(5)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def celery_env(base: dict[str, str], *, home: Path, data: Path, database: str, queue: str, api_port: int) -> dict[str, str]:
    """The environment of every Airflow process: PostgreSQL metadata, Celery on Redis, a shared data dir."""
    pg = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"
    env = dict(base)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + pg.replace("+psycopg2", ""),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            # Our own queue: a concurrent run on the same Redis never takes our tasks, nor we theirs.
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            # Run only what we trigger: unpaused, but no scheduled run for yesterday's interval.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            # Every worker reads and writes the same data directory, as on a shared volume.
            "TINHUY_DATA_DIR": str(data),
            "TINHUY_TASK_RETRIES": "0",
        }
    )
    for name in ("WAREHOUSE", "RAW_DIR", "RUNS_DIR", "OUTBOX_DIR", "GX_DOCS_DIR"):
        env.pop(f"TINHUY_{name}", None)
    return env


class Api:
    """Airflow's REST API (``/api/v2``) on the api-server we started, with a token of the all-admins auth manager."""

    def __init__(self, port: int):
        import httpx

        self.base = f"http://127.0.0.1:{port}"
        # Generous: on two cores the api-server shares the CPU with five other Airflow processes.
        self.client = httpx.Client(base_url=self.base, timeout=60.0)
        self.token: str | None = None

    def up(self) -> bool:
        import httpx

        try:
            response = self.client.get("/auth/token")
        except httpx.TransportError:
            return False
        if response.status_code != 201:
            return False
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return True

    def get(self, path: str) -> dict | None:
        """The JSON of a GET, or None when it is not there (yet) or the server is too busy to answer."""
        import httpx

        try:
            response = self.client.get(f"/api/v2{path}")
        except httpx.TransportError:
            return None
        return response.json() if response.status_code == 200 else None

    def post(self, path: str, body: dict) -> dict:
        response = self.client.post(f"/api/v2{path}", json=body)
        assert response.status_code in (200, 201), f"POST {path}: {response.status_code} {response.text}"
        return response.json()


def _wait_for(what: str, deployment: Deployment, deadline: float, check, every: float = 1.0):
    while time.monotonic() < deadline:
        deployment.check_alive()
        found = check()
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"timed out waiting for {what}\n" + "\n".join(deployment.tail(n, 15) for n in deployment.processes))


@pytest.fixture(scope="module")
def celery_run(database: str, tmp_path_factory: pytest.TempPathFactory):
    """One triggered run of the DAG on two Celery workers; what it left behind."""
    from etl import demo

    tmp = tmp_path_factory.mktemp("celery")
    home, data = tmp / "airflow", tmp / "data"
    (home / "logs").mkdir(parents=True)
    queue = database
    started = time.monotonic()
    deadline = started + RUN_TIMEOUT_S
    timings: dict[str, float] = {}
    with demo.demo_portal(port=0) as portal_port, demo.smtp_server(tmp / "outbox", port=0) as (smtp_port, mail):
        base = demo.airflow_env(home, smtp_port=smtp_port, portal_port=portal_port)
        api_port = _free_port()
        env = celery_env(base, home=home, data=data, database=database, queue=queue, api_port=api_port)
        deployment = Deployment(home, data, env, database, queue, api_port)
        api = Api(api_port)
        try:
            deployment.run("db-migrate", "db", "migrate", timeout=180)
            timings["migrated"] = time.monotonic() - started
            deployment.start("api-server", "api-server", "--port", str(api_port), "--host", "127.0.0.1")
            deployment.start("scheduler", "scheduler")
            deployment.start("dag-processor", "dag-processor")
            for name in WORKERS:
                deployment.start(name, "celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", queue,
                                 "--skip-serve-logs", "--without-mingle", "--without-gossip")
            _wait_for("the api-server", deployment, deadline, api.up)
            name, slots, description = demo.WAREHOUSE_POOL
            api.post("/pools", {"name": name, "slots": int(slots), "description": description})
            _wait_for("the DAG to be parsed", deployment, deadline,
                      lambda: (api.get(f"/dags/{DAG_ID}") or {}).get("is_paused") is False)
            timings["ready"] = time.monotonic() - started
            run_id = api.post(f"/dags/{DAG_ID}/dagRuns", {"logical_date": None})["dag_run_id"]
            state = _wait_for(
                "the DAG run to finish", deployment, deadline,
                lambda: {"success", "failed"} & {(api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}") or {}).get("state")},
                every=2.0,
            ).pop()
            timings["finished"] = time.monotonic() - started
            tasks = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances?limit=100")["task_instances"]
        finally:
            stopping = time.monotonic()
            deployment.stop()
            timings["stopped"] = timings.get("finished", stopping - started) + time.monotonic() - stopping
            api.client.close()
            _forget_queue(queue)
        worker_logs = {name: deployment.logs[name].read_text(encoding="utf-8", errors="replace") for name in WORKERS}
        yield {
            "state": state, "timings": timings, "tasks": tasks, "deployment": deployment, "data": data,
            "mail": list(mail.saved), "worker_logs": worker_logs,
        }


def _why(run: dict) -> str:
    failed = [(t["task_id"], t["map_index"], t["state"]) for t in run["tasks"]
              if t["state"] != "success" and t["task_id"] != DQ_GATE]
    logs = sorted(run["deployment"].home.glob("logs/**/*.log"))
    errors = [line for path in logs for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
              if '"level":"error"' in line.replace(" ", "") or "Traceback" in line][-10:]
    return f"tasks not successful: {failed}\n" + "\n".join(errors)


def test_every_task_but_the_dq_gate_succeeds_on_celery_workers(celery_run) -> None:
    """The demo data has two real problems, so the data-quality gate fails the run after the load; nothing else fails."""
    tasks = celery_run["tasks"]
    assert [t for t in tasks if t["state"] != "success" and t["task_id"] != DQ_GATE] == [], _why(celery_run)
    assert [t["state"] for t in tasks if t["task_id"] == DQ_GATE] in ([], ["failed"]), _why(celery_run)
    gate_failed = any(t["task_id"] == DQ_GATE and t["state"] == "failed" for t in tasks)
    assert celery_run["state"] == ("failed" if gate_failed else "success")
    assert {t["queue"] for t in tasks} == {celery_run["deployment"].queue}
    print("timings (s since start):", {k: round(v, 1) for k, v in celery_run["timings"].items()})


def test_both_workers_ran_tasks(celery_run) -> None:
    """Tasks really were spread: each worker received some (so files crossed between workers)."""
    received = {name: text.count("] received") for name, text in celery_run["worker_logs"].items()}
    assert all(n > 0 for n in received.values()), received
    assert sum(received.values()) == len(celery_run["tasks"]), received


def test_the_warehouse_has_every_province(celery_run) -> None:
    import duckdb

    warehouse = celery_run["data"] / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = dict(con.execute("select province, count(*) from mart.v_indicator group by province").fetchall())
        articles = con.execute("select count(*) from staging.stg_articles").fetchone()[0]
    assert set(rows) >= {"Nghệ An", "Hà Tĩnh"}, rows
    assert articles >= 23


def test_the_alert_was_mailed(celery_run) -> None:
    assert len(celery_run["mail"]) == 1
    report = json.loads(next((celery_run["data"] / "runs").glob("*/validation.json")).read_text(encoding="utf-8"))
    assert report["failed"] >= 1
