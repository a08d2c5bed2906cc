-- Question: which articles fail a data-quality check, and how does each portal fare?
-- Read: one row per failing article (latest version) with the checks it fails and the figures held
-- out of the mart, beside its portal's share of failing articles. The checks are those of the last
-- validation (expectation suites and the cross-checks of sql/checks; dq.quarantine has the rows).
with articles as (
    select * from mart.v_article
),

per_source as (
    select
        source_id,
        count(*) as articles,
        count(*) filter (where failed_check_count > 0) as failing_articles
    from articles
    group by source_id
)

select
    per_source.source_id,
    per_source.articles,
    per_source.failing_articles,
    round(100.0 * per_source.failing_articles / per_source.articles, 1) as failing_percent,
    articles.title,
    articles.failed_checks,
    articles.held_indicator_count,
    articles.url
from per_source
inner join articles on per_source.source_id = articles.source_id
where articles.failed_check_count > 0
order by per_source.source_id, articles.published_date;
