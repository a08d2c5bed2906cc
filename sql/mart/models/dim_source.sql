-- Grain: one source portal seen in the fetch log or in staged articles.
with fetches as (
    select source_id, coalesce(final_url, url) as url, fetched_at from raw.fetch_log
),

articles as (
    select source_id, province, article_id as url, fetched_at from staging.stg_articles
    where source_id is not null
),

seen as (
    select source_id, url, fetched_at, cast(null as varchar) as province from fetches
    union all
    select source_id, url, fetched_at, province from articles
),

final as (
    select
        md5(source_id) as source_key,
        source_id,
        min(province) as province_name,
        min(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1)) as host,
        min(fetched_at) as first_fetched_at,
        max(fetched_at) as last_fetched_at
    from seen
    group by source_id
)

select * from final
