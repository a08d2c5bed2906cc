-- Grain: one version (content hash) of one article (canonical URL).
-- The province is the unit of that name valid on the publication (else fetch) date,
-- or the most recent unit of that name when the date falls outside its validity.
with articles as (
    select * from staging.stg_articles
),

provinces as (
    select * from mart.dim_province
),

versions as (
    select
        *,
        md5(concat_ws('|', article_id, content_hash)) as article_key,
        coalesce(published_date, cast(fetched_at as date)) as reference_date,
        row_number() over (
            partition by article_id order by fetched_at desc nulls last, content_hash desc
        ) = 1 as is_latest_version
    from articles
),

province_matches as (
    select
        versions.article_key,
        provinces.province_key
    from versions
    inner join provinces on versions.province = provinces.province_name
    qualify row_number() over (
        partition by versions.article_key
        order by
            versions.reference_date between coalesce(provinces.valid_from_date, date '0001-01-01')
            and coalesce(provinces.valid_to_date, date '9999-12-31') desc,
            provinces.valid_from_date desc nulls last
    ) = 1
),

final as (
    select
        versions.article_key,
        versions.article_id,
        versions.content_hash,
        md5(versions.source_id) as source_key,
        province_matches.province_key,
        cast(strftime(versions.published_date, '%Y%m%d') as integer) as published_date_key,
        versions.title,
        versions.summary,
        versions.published_date,
        versions.author,
        versions.paragraphs,
        versions.paragraph_count,
        versions.word_count,
        versions.fetched_at,
        versions.parser_version,
        versions.run_id,
        versions.is_latest_version
    from versions
    left join province_matches on versions.article_key = province_matches.article_key
)

select * from final
