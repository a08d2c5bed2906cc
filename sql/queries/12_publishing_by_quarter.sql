-- Question: how much does each portal publish per quarter, and how dense in figures are its articles?
-- Read: one row per portal and quarter of publication (mart.dim_date.year_quarter).
select
    sources.source_id,
    dates.year_quarter,
    count(*) as articles,
    sum(facts.indicator_count) as indicators,
    round(avg(facts.word_count)) as average_words,
    round(1000.0 * sum(facts.indicator_count) / nullif(sum(facts.word_count), 0), 1) as indicators_per_1000_words
from mart.fact_article as facts
inner join mart.dim_article as articles on facts.article_key = articles.article_key
inner join mart.dim_source as sources on facts.source_key = sources.source_key
inner join mart.dim_date as dates on facts.published_date_key = dates.date_key
where articles.is_latest_version
group by sources.source_id, dates.year_quarter
order by sources.source_id, dates.year_quarter;
