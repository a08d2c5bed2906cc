"""docker-compose.yml and the Dockerfile, checked statically (no Docker engine runs here).

Every service the deployment needs is there; commands are real subcommands of the ``airflow``
and ``tinhuy`` entry points the image provides; hosts, ports, volumes and environment variables
point at each other and at real settings.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from etl import settings

REPO_DIR = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (REPO_DIR / "Dockerfile").read_text(encoding="utf-8")


def _argv(value) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else list(value or [])


def _workers(services: dict[str, dict]) -> list[str]:
    return [name for name, s in services.items() if _argv(s.get("command"))[:2] == ["celery", "worker"]]


def _tinhuy_services(services: dict[str, dict]) -> list[str]:
    return [name for name, s in services.items() if s.get("build")]


def test_every_service_is_there(services) -> None:
    for name in ("postgres", "redis", "airflow-init", *AIRFLOW_SERVICES, "mailpit", "demo-portal"):
        assert name in services, name
    assert len(_workers(services)) >= 2, "at least two Celery workers"


def test_the_image_is_built_from_the_lock_not_installed_at_start(services, dockerfile) -> None:
    images = {services[name]["image"] for name in _tinhuy_services(services)}
    assert len(images) == 1, images
    for name in _tinhuy_services(services):
        build = services[name]["build"]
        assert (build if isinstance(build, str) else build.get("context", ".")) == "."
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in (services[name].get("environment") or {}), name
    for name in ("airflow-init", *AIRFLOW_SERVICES, *_workers(services), "demo-portal"):
        assert name in _tinhuy_services(services), f"{name} does not run the tinhuy image"
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert re.search(r"uv sync --frozen --no-dev\b", dockerfile)
    uv_version = re.search(r"^UV_VERSION := (\S+)", (REPO_DIR / "Makefile").read_text(encoding="utf-8"), re.M)[1]
    assert f"ARG UV_VERSION={uv_version}" in dockerfile, "the image and the Makefile use the same uv"
    for path in re.findall(r"^COPY (?!pyproject)(\S+) ", dockerfile, re.M):
        assert (REPO_DIR / path).exists(), path
    assert re.search(r'^ENTRYPOINT \["airflow"\]', dockerfile, re.M)


def test_the_lock_has_what_the_deployment_imports() -> None:
    """CeleryExecutor on Redis and a PostgreSQL metadata database need these in the image."""
    locked = {p["name"] for p in tomllib.loads((REPO_DIR / "uv.lock").read_text(encoding="utf-8"))["package"]}
    for package in ("apache-airflow", "apache-airflow-providers-celery", "celery", "redis", "psycopg2-binary", "asyncpg"):
        assert package in locked, package


def test_airflow_commands_are_real_subcommands(services) -> None:
    """Each command parses with Airflow's own CLI parser, the celery provider's commands included."""
    from airflow.cli.cli_parser import get_parser

    parser = get_parser()
    commands = [_argv(services[name]["command"]) for name in (*AIRFLOW_SERVICES, *_workers(services))]
    init = services["airflow-init"]["command"][-1]
    commands += [shlex.split(line) [1:] for line in init.splitlines() if line.strip().startswith("airflow ")]
    for name in ("airflow-dag-processor", "airflow-triggerer"):
        check = services[name]["healthcheck"]["test"][-1]
        commands.append(shlex.split(check.replace("$${HOSTNAME}", "host"))[1:])
    assert ["db", "migrate"] in commands
    for argv in commands:
        parser.parse_args(argv)  # exits (fails the test) on an unknown command or option


def test_the_pool_is_the_one_the_dag_uses(services) -> None:
    from etl import demo

    init = services["airflow-init"]["command"][-1]
    line = next(line for line in init.splitlines() if "pools set" in line)
    assert shlex.split(line)[3:5] == [demo.WAREHOUSE_POOL[0], "1"]
    dag = (REPO_DIR / "dags" / "tinhuy_steps.py").read_text(encoding="utf-8")  # the warehouse tasks of both DAGs
    assert f'pool="{demo.WAREHOUSE_POOL[0]}"' in dag


def test_the_demo_portal_runs_the_tinhuy_entry_point(services) -> None:
    from etl.cli import build_parser

    scripts = tomllib.loads((REPO_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["tinhuy"] == "etl.cli:main"
    entry = _argv(services["demo-portal"]["entrypoint"])
    assert entry[0] == "tinhuy"
    args = build_parser().parse_args(entry[1:])
    assert args.command == "demo-portal" and args.host == "0.0.0.0"
    env = services["airflow-scheduler"]["environment"]
    assert env["TINHUY_DEMO_PORTAL_HOST"] == "demo-portal"
    assert int(env["TINHUY_DEMO_PORTAL_PORT"]) == args.port
    assert f"{args.port}:{args.port}" in services["demo-portal"]["ports"]


def _default(value: str) -> str:
    """The default of a ``${NAME:-default}`` interpolation, else the value itself."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return match[1] if match else value


