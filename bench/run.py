"""Measure tinhuy on the synthetic corpus, each figure in its own process; print a table, write data/bench.json.

What each figure is (every rate is in one process, on one core, of this machine):

- ``parse_pages_per_s``: what the clean and parse tasks do to a page, from raw bytes to the parsed
  article: ``clean.decode`` + ``clean.clean_html`` (with the source's site profile, or the generic
  cleaner) + ``parse.parse_article``.
- ``trafilatura_pages_per_s``: ``trafilatura.extract`` on the same bytes (text only, its defaults);
  ``trafilatura_fast_pages_per_s`` the same with ``fast=True`` (no fallback extractors).
- ``lxml_pages_per_s``: ``lxml.html.document_fromstring`` on the same bytes: the floor of any
  extraction that builds a tree. ``parse_times_lxml`` is clean+parse time over lxml time with both
  timed in the clean+parse process, batch by batch (``lxml_alongside_pages_per_s``): a ratio the
  machine's changes of speed between phases do not move. ``stage_ms`` splits the clean+parse time of a
  page by layout into decode, clean (its own lxml parse included) and parse; ``python -m bench --profile``
  runs that phase under pyinstrument and writes the call tree to ``data/bench-profile.txt``.
  Pages are read from disk in batches outside the timed part; the first pages warm caches untimed.
- ``load_rows_per_s``: the real staging from the pipeline run below (a few thousand articles), its
  articles, indicators, documents and people replicated under new article ids until the mart gets
  1,000,000 fact rows (the crawl's rows that error-level checks held in ``dq.quarantine`` stay out
  of it), then ``etl.load.load_run`` (the load task's work: every mart model, the
  cross-checks, one transaction) timed; fact rows in ``mart.fact_indicator`` per second.
  ``reload_s`` is ``load_run`` again with nothing new (it rebuilds the mart from everything staged,
  so a daily load costs this); ``load_task_s`` is that inside what the load task does around it: copy
  the warehouse file, migrate, checkpoint, fsync and swap (``etl.warehouse.writing``). The warehouse
  is opened as the pipeline opens it (``etl.warehouse.connect``: DuckDB's memory and threads capped).
- ``rowwise_rows_per_s``: the same fact rows inserted one ``INSERT … VALUES (?, …)`` at a time
  (``executemany``) into a table of the same columns, on a sample, extrapolated.
- ``first_run_s`` / ``noop_rerun_s``: ``tinhuy crawl --sources <the corpus's sources>``, the whole
  pipeline through the DAG's code in one process (per source discover, fetch, clean, parse; then
  stage, validate, load; no alert e-mail), against the corpus served over local HTTP with ETags and
  Last-Modified by another process, from an empty data directory; then again with nothing changed
  (every page asked for answers 304, so validation is skipped: ``etl.validate.nothing_new``).
- ``dag_import_overhead_s``: the time to import the DAG files after ``import airflow.sdk`` in a
  fresh interpreter (median of several); ``dag_import_wall_delta_s`` is the same seen from outside,
  whole interpreters with and without the DAG files.
- ``peak_rss_mb``: the largest peak resident memory of the processes that handle the corpus
  (clean+parse and the two crawls); each phase's own peak is under ``phases``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bench import corpus as corpora

REPO_DIR = Path(__file__).resolve().parents[1]
# The corpus and every scratch file live here; data/ is never committed.
BENCH_DIR = Path(os.environ.get("TINHUY_BENCH_DIR", REPO_DIR / "data" / "bench"))
RESULT = Path(os.environ.get("TINHUY_BENCH_RESULT", REPO_DIR / "data" / "bench.json"))
# Thousands of pages over three layouts: about 300 MB of HTML at 100 KB a page.
DEFAULT_PAGES = 3000
LOAD_ROWS = 1_000_000
# executemany into DuckDB does about 200 rows/s here: a sample this size takes ~10 s.
ROWWISE_SAMPLE = 2_000
WARMUP_PAGES = 5
BATCH = 100
IMPORT_REPEATS = 5

def targets(r: dict[str, Any]) -> list[tuple[str, float | None, float | None, str, str]]:
    """(what, measured, bound, "≥"/"≤", unit) per target of issue #7."""
    t = r.get("trafilatura_pages_per_s")
    lx = r.get("lxml_pages_per_s")
    return [
        ("clean+parse ≥ 2× trafilatura", r.get("parse_pages_per_s"), 2 * t if t else None, "≥", "pages/s"),
        ("clean+parse within 4× of lxml", r.get("parse_pages_per_s"), lx / 4 if lx else None, "≥", "pages/s"),
        ("  the same, lxml timed alongside", r.get("parse_times_lxml"), 4.0 if r.get("parse_times_lxml") else None,
         "≤", "× lxml"),
        ("1,000,000 fact rows loaded", r.get("load_s"), 5.0, "≤", "s"),
        ("no-op re-run ≤ 10% of first run", r.get("noop_rerun_s"),
         0.1 * r["first_run_s"] if r.get("first_run_s") else None, "≤", "s"),
        ("DAG files on top of airflow.sdk", r.get("dag_import_overhead_s"), 0.3, "≤", "s"),
        ("peak memory on the corpus", r.get("peak_rss_mb"), 1024.0, "≤", "MiB"),
    ]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the corpus in batches ------------------------------------------------------------------
