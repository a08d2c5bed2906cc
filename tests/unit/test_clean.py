"""The cleaner on its own: decoding Vietnamese pages, and layout noise removed from a generic page."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import clean
from etl.clean import CleanArticle, UnreadablePage, clean_html, decode, parse_date

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


# --- the old font encodings ---------------------------------------------------------------

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def test_decode_converts_tcvn3_pages():
    body = '<p><font face=".VnTime">§¶ng bé tØnh L¹ng S¬n ®· tæ chøc Héi nghÞ lÇn thø 12.</font></p>'.encode("latin-1")
    assert "Đảng bộ tỉnh Lạng Sơn đã tổ chức Hội nghị lần thứ 12." in decode(body, "text/html; charset=windows-1252")
    page = decode((PAGES / "frontpage" / "hoi-nghi-lan-thu-12-ban-chap-hanh-dang-bo-tinh.html").read_bytes())
    assert "Đồng chí Hoàng Văn Minh, Bí thư Tỉnh uỷ chủ trì hội nghị." in page


def test_decode_converts_vni_pages():
    body = '<p><font face="VNI-Times">Ñaûng boä tænh Beán Tre ñaõ toå chöùc hoäi nghò.</font></p>'.encode("latin-1")
    assert "Đảng bộ tỉnh Bến Tre đã tổ chức hội nghị." in decode(body)
    page = decode((PAGES / "vni" / "ben-tre-so-ket-5-nam-nghi-quyet-trung-uong-5-ve-kinh-te-tap-the.html").read_bytes())
    assert "Đồng chí Huỳnh Văn Bảy, Phó Bí thư Tỉnh uỷ chủ trì hội nghị." in page


def test_decode_leaves_unicode_with_latin1_symbols_alone():
    text = "© 2024 Tỉnh ủy «Dân vận khéo» ® — giá 1.000 đồng, Ñ ø ï chỉ là ký hiệu."
    assert decode(_page(text).encode("utf-8")).count(text) == 1


def test_decode_undeclared_windows_1258():
    assert TEXT in decode(_cp1258(f"<html><body><p>{TEXT} {TEXT}</p></body></html>"))


# --- generic rules for layouts without a profile ---------------------------------------------

def _generic(body: str, head: str = "", title: str = "Tiêu đề trang") -> CleanArticle:
    return clean_html(f'<html><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>{body}</body></html>')


PARAGRAPHS = [
    "Năm 2023, toàn tỉnh có 2.849 cuộc giám sát, tăng so với năm trước, nhiều cuộc được tổ chức ở cơ sở.",
    "Có 45/60 xã đạt chuẩn nông thôn mới, đạt 75%, nhiều mô hình hay được nhân rộng trong toàn tỉnh.",
    "Phấn đấu đến năm 2025 có 80% xã đạt chuẩn nông thôn mới nâng cao, tiếp tục đổi mới phương thức lãnh đạo.",
]


def test_a_page_inside_one_form_is_not_noise():
    body = "<form id='Form' method='post'><div class='NewsContent'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    article = _generic(body + "</div><input type='hidden' name='__VIEWSTATE' value='x'></form>")
    assert article.paragraphs == PARAGRAPHS


def test_paragraphs_split_by_line_breaks():
    run = "<br /><br />".join([PARAGRAPHS[0], "<b>Một tiêu đề phụ</b>", PARAGRAPHS[1]]) + "<br />" + PARAGRAPHS[2]
    article = _generic(f'<div class="content"><div align="justify"><font face="Arial">{run}</font></div></div>')
    assert article.paragraphs == [PARAGRAPHS[0], "Một tiêu đề phụ", PARAGRAPHS[1], PARAGRAPHS[2]]
    assert article.subheadings == ["Một tiêu đề phụ"]


def test_source_line_wraps_are_not_paragraphs():
    wrapped = PARAGRAPHS[0].replace(", tăng", ",\n  tăng")
    assert _generic(f"<div class='content'><p>{wrapped}</p><p>{PARAGRAPHS[1]}</p></div>").paragraphs == PARAGRAPHS[:2]


@pytest.mark.parametrize(
    "figure",
    [
        '<p style="text-align:center"><img src="a.jpg"></p><p style="text-align:center"><em>{}</em></p>',
        '<table class="imgEditor"><tr><td><img src="a.jpg"></td></tr><tr><td><em>{}</em></td></tr></table>',
        '<div align="center"><img src="a.jpg"><br><font size="2"><i>{}</i></font></div>',
        '<p align="center"><img src="a.jpg"></p><p align="center"><font size="1">{}</font></p>',
    ],
    ids=["centred-italic", "image-table", "same-block", "centred-plain"],
)
def test_captions_beside_images(figure):
    caption = "Đồng chí Nguyễn Văn An phát biểu tại hội nghị."
    body = f"<div class='content'><p>{PARAGRAPHS[0]}</p>{figure.format(caption)}<p>{PARAGRAPHS[1]}</p></div>"
    article = _generic(body)
    assert article.captions == [caption]
    assert article.paragraphs == PARAGRAPHS[:2]


def test_photo_credit_is_a_caption():
    article = _generic(f"<div class='content'><p>{PARAGRAPHS[0]}</p><p>Ảnh: Minh Hải</p><p>{PARAGRAPHS[1]}</p></div>")
    assert article.paragraphs == PARAGRAPHS[:2] and article.captions == ["Ảnh: Minh Hải"]


@pytest.mark.parametrize(
    "signature, author",
    [
        ("<p><strong>Thanh Hải</strong></p>", "Thanh Hải"),
        ("<p><b><i>Quàng Minh</i></b></p>", "Quàng Minh"),
        ("<p>Tin, ảnh: Ngọc Anh</p>", "Tin, ảnh: Ngọc Anh"),
        ("<p><b>Lương Thị Hà</b></p><p><i>Phó Trưởng Ban Dân vận Huyện ủy Mèo Vạc</i></p>",
         "Lương Thị Hà / Phó Trưởng Ban Dân vận Huyện ủy Mèo Vạc"),
        ('<p class="text-right"><strong>Thúy Hồng</strong></p>', "Thúy Hồng"),
        ('<div class="article__author">Thu Thảo</div>', "Thu Thảo"),
    ],
)
def test_signatures_at_the_end(signature, author):
    article = _generic(f"<div class='content'>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}{signature}</div>")
    assert article.author == author
    assert article.paragraphs == PARAGRAPHS


def test_byline_above_the_text():
    body = "<div class='detail-meta'><span class='detail-author'>Tác giả: Minh Huyền</span></div>"
    article = _generic(body + "<div class='content'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>")
    assert article.author == "Minh Huyền"


def test_first_bold_paragraph_is_the_sapo():
    sapo = "Nhờ triển khai đồng bộ các chương trình mục tiêu quốc gia, đời sống đồng bào dân tộc thiểu số từng bước được cải thiện rõ rệt."
    article = _generic(f"<div class='content'><p><strong>{sapo}</strong></p>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>")
    assert article.summary == sapo and article.paragraphs == PARAGRAPHS and article.subheadings == []


def test_summary_is_not_the_site_slogan():
    head = '<header class="site-header"><p class="site-description">Cơ quan của Đảng bộ Đảng Cộng sản Việt Nam tỉnh Quảng Bình</p></header>'
    lead = "Chiều 18/10, UBND tỉnh tổ chức phiên họp thường kỳ tháng 10 để đánh giá tình hình kinh tế - xã hội."
    body = f"{head}<article><h1>Kinh tế - xã hội 9 tháng năm 2023</h1><div class='entry-summary'><p>{lead}</p></div>"
    article = _generic(body + "<div class='entry-content'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div></article>")
    assert article.summary == lead


def test_title_from_the_heading_the_page_title_repeats():
    body = ('<h2 class="c_title">Tin tức - Sự kiện</h2><span class="NewsTitle">Công tác tổ chức xây dựng Đảng đạt nhiều kết quả</span>'
            "<div class='NewsContent'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>")
    article = _generic(body, title="Công tác tổ chức xây dựng Đảng đạt nhiều kết quả &gt; Tin tức - Sự kiện")
    assert article.title == "Công tác tổ chức xây dựng Đảng đạt nhiều kết quả"


def test_title_from_the_heading_before_the_text():
    body = ('<h1 class="site-title"><a href="/"><img alt="logo"></a></h1><h3 class="header-title"><span>'
            "Tuyên Quang: Phát triển đảng viên ở vùng cao</span></h3><div class='journal-content-article'>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div><h1 class='portlet-title'>Các tin khác</h1>")
    assert _generic(body, title="Tin tức - Sự kiện - Cổng Thông tin").title == "Tuyên Quang: Phát triển đảng viên ở vùng cao"


def test_title_repeated_in_the_body_and_date_line_are_dropped():
    title = "Hội nghị lần thứ 12 Ban Chấp hành Đảng bộ tỉnh"
    body = (f"<table><tr><td><p><i>Ngày 25/7/2008</i></p><p align='center'><b>{title}</b></p>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</td></tr></table>")
    article = _generic(body, title=title)
    assert article.title == title and article.published == "2008-07-25" and article.paragraphs == PARAGRAPHS


def test_date_by_class_after_the_title_not_todays_date():
    body = ('<span id="dnn_CURRENTDATE_lblDate" class="DateToday">Thứ Hai, 11/09/2023</span><h1>Tiêu đề bài viết về công tác dân vận</h1>'
            '<span id="dnn_ctr1_lblDate" class="NewsDate">Thứ Năm, 07/09/2023 - 15:42</span>'
            "<div class='content'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>"
            '<ul class="other"><li><a href="/a">Tin khác</a> <span class="date">(01/09/2023)</span></li></ul>')
    assert _generic(body).published == "2023-09-07"


def test_day_month_completed_with_the_latest_year_of_the_lead():
    lead = "Sáng 14/3, Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2023, triển khai nhiệm vụ năm 2024, đến năm 2025."
    article = _generic("<div class='content'>" + "".join(f"<p>{p}</p>" for p in [lead, *PARAGRAPHS]) + "</div>")
    assert article.published == "2024-03-14"


@pytest.mark.parametrize(
    "box",
    [
        '<div class="news-inline"><p class="title">TIN LIÊN QUAN</p><ul><li><a href="/a">Kết nạp 1.120 đảng viên mới</a></li></ul></div>',
        '<p><strong>Xem thêm:</strong> <a href="/a">Ninh Bình: 100% thủ tục hành chính được tiếp nhận trực tuyến</a></p>',
        '<p><a href="/a">Bình Dương khởi công 3 dự án giao thông trọng điểm</a></p>',
        '<b>Các tin đã đưa:</b><br><a href="/a">Thuận Châu có thêm 3 xã đạt chuẩn</a>&nbsp;<font color="#999">(09/10/2019)</font><br>'
        '<a href="/b">Sơn La xuất khẩu 15.000 tấn xoài</a>&nbsp;<font color="#999">(08/10/2019)</font><br>',
        '<div class="binhluan"><h3>Bình luận (2)</h3><div><a href="/u">Bạn đọc</a>: Mong tỉnh hỗ trợ 100% kinh phí.</div></div>',
    ],
    ids=["related-box-upper-case", "xem-them", "teaser-link", "links-with-dates", "comments-with-count"],
)
def test_related_boxes_inside_the_body(box):
    article = _generic(f"<div class='content'><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>{box}<p>{PARAGRAPHS[2]}</p></div>")
    assert article.paragraphs == PARAGRAPHS


def test_a_paragraph_naming_twitter_is_not_a_share_bar():
    text = "Tỉnh đã mở tài khoản trên Facebook, Zalo và Twitter để tuyên truyền, thu hút hơn 20.000 người theo dõi."
    assert text in _generic(f"<div class='content'><p>{text}</p><p>{PARAGRAPHS[0]}</p></div>").paragraphs


# --- mutated real layouts and the command line ------------------------------------------------

LAYOUT_PAGES = sorted(PAGES.glob("*/*.html"))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(LAYOUT_PAGES), st.integers(min_value=0, max_value=20_000), st.integers(min_value=1, max_value=3_000),
       st.sampled_from(["", "<", ">", "</div>", "<p>", "<table><tr><td>", "&#", "<br>", "\x00", "</html>"]))
def test_cleaner_and_parser_survive_mutated_layouts(path, start, length, insert):
    from etl.parse import parse_article

    html = decode(path.read_bytes())
    mutated = html[:start] + insert + html[start + length :]
    try:
        parse_article(clean_html(mutated))
    except UnreadablePage:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000))
def test_decode_raises_only_unreadable_on_arbitrary_bytes(body):
    try:
        decode(body, "text/html")
    except UnreadablePage:
        pass


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\x00\x01\x02\x03" * 50, b"", b"<html><body><nav><a href='/'>Trang ch\xe1\xbb\xa7</a></nav></body></html>"],
    ids=["binary", "empty", "no-text"],
)
def test_unreadable_page_gives_one_line_through_the_cli(tmp_path, content):
    import subprocess
    import sys

    page = tmp_path / "page.html"
    page.write_bytes(content)
    script = Path(sys.executable).parent / "tinhuy"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "etl.cli"]
    done = subprocess.run([*command, "parse", str(page)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("tinhuy parse:") and str(page) in lines[0]
    assert done.stdout == ""


def test_date_in_a_plain_line_under_the_title_not_in_the_text():
    body = ("<div class='head'><h2>Tiêu đề bài viết về công tác dân vận</h2></div><div><i>15/03/2024 08:30</i></div>"
            "<div class='content'><p>Thực hiện Nghị quyết số 02-NQ/TU ngày 12/5/2017, toàn tỉnh có 2.849 cuộc giám sát.</p>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>")
    assert _generic(body).published == "2024-03-15"


def test_dates_in_meta_tags_are_read_in_vietnam_time():
    head = '<meta property="article:published_time" content="2024-03-11T20:00:00Z">'
    assert _generic("<div class='content'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>", head).published == "2024-03-12"


@pytest.mark.parametrize("line, expected", [("18 Tháng Mười, 2023", "2023-10-18"), ("Tháng Mười Hai 5, 2023", "2023-12-05")])
def test_wordpress_month_names(line, expected):
    assert parse_date(line) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("2024/03/14 08:30", "2024-03-14"),
        ("Thứ năm, 14 tháng 03 năm 2024", "2024-03-14"),
        ("March 14, 2024", "2024-03-14"),
        ("Thursday, 14 Mar 2024", "2024-03-14"),
        ("Sep. 5th, 2024", "2024-09-05"),
        ("Số 12/2024/QĐ-UBND", None),
    ],
)
def test_year_first_and_english_dates(line, expected):
    """Formats of themes and site builders left in their defaults; a document number is not a date."""
    assert parse_date(line) == expected


@pytest.mark.parametrize("line", ["T5, 14/3/2024 10:20 AM", "Thursday, March 14, 2024", "Dệt may | 12/11/2024"])
def test_date_lines_with_short_weekdays_and_english_names(line):
    assert clean._is_date_line(line)


# --- the fast paths give what the plain ones gave ------------------------------------------------

SELECTOR_PAGE = """<html><body>
<div id="news-detail" class="a"><h2 class="news-title">T</h2><div id="content-detail"><p class="author">A</p>
<p class="x caption-y">c</p></div></div>
<div id="news-detail"><span id="content-detail" data-q="it's">dup</span></div>
<div id="other" class="share-bar related"><p id="a/*[@id = 'b']">q</p></div>
</body></html>"""


@pytest.mark.parametrize("css", [
    "#news-detail #content-detail", "#news-detail h2.news-title", "#content-detail p.author", "[class*=caption]",
    "figcaption, caption, [class*=caption]", "#other > #x", "[id=other], [class*=share] p", "[data-q=\"it's\"]",
    "[id*=\"'b']\"]", "div#other", ".x",
])
def test_css_selectors_read_through_the_attribute_axis_find_the_same_elements(css):
    from lxml import etree
    from lxml.cssselect import CSSSelector

    from etl.clean import _select

    root = etree.fromstring(SELECTOR_PAGE, etree.HTMLParser())
    for context in (root, *root.iter("div")):
        assert _select(context, css) == CSSSelector(css)(context)


def test_generic_noise_rules_remove_what_their_selectors_would():
    from lxml import etree
    from lxml.cssselect import CSSSelector

    from etl.clean import _NOISE_MAX_SHARE, _Attributes, _boilerplate, _remove, _remove_generic_noise, _text_content

    page = (PAGES / "wordpress").glob("*.html")
    for path in page:
        html = decode(path.read_bytes())
        fast = etree.fromstring(html, etree.HTMLParser())
        _remove_generic_noise(fast, _Attributes(fast))
        plain = etree.fromstring(html, etree.HTMLParser())
        total = 0
        for rule in _boilerplate().noise:
            for element in CSSSelector(rule.css)(plain):
                if next(element.iter("p", "br"), None) is not None:
                    total = total or len(_text_content(plain)) or 1
                    if len(_text_content(element)) > _NOISE_MAX_SHARE * total:
                        continue
                _remove(element)
        assert etree.tostring(fast) == etree.tostring(plain)


def test_found_in_gives_the_values_a_search_finds_something_in():
    import re

    from etl.clean import _found_in

    values = ["post-date", "", "MENU", "sapo\u00e9", "x-TITLE y", "tieude", "nothing", "Date"]
    for pattern in (re.compile("date|title|sapo|tieu-?de", re.IGNORECASE), re.compile("date|sapo")):
        assert _found_in(values, pattern) == [v for v in values if pattern.search(v)]
        assert _found_in([v for v in values if v.isascii()], pattern) == [v for v in values if v.isascii() and pattern.search(v)]


# Words sharing first letters and prefixes ("ta", "tab", "t"), some with an optional letter as the hint words have.
_WORDS = st.lists(st.sampled_from(["t", "ta", "tab", "tb", "T", "Ta", "a", "ab", "a-?b", "ba", "b"]), min_size=1, max_size=6)


@given(_WORDS, st.text(alphabet="tTaAbB-\n ", max_size=40), st.booleans())
def test_words_grouped_by_first_letter_match_as_their_plain_alternation(words, text, ignore_case):
    import re

    from etl.clean import _by_first_letter

    flags = re.IGNORECASE if ignore_case else 0
    plain, grouped = re.compile("|".join(words), flags), re.compile(_by_first_letter(words), flags)
    assert [(m.span(), m.group()) for m in grouped.finditer(text)] == [(m.span(), m.group()) for m in plain.finditer(text)]


def test_words_not_opening_with_a_plain_letter_are_left_ungrouped():
    from etl.clean import _by_first_letter

    assert _by_first_letter(["share", "social", "tags"]) == "s(?:hare|ocial)|tags"
    assert _by_first_letter(["a?b", "ac"]) == "a?b|ac"
    assert _by_first_letter([r"\.x", "ab"]) == r"\.x|ab"


def test_first_letters_in_two_cases_are_left_ungrouped():
    """Under IGNORECASE "Ta" matches where "t" does: grouping "tb" and "t" ahead of it would change the match."""
    import re

    from etl.clean import _by_first_letter

    words = ["tb", "Ta", "t"]
    assert _by_first_letter(words) == "tb|Ta|t"
    assert re.compile(_by_first_letter(words), re.IGNORECASE).match("ta").group() == "ta"


def test_decode_reads_the_legacy_fonts_only_where_their_marks_are():
    text = "Tỉnh ủy «Dân vận khéo» © 2024"  # four legacy mark characters: under the floor, left alone
    assert decode(_page(text).encode("utf-8")).count(text) == 1


def test_a_control_character_in_the_title_does_not_break_the_date_search():
    paragraph = "Theo báo cáo của Sở, tổng sản phẩm trên địa bàn tăng 5,02% so với cùng kỳ năm trước. " * 3
    html = f"<html><head><title>Kinh tế xã hội \x02 năm 2023</title></head><body><div><p>{paragraph}</p></div></body></html>"
    article = clean_html(html)
    assert article.title == "Kinh tế xã hội \x02 năm 2023" and article.paragraphs == [paragraph.strip()]


# --- layouts of the fourth held-out round, each rule on a page of its own ---------------------------

_FILLER = "Các cấp ủy đảng đã tập trung lãnh đạo, chỉ đạo thực hiện đồng bộ các nhiệm vụ, giải pháp đề ra trong năm."


def _article(inner: str, title: str = "<h1>Kết quả công tác năm 2024</h1>", extra: str = "") -> str:
    menu = "".join(f"<li><a href='/m{i}'>Chuyên mục {i}</a></li>" for i in range(8))
    return (f"<html><head><meta charset='utf-8'><title>Cổng thông tin</title></head><body><ul class='menu'>{menu}</ul>"
            f"{title}<div class='detail'>{inner}</div>{extra}</body></html>")


def test_a_table_of_figures_in_the_body_is_left_out():
    table = ("<table><tr><th>Chỉ tiêu</th><th>Kế hoạch</th><th>Thực hiện</th></tr>"
             "<tr><td>Thu ngân sách</td><td>17.500</td><td>19.027</td></tr></table>")
    article = clean_html(_article(f"<p>{_FILLER} Toàn tỉnh thu 19.027 tỷ đồng.</p>{table}<p>{_FILLER}</p>"))
    assert all("17.500" not in p and p != "Chỉ tiêu" for p in article.paragraphs)
    assert len(article.paragraphs) == 2


def test_an_inline_element_around_paragraphs_keeps_them_apart():
    article = clean_html(_article(f"<font face='Arial'><p>{_FILLER} Một.</p><p>{_FILLER} Hai.</p></font>"))
    assert [p[-4:] for p in article.paragraphs] == ["Một.", "Hai."]


def test_read_more_badges_between_paragraphs_are_noise():
    badges = ("<div class='card'><span class='badge'>Đọc thêm</span><a href='/r0'>Lâm Đồng có 120 mô hình dân vận khéo</a>"
              "<br><span class='badge'>Đọc thêm</span><a href='/r1'>Đức Trọng hiến 12.000 m2 đất</a></div>")
    article = clean_html(_article(f"<p>{_FILLER}</p>{badges}<p>{_FILLER}</p>"))
    assert article.paragraphs == [_FILLER, _FILLER]


def test_dates_of_listed_articles_are_not_the_page_date():
    related = ("<ul class='related'><li><a href='/r0'>Tin khác về đảng viên</a> <span class='date'>(28/05/2024)</span></li></ul>")
    article = clean_html(_article(f"<p>Chiều 30/5, Ban Thường vụ Tỉnh ủy họp. {_FILLER}</p>{related}",
                                  title="<h1>Kết quả 5 tháng đầu năm 2024</h1>"))
    assert article.published == "2024-05-30"


def test_a_date_only_in_the_url():
    article = clean_html(_article(f"<p>{_FILLER}</p>"), url="https://m.example.vn/kinh-te/2024/10/03/tom-ben-vung.html")
    assert article.published == "2024-10-03"


def test_an_old_page_whose_title_is_the_first_bold_line():
    inner = f"<table><tr><td><font size='4'><b>Tổng kết công tác xây dựng Đảng năm 2009</b></font></td></tr></table><p>{_FILLER}</p><p>{_FILLER}</p>"
    article = clean_html(_article(inner, title=""))
    assert article.title == "Tổng kết công tác xây dựng Đảng năm 2009"
    assert article.paragraphs == [_FILLER, _FILLER]


def test_a_caption_inside_the_image_block():
    inner = f"<p>{_FILLER}</p><div><img src='a.jpg'><span class='m-caption'>Thu hoạch tôm tại Đầm Dơi.</span></div><p>{_FILLER}</p>"
    article = clean_html(_article(inner))
    assert article.captions == ["Thu hoạch tôm tại Đầm Dơi."] and article.paragraphs == [_FILLER, _FILLER]


def test_a_bar_of_page_actions_is_noise():
    article = clean_html(_article(f"<p>{_FILLER}</p><p>In trang này | Gửi cho bạn bè | [Quay lại]</p>"))
    assert article.paragraphs == [_FILLER]


# --- layouts of the fifth held-out round ------------------------------------------------------------

def test_the_portal_clock_is_not_the_page_date_whatever_its_class():
    clock = "<div id='datebar'>Hôm nay: Thứ Sáu, 22/11/2024 | Đường dây nóng: 0291.3822.681</div>"
    inner = f"<div class='ngaydang'>Thứ Năm, 25/07/2024 | 14:20</div><p>{_FILLER}</p><p>{_FILLER}</p>"
    article = clean_html(_article(inner, title=f"{clock}<div class='tieude'>Kết quả công tác năm 2024</div>"))
    assert article.published == "2024-07-25"


def test_day_month_completed_with_the_year_of_a_month():
    lead = "Sáng 22/11, Ban Thường vụ Tỉnh ủy sơ kết Chỉ thị số 14-CT/TW ngày 19/7/2017 của Ban Bí thư."
    article = clean_html(_article(f"<p>{lead}</p><p>Đến tháng 10/2023, {_FILLER}</p>", title="<h1>Chăm lo người có công</h1>"))
    assert article.published == "2023-11-22"


@pytest.mark.parametrize(
    "figure",
    [
        "<dl class='anh'><dt><img src='a.jpg'></dt><dd>Phó Chủ tịch UBND tỉnh thăm mô hình nuôi tôm hùm.</dd></dl>",
        "<table class='tplCaption'><tbody><tr><td><img src='a.jpg'></td></tr>"
        "<tr><td class='Image'>Phó Chủ tịch UBND tỉnh thăm mô hình nuôi tôm hùm.</td></tr></tbody></table>",
    ],
    ids=["definition-list", "image-table"],
)
def test_a_caption_alone_with_its_image_in_a_wrapper(figure):
    article = clean_html(_article(f"<p>{_FILLER}</p>{figure}<p>{_FILLER}</p>"))
    assert article.captions == ["Phó Chủ tịch UBND tỉnh thăm mô hình nuôi tôm hùm."]
    assert article.paragraphs == [_FILLER, _FILLER]


@pytest.mark.parametrize(
    "box",
    [
        "<div class='moduletable'><h3>Bài cùng chuyên mục</h3><ul><li><a href='/r'>Đào tạo nghề cho 1.150 lao động</a></li></ul></div>",
        "<span class='lienquan'>» Xem thêm: <a href='/r'>Hồng Dân giải ngân 86 tỷ đồng vốn vay ưu đãi</a></span><br><br>",
    ],
    ids=["same-section-articles", "read-more-after-an-arrow"],
)
def test_more_related_boxes_inside_the_body(box):
    article = clean_html(_article(f"<p>{_FILLER}</p>{box}<p>{_FILLER}</p>"))
    assert article.paragraphs == [_FILLER, _FILLER]


# --- layouts of the sixth held-out round ------------------------------------------------------------

def test_zero_width_spaces_are_not_text():
    article = clean_html(_article(f"<p>{_FILLER}</p><p>\u200b</p><p>{_FILLER[:40]}\u200b{_FILLER[40:]}</p>"))
    assert article.paragraphs == [_FILLER, _FILLER]


def test_heading_anchors_and_word_list_bullets_are_not_text():
    inner = (f"<p>{_FILLER}</p><h2 id='ha-tang'>Hạ tầng chưa đáp ứng yêu cầu<a class='anchor' aria-hidden='true' href='#ha-tang'>#</a></h2>"
             f"<p class=MsoListParagraph><span style='mso-list:Ignore'>-<span>&nbsp;&nbsp;</span></span>{_FILLER}</p>")
    article = clean_html(_article(inner))
    assert article.paragraphs == [_FILLER, "Hạ tầng chưa đáp ứng yêu cầu", _FILLER]


def test_the_date_in_the_articles_own_info_row():
    info = ("<table class='article-info'><tr><td class='info-date'>09/07/2024 08:30</td><td>Tác giả: <b>Minh Khang</b></td>"
            "<td><a href='javascript:window.print()'>In</a> <a href='#'>A+</a></td></tr></table>")
    article = clean_html(_article(f"{info}<p>Ngày 8/7, {_FILLER}</p><p>{_FILLER}</p>"))
    assert article.published == "2024-07-09"


def test_a_date_line_beside_the_section_name():
    article = clean_html(_article(f"<p>Thứ Ba, 12/11/2024 | Xây dựng Đảng</p><p>{_FILLER}</p><p>{_FILLER}</p>"))
    assert article.published == "2024-11-12" and article.paragraphs == [_FILLER, _FILLER]


def test_the_heading_is_the_title_when_og_title_names_only_the_site():
    head = "<meta property='og:title' content='Đắk Nông Online - Tin tức Đảng bộ tỉnh'>"
    body = f"<h1>Phát huy giá trị Công viên địa chất toàn cầu</h1><div class='content'><p>{_FILLER}</p><p>{_FILLER}</p></div>"
    assert _generic(body, head=head, title="Đắk Nông Online").title == "Phát huy giá trị Công viên địa chất toàn cầu"


def test_a_section_name_above_the_title_is_a_menu_item_not_text():
    menu = "<nav><ul><li><a href='/a'>GIỚI THIỆU</a></li><li><a href='/b'>TIN TỨC - SỰ KIỆN</a></li></ul></nav>"
    body = (f"{menu}<div class='content'><h2>TIN TỨC - SỰ KIỆN</h2><h2>Hoàn thành sắp xếp đơn vị hành chính cấp xã</h2>"
            f"<p>{_FILLER}</p><p>{_FILLER}</p></div>")
    article = _generic(body, title="Tin tức | Tỉnh ủy Bắc Kạn")
    assert article.title == "Hoàn thành sắp xếp đơn vị hành chính cấp xã" and article.paragraphs == [_FILLER, _FILLER]


def test_an_advertisement_label_is_noise():
    article = clean_html(_article(f"<p>{_FILLER}</p><div class='blk'>Quảng cáo</div><p>{_FILLER}</p>"))
    assert article.paragraphs == [_FILLER, _FILLER]


def test_a_paragraph_styled_bold_is_bold():
    lead = "Sau 3 năm thực hiện Đề án số 05-ĐA/TU của Ban Thường vụ Tỉnh ủy, Lai Châu đã xóa 47 bản chưa có đảng viên; 100% bản có chi bộ."
    article = clean_html(_article(f"<p><span style='font-weight:700'>{lead}</span></p><p>{_FILLER}</p><p>{_FILLER}</p>"))
    assert article.summary == lead and article.paragraphs == [_FILLER, _FILLER]


# --- layouts of the seventh held-out round ----------------------------------------------------------

def test_a_date_before_its_listed_articles_link():
    other = ("<div class='news-list-other'><h3>Tin khác</h3><p class='news-item'><span class='news-date-time'>03.07.2024</span>"
             " <a href='/r'>Bà Rịa - Vũng Tàu thu ngân sách 8 tháng đạt 9.780 tỷ đồng</a></p></div>")
    article = clean_html(_article(f"<p>Chiều 4/7, Ủy ban Kiểm tra Tỉnh ủy họp. {_FILLER}</p><p>{_FILLER}</p>",
                                  title="<h1>Kết quả 6 tháng đầu năm 2024</h1>", extra=other))
    assert article.published == "2024-07-04"


def test_link_previews_and_live_boxes_are_noise():
    inner = (f"<p>{_FILLER}</p><figure class='kg-card kg-bookmark-card'><a href='/r'><div>Đà Nẵng khai trương mạng 5G với 200 trạm</div></a></figure>"
             "<div class='live-box'><span>ĐIỂM NÓNG</span><ul><li><time>Hôm qua</time><a href='#l'>Cầu hợp long nhịp chính</a></li></ul></div>"
             f"<p>{_FILLER}</p>")
    assert clean_html(_article(inner)).paragraphs == [_FILLER, _FILLER]


def _pdf_page(lines: list[str]) -> str:
    return ("<html><head><meta charset='utf-8'><title>Microsoft Word - TTNB so 05-2024.docx</title></head><body><div class='pc'>"
            + "".join(f"<div class='t'>{line}</div>" for line in lines) + "</div></body></html>")


def test_a_pdf_converted_page_by_lines():
    lines = [
        "ĐẢNG BỘ TỈNH NINH THUẬN", "THÔNG TIN NỘI BỘ", "Số 05 - Tháng 5/2024", "TRONG SỐ NÀY",
        "Phát triển năng lượng tái tạo .............. 7", "In 1.200 bản tại Công ty In Ninh Thuận.", "KINH TẾ - XÃ HỘI",
        "Phát triển năng lượng tái tạo", "trở thành ngành kinh tế động lực",
        "Ngày 08/5/2024, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết 5 năm. Đồng chí Võ",
        "Đình Khoa, Bí thư Tỉnh ủy chủ trì hội nghị. Toàn tỉnh có 57 dự án điện gió, tổng vốn hơn",
        "98.000 tỷ đồng; lao động địa phương chiếm 78%;", "THÔNG TIN NỘI BỘ - SỐ 05/2024", "7",
        "doanh nghiệp hỗ trợ an sinh xã hội hơn 236 tỷ đồng.",
        "Đồng chí Pinăng Thị Hòa (thứ hai từ trái) thăm nhà máy điện gió.", "THÔNG TIN NỘI BỘ - SỐ 05/2024", "8",
    ]
    article = clean_html(_pdf_page(lines))
    assert article.title == "Phát triển năng lượng tái tạo trở thành ngành kinh tế động lực"
    assert article.published == "2024-05-08"
    assert article.paragraphs == [
        "Ngày 08/5/2024, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết 5 năm. Đồng chí Võ Đình Khoa, Bí thư Tỉnh ủy chủ trì"
        " hội nghị. Toàn tỉnh có 57 dự án điện gió, tổng vốn hơn 98.000 tỷ đồng; lao động địa phương chiếm 78%; doanh"
        " nghiệp hỗ trợ an sinh xã hội hơn 236 tỷ đồng.",
    ]
    assert article.captions == ["Đồng chí Pinăng Thị Hòa (thứ hai từ trái) thăm nhà máy điện gió."]


# --- layouts of the eighth held-out round -----------------------------------------------------------

def test_a_body_split_across_deeply_nested_sections():
    def section(text: str) -> str:
        return "<section>" + "<div>" * 9 + f"<p>{text}</p>" + "</div>" * 9 + "</section>"
    header = section("Hôm nay: Thứ sáu, 15/11/2024") + section("Đăng ngày: 14/11/2024 - Lượt xem: 312")
    footer = section("Địa chỉ: Thị trấn Thông Nông, huyện Hà Quảng, tỉnh Cao Bằng. Điện thoại: 0206.3880.126")
    body = "".join(section(f"{_FILLER} Phần {i}.") for i in range(4))
    article = clean_html(_article(f"<div role='main'>{header}{body}{footer}</div>"))
    assert article.paragraphs == [f"{_FILLER} Phần {i}." for i in range(4)]


# --- layouts of the ninth held-out round ------------------------------------------------------------

def test_the_articles_info_line_may_link_its_section():
    clock = "<div class='topbar'><span class='topbar-date'>Thứ Ba, 29/10/2024</span></div>"
    info = "<p class='info'>Đăng lúc 07:45, 28/10/2024 trong <a href='/kinh-te'>Kinh tế - Xã hội</a> · 2206 lượt xem</p>"
    article = clean_html(_article(f"<p>{_FILLER}</p><p>{_FILLER}</p>", title=f"{clock}<h1>Phát triển du lịch cộng đồng</h1>{info}"))
    assert article.published == "2024-10-28"


# --- layouts of the tenth held-out round ------------------------------------------------------------

def test_the_posting_date_inside_a_long_byline_before_the_update():
    byline = ("<div class='documentByLine'>bởi <a href='/a'>Thanh Tùng</a> — đăng ngày 05/07/2024 08:40 — chuyên mục "
              "<a href='/x'>Xây dựng Đảng</a> — <span class='documentModified'>lần sửa cuối 08/07/2024 10:02</span></div>")
    article = clean_html(_article(f"<p>{_FILLER}</p><p>{_FILLER}</p>", title=f"<h1>Kiểm tra 214 tổ chức đảng</h1>{byline}"))
    assert article.published == "2024-07-05"


# --- layouts of the eleventh and twelfth held-out rounds ---------------------------------------------

def test_a_theme_header_holding_the_sidebar_is_noise_even_when_it_is_half_the_page():
    archive = "".join(f"<li><a href='/{m}'>Tháng {m}/2023</a> ({m + 10})</li>" for m in range(1, 13)) * 6
    header = f"<header><p>Trang thông tin của Ban Tuyên giáo</p><div class='sidebar-box'><ul>{archive}</ul></div></header>"
    page = f"<div class='wrapper'>{header}<section><article><div class='post-content'>" + "".join(
        f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(4)) + "</div></article></section></div>"
    article = _generic(page)
    assert article.paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(4)]


def test_the_date_line_nearest_the_title_wins_over_the_header_clock():
    clock = "<table><tr><td class='ngay'><span id='lblNgayHienTai'>Thứ Tư, ngày 09/10/2024</span></td></tr></table>"
    title = ("<table><tr><td><span class='date_detail'>Cập nhật lúc 15:20 ngày 07/10/2024</span></td></tr>"
             "<tr><td><h1>Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 27</h1></td></tr></table>")
    article = clean_html(_article(f"<p>{_FILLER}</p><p>{_FILLER}</p>", title=clock + title))
    assert article.published == "2024-10-07"


def test_dates_of_listed_articles_after_a_line_break_are_not_the_articles_date():
    box = "".join(f"<div><a href='/t{i}'>Đảng ủy Khối các cơ quan tỉnh sơ kết công tác {i} tháng</a><br>"
                  f"<span class='box_date'>0{i}/10/2024</span></div>" for i in range(1, 4))
    info = "<div><div><div class='news_date'>Cập nhật lúc 15:20 ngày 02/10/2024</div></div></div>"
    article = clean_html(_article(f"<p>{_FILLER}</p><p>{_FILLER}</p>{info}", title=f"<h1>Kiểm tra 214 tổ chức đảng</h1><div>{box}</div>"))
    assert article.published == "2024-10-02"


def test_a_posting_line_in_the_news_footer_and_a_title_in_a_plain_cell():
    page = ("<html><head><meta charset='utf-8'><title>Tỉnh ủy Hà Giang - Tin tức: Hà Giang: Sau 3 năm giảm nghèo bền vững</title>"
            "</head><body><table><tr><td class='capmain'>Hà Giang: Sau 3 năm giảm nghèo bền vững</td></tr>"
            f"<tr><td class='main-body'><p>{_FILLER}</p><p>{_FILLER}</p></td></tr><tr><td class='news-footer'>Gửi bởi "
            "<a href='/u'>tuyengiaohg</a> vào lúc 08-08-2024 09:12 · 1532 Lượt đọc</td></tr></table>"
            "<table><tr><td><div class='shoutboxdate'>07-08-2024 21:14</div></td></tr></table></body></html>")
    article = clean_html(page)
    assert (article.title, article.published) == ("Hà Giang: Sau 3 năm giảm nghèo bền vững", "2024-08-08")


def test_a_heading_that_names_the_section_is_not_the_title():
    menu = "<ul class='menu'><li><a href='/kt'>Kiểm tra - Giám sát</a></li></ul>"
    page = (f"<html><head><meta charset='utf-8'><title>Cổng thông tin &gt; Kiểm tra - Giám sát</title></head><body>{menu}"
            "<span class='c_title'>Kiểm tra - Giám sát</span><span class='news_title'>Công tác kiểm tra 9 tháng: thi hành kỷ "
            f"luật 146 đảng viên</span><div class='detail'><p>{_FILLER}</p><p>{_FILLER}</p></div></body></html>")
    assert clean_html(page).title == "Công tác kiểm tra 9 tháng: thi hành kỷ luật 146 đảng viên"


def test_a_box_that_opens_with_its_heading_goes_with_its_summaries_and_a_row_of_tools():
    box = ("<div class='box others'><h3>Các tin khác</h3>" + "".join(
        f"<article><a href='/k{i}'><img src='/{i}.jpg'></a><h4><a href='/k{i}'>Tin khác số {i} về giáo dục</a></h4>"
        f"<p>Gần {i}.000 giáo viên tham gia các lớp tập huấn trực tiếp và trực tuyến trong tháng 7.</p></article>"
        for i in range(1, 6)) + "</div>")
    tools = "<div class='article-tools'><a href='javascript:print()'>In</a> <a href='mailto:?'>Email</a></div>"
    page = f"<div class='content-column'><article><h1>Tổng kết năm học</h1><div>" + "".join(
        f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(3)) + f"</div>{tools}</article>{box}</div>"
    assert _generic(page).paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]


# --- layouts of the fourteenth held-out round ----------------------------------------------------------

def test_a_site_builders_records():
    def record(inner: str) -> str:
        return f"<div class='r t-rec'><div class='t-container'><div class='t-col'>{inner}</div></div></div>"
    cards = "".join(f"<div class='t-item'><a href='/tin/{i}'><div class='t776__title t-name'>Ra mắt {i} câu lạc bộ phụ nữ "
                    f"khởi nghiệp cấp xã</div><div class='t-descr'>1{i}.10.2024</div></a></div>" for i in range(3))
    records = [
        record("<div class='t-text'>Tin hoạt động · 21.10.2024</div>"),
        record("<div class='t030__title t-title'>Hội Liên hiệp Phụ nữ tỉnh: 9 tháng hỗ trợ 1.246 phụ nữ khởi nghiệp</div>"
               "<div class='t030__descr t-descr'>Hội Liên hiệp Phụ nữ tỉnh tổ chức tọa đàm về khởi nghiệp, phát triển kinh tế xanh.</div>"),
        *(record(f"<div class='t-text'>{_FILLER} Đoạn {i}.</div>") for i in range(3)),
        record(f"<div class='t-section__topwrapper'><div class='t-section__title t-title'>Tin hoạt động khác</div></div>"
               f"<div class='t776__container'>{cards}</div>"),
        record("<div class='t420__descr t-descr'>Địa chỉ: Số 268 đường Chiến Thắng, phường Tân Quang<br>Điện thoại: "
               "0207.3822.513<br>Email: hoilhpn@example.vn</div><div class='t-name'>Chuyên mục</div><div class='t-descr'>"
               "<a href='/a'>Tin hoạt động</a><br><a href='/b'>Gương sáng</a></div>"),
    ]
    page = ("<html><head><meta charset='utf-8'><title>Tọa đàm phụ nữ khởi nghiệp</title><meta property='og:title' "
            "content='Tọa đàm phụ nữ khởi nghiệp'></head><body><div class='t-records'>" + "".join(records) + "</div></body></html>")
    article = clean_html(page)
    assert article.title == "Hội Liên hiệp Phụ nữ tỉnh: 9 tháng hỗ trợ 1.246 phụ nữ khởi nghiệp"
    assert article.summary == "Hội Liên hiệp Phụ nữ tỉnh tổ chức tọa đàm về khởi nghiệp, phát triển kinh tế xanh."
    assert article.published == "2024-10-21"
    assert article.paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]


# --- layouts of the fifteenth and sixteenth held-out rounds ---------------------------------------------

def test_a_caption_utility_class_on_the_container_does_not_make_the_text_captions():
    body = ("<article><h1>Cần Thơ tổng kết năm học 2023 - 2024</h1><div class='prose prose-figcaption:italic'>"
            + "".join(f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(3))
            + "<figure><img src='/a.jpg'><figcaption>Phó Chủ tịch UBND thành phố phát biểu.</figcaption></figure></div></article>")
    article = _generic(body)
    assert article.paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]
    assert article.captions == ["Phó Chủ tịch UBND thành phố phát biểu."]


def test_highlights_a_meta_row_and_source_lines_are_not_text():
    teasers = "".join(f"<div class='col'><h3><a href='/t{i}'>Kiểm tra công tác chuẩn bị Đại hội Đảng bộ số {i}</a></h3>"
                      f"<p>{_FILLER} Tin {i}.</p></div>" for i in range(4))
    body = ("<div class='col-lg-8'><article><h1>Cần Thơ chăm lo an sinh xã hội</h1><div class='meta'>Bài, ảnh: Ngọc Trâm "
            "Thứ ba, 16/01/2024 06:30</div><div class='body'>" + "".join(f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(3))
            + "<p>Nguồn: Ban Tuyên giáo Tỉnh ủy</p><p><em>(Theo Báo Cần Thơ)</em></p></div></article>"
            f"<section><h2>Tiêu điểm</h2><div class='row'>{teasers}</div></section></div>")
    article = _generic(body)
    assert article.paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]
    assert article.published == "2024-01-16"


# --- layouts of the seventeenth and eighteenth held-out rounds ------------------------------------------

def test_a_class_that_switches_a_part_off_does_not_name_it():
    body = ("<div class='jeg_inner_content'><div class='entry-content no-share'><div class='content-inner'>"
            + "".join(f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(3)) + "</div></div>"
            "<div class='jeg_share_bottom'><a href='#'>Facebook</a></div></div>")
    assert _generic(body).paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]


def test_a_listed_articles_summary_is_not_the_lead():
    related = ("<div class='more-posts'><div class='card'><a href='/r'>Tỉnh Đoàn ra quân chiến dịch thanh niên tình nguyện hè</a>"
               "<p class='post-summary'>Sáng 15/6, Tỉnh Đoàn tổ chức lễ ra quân chiến dịch thanh niên tình nguyện hè năm 2024.</p></div></div>")
    body = ("<article><h1>Tổng kết chiến dịch thanh niên tình nguyện hè</h1><div class='post-body'>"
            "<p><strong>Chiều 17/9, Ban Thường vụ Tỉnh Đoàn tổng kết chiến dịch thanh niên tình nguyện hè năm 2024 với hơn 3.000 đoàn viên.</strong></p>"
            + "".join(f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(3)) + f"</div></article>{related}")
    article = _generic(body)
    assert article.summary == "Chiều 17/9, Ban Thường vụ Tỉnh Đoàn tổng kết chiến dịch thanh niên tình nguyện hè năm 2024 với hơn 3.000 đoàn viên."
    assert article.paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]


def test_a_page_whose_text_a_noise_rule_took_is_read_again_without_the_rules():
    body = ("<div class='main'><div class='post tags-enabled'><h1>Kết nạp 1.236 đảng viên mới</h1>"
            + "".join(f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(3)) + "</div>"
            "<div class='sidebar'>" + "".join(f"<p><a href='/t{i}'>{_FILLER[:60]} {i}</a></p>" for i in range(12)) + "</div></div>")
    assert _generic(body).paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]


# --- layouts of the nineteenth and twentieth held-out rounds --------------------------------------------

def test_summaries_in_cards_of_other_articles_do_not_grow_the_container():
    cards = "".join(f"<div class='item'><a href='/t{i}'>Lạng Sơn nâng cao chất lượng tổ chức cơ sở đảng số {i}</a>"
                    f"<p>(ĐCSVN) - {_FILLER} Tin khác {i}.</p></div>" for i in range(12))
    body = ("<div class='page'><div class='post'><h1>Nâng cao chất lượng tổ chức cơ sở đảng</h1><div class='post-content'>"
            + "".join(f"<p>{_FILLER} Đoạn {i}.</p>" for i in range(3)) + f"</div></div><div class='list'>{cards}</div></div>")
    assert _generic(body).paragraphs == [f"{_FILLER} Đoạn {i}." for i in range(3)]


def test_a_short_article_beside_one_related_link_is_not_a_card():
    body = ("<div class='post'><h2>Trao 50 suất quà cho hộ nghèo</h2><div class='text'>"
            "<p>Sáng 5/12, Huyện ủy trao 50 suất quà cho hộ nghèo xã Tân Phú, mỗi suất 500.000 đồng.</p>"
            "<p>Tổng kinh phí 25 triệu đồng do các doanh nghiệp trên địa bàn ủng hộ.</p>"
            "<p>Xem thêm: <a href='/x'>Huyện ủy Tân Phú trao quà Tết cho gia đình chính sách năm 2024</a></p></div></div>")
    assert _generic(body).paragraphs[:2] == [
        "Sáng 5/12, Huyện ủy trao 50 suất quà cho hộ nghèo xã Tân Phú, mỗi suất 500.000 đồng.",
        "Tổng kinh phí 25 triệu đồng do các doanh nghiệp trên địa bàn ủng hộ.",
    ]
    first = next(clean._parse(body).iter("p"))
    assert not clean._in_teaser(first)


# --- layouts of the twenty-first and twenty-second held-out rounds --------------------------------------

def test_a_labelled_posting_date_field_is_a_date_line_and_a_documents_date_is_not():
    root = clean._parse("<html><body><div><a href='/vb'>Kế hoạch số 325-KH/TU</a><br><span class='vb-date'>Ngày ban hành: "
                        "01/10/2024</span></div><table><tr><td><label>Ngày xuất bản:</label></td><td><span>08/10/2024 16:45"
                        "</span></td></tr></table></body></html>")
    dated = [*clean._scan(root, clean._Attributes(root)).dates, *clean._labelled_dates(root)]
    assert [clean._short_date(element) for element in dated] == [None, "2024-10-08"]


def test_an_english_month_first_date_and_a_title_in_a_big_font():
    page = ("<html><head><meta charset='utf-8'><title>Tỉnh ủy Hà Giang - Tin tức</title></head><body><table>"
            "<tr><td><b><font size='4'>Hà Giang: Tỷ lệ hộ nghèo giảm còn 26,45%</font></b></td></tr>"
            f"<tr><td><font size='2'>{_FILLER}<br><br>{_FILLER} Hai.</font></td></tr>"
            "<tr><td>Created on 06/17/2024 03:45:12 PM</td></tr></table></body></html>")
    article = clean_html(page)
    assert (article.title, article.published) == ("Hà Giang: Tỷ lệ hộ nghèo giảm còn 26,45%", "2024-06-17")


def test_a_tables_title_and_the_reading_time_are_not_text():
    table = ("<p class='text-center'><strong>KẾT QUẢ MỘT SỐ CHỈ TIÊU 6 THÁNG ĐẦU NĂM 2024</strong></p><div class='table-responsive'>"
             "<table><tr><th>Chỉ tiêu</th><th>Kế hoạch</th></tr><tr><td>Việc làm</td><td>28.000</td></tr></table></div>")
    article = clean_html(_article(f"<p>5 phút đọc</p><p>{_FILLER}</p>{table}<p>{_FILLER} Hai.</p>"))
    assert article.paragraphs == [_FILLER, f"{_FILLER} Hai."]


def test_the_site_name_in_the_footer_is_not_the_title():
    page = ("<html><head><meta charset='utf-8'><title>Lâm Đồng: Thu ngân sách 10 tháng đạt 86,4% dự toán - Cổng thông tin "
            "điện tử tỉnh Lâm Đồng</title><meta property='og:title' content='Cổng thông tin điện tử tỉnh Lâm Đồng'></head><body>"
            "<h1 class='logo'><a href='/'>Cổng thông tin điện tử tỉnh Lâm Đồng</a></h1><h1 class='article-title'>Lâm Đồng: Thu "
            f"ngân sách 10 tháng đạt 86,4% dự toán</h1><div class='content'><p>{_FILLER}</p><p>{_FILLER}</p></div>"
            "<footer><p class='footer-title'>CỔNG THÔNG TIN ĐIỆN TỬ TỈNH LÂM ĐỒNG</p></footer></body></html>")
    assert clean_html(page).title == "Lâm Đồng: Thu ngân sách 10 tháng đạt 86,4% dự toán"


@pytest.mark.parametrize("css", ["title", "h1", "p", "meta", "html", "nosuchtag", 'meta[property="og:title"]',
                                 'meta[name="description"]', 'a[href="/"]'])
def test_tag_selectors_walked_by_tag_find_what_their_xpath_finds(css):
    from etl.clean import _iter_select, _parse, _select, _selector

    for path in LAYOUT_PAGES[::4]:
        root = _parse(decode(path.read_bytes()))
        wanted = _selector(css)(root)
        assert list(_iter_select(root, css)) == wanted and _select(root, css) == wanted
        assert next(_iter_select(root, css), None) is (wanted[0] if wanted else None)


_LABEL_WORDS = ["Ngày tạo", "ngày đăng", "Ngày xuất bản", "NGÀY ĐĂNG", "Created on", "published on", "Ngày", "ed", " ", ":", "x", "\u2028"]


@given(st.lists(st.sampled_from(_LABEL_WORDS), max_size=8).map("".join))
def test_the_posting_labels_are_found_in_the_utf8_text_where_they_are_in_the_text(text):
    from etl.clean import _POSTING_LABEL_HINT_BYTES, _POSTING_LABEL_HINTS, _labelled_dates, _parse

    data = text.encode("utf-8")
    assert [hint in text for hint in _POSTING_LABEL_HINTS] == [hint in data for hint in _POSTING_LABEL_HINT_BYTES]
    root = _parse(f"<html><body><p>{text}</p></body></html>")
    # What the XPath finds without the text searched first.
    assert _labelled_dates(root) == [node.getparent() for node in clean._POSTING_LABEL_NODES(root) if clean._POSTING_LABEL_RE.match(node)]


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["div", "td", "p"]), st.text(alphabet="ab- \t\n\r\x0b\x0c\xa0\u2028", max_size=8),
                          st.sampled_from([None, "a", "b", "a b", ""])), max_size=6),
       st.lists(st.sampled_from(["div.a", "div.b", "td.a-b", "p.a.b", "div#a", "td.a#b", "div", "p", "div.-a", "div.a-",
                                 "div p", ".a p.b", "#a td", "div.a div", "table .b td", "div div.a", "body #b p"]), max_size=4))
def test_tags_with_classes_and_ids_are_found_as_their_xpath_finds_them(elements, selectors):
    from html import escape

    from etl.clean import _parse, _select, _selector

    inner = "".join(f"<{tag} class='{escape(value)}'{f' id={chr(39)}{id_}{chr(39)}' if id_ is not None else ''}>x</{tag}>"
                    for tag, value, id_ in elements)
    root = _parse(f"<html><body><div class='a'>{inner}<div>{inner}</div></div><table><tr>{inner}</tr></table></body></html>")
    for context in (root, *root.iter("div", "table")):  # a container below the root: nothing above it is read
        assert _select(context, selectors) == [element for css in selectors for element in _selector(css)(context)]


def test_the_profiles_selectors_find_what_their_xpath_finds():
    from etl.clean import _parse, _select, _selector
    from etl.sources import load_profiles

    selectors = sorted({css for profile in load_profiles().values() for value in profile.values()
                        for css in ([value] if isinstance(value, str) else value)})
    for path in LAYOUT_PAGES[::3]:
        root = _parse(decode(path.read_bytes()))
        for context in (root, *[element for element in root.iter("div", "article", "td") if len(element) > 3][:3]):
            assert _select(context, selectors) == [element for css in selectors for element in _selector(css)(context)]


def test_lines_that_end_in_a_figure_are_the_only_ones_figure_noise_lines_match():
    """is_noise_line tries figure_noise_lines only on lines ending in a figure: each pattern, as re parses it,
    must end in at least one \\d and "$", with no alternative outside its groups."""
    import re._constants as c
    import re._parser

    import yaml

    from etl import settings

    data = yaml.safe_load((settings.PACKAGE_DATA_DIR / "boilerplate.yaml").read_text(encoding="utf-8"))
    digit = (c.IN, [(c.CATEGORY, c.CATEGORY_DIGIT)])
    for pattern in data["figure_noise_lines"]:
        *_, last, end = re._parser.parse(pattern).data  # one BRANCH item where "|" splits the whole pattern
        if last[0] in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, _, repeated = last[1]
            last = repeated.data[0] if low >= 1 and len(repeated.data) == 1 else None
        assert end == (c.AT, c.AT_END) and last == digit, pattern


@given(st.sampled_from(["Mục lục ........ 12", "12", "Số 05 - Tháng 5/2024", "Hôm nay: Thứ Sáu, 22/11/2024",
                        "Lượt xem: 1.234", "In bài", "Tên bài …… 7", "Năm 2024", "Theo Báo Kon Tum"]),
       st.sampled_from(["", " ", "\n", ".", "x", "3"]), st.sampled_from(["", "\n", " a"]))
def test_is_noise_line_agrees_with_the_whole_pattern(line, end, more):
    bp = clean._boilerplate()
    text = line + end + more
    assert bp.is_noise_line(text) == (bp.noise_line_re.match(text) is not None), repr(text)
