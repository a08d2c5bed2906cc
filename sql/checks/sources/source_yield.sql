-- Grain: one source that fetched at least one page in the run (raw.fetch_log, outcome fetched).
-- A portal that answers but yields no articles, or articles without a single indicator, has most
-- likely changed its template: the site profile's selectors or the article pattern no longer
-- match, and the scraper fails silently. Pages not modified since the last run are not counted:
-- they yield nothing new by design.
-- Source-level checks live in sql/checks/sources/: they have no article rows to count against an
-- article version or to hold, so etl.load does not run them (it reads sql/checks/*.sql only).
with fetches as (
    select
        source_id,
        count(*) filter (where outcome = 'fetched') as pages_fetched,
        min(coalesce(final_url, url)) filter (where outcome = 'fetched') as url
    from raw.fetch_log
    where run_id = $run_id
    group by source_id
),

articles as (
    select source_id, count(*) as article_count
    from staging.stg_articles
    where run_id = $run_id
    group by source_id
),

indicators as (
    select articles.source_id, count(*) as indicator_count
    from staging.stg_indicators as indicators
    inner join staging.stg_articles as articles
        on indicators.article_id = articles.article_id
        and indicators.content_hash = articles.content_hash
    where indicators.run_id = $run_id
    group by articles.source_id
),

final as (
    select
        fetches.source_id,
        fetches.url,
        fetches.pages_fetched,
        coalesce(articles.article_count, 0) as article_count,
        coalesce(indicators.indicator_count, 0) as indicator_count,
        coalesce(articles.article_count, 0) > 0 as has_articles,
        coalesce(indicators.indicator_count, 0) > 0 as has_indicators,
        printf(
            '%s: %d pages fetched, %d articles, %d indicators',
            fetches.source_id,
            fetches.pages_fetched,
            coalesce(articles.article_count, 0),
            coalesce(indicators.indicator_count, 0)
        ) as detail
    from fetches
    left join articles on fetches.source_id = articles.source_id
    left join indicators on fetches.source_id = indicators.source_id
    where fetches.pages_fetched > 0
)

select * from final
order by source_id