def _pages(corpus: Path, manifest: dict[str, Any]) -> Iterator[list[tuple[dict[str, Any], bytes]]]:
    """The article pages in batches of (entry, raw bytes), read from disk before they are timed."""
    entries = manifest["articles"]
    for start in range(0, len(entries), BATCH):
        chunk = entries[start : start + BATCH]
        yield [(e, (corpus / manifest["files"][e["path"]]["file"]).read_bytes()) for e in chunk]


def _timed(corpus: Path, work, floor=None) -> dict[str, Any]:
    """Run ``work(entry, body)`` over every page; pages per second of the timed part.

    floor: a function of the raw bytes (the lxml parse) timed on each batch just before ``work``, in the
    same process: the ratio of the two is then not moved by the machine getting faster or slower between
    phases (seen here: up to 2x within an hour)."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    elapsed = floor_elapsed = 0.0
    pages = 0
    warmed = 0
    extra: dict[str, Any] = {}
    for batch in _pages(corpus, manifest):
        while warmed < WARMUP_PAGES and batch:
            work(*batch[0], extra={})
            warmed += 1
        if floor is not None:
            started = time.perf_counter()
            for _, body in batch:
                floor(body)
            floor_elapsed += time.perf_counter() - started
        started = time.perf_counter()
        for entry, body in batch:
            work(entry, body, extra=extra)
        elapsed += time.perf_counter() - started
        pages += len(batch)
    mb = manifest["bytes"] / 1e6
    timed = {"pages": pages, "seconds": round(elapsed, 3), "pages_per_s": round(pages / elapsed, 1),
             "mb_per_s": round(mb / elapsed, 2), **extra}
    if floor is not None:
        timed["floor_pages_per_s"] = round(pages / floor_elapsed, 1)
        timed["times_floor"] = round(elapsed / floor_elapsed, 2)
    return timed


def phase_parse(corpus: Path) -> dict[str, Any]:
    import lxml.html

    from etl import clean, parse
    from etl.sources import load_profiles

    profiles = load_profiles()
    sources = {s["id"]: s for s in corpora.sources("http://127.0.0.1")}

    def work(entry: dict[str, Any], body: bytes, extra: dict[str, Any]) -> None:
        source = sources[entry["source"]]
        started = time.perf_counter()
        text = clean.decode(body, "text/html; charset=utf-8")
        decoded = time.perf_counter()
        article = clean.clean_html(text, profile=profiles.get(source["profile"] or ""), url="http://127.0.0.1" + entry["path"])
        cleaned = time.perf_counter()
        result = parse.parse_article(article, url=entry["path"], source=source["id"], province=source["province"])
        parsed = time.perf_counter()
        # Where the time goes, per layout (a warm-up page's extra is thrown away).
        stages = extra.setdefault("stage_s", {}).setdefault(
            source["id"], dict.fromkeys(("pages", "decode", "clean", "parse"), 0.0)
        )
        stages["pages"] += 1
        stages["decode"] += decoded - started
        stages["clean"] += cleaned - decoded
        stages["parse"] += parsed - cleaned
        extra["indicators"] = extra.get("indicators", 0) + len(result["indicators"])
        extra["paragraphs"] = extra.get("paragraphs", 0) + len(result["paragraphs"])

    timed = _timed(corpus, work, floor=lxml.html.document_fromstring)
    # Milliseconds a page in each stage (clean includes its own lxml parse of the page).
    timed["stage_ms"] = {
        layout: {k: round(1000 * v / stages["pages"], 3) for k, v in stages.items() if k != "pages"}
        for layout, stages in timed.pop("stage_s").items()
    }
    return timed


def phase_trafilatura(corpus: Path, fast: bool = False) -> dict[str, Any]:
    import trafilatura

    def work(entry: dict[str, Any], body: bytes, extra: dict[str, int]) -> None:
        text = trafilatura.extract(body, fast=True) if fast else trafilatura.extract(body)
        extra["empty"] = extra.get("empty", 0) + (not text)

    return _timed(corpus, work)


def phase_trafilatura_fast(corpus: Path) -> dict[str, Any]:
    """trafilatura without its fallback extractors (``fast=True``): its quickest mode, for reference."""
    return phase_trafilatura(corpus, fast=True)


def phase_lxml(corpus: Path) -> dict[str, Any]:
    import lxml.html

    def work(entry: dict[str, Any], body: bytes, extra: dict[str, int]) -> None:
        lxml.html.document_fromstring(body)

    return _timed(corpus, work)


# --- the pipeline, twice ------------------------------------------------------------------------
def crawl(sources_file: Path, pages: int, env: dict[str, str], log_file: Path) -> dict[str, Any]:
    """``tinhuy crawl --sources FILE`` in its own process: wall time, its JSON line of counts, its peak memory."""
    tinhuy = Path(sys.executable).with_name("tinhuy")
    started = time.perf_counter()
    with log_file.open("ab") as err:
        process = subprocess.Popen([str(tinhuy), "crawl", "--sources", str(sources_file), "--max-pages", str(pages)],
                                   env=env, cwd=REPO_DIR, stdout=subprocess.PIPE, stderr=err)
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"tinhuy crawl exited {process.returncode}; see {log_file}")
    return {"seconds": round(elapsed, 2), "counts": json.loads(out.decode().strip().splitlines()[-1]),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


# --- loading a million fact rows ------------------------------------------------------------------
STAGED = ("staging.stg_articles", "staging.stg_indicators", "staging.stg_documents", "staging.stg_people")


def phase_load(source_warehouse: Path, scratch: Path) -> dict[str, Any]:
    from etl import load, warehouse

    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / "warehouse.duckdb"
    for stale in scratch.glob("*warehouse.duckdb*"):
        stale.unlink()
    shutil.copyfile(source_warehouse, path)
    con = warehouse.connect(path)
    warehouse.migrate(con)
    staged = con.execute("select count(*) from staging.stg_indicators").fetchone()[0]
    in_mart = con.execute("select count(*) from mart.fact_indicator").fetchone()[0]
    if not staged or not in_mart:
        raise RuntimeError(f"{source_warehouse}: no staged indicators to replicate")
    # Error-level checks held some of the crawl's rows out of the mart (dq.quarantine); the copies are
    # not validated, so all of them reach it: stage enough for exactly a million facts.
    wanted = LOAD_ROWS + staged - in_mart
    copies = -(-wanted // staged)
    started = time.perf_counter()
    con.execute("begin transaction")
    for table in STAGED:
        con.execute(
            f"insert into {table} by name select t.* replace (t.article_id || '#' || r.k as article_id) "
            f"from {table} t, range(1, {copies}) r(k)"
        )
    con.execute(
        "delete from staging.stg_indicators where (article_id, content_hash, indicator_index) in ("
        "select article_id, content_hash, indicator_index from staging.stg_indicators "
        f"order by article_id, content_hash, indicator_index offset {wanted})"
    )
    con.execute("commit")
    con.execute("checkpoint")
    replicate_s = time.perf_counter() - started
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in STAGED}
    run_id = con.execute("select max(run_id) from staging.stg_articles").fetchone()[0]
    # First the million new rows (the mart holds only the crawl's), then again with nothing new:
    # load_run rebuilds the mart rows of everything staged, so every daily load costs the latter.
    started = time.perf_counter()
    loaded = load.load_run(run_id, con)
    load_s = time.perf_counter() - started
    facts = con.execute("select count(*) from mart.fact_indicator").fetchone()[0]
    started = time.perf_counter()
    load.load_run(run_id, con)
    reload_s = time.perf_counter() - started

    # Row by row: the same fact rows, one INSERT per row, into a table of the same columns.
    columns = [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'mart' and table_name = 'fact_indicator' "
        "order by column_index").fetchall()]
    con.execute("create temp table rowwise as select * from mart.fact_indicator limit 0")
    sample = con.execute(f"select * from mart.fact_indicator limit {ROWWISE_SAMPLE}").fetchall()
    placeholders = ", ".join("?" for _ in columns)
    started = time.perf_counter()
    con.executemany(f"insert into rowwise values ({placeholders})", sample)
    rowwise_s = time.perf_counter() - started
    con.close()

    # The load task around load_run: copy the file, migrate, checkpoint, swap.
    started = time.perf_counter()
    with warehouse.writing(path) as con:
        load.load_run(run_id, con)
    task_s = time.perf_counter() - started
    return {
        "staged": counts, "replicated_from": staged, "copies": copies, "replicate_s": round(replicate_s, 2),
        "fact_rows": facts, "load_s": round(load_s, 3), "load_rows_per_s": round(facts / load_s),
        "reload_s": round(reload_s, 3), "load_task_s": round(task_s, 3), "mart_rows": loaded,
        "rowwise_sample": len(sample), "rowwise_s": round(rowwise_s, 3),
        "rowwise_rows_per_s": round(len(sample) / rowwise_s),
        "rowwise_1m_rows_s": round(LOAD_ROWS * rowwise_s / max(1, len(sample)), 1),
        "warehouse_mb": round(path.stat().st_size / 1e6, 1),
    }


# --- DAG import time ----------------------------------------------------------------------------------
_IMPORT_DAGS = """
import time, importlib.util, pathlib, sys
import airflow.sdk
sys.path.insert(0, sys.argv[1])  # as Airflow puts the DAG folder on the path: DAG files import tinhuy_steps
started = time.perf_counter()
for i, path in enumerate(sorted(pathlib.Path(sys.argv[1]).glob("*.py"))):
    spec = importlib.util.spec_from_file_location(f"dag_{i}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
print(time.perf_counter() - started)
"""


def phase_dag_import(scratch: Path) -> dict[str, Any]:
    env = dict(os.environ, AIRFLOW_HOME=str(scratch / "airflow"), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__DAGS_FOLDER=str(REPO_DIR / "dags"))
    dags = str(REPO_DIR / "dags")
    bare, with_dags, inside = [], [], []
    subprocess.run([sys.executable, "-c", "import airflow.sdk"], env=env, check=True)  # first-time setup
    for _ in range(IMPORT_REPEATS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import airflow.sdk"], env=env, check=True)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _IMPORT_DAGS, dags], env=env, check=True,
                             capture_output=True, text=True).stdout
        with_dags.append(time.perf_counter() - started)
        inside.append(float(out.strip().splitlines()[-1]))
    return {
        "airflow_sdk_import_s": round(statistics.median(bare), 3),
        "with_dags_s": round(statistics.median(with_dags), 3),
        "dag_import_overhead_s": round(statistics.median(inside), 3),
        "dag_import_wall_delta_s": round(statistics.median(with_dags) - statistics.median(bare), 3),
    }


PHASES = {"parse": phase_parse, "trafilatura": phase_trafilatura, "trafilatura_fast": phase_trafilatura_fast,
          "lxml": phase_lxml}


def _phase_main(args: argparse.Namespace) -> int:
    """One phase in this process: its figures as the last line of standard output, as JSON."""
    if args.phase in PHASES:
        result = PHASES[args.phase](args.corpus)
    elif args.phase == "load":
        result = phase_load(args.work / "warehouse.duckdb", args.scratch)
    elif args.phase == "dag_import":
        result = phase_dag_import(args.scratch)
    else:
        raise SystemExit(f"unknown phase {args.phase}")
    result["peak_rss_mb"] = round(_rss_mb(), 1)
    print(json.dumps(result))
    return 0


# --- the whole benchmark ------------------------------------------------------------------------------------
def _run_phase(name: str, args: list[str], env: dict[str, str], log) -> dict[str, Any]:
    log(f"  {name} …")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.run", "--phase", name, *args], env=env, cwd=REPO_DIR,
                          capture_output=True, text=True)
    if done.returncode != 0:
        (BENCH_DIR / f"{name}.err").write_text(done.stderr, encoding="utf-8")
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        log(f"  {name} FAILED (exit {done.returncode}): {last}; whole error in {BENCH_DIR / (name + '.err')}")
        return {"error": last, "peak_rss_mb": 0.0}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["phase_wall_s"] = round(time.perf_counter() - started, 1)
    return result


def _serve(corpus_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """The corpus portal in its own process (so it does not share the pipeline's interpreter); its URL."""
    process = subprocess.Popen([sys.executable, "-m", "bench.portal", str(corpus_dir)], env=env, cwd=REPO_DIR,
                               stdout=subprocess.PIPE, text=True)
    base = process.stdout.readline().strip()
    if not base.startswith("http://"):
        process.kill()
        raise SystemExit("bench: the corpus portal did not start")
    return process, base


def bench(pages: int, only: set[str] | None, log=functools.partial(print, flush=True)) -> dict[str, Any]:
    load_before = list(os.getloadavg())
    corpus_dir = BENCH_DIR / "corpus"
    work = BENCH_DIR / "work"
    scratch = BENCH_DIR / "scratch"
    started = time.perf_counter()
    manifest = corpora.generate(corpus_dir, pages)
    sizes = sorted(a["bytes"] for a in manifest["articles"])
    log(f"bench: corpus of {len(sizes)} article pages in {corpus_dir} ({time.perf_counter() - started:.0f} s), "
        f"{sizes[0] / 1e3:.0f}-{sizes[-1] / 1e3:.0f} KB, median {sizes[len(sizes) // 2] / 1e3:.0f} KB")
    env = dict(os.environ, PYTHONPATH=str(REPO_DIR), PYTHONHASHSEED="0")
    results: dict[str, Any] = {}
    phases: dict[str, Any] = {}
    want = (lambda name: only is None or name in only)
    for name in ("lxml", "trafilatura", "trafilatura_fast", "parse"):
        if want(name):
            phases[name] = _run_phase(name, ["--corpus", str(corpus_dir)], env, log)
    if want("pipeline") or want("load"):
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        portal, base = _serve(corpus_dir, env)
        try:
            entries = corpora.sources(base)
            for entry in entries:
                entry.pop("feeds", None)  # the corpus has no feeds
            sources_file = work / "sources.yaml"
            sources_file.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True, sort_keys=False),
                                    encoding="utf-8")
            run_env = dict(env, TINHUY_DATA_DIR=str(work), TINHUY_SOURCES=str(sources_file),
                           TINHUY_MAX_PAGES_PER_RUN=str(pages + 100), TINHUY_MAX_LISTING_PAGES="100000",
                           TINHUY_BUILD_DATA_DOCS="0", TINHUY_TASK_RETRIES="0")
            for name in ("WAREHOUSE", "RAW_DIR", "RUNS_DIR", "OUTBOX_DIR", "GX_DOCS_DIR"):
                run_env.pop(f"TINHUY_{name}", None)
            (BENCH_DIR / "crawl.log").unlink(missing_ok=True)
            log("  pipeline: tinhuy crawl, first run …")
            first = crawl(sources_file, pages, run_env, BENCH_DIR / "crawl.log")
            log("  pipeline: tinhuy crawl, nothing changed …")
            again = crawl(sources_file, pages, run_env, BENCH_DIR / "crawl.log")
            phases["pipeline"] = {"first_run_s": first["seconds"], "noop_rerun_s": again["seconds"], "first": first,
                                  "noop": again, "peak_rss_mb": max(first["peak_rss_mb"], again["peak_rss_mb"])}
        except RuntimeError as exc:
            log(f"  pipeline FAILED: {exc}")
            phases["pipeline"] = {"error": str(exc), "peak_rss_mb": 0.0}
        finally:
            portal.terminate()
            portal.wait(10)
        if want("load"):
            phases["load"] = _run_phase("load", ["--work", str(work), "--scratch", str(scratch / "load")], run_env, log)
    if want("dag_import"):
        phases["dag_import"] = _run_phase("dag_import", ["--scratch", str(scratch)], env, log)

    get = lambda phase, key: phases.get(phase, {}).get(key)  # noqa: E731
    results.update({
        "parse_pages_per_s": get("parse", "pages_per_s"),
        "trafilatura_pages_per_s": get("trafilatura", "pages_per_s"),
        "trafilatura_fast_pages_per_s": get("trafilatura_fast", "pages_per_s"),
        "lxml_pages_per_s": get("lxml", "pages_per_s"),
        "parse_times_lxml": get("parse", "times_floor"),
        "lxml_alongside_pages_per_s": get("parse", "floor_pages_per_s"),
        "stage_ms": get("parse", "stage_ms"),
        "load_rows_per_s": get("load", "load_rows_per_s"),
        "rowwise_rows_per_s": get("load", "rowwise_rows_per_s"),
        "first_run_s": get("pipeline", "first_run_s"),
        "noop_rerun_s": get("pipeline", "noop_rerun_s"),
        "dag_import_overhead_s": get("dag_import", "dag_import_overhead_s"),
        "peak_rss_mb": max((p["peak_rss_mb"] for n, p in phases.items() if n in ("parse", "pipeline")), default=None),
        "load_s": get("load", "load_s"),
        "reload_s": get("load", "reload_s"),
        "load_task_s": get("load", "load_task_s"),
        "rowwise_1m_rows_s": get("load", "rowwise_1m_rows_s"),
        "fact_rows": get("load", "fact_rows"),
        "airflow_sdk_import_s": get("dag_import", "airflow_sdk_import_s"),
        "dag_import_wall_delta_s": get("dag_import", "dag_import_wall_delta_s"),
        "corpus": {"pages": len(sizes), "layouts": list(corpora.LAYOUTS), "mean_kb": round(manifest["bytes"] / len(sizes) / 1e3, 1),
                   "min_kb": round(sizes[0] / 1e3, 1), "max_kb": round(sizes[-1] / 1e3, 1),
                   "generator_version": corpora.GENERATOR_VERSION},
        # Other work on the machine slows every figure: the load average says how much there was.
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_average_before": load_before, "load_average_after": list(os.getloadavg())},
        "phases": phases,
        "wall_s": round(time.perf_counter() - started, 1),
    })
    results["targets"] = [
        {"target": what, "measured": value, "bound": bound, "op": op, "unit": unit,
         "met": None if value is None or bound is None else (value >= bound if op == "≥" else value <= bound)}
        for what, value, bound, op, unit in targets(results)
    ]
    return results


