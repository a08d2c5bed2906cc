"""The cleaner on its own: decoding Vietnamese pages, and layout noise removed from a generic page."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.clean import UnreadablePage, clean_html, decode, parse_date

TEXT = "Tỉnh ủy Nghệ An tổ chức hội nghị sơ kết, đạt 68,13% kế hoạch năm; Thuỷ lợi, khoẻ mạnh."


def _cp1258(text: str) -> bytes:
    """Text as windows-1258 writes it: base letters precomposed, tone marks combining."""
    out = []
    for char in unicodedata.normalize("NFD", text):
        out.append(char)
    composed = unicodedata.normalize("NFC", "".join(out))
    encoded = bytearray()
    for char in composed:
        try:
            encoded += char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
            encoded += base.encode("cp1258") + "".join(m for m in marks if m not in "\u0302\u0306\u031b").encode("cp1258")
    return bytes(encoded)


def _page(body: str, head: str = '<meta charset="utf-8">') -> str:
    return f"<html><head>{head}<title>Tin</title></head><body><div class='content'><p>{body}</p></div></body></html>"


def test_decode_windows_1258_declared_only_in_meta():
    html = _page(TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    body = html.split("<p>")[0].encode("ascii") + b"<p>" + _cp1258(TEXT) + html.split(TEXT)[1].encode("ascii")
    assert TEXT in decode(body, "text/html")


def test_decode_nfd_and_entities_become_nfc():
    nfd = unicodedata.normalize("NFD", TEXT)
    assert decode(_page(nfd).encode("utf-8"), "text/html; charset=utf-8").count(TEXT) == 1
    entities = "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in TEXT)
    assert clean_html(decode(_page(entities).encode("ascii"))).paragraphs == [TEXT]


def test_decode_distrusts_a_western_header_over_utf8_body():
    assert TEXT in decode(_page(TEXT).encode("utf-8"), "text/html; charset=ISO-8859-1")


def test_decode_refuses_binary():
    with pytest.raises(UnreadablePage):
        decode(b"%PDF-1.4\x00\x01\x02\x03" * 50, "application/pdf")


GENERIC = """<html><head><meta charset="utf-8"><title>Kết quả - Cổng TTĐT</title>
<meta property="article:published_time" content="2024-03-12T09:15:00+07:00"></head><body>
<header><img alt="Banner Tỉnh ủy"><ul class="menu"><li><a href="/">Trang chủ</a></li></ul></header>
<div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/tin">Tin tức</a></div>
<div class="article-detail"><h1>Kết quả công tác dân vận năm 2023</h1>
<div class="tool">Cỡ chữ: A+ A-</div>
<p>Năm 2023, toàn tỉnh có 2.849 cuộc giám sát, trong đó cấp tỉnh 15 cuộc, cấp huyện 226 cuộc và cấp xã 2.608 cuộc, tăng so với năm trước.</p>
<h3>Nâng cao chất lượng dân vận chính quyền</h3>
<table class="image"><tr><td><img src="a.jpg"></td></tr><tr><td class="image-caption">Đồng chí Nguyễn Văn An phát biểu tại hội nghị.</td></tr></table>
<p>Có 45/60 xã đạt chuẩn nông thôn mới, đạt 75%, nhiều mô hình hay được nhân rộng trong toàn tỉnh, góp phần phát triển kinh tế.</p>
<div class="box-news"><h4>Tin liên quan</h4><ul><li><a href="/a">Hội nghị tổng kết công tác dân vận năm 2022 với 1.200 đại biểu</a></li><li><a href="/b">Kết quả thực hiện Nghị quyết 02-NQ/TU</a></li></ul></div>
<p>Phấn đấu đến năm 2025 có 80% xã đạt chuẩn nông thôn mới nâng cao, tiếp tục đổi mới phương thức lãnh đạo của các cấp ủy.</p>
<p style="text-align: right"><strong>Trần Thị Hoa</strong><br>Ban Dân vận Tỉnh ủy</p>
<div class="share-bar">Chia sẻ | In bài | Gửi email</div><div>Lượt xem: 1.024</div>
<div class="tags">Từ khóa: dân vận, nông thôn mới</div>
</div>
<div class="sidebar"><h3>Đọc nhiều nhất</h3><ul><li><a href="/c">Tỉnh có 30 dự án mới được cấp phép đầu tư</a></li></ul></div>
<footer>Bản quyền thuộc về Tỉnh ủy. Điện thoại: 0238 3844 123</footer></body></html>"""


def test_generic_page_without_profile():
    article = clean_html(GENERIC)
    assert article.title == "Kết quả công tác dân vận năm 2023"
    assert article.published == "2024-03-12"
    assert article.author == "Trần Thị Hoa / Ban Dân vận Tỉnh ủy"
    assert article.captions == ["Đồng chí Nguyễn Văn An phát biểu tại hội nghị."]
    assert article.subheadings == ["Nâng cao chất lượng dân vận chính quyền"]
    assert len(article.paragraphs) == 4
    body = " ".join(article.paragraphs)
    for noise in ("Tin liên quan", "1.200 đại biểu", "Lượt xem", "Chia sẻ", "Cỡ chữ", "Từ khóa", "Đọc nhiều nhất",
                  "30 dự án", "Bản quyền", "Banner", "Trang chủ", "Trần Thị Hoa"):
        assert noise not in body, noise


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Thứ Ba, 12/03/2024 - 09:15", "2024-03-12"),
        ("Cập nhật: 2021-03-15T08:30:00", "2021-03-15"),
        ("ngày 5 tháng 1 năm 2022", "2022-01-05"),
        ("không có ngày", None),
    ],
)
def test_date_lines(line, expected):
    assert parse_date(line) == expected


def test_day_month_completed_with_the_year_of_the_page():
    html = GENERIC.replace('<meta property="article:published_time" content="2024-03-12T09:15:00+07:00">', "")
    html = html.replace("<p>Năm 2023, toàn tỉnh", "<p>Chiều 30/5, toàn tỉnh")
    assert clean_html(html, url="http://x/tin/2022/ket-qua.html").published == "2022-05-30"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_cleaner_raises_only_unreadable_on_arbitrary_text(text):
    try:
        clean_html(text)
    except UnreadablePage:
        pass


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(GENERIC) - 1), st.integers(min_value=1, max_value=400))
def test_cleaner_survives_truncated_and_cut_html(start, length):
    mutated = GENERIC[:start] + GENERIC[start + length :]
    try:
        clean_html(mutated)
    except UnreadablePage:
        pass
