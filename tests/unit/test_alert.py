"""etl.alert.build_message: subject, both parts, examples, and escaping of scraped text."""

from __future__ import annotations

import copy
from email import policy
from email.parser import BytesParser

import pytest

from etl import alert, settings

URL = "http://127.0.0.1:8765/nghean/vi-vn/tin/doi-thoai-2018.html"


def make_report() -> dict:
    return {
        "run_id": "manual__2026-11-22T02:00:00+00:00",
        "checked_at": "2026-11-22T02:05:00+00:00",
        "passed": 12,
        "failed": 2,
        "sources": ["nghean", "hatinh"],
        "data_docs": None,
        "checks": [
            {
                "name": "count_within_stated_total",
                "suite": "stg_indicators_crosscheck",
                "severity": "warning",
                "success": False,
                "unexpected_count": 1,
                "notes": "a part cannot exceed the whole the article states",
                "description": "a count of communes is at most the province's stated number of communes",
                "examples": [
                    {
                        "url": URL,
                        "source": "nghean",
                        "sentence": "480/480 xã, phường, thị trấn tham gia đối thoại",
                        "detail": "480 communes, but the article states 460",
                    }
                ],
            },
            {
                "name": "percent_matches_fraction",
                "suite": "stg_indicators_crosscheck",
                "severity": "error",
                "success": False,
                "unexpected_count": 5,
                "notes": "a stated percent should be its fraction, rounded",
                "description": "a stated percent agrees with its fraction within 0.05 pp",
                "examples": [
                    {
                        "url": URL,
                        "source": "nghean",
                        "sentence": f"Có 281/411 xã đạt 68,13% <script>alert('x{i}')</script>",
                        "detail": "281/411 = 68.37%, stated 68.13%",
                    }
                    for i in range(5)
                ],
            },
            {"name": "value_not_null", "suite": "stg_indicators", "severity": "error", "success": True},
        ],
    }


def parts(message):
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    return parsed, text, html


def test_no_failed_check_no_message() -> None:
    report = make_report()
    for check in report["checks"]:
        check["success"] = True
    assert alert.build_message(report) is None
    assert alert.build_message({"checks": []}) is None


def test_subject_counts_failed_checks_and_names_sources() -> None:
    message = alert.build_message(make_report())
    assert message["Subject"] == "[tinhuy] 2 data-quality checks failed — nghean"
    assert message["To"] == ", ".join(settings.ALERT_TO)
    assert message["From"] == settings.ALERT_FROM


def test_subject_singular() -> None:
    report = make_report()
    report["checks"][0]["success"] = True
    assert alert.build_message(report)["Subject"] == "[tinhuy] 1 data-quality check failed — nghean"


def test_subject_sources_from_urls_when_examples_do_not_say(monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.sources import Source

    sources = [
        Source("nghean", "Nghệ An", ("x",), ("127.0.0.1",), r"^/nghean/.*\.html$"),
        Source("hatinh", "Hà Tĩnh", ("x",), ("127.0.0.1",), r"^/hatinh/.*\.html$"),
    ]
    monkeypatch.setattr(alert, "_known_sources", lambda: sources)
    report = make_report()
    for check in report["checks"]:
        for example in check.get("examples", []):
            example.pop("source")
    report["checks"][0]["examples"][0]["url"] = "http://127.0.0.1:8765/hatinh/tin/1.html"
    assert alert.build_message(report)["Subject"] == "[tinhuy] 2 data-quality checks failed — nghean, hatinh"


def test_subject_falls_back_to_the_run_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alert, "_known_sources", lambda: [])
    report = make_report()
    for check in report["checks"]:
        for example in check.get("examples", []):
            example.pop("source")
    assert alert.build_message(report)["Subject"].endswith("— nghean, hatinh")


def test_message_is_multipart_alternative_with_text_and_html() -> None:
    parsed, text, html = parts(alert.build_message(make_report()))
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    for body in (text, html):
        assert "281/411" in body and "68,13" in body and "480/480" in body and "460" in body
        assert "percent_matches_fraction" in body and "count_within_stated_total" in body
        assert URL in body
    # errors come before warnings
    assert text.index("percent_matches_fraction") < text.index("count_within_stated_total")