def test_airflow_services_share_one_environment(services) -> None:
    envs = [services[name]["environment"] for name in (*AIRFLOW_SERVICES, *_workers(services), "airflow-init")]
    keys = ("AIRFLOW__CORE__EXECUTOR", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__BROKER_URL",
            "AIRFLOW__CELERY__RESULT_BACKEND", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
            "TINHUY_DATA_DIR", "TINHUY_RAW_DIR", "TINHUY_SOURCES", "AIRFLOW_CONN_SMTP_DEFAULT")
    for key in keys:
        assert len({env.get(key) for env in envs}) == 1, key
        assert envs[0].get(key), key


def test_connections_point_at_services(services) -> None:
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for key, service, port in (
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgres", None),
        ("AIRFLOW__CELERY__RESULT_BACKEND", "postgres", None),
        ("AIRFLOW__CELERY__BROKER_URL", "redis", None),
        ("TINHUY_REDIS_URL", "redis", None),
        ("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "airflow-apiserver", 8080),
    ):
        url = urlsplit(env[key])
        assert url.hostname == service, key
        if port:
            assert url.port == port and f"{port}:{port}" in services[service]["ports"], key
    pg = services["postgres"]["environment"]
    assert urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).path == f"/{pg['POSTGRES_DB']}"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    # The broker and the per-host turns use different Redis databases.
    assert urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).path != urlsplit(env["TINHUY_REDIS_URL"]).path


def test_alerts_go_to_mailpit_unless_the_environment_says_otherwise(services) -> None:
    from airflow.models.connection import Connection

    env = services["airflow-scheduler"]["environment"]
    name = f"AIRFLOW_CONN_{settings.SMTP_CONN_ID.upper()}"
    assert env[name].startswith(f"${{{name}:-"), "overridable from .env"
    conn = Connection(conn_id=settings.SMTP_CONN_ID, uri=_default(env[name]))
    assert (conn.conn_type, conn.host) == ("smtp", "mailpit")
    assert f"{conn.port}:{conn.port}" in services["mailpit"]["ports"]
    assert conn.extra_dejson.get("disable_ssl") and conn.extra_dejson.get("disable_tls")


def test_tinhuy_variables_name_real_settings(services) -> None:
    for name in ("airflow-scheduler", "demo-portal"):
        for key in services[name].get("environment") or {}:
            if key.startswith("TINHUY_"):
                assert hasattr(settings, key.removeprefix("TINHUY_")), f"{name}: {key} is no setting"


def test_data_and_raw_archive_are_shared_volumes(compose, services) -> None:
    env = services["airflow-scheduler"]["environment"]
    wanted = {env["TINHUY_DATA_DIR"], env["TINHUY_RAW_DIR"]}
    for name in ("airflow-init", *AIRFLOW_SERVICES, *_workers(services)):
        mounts = {}
        for volume in services[name]["volumes"]:
            source, target = volume.split(":")[:2]
            mounts[target] = source
        for path in wanted:
            assert path in mounts, f"{name} does not mount {path}"
            assert mounts[path] in compose["volumes"], f"{name}: {mounts[path]} is not a named volume"
    workers = _workers(services)
    assert all(services[w]["volumes"] == services[workers[0]]["volumes"] for w in workers)


def test_start_order(services) -> None:
    for name in (*AIRFLOW_SERVICES, *_workers(services)):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
    for name in _workers(services):
        assert services[name]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
        assert "healthcheck" in services[name]
