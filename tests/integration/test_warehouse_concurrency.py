"""The warehouse under real processes: loads killed at random moments, and a reader querying during loads.

A chain of runs, each adding one article of the demo portal's gold files, is staged and loaded once
in this process to know every whole state the warehouse may be in (checksums of raw, staging and
mart). Then the chain is written again into a published file through ``warehouse.writing``, as the
DAG does (stage, then load, each its own write): a loader process is killed (SIGKILL) at a random
moment of each load, or a reader process queries in a loop while the loads run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl import load, stage, warehouse

import seed_run

REPO_DIR = Path(__file__).resolve().parents[2]
SCHEMAS = ("raw", "staging", "mart")
KILLS = 12
# Runs to spare for loads that finish before their kill (the kill delay is random).
SPARE_RUNS = 5
READER_LOADS = 4
# The load task of the DAG (etl.tasks.load), on a given warehouse, once told to go on standard input.
LOADER = """
import sys
from etl import load, warehouse
print("ready", flush=True)
sys.stdin.readline()
with warehouse.writing(sys.argv[1]) as con:
    load.load_run(sys.argv[2], con)
print("done", flush=True)
"""
# Opens the warehouse read-only, reads its state, closes it; again and again until told to stop.
READER = """
import json, sys, time
from pathlib import Path
import duckdb
from etl import warehouse
path, stop, out = sys.argv[1], Path(sys.argv[2]), open(sys.argv[3], "w", encoding="utf-8")
schemas = tuple(sys.argv[4].split(","))
while not stop.exists():
    opened = time.time()
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            state = warehouse.checksums(con, schemas)
            orphans = con.execute(
                "select (select count(*) from mart.fact_indicator f anti join mart.dim_article a using (article_key))"
                " + (select count(*) from mart.fact_article f anti join mart.dim_article a using (article_key))"
            ).fetchall()[0][0]
            counted = con.execute(
                "select (select count(*) from mart.fact_indicator)"
                " = (select coalesce(sum(indicator_count), 0) from mart.fact_article)"
            ).fetchall()[0][0]
        finally:
            con.close()
        read = {"opened": opened, "closed": time.time(), "state": state, "orphans": orphans, "counted": counted}
    except Exception as exc:
        read = {"opened": opened, "error": " ".join(str(exc).split())}
    out.write(json.dumps(read) + "\\n")
    out.flush()
"""

pytestmark = pytest.mark.timeout(300)


def checksums_of(path: Path) -> dict[str, str]:
    with warehouse.read(path) as con:
        return warehouse.checksums(con, SCHEMAS)


def stage_in_process(path: Path, run: Path) -> None:
    with warehouse.writing(path) as con:
        stage.stage_run(run, run.name, con)


def load_in_process(path: Path, run: Path) -> None:
    with warehouse.writing(path) as con:
        load.load_run(run.name, con)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in {"w.duckdb", "w.duckdb.lock"})


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """The base warehouse file, the runs that follow it, and the states: staged[i] and loaded[i] after run i.

    loaded[0] and staged[0] are the base.
    """
    root = tmp_path_factory.mktemp("chain")
    base = root / "base.duckdb"
    base_run = seed_run.write_run(root / "runs" / "base")
    stage_in_process(base, base_run)
    load_in_process(base, base_run)
    names = seed_run.DEMO[: max(KILLS + SPARE_RUNS, READER_LOADS)]
    runs = [seed_run.write_run(root / "runs" / f"run-{i:02}", (name,)) for i, name in enumerate(names, 1)]
    con = duckdb.connect(":memory:")  # the same tables, built without a file's fsyncs
    warehouse.migrate(con)
    stage.stage_run(base_run, base_run.name, con)
    load.load_run(base_run.name, con)
    staged, loaded = [warehouse.checksums(con, SCHEMAS)], [warehouse.checksums(con, SCHEMAS)]
    assert loaded[0] == checksums_of(base)
    for run in runs:
        stage.stage_run(run, run.name, con)
        staged.append(warehouse.checksums(con, SCHEMAS))
        load.load_run(run.name, con)
        loaded.append(warehouse.checksums(con, SCHEMAS))
    con.close()
    assert len({json.dumps(state, sort_keys=True) for state in staged[1:] + loaded}) == 2 * len(runs) + 1
    return base, runs, staged, loaded


def spawn_loader(path: Path, run: Path) -> subprocess.Popen:
    loader = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(path), run.name],
        cwd=REPO_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert loader.stdout.readline() == "ready\n", loader.stderr.read()
    return loader


def go(loader: subprocess.Popen) -> None:
    loader.stdin.write("go\n")
    loader.stdin.flush()


def finish(loader: subprocess.Popen, timeout: float = 60) -> int:
    code = loader.wait(timeout)
    for stream in (loader.stdin, loader.stdout, loader.stderr):
        stream.close()
    return code


def wait_for_a_read_after(log: Path, moment: float, reader: subprocess.Popen, timeout: float = 60) -> None:
    """Until the reader has read a state it opened after ``moment``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert reader.poll() is None, reader.stderr.read()
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        if any(json.loads(line)["opened"] > moment for line in lines[-5:]):
            return
        time.sleep(0.05)
    raise AssertionError(f"the reader read nothing in {timeout} s")


