-- Grain: one version (content hash) of one article (canonical URL).
-- The province is the unit its source's name matches (province_names, from etl.provinces) that is
-- valid on the publication (else fetch) date, or the most recent unit of that name when the date
-- falls outside its validity; the unknown member when the name matches none. A publication date
-- outside the calendar (mart.dim_date) gets the unknown date key, -1.
-- The reviewed document is a cited document whose number is in the title, else one whose number in
-- the summary or first paragraph has a review phrase (seed_review_phrases) in the
-- $review_window_chars characters before it; the first in citation order wins.
-- Versions are numbered, dated and matched on their keys and dates alone; the text (title,
-- paragraphs …) joins the result at the end, so it is not carried through every step.
with articles as (
    select article_id, content_hash, source_id, province, published_date, fetched_at
    from staging.stg_articles
    -- Data quality (dq.quarantine, etl/quarantine.py): article versions an error check holds as a whole
    -- (a body of page layout, an impossible date) stay out of the mart, with their indicators and citations.
    where not exists (
        select 1 from dq.quarantine as held
        where held.is_held
            and held.table_name = 'staging.stg_articles'
            and held.article_id = stg_articles.article_id
            and held.content_hash = stg_articles.content_hash
    )
),

provinces as (
    select * from mart.dim_province
),

fetches as (
    select url, content_hash, min(fetched_at) as first_fetched_at, max(fetched_at) as last_fetched_at
    from raw.fetch_log
    where content_hash is not null
    group by url, content_hash
),

-- The run that first fetched a version, from the archive's catalogue: a reparse of the archive
-- restages every version under its own run id but leaves this unchanged.
first_fetches as (
    select url, content_hash, first_run_id from raw.pages
),

-- What the lead of each version says, for the reviewed document: the summary and first paragraph.
leads as (
    select
        article_id,
        content_hash,
        title,
        concat_ws(' ', summary, paragraphs[1]) as lead_text
    from staging.stg_articles
),

seen as (
    select
        articles.*,
        md5(concat_ws('|', articles.article_id, articles.content_hash)) as article_key,
        least(articles.fetched_at, fetches.first_fetched_at) as first_seen_at,
        greatest(articles.fetched_at, fetches.last_fetched_at) as last_seen_at,
        first_fetches.first_run_id
    from articles
    left join fetches on articles.article_id = fetches.url and articles.content_hash = fetches.content_hash
    left join first_fetches
        on articles.article_id = first_fetches.url and articles.content_hash = first_fetches.content_hash
),

versions as (
    select
        *,
        coalesce(published_date, cast(first_seen_at as date)) as reference_date,
        row_number() over (
            partition by article_id order by first_seen_at nulls last, content_hash
        ) as version_number,
        count(*) over (partition by article_id) as version_count,
        row_number() over (
            partition by article_id order by last_seen_at desc nulls last, content_hash desc
        ) = 1 as is_latest_version
    from seen
),

province_matches as (
    select
        versions.article_key,
        provinces.province_key
    from versions
    inner join province_names on versions.province = province_names.province_as_written
    inner join provinces on province_names.province_name = provinces.province_name
    qualify row_number() over (
        partition by versions.article_key
        order by
            versions.reference_date between coalesce(provinces.valid_from_date, date '0001-01-01')
            and coalesce(provinces.valid_to_date, date '9999-12-31') desc,
            provinces.valid_from_date desc nulls last
    ) = 1
),

citations as (
    select
        versions.article_key,
        documents.document_number,
        documents.document_index,
        leads.lead_text,
        contains(coalesce(leads.title, ''), documents.document_number) as is_in_title
    from versions
    inner join staging.stg_documents as documents
        on versions.article_id = documents.article_id
        and versions.content_hash = documents.content_hash
    inner join leads on versions.article_id = leads.article_id and versions.content_hash = leads.content_hash
    where documents.document_number is not null
),

lead_windows as (
    select
        *,
        strpos(lead_text, document_number) as lead_position,
        lower(substr(
            lead_text,
            greatest(1, strpos(lead_text, document_number) - $review_window_chars),
            least(strpos(lead_text, document_number) - 1, $review_window_chars)
        )) as before_number
    from citations
),

reviewed as (
    select
        article_key,
        md5(document_number) as document_key
    from lead_windows
    where is_in_title
        or (
            lead_position > 0
            and exists (select 1 from seed_review_phrases where contains(before_number, seed_review_phrases.phrase))
        )
    qualify row_number() over (partition by article_key order by is_in_title desc, document_index) = 1
),

final as (
    select
        versions.article_key,
        versions.article_id,
        versions.content_hash,
        md5(versions.source_id) as source_key,
        coalesce(province_matches.province_key, meta.unknown_key()) as province_key,
        coalesce(dates.date_key, -1) as published_date_key,
        coalesce(reviewed.document_key, meta.unknown_key()) as document_key,
        versions.province as province_as_written,
        texts.title,
        texts.summary,
        versions.published_date,
        texts.author,
        texts.paragraphs,
        texts.paragraph_count,
        texts.word_count,
        versions.first_seen_at,
        versions.last_seen_at,
        texts.parser_version,
        versions.first_run_id,
        versions.version_number,
        versions.version_count,
        versions.is_latest_version
    from versions
    inner join staging.stg_articles as texts
        on versions.article_id = texts.article_id
        and versions.content_hash = texts.content_hash
    left join province_matches on versions.article_key = province_matches.article_key
    left join reviewed on versions.article_key = reviewed.article_key
    left join mart.dim_date as dates on versions.published_date = dates.calendar_date
)

select * from final
