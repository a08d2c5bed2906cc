-- Question: which stated percentages disagree with the fraction they restate?
-- "281/411 xã …, đạt 68,13%": 281/411 is 68.37 %, so one of the two figures is wrong.
-- Read: one row per (ratio, percent) pair, in the latest version of an article, whose difference
-- exceeds rounding (0.05 percentage points, PERCENT_TOLERANCE_PP in etl/settings.py). A pair is a
-- ratio and the first percent after it in the same sentence, at most 60 characters later, with no
-- other figure in between (the rule of the percent_matches_fraction cross-check, over every run).
-- Data quality holds such figures out of mart.fact_indicator (dq.quarantine), so this question reads
-- every parsed figure in staging.stg_indicators and says whether the pair is in the mart (in_mart).
with articles as (
    select
        versions.article_id,
        versions.content_hash,
        versions.published_date,
        provinces.province_name
    from mart.dim_article as versions
    inner join mart.dim_province as provinces on versions.province_key = provinces.province_key
    where versions.is_latest_version
),

indicators as (
    select
        staged.*,
        articles.published_date,
        articles.province_name,
        md5(concat_ws('|', staged.article_id, staged.content_hash, staged.indicator_index)) as indicator_key
    from staging.stg_indicators as staged
    inner join articles
        on staged.article_id = articles.article_id
        and staged.content_hash = articles.content_hash
),

pairs as (
    select
        ratios.province_name,
        ratios.published_date,
        ratios.article_id,
        ratios.sentence,
        ratios.numerator,
        ratios.denominator,
        100.0 * ratios.numerator / ratios.denominator as computed_percent,
        percents.value as stated_percent,
        ratios.indicator_key as ratio_key,
        percents.indicator_key as percent_key
    from indicators as ratios
    inner join indicators as percents
        on ratios.article_id = percents.article_id
        and ratios.content_hash = percents.content_hash
        and ratios.paragraph_index = percents.paragraph_index
        and ratios.sentence = percents.sentence
        and percents.start_offset >= ratios.end_offset
        and percents.start_offset - ratios.end_offset <= 60
    where ratios.kind = 'ratio'
        and ratios.denominator > 0
        and percents.kind = 'percent'
        and not exists (
            select 1
            from indicators as other
            where other.article_id = ratios.article_id
                and other.content_hash = ratios.content_hash
                and other.paragraph_index = ratios.paragraph_index
                and other.start_offset >= ratios.end_offset
                and other.start_offset < percents.start_offset
        )
)

select
    pairs.province_name as province,
    pairs.published_date,
    pairs.numerator,
    pairs.denominator,
    round(pairs.computed_percent, 2) as computed_percent,
    pairs.stated_percent,
    round(abs(pairs.computed_percent - pairs.stated_percent), 2) as difference_pp,
    exists (select 1 from mart.fact_indicator where indicator_key in (pairs.ratio_key, pairs.percent_key))
        as in_mart,
    pairs.sentence,
    pairs.article_id as url
from pairs
where abs(pairs.computed_percent - pairs.stated_percent) > 0.05
order by difference_pp desc, url;
