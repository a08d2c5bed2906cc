"""`make bench` on a corpus of a few pages: the harness runs, writes data/bench.json's keys and prints its
table. Speed itself is measured by `make bench`, never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TINHUY_BENCH_DIR=str(tmp_path / "bench"), TINHUY_BENCH_RESULT=str(tmp_path / "bench.json"))
    return subprocess.run([sys.executable, "-m", "bench", "--pages", "12", *args], cwd=REPO_DIR, env=env,
                          capture_output=True, text=True, timeout=300)


def test_clean_parse_and_lxml_phases_write_their_figures(tmp_path):
    done = _bench(tmp_path, "--only", "parse", "--only", "lxml")
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert results["corpus"]["pages"] == 12 and 60 <= results["corpus"]["min_kb"] <= results["corpus"]["max_kb"] <= 150
    for key in ("parse_pages_per_s", "lxml_pages_per_s", "lxml_alongside_pages_per_s", "parse_times_lxml"):
        assert results[key] > 0, key
    assert set(results["stage_ms"]) == {"nghean", "hatinh", "thanhhoa"}
    assert all(set(stages) == {"decode", "clean", "parse"} for stages in results["stage_ms"].values())
    assert {t["target"].strip() for t in results["targets"]} >= {"clean+parse within 4× of lxml", "the same, lxml timed alongside"}
    assert "clean+parse time / lxml time" in done.stdout and "thanhhoa: decode, clean, parse" in done.stdout


def test_profile_writes_the_call_tree(tmp_path):
    done = _bench(tmp_path, "--profile")
    assert done.returncode == 0, done.stderr
    tree = (tmp_path / "bench-profile.txt").read_text(encoding="utf-8")
    assert "parse_article" in tree and "clean_html" in tree
