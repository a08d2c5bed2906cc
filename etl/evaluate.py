"""Measure the parser against hand-labelled gold: indicator precision and recall, documents, people."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Kinds that are compared as one class: a count and a measure are both "a number of something".
KIND_CLASS = {"count": "amount", "measure": "amount", "percent": "percent", "ratio": "ratio", "range": "range"}


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def same_indicator(pred: dict[str, Any], gold: dict[str, Any]) -> bool:
    """Value-level match: same kind class and the same value, fraction or range."""
    if KIND_CLASS.get(pred.get("kind")) != KIND_CLASS.get(gold.get("kind")):
        return False
    if gold.get("kind") == "ratio":
        return _close(pred.get("numerator"), gold.get("numerator")) and _close(
            pred.get("denominator"), gold.get("denominator")
        )
    if gold.get("kind") == "range":
        return _close(pred.get("low"), gold.get("low")) and _close(pred.get("high"), gold.get("high"))
    return _close(pred.get("value"), gold.get("value"))


@dataclass
class Match:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (pred index, gold index)
    false_positives: list[int] = field(default_factory=list)
    false_negatives: list[int] = field(default_factory=list)


def match_indicators(pred: list[dict[str, Any]], gold: list[dict[str, Any]]) -> Match:
    """One-to-one matching in text order (both lists are in reading order)."""
    result = Match()
    used: set[int] = set()
    for g_index, g in enumerate(gold):
        for p_index, p in enumerate(pred):
            if p_index not in used and same_indicator(p, g):
                used.add(p_index)
                result.pairs.append((p_index, g_index))
                break
        else:
            result.false_negatives.append(g_index)
    result.false_positives = [i for i in range(len(pred)) if i not in used]
    return result


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- whole pages against gold ------------------------------------------------------------------

GOLD_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "gold"


@dataclass
class PageScore:
    name: str
    body_f1: float
    noise_leaked: list[str]
    tp: int
    fp: int
    fn: int
    unit_ok: int
    qualifier_ok: int
    parent_ok: int
    documents_found: int
    documents_total: int
    people_found: int
    people_total: int
    title_ok: bool | None
    date_ok: bool | None


def token_f1(predicted: list[str], gold: list[str]) -> float:
    pred, want = Counter(" ".join(predicted).split()), Counter(" ".join(gold).split())
    overlap = sum((pred & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def gold_pages(gold_dir: Path = GOLD_DIR) -> list[tuple[str, dict[str, Any]]]:
    """Every gold file with the page it labels (`page`: a demo-portal path, or `html`: a file beside it)."""
    seeds = json.loads((gold_dir / "seed_pages.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted(gold_dir.glob("*.json")):
        if path.name == "seed_pages.json":
            continue
        gold = json.loads(path.read_text(encoding="utf-8"))
        gold.update(seeds.get(path.name, {}))
        if "html" in gold:
            gold["html"] = str(path.parent / gold["html"])
        if "page" in gold or "html" in gold:
            pages.append((path.stem, gold))
    return pages


def score_page(name: str, gold: dict[str, Any], parsed: dict[str, Any]) -> PageScore:
    body = parsed["paragraphs"]
    match = match_indicators(parsed["indicators"], gold["indicators"])
    gold_of = dict(match.pairs)
    pairs = [(parsed["indicators"][p], gold["indicators"][g]) for p, g in match.pairs]
    parent_ok = 0
    for got, want in pairs:
        if want["parent"] is None:
            parent_ok += got["parent"] is None
        else:
            parent_ok += gold_of.get(got["parent"]) == want["parent"]
    documents = {d["number"] for d in parsed["documents"]}
    people = {(p["name"], p["position"]) for p in parsed["people"]}
    text = " ".join(body)
    return PageScore(
        name=name,
        body_f1=token_f1(body, gold["body_paragraphs"] + gold["subheadings"]),
        noise_leaked=[n for n in gold.get("noise_snippets", []) if n in text],
        tp=len(match.pairs),
        fp=len(match.false_positives),
        fn=len(match.false_negatives),
        unit_ok=sum(got["unit"] == want["unit"] for got, want in pairs),
        qualifier_ok=sum(got["qualifier"] == want["qualifier"] for got, want in pairs),
        parent_ok=parent_ok,
        documents_found=sum(d["number"] in documents for d in gold["documents"]),
        documents_total=len(gold["documents"]),
        people_found=sum((p["name"], p["position"]) in people for p in gold["people"]),
        people_total=len(gold["people"]),
        title_ok=None if not gold.get("title") else parsed["title"] == gold["title"],
        date_ok=None if not gold.get("published") else parsed["published"] == gold["published"],
    )


def evaluate(base_url: str | None = None, gold_dir: Path = GOLD_DIR, use_profiles: bool = True) -> list[PageScore]:
    """Clean and parse every gold page (from the demo portal at base_url, or a file) and score it."""
    from urllib.request import urlopen

    from etl.clean import clean_html, decode
    from etl.parse import parse_article
    from etl.sources import load_sources

    profiles = {s.id: s.profile for s in load_sources("demo")} if use_profiles else {}
    scores = []
    for name, gold in gold_pages(gold_dir):
        if "html" in gold:
            body, content_type, url, profile = Path(gold["html"]).read_bytes(), None, gold.get("url"), None
        else:
            url = f"{base_url}{gold['page']}"
            with urlopen(url, timeout=10) as response:
                body, content_type = response.read(), response.headers.get("Content-Type")
            profile = profiles.get(gold["page"].split("/")[1])
        article = clean_html(decode(body, content_type), profile=profile, url=url)
        scores.append(score_page(name, gold, parse_article(article, url=url)))
    return scores


def summary(scores: list[PageScore]) -> dict[str, float]:
    """The totals `make eval` prints and issue 4's targets are stated in."""
    tp, fp, fn = (sum(getattr(s, k) for s in scores) for k in ("tp", "fp", "fn"))
    precision, recall, f1 = prf(tp, fp, fn)
    dated = [s.date_ok for s in scores if s.date_ok is not None]
    titled = [s.title_ok for s in scores if s.title_ok is not None]
    return {
        "pages": len(scores),
        "body_f1": sum(s.body_f1 for s in scores) / max(1, len(scores)),
        "noise_leaked": sum(len(s.noise_leaked) for s in scores),
        "indicator_precision": precision,
        "indicator_recall": recall,
        "indicator_f1": f1,
        "unit_accuracy": sum(s.unit_ok for s in scores) / max(1, tp),
        "qualifier_accuracy": sum(s.qualifier_ok for s in scores) / max(1, tp),
        "parent_accuracy": sum(s.parent_ok for s in scores) / max(1, tp),
        "document_recall": sum(s.documents_found for s in scores) / max(1, sum(s.documents_total for s in scores)),
        "people_recall": sum(s.people_found for s in scores) / max(1, sum(s.people_total for s in scores)),
        "title_accuracy": sum(titled) / max(1, len(titled)),
        "date_accuracy": sum(dated) / max(1, len(dated)),
    }


