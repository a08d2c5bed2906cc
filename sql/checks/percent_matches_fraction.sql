-- Grain: one percent stated right after a ratio in the same sentence, in the run's indicators.
-- "281/411 xã ..., đạt 68,13%": the percent restates the ratio and must equal it within
-- $percent_tolerance_pp percentage points. Pairs: same article version, paragraph and sentence,
-- the percent starts at most $percent_after_ratio_max_gap characters after the ratio ends, and
-- no other indicator stands between them. A disagreement holds both indicators (the ratio and the
-- percent, indicator_indexes): the text alone cannot tell which of the two figures is wrong.
with indicators as (
    select * from staging.stg_indicators where run_id = $run_id
),

ratios as (
    select * from indicators where kind = 'ratio' and denominator > 0 and numerator is not null
),

percents as (
    select * from indicators where kind = 'percent' and value is not null
),

pairs as (
    select
        ratios.article_id,
        ratios.content_hash,
        ratios.sentence,
        ratios.indicator_index as ratio_index,
        percents.indicator_index as percent_index,
        ratios.numerator,
        ratios.denominator,
        percents.value as stated_percent,
        100.0 * ratios.numerator / ratios.denominator as computed_percent
    from ratios
    inner join percents
        on ratios.article_id = percents.article_id
        and ratios.content_hash = percents.content_hash
        and ratios.paragraph_index = percents.paragraph_index
        and ratios.sentence = percents.sentence
        and percents.start_offset >= ratios.end_offset
        and percents.start_offset - ratios.end_offset <= $percent_after_ratio_max_gap
    where not exists (
        select 1
        from indicators as other
        where other.article_id = ratios.article_id
            and other.content_hash = ratios.content_hash
            and other.paragraph_index = ratios.paragraph_index
            and other.start_offset >= ratios.end_offset
            and other.start_offset < percents.start_offset
    )
),

final as (
    select
        article_id,
        content_hash,
        ratio_index,
        percent_index,
        sentence,
        computed_percent,
        stated_percent,
        abs(computed_percent - stated_percent) as difference_pp,
        abs(computed_percent - stated_percent) <= $percent_tolerance_pp as is_consistent,
        [ratio_index, percent_index] as indicator_indexes,
        printf(
            '%s/%s = %.2f%%, stated %s%%',
            meta.number_text(numerator),
            meta.number_text(denominator),
            computed_percent,
            meta.number_text(stated_percent)
        ) as detail
    from pairs
)

select * from final
order by article_id, content_hash, ratio_index
