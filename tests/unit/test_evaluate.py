"""Cleaner and parser together on every gold page served by the demo portal: the issue-4 targets as a regression test."""

from __future__ import annotations

import pytest

from etl.evaluate import evaluate, gold_pages, summary

TARGETS = {
    "body_f1": 0.97,
    "indicator_precision": 0.95,
    "indicator_recall": 0.95,
    "document_recall": 0.95,
    "people_recall": 0.9,
    "date_accuracy": 0.95,
}


def test_every_gold_file_names_its_page():
    assert len(gold_pages()) >= 23


@pytest.mark.parametrize("use_profiles", [True, False], ids=["site-profiles", "generic-cleaner"])
def test_gold_pages_meet_the_targets(demo_portal, use_profiles):
    scores = evaluate(demo_portal, use_profiles=use_profiles)
    totals = summary(scores)
    assert totals["noise_leaked"] == 0, [(s.name, s.noise_leaked) for s in scores if s.noise_leaked]
    for key, floor in TARGETS.items():
        assert totals[key] >= floor, (key, totals[key])
    for score in scores:
        assert score.body_f1 >= 0.97, score.name