def main(argv: list[str] | None = None) -> int:
    """Print per-page and total scores against gold (`make eval`); --generic ignores site profiles."""
    import argparse
    import threading

    from etl.demo_portal.server import make_server

    parser = argparse.ArgumentParser(prog="python -m etl.evaluate", description=main.__doc__)
    parser.add_argument("--generic", action="store_true", help="clean without site profiles (portals never seen)")
    args = parser.parse_args(argv)
    server = make_server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        scores = evaluate(f"http://127.0.0.1:{server.server_address[1]}", use_profiles=not args.generic)
    finally:
        server.shutdown()
    header = f"{'page':58} {'bodyF1':>6} {'leak':>4} {'P':>5} {'R':>5} {'docs':>5} {'ppl':>5} {'title':>5} {'date':>5}"
    print(header)
    for s in scores:
        p, r, _ = prf(s.tp, s.fp, s.fn)
        print(
            f"{s.name[:58]:58} {s.body_f1:6.3f} {len(s.noise_leaked):4d} {p:5.2f} {r:5.2f} "
            f"{s.documents_found}/{s.documents_total:<3} {s.people_found}/{s.people_total:<3} "
            f"{'-' if s.title_ok is None else 'ok' if s.title_ok else 'NO':>5} "
            f"{'-' if s.date_ok is None else 'ok' if s.date_ok else 'NO':>5}"
        )
    print()
    for key, value in summary(scores).items():
        print(f"{key:22} {value:.3f}" if isinstance(value, float) else f"{key:22} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
