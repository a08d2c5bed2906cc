"""Measure the parser against hand-labelled gold: indicator precision and recall, documents, people."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
