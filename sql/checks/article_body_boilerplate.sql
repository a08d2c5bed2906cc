-- Grain: one version of one article of the run.
-- A body paragraph that is page layout rather than text ("Tin cùng chuyên mục", "Lượt xem: 1.234",
-- "Bản quyền thuộc về Tỉnh ủy …", "Banner …") means the cleaner no longer finds where the article
-- ends: the portal's template changed. Numbers in such paragraphs (related headlines, view counts,
-- licence numbers) are not the article's, so none of its figures can be trusted; the finding holds
-- the whole article version.
-- markers (in hits): one row per kind of layout text, an RE2 pattern matched case-insensitively
-- against each paragraph. Words that also occur in real sentences (chia sẻ, trang chủ, bình luận)
-- only count when they are the whole paragraph or start it as a label; box headings count anywhere.
-- Each pattern is a constant of its own regexp_matches, compiled once: patterns read from a table
-- would be compiled again for every paragraph (hundreds of times slower).
with articles as (
    select * from staging.stg_articles where run_id = $run_id
),

paragraphs as (
    select
        article_id,
        content_hash,
        unnest(paragraphs) as paragraph,
        generate_subscripts(paragraphs, 1) as paragraph_number
    from articles
),

hits as (
    select
        paragraphs.article_id,
        paragraphs.content_hash,
        paragraphs.paragraph,
        paragraphs.paragraph_number,
        markers.marker
    from paragraphs, lateral (values
        ('Tin cùng chuyên mục', regexp_matches(paragraphs.paragraph, 'tin cùng chuyên mục', 'i')),
        ('Tin liên quan', regexp_matches(paragraphs.paragraph, '^(tin|bài|tin bài|bài viết) liên quan|^bài (trước|tiếp|sau)\s*:', 'i')),
        ('Các tin khác', regexp_matches(paragraphs.paragraph, '^(các tin khác|các tin đã đưa|tin khác|bài viết khác|bài viết mới|tin mới nhất)', 'i')),
        ('Đọc nhiều nhất', regexp_matches(paragraphs.paragraph, '^(đọc nhiều nhất|xem nhiều nhất|tin đọc nhiều|tin xem nhiều|xem nhiều|xem thêm)\s*:?$|^đọc nhiều nhất', 'i')),
        ('Lượt xem', regexp_matches(paragraphs.paragraph, '^(số )?lượt (xem|đọc|truy cập)|lượt xem\s*:', 'i')),
        ('Banner', regexp_matches(paragraphs.paragraph, '^banner', 'i')),
        ('Bản quyền', regexp_matches(paragraphs.paragraph, 'bản quyền thuộc|bản quyền ©|^©|khi phát hành lại thông tin', 'i')),
        ('In bài, Chia sẻ', regexp_matches(paragraphs.paragraph, '^(in bài( viết)?|bản in|chia sẻ( facebook)?|gửi email|gửi bài viết|lưu|quay lại|lên đầu trang|về đầu trang|cỡ chữ|tìm kiếm)(\s*[:|/].*)?$', 'i')),
        ('Trang chủ', regexp_matches(paragraphs.paragraph, '^trang chủ(\s*[|/>»›].*)?$', 'i')),
        ('Bình luận', regexp_matches(paragraphs.paragraph, '^(ý kiến bạn đọc|gửi bình luận|viết bình luận|bình luận|phản hồi)\s*(:|\(\d+\))?$|để lại một bình luận|chưa có bình luận', 'i')),
        ('Từ khóa', regexp_matches(paragraphs.paragraph, '^(từ khóa|từ khoá|tags|chuyên mục|ngày đăng|cập nhật|địa chỉ bài viết)\s*:', 'i')),
        ('Dateline', regexp_matches(paragraphs.paragraph, '^(thứ (hai|ba|tư|năm|sáu|bảy)|chủ nhật),? \d{1,2}/\d{1,2}/\d{4}$', 'i')),
        ('Chịu trách nhiệm chính', regexp_matches(paragraphs.paragraph, '^(chịu trách nhiệm chính|giấy phép số|cơ quan chủ quản\s*(:|$)|ghi rõ nguồn)', 'i')),
        ('Nghe đọc bài viết', regexp_matches(paragraphs.paragraph, '^(nghe đọc bài viết|nghe bài viết|đánh giá bài viết|chuyển (đến|tới) nội dung|thống kê truy cập|đang truy cập|liên kết website|lịch tiếp công dân|sơ đồ cổng)', 'i'))
    ) as markers (marker, is_hit)
    where markers.is_hit
),

found as (
    select
        article_id,
        content_hash,
        count(distinct paragraph_number) as layout_paragraph_count,
        arg_min(paragraph, paragraph_number) as first_paragraph,
        min(paragraph_number) as first_paragraph_number,
        list(distinct marker order by marker) as found_markers
    from hits
    group by article_id, content_hash
),

final as (
    select
        articles.article_id,
        articles.content_hash,
        articles.source_id,
        coalesce(found.layout_paragraph_count, 0) = 0 as is_consistent,
        coalesce(left(found.first_paragraph, 200), articles.title) as sentence,
        case when found.article_id is not null then
            printf(
                '%d of %d body paragraphs are page layout (%s), the first is paragraph %d',
                found.layout_paragraph_count,
                articles.paragraph_count,
                array_to_string(found.found_markers, ', '),
                found.first_paragraph_number
            )
        end as detail
    from articles
    left join found on articles.article_id = found.article_id and articles.content_hash = found.content_hash
)

select * from final
order by article_id, content_hash
