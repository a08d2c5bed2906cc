-- Grain: one version of one article.
-- Failed checks come from dq.quarantine: what the last validation of the version found in it or its
-- rows (expectation suites and cross-checks, errors and warnings).
with articles as (
    select * from mart.dim_article
),

indicators as (
    select
        article_key,
        count(*) as indicator_count,
        count(*) filter (where is_target) as target_count
    from mart.fact_indicator
    group by article_key
),

citations as (
    select article_key, count(*) as document_count
    from mart.fact_document_citation
    group by article_key
),

people as (
    select
        md5(concat_ws('|', article_id, content_hash)) as article_key,
        count(*) as people_count
    from staging.stg_people
    group by article_id, content_hash
),

findings as (
    select
        md5(concat_ws('|', article_id, content_hash)) as article_key,
        count(distinct check_name) as failed_check_count,
        list(distinct check_name order by check_name) as failed_checks,
        count(distinct row_index) filter (where is_held and table_name = 'staging.stg_indicators')
            as held_indicator_count
    from dq.quarantine
    group by article_id, content_hash
),

final as (
    select
        articles.article_key,
        articles.published_date_key,
        articles.province_key,
        articles.source_key,
        articles.document_key,
        coalesce(articles.paragraph_count, 0) as paragraph_count,
        coalesce(articles.word_count, 0) as word_count,
        coalesce(indicators.indicator_count, 0) as indicator_count,
        coalesce(indicators.target_count, 0) as target_count,
        coalesce(citations.document_count, 0) as document_count,
        coalesce(people.people_count, 0) as people_count,
        coalesce(findings.held_indicator_count, 0) as held_indicator_count,
        coalesce(findings.failed_check_count, 0) as failed_check_count,
        coalesce(findings.failed_checks, cast([] as varchar[])) as failed_checks
    from articles
    left join indicators on articles.article_key = indicators.article_key
    left join citations on articles.article_key = citations.article_key
    left join people on articles.article_key = people.article_key
    left join findings on articles.article_key = findings.article_key
)

select * from final