def test_a_load_killed_at_any_moment_leaves_the_previous_state_and_the_next_load_completes(chain, tmp_path):
    base, runs, staged, loaded = chain
    path = tmp_path / "w.duckdb"
    shutil.copyfile(base, path)
    seed = int(os.environ.get("TINHUY_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)

    # How long one load takes in a loader process, from "go" to its exit: the span to kill in.
    scratch = tmp_path / "scratch" / "w.duckdb"
    scratch.parent.mkdir()
    shutil.copyfile(base, scratch)
    stage_in_process(scratch, runs[0])
    loader = spawn_loader(scratch, runs[0])
    started = time.monotonic()
    go(loader)
    assert loader.wait(60) == 0, loader.stderr.read()
    finish(loader)
    span = time.monotonic() - started

    kills = swapped = 0
    for index, run in enumerate(runs, 1):
        if kills == KILLS:
            break
        stage_in_process(path, run)
        before, after = staged[index], loaded[index]
        assert checksums_of(path) == before
        inode = path.stat().st_ino
        loader = spawn_loader(path, run)
        delay = rng.uniform(0, 0.9 * span)
        go(loader)
        time.sleep(delay)
        loader.send_signal(signal.SIGKILL)
        if finish(loader) == -signal.SIGKILL:
            kills += 1
        where = f"run {run.name}, killed after {delay:.3f} s of {span:.3f} s (TINHUY_KILL_SEED={seed})"

        # The published file is whole: the previous one if the swap had not happened, else the new one.
        state = checksums_of(path)
        if path.stat().st_ino == inode:
            assert state == before, where
        else:
            swapped += 1
            assert state == after, where
        assert not Path(f"{path}.wal").exists(), where

        # The next load completes, and cleans up what the killed one left.
        load_in_process(path, run)
        assert checksums_of(path) == after, where
        assert leftovers(tmp_path) == ["scratch"], where

    assert kills == KILLS, f"only {kills} loads were killed before they finished (span {span:.3f} s, seed {seed})"
    assert swapped < kills, "every kill came after the swap: the loads were not killed mid-way"


def test_a_reader_querying_during_loads_sees_only_whole_states_and_no_errors(chain, tmp_path):
    base, runs, _, loaded = chain
    path = tmp_path / "w.duckdb"
    shutil.copyfile(base, path)
    stop, log = tmp_path / "stop", tmp_path / "reads.jsonl"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path), str(stop), str(log), ",".join(SCHEMAS)],
        cwd=REPO_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    windows = []
    try:
        wait_for_a_read_after(log, 0, reader)  # the reader has read the base state
        for run in runs[:READER_LOADS]:
            started = time.time()
            with warehouse.writing(path) as con:
                stage.stage_run(run, run.name, con)
                load.load_run(run.name, con)
            windows.append((started, time.time()))
            wait_for_a_read_after(log, windows[-1][1], reader)
    finally:
        stop.touch()
        _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err

    reads = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [read["error"] for read in reads if "error" in read] == []
    known = {json.dumps(state, sort_keys=True): index for index, state in enumerate(loaded[: READER_LOADS + 1])}
    seen = [known.get(json.dumps(read["state"], sort_keys=True)) for read in reads]
    assert None not in seen, "the reader saw a state that is none of the whole states"
    assert seen == sorted(seen), "the reader saw an older state after a newer one"
    assert all(read["orphans"] == 0 and read["counted"] for read in reads)
    assert set(seen) == set(range(READER_LOADS + 1)), f"states seen: {sorted(set(seen))}"
    during = [read for read in reads if any(start <= read["opened"] <= end for start, end in windows)]
    assert len(during) >= READER_LOADS, f"only {len(during)} of {len(reads)} reads opened during a load"