def test_examples_are_capped_and_the_rest_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "ALERT_EXAMPLES", 2)
    _, text, html = parts(alert.build_message(make_report()))
    assert text.count("281/411 xã") == 2
    assert "… and 3 more." in text
    assert html.count("281/411 xã") == 2
    assert "and 3 more" in html


def test_scraped_html_is_escaped_in_the_html_part() -> None:
    _, text, html = parts(alert.build_message(make_report()))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x0&#39;)&lt;/script&gt;" in html
    assert "<script>alert('x0')</script>" in text  # the text part shows it as it was written


def test_hostile_urls_and_names_do_not_escape() -> None:
    report = copy.deepcopy(make_report())
    check = report["checks"][1]
    check["name"] = "bad\nBcc: victim@example.org"
    check["examples"][0]["url"] = "javascript:alert(1)"
    check["examples"][1]["url"] = 'http://x/"><img src=x onerror=alert(1)>'
    message = alert.build_message(report)
    _, text, html = parts(message)
    assert message["Bcc"] is None
    assert 'href="javascript:' not in html
    assert "<img" not in html
    assert "bad Bcc: victim@example.org" in text


SOURCE_CHECK = {
    "name": "source_has_articles",
    "suite": "sources",
    "severity": "error",
    "success": False,
    "unexpected_count": 1,
    "notes": "pages came back but nothing parsed",
    "description": "every source that fetched pages produced articles",
    "examples": [
        {
            "url": "http://127.0.0.1:8765/quangtri/tin/1.html?<b>x</b>",
            "source": "quangtri",
            "sentence": None,
            "detail": "quangtri: 6 pages fetched, 0 articles, 0 indicators <img src=x>",
        }
    ],
}


def test_a_broken_source_gets_its_own_email_not_a_row_in_the_alert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SOURCE_ALERT_TO", ["scrapers@tinhuy.local"])
    report = make_report()
    report["checks"].append(copy.deepcopy(SOURCE_CHECK))

    alert_message, source_message = alert.build_messages(report)
    _, text, html = parts(alert_message)
    assert alert_message["Subject"] == "[tinhuy] 2 data-quality checks failed — nghean"
    assert "source_has_articles" not in text and "separate" in text and "quangtri" in text

    parsed, text, html = parts(source_message)
    assert source_message["Subject"] == "[tinhuy] 1 source broken: pages fetched, nothing parsed — quangtri"
    assert source_message["To"] == "scrapers@tinhuy.local"
    assert parsed.get_content_type() == "multipart/alternative"
    assert "quangtri: 6 pages fetched, 0 articles, 0 indicators" in text
    assert "http://127.0.0.1:8765/quangtri/tin/1.html" in text and "profiles.yaml" in text
    assert "<img" not in html and "&lt;img src=x&gt;" in html and "<b>x</b>" not in html


def test_only_a_broken_source_sends_only_the_source_email() -> None:
    report = {"run_id": "r", "checks": [copy.deepcopy(SOURCE_CHECK)]}
    assert alert.build_message(report) is None
    assert [m["Subject"] for m in alert.build_messages(report)] == [
        "[tinhuy] 1 source broken: pages fetched, nothing parsed — quangtri"
    ]


def test_the_alert_says_what_was_held_and_links_the_data_docs(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "GX_DOCS_DIR", tmp_path / "gx_docs")
    report = make_report()
    report["quarantine"] = {"held": 3, "flagged": 1}
    report["data_docs"] = str(tmp_path / "gx_docs" / "manual__2026" / "index.html")

    _, text, html = parts(alert.build_message(report))
    assert "3 rows held out of the mart" in text and "1 loaded with a flag" in text and "tinhuy quarantine" in text
    assert f"Data docs of this run: file://{tmp_path}/gx_docs/manual__2026/index.html" in text
    assert f'<a href="file://{tmp_path}/gx_docs/manual__2026/index.html">' in html

    monkeypatch.setattr(settings, "DATA_DOCS_URL", "https://dq.example.org/docs/")
    _, text, html = parts(alert.build_message(report))
    assert '<a href="https://dq.example.org/docs/manual__2026/index.html">' in html
    assert "Data docs of this run: https://dq.example.org/docs/manual__2026/index.html" in text