def table(results: dict[str, Any]) -> str:
    def fmt(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, float) and value < 10:
            return f"{value:.3g}"
        return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)

    rows = [
        ("clean+parse (tinhuy)", results["parse_pages_per_s"], "pages/s"),
        ("trafilatura.extract", results["trafilatura_pages_per_s"], "pages/s"),
        ("  with fast=True (no fallbacks)", results["trafilatura_fast_pages_per_s"], "pages/s"),
        ("lxml parse only (floor)", results["lxml_pages_per_s"], "pages/s"),
        ("  timed alongside clean+parse", results["lxml_alongside_pages_per_s"], "pages/s"),
        ("clean+parse time / lxml time", results["parse_times_lxml"], "×"),
        *[(f"  {layout}: decode, clean, parse", " + ".join(f"{ms:.2f}" for ms in stages.values()), "ms/page")
          for layout, stages in (results.get("stage_ms") or {}).items()],
        ("load 1M fact rows (load_run)", results["load_rows_per_s"], "rows/s"),
        ("  load_run time", results["load_s"], "s"),
        ("  again, nothing new (load_run)", results["reload_s"], "s"),
        ("  again as the load task (copy+swap)", results["load_task_s"], "s"),
        ("row-by-row INSERT", results["rowwise_rows_per_s"], "rows/s"),
        ("first run", results["first_run_s"], "s"),
        ("no-op re-run", results["noop_rerun_s"], "s"),
        ("import airflow.sdk", results["airflow_sdk_import_s"], "s"),
        ("DAG files on top", results["dag_import_overhead_s"], "s"),
        ("peak RSS (corpus)", results["peak_rss_mb"], "MiB"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'figure':<{width}}  {'value':>12}  unit", "-" * (width + 22)]
    lines += [f"{name:<{width}}  {fmt(value):>12}  {unit}" for name, value, unit in rows]
    lines += ["", f"{'target':<34} {'measured':>10} {'bound':>10}  met", "-" * 62]
    for t in results["targets"]:
        met = {True: "yes", False: "NO", None: "—"}[t["met"]]
        lines.append(f"{t['target']:<34} {fmt(t['measured']):>10} {t['op']}{fmt(t['bound']):>9}  {met}")
    return "\n".join(lines)


def profile(pages: int) -> int:
    """Where clean+parse spends its time: the parse phase in this process under pyinstrument's sampler."""
    from pyinstrument import Profiler

    corpus_dir = BENCH_DIR / "corpus"
    corpora.generate(corpus_dir, pages)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    figures = phase_parse(corpus_dir)
    profiler.stop()
    out = RESULT.with_name("bench-profile.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    print(f"bench: {figures['pages']} pages profiled ({figures['pages_per_s']} pages/s under the profiler); "
          f"stage ms/page {json.dumps(figures['stage_ms'])}; call tree in {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=int(os.environ.get("TINHUY_BENCH_PAGES", DEFAULT_PAGES)),
                        help=f"article pages in the corpus (default {DEFAULT_PAGES})")
    parser.add_argument("--only", action="append", help="run only these phases (parse, trafilatura, lxml, pipeline, load, dag_import)")
    parser.add_argument("--profile", action="store_true",
                        help="profile clean+parse on the corpus with pyinstrument instead: data/bench-profile.txt")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed (else only when a phase fails)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        return _phase_main(args)
    if args.profile:
        return profile(args.pages)
    results = bench(args.pages, set(args.only) if args.only else None)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(results))
    print(f"\nbench: figures in {RESULT}, {results['wall_s']:.0f} s in all; load average "
          f"{results['machine']['load_average_before'][0]:.1f} before, {results['machine']['load_average_after'][0]:.1f} after"
          f" on {os.cpu_count()} cores")
    if any("error" in phase for phase in results["phases"].values()):
        return 1
    return 1 if args.strict and any(t["met"] is False for t in results["targets"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
