"""Every DAG file imports cleanly, fast, and the ingestion DAG has the tasks the docs promise."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
EXPECTED_TASKS = {"sources", "discover", "fetch", "clean", "parse", "stage", "validate", "load", "alert", "dq_gate"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    # Airflow's processes put the DAG folder on sys.path (the DAGs import tinhuy_steps from it).
    if str(DAGS_DIR) not in sys.path:
        sys.path.insert(0, str(DAGS_DIR))
    started = time.monotonic()
    bag = DagBag(dag_folder=str(DAGS_DIR), known_pools={"default_pool", "warehouse"})
    bag.parse_seconds = time.monotonic() - started
    return bag


def test_every_dag_file_imports(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert dagbag.dags, "no DAG found"
    assert dagbag.captured_warnings == {}


def test_dag_files_parse_fast(dagbag) -> None:
    # Heavy imports belong inside tasks: the scheduler parses every file over and over.
    assert dagbag.parse_seconds < 10


def test_ingest_dag_shape(dagbag) -> None:
    dag = dagbag.dags.get("tinhuy_ingest")
    assert dag is not None
    assert set(dag.task_ids) == EXPECTED_TASKS
    assert dag.doc_md and "tinhuy_ingest" in dag.doc_md
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    for task_id in ("discover", "fetch", "clean", "parse"):
        assert dag.get_task(task_id).is_mapped, task_id
    for task_id in ("stage", "validate", "load"):
        assert dag.get_task(task_id).pool == "warehouse", task_id


def test_ingest_dag_order(dagbag) -> None:
    dag = dagbag.dags.get("tinhuy_ingest")
    chain = ["sources", "discover", "fetch", "clean", "parse", "stage", "validate", "load", "alert", "dq_gate"]
    for upstream, downstream in zip(chain, chain[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)


@pytest.mark.parametrize("dag_id", ["tinhuy_ingest", "tinhuy_reparse"])
def test_the_dq_gate_is_last_and_is_not_retried(dagbag, dag_id) -> None:
    dag = dagbag.dags.get(dag_id)
    gate = dag.get_task("dq_gate")
    assert gate.downstream_task_ids == set() and gate.retries == 0


def test_both_dags_share_the_warehouse_steps(dagbag) -> None:
    """The reparse DAG writes the warehouse exactly as ingestion does: same tasks, same order, same pool."""
    tail = ["clean", "parse", "stage", "validate", "load", "alert", "dq_gate"]
    ingest, reparse = dagbag.dags["tinhuy_ingest"], dagbag.dags["tinhuy_reparse"]
    for name in tail:
        a, b = ingest.get_task(name), reparse.get_task(name)
        assert (a.pool, a.downstream_task_ids) == (b.pool, b.downstream_task_ids), name


def test_dag_file_is_short() -> None:
    for path in DAGS_DIR.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 110, path.name
