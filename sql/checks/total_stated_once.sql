-- Grain: one (article version, unit, subject) group of the run's indicators that states a total.
-- The totals of a group are the denominators of its ratios, plus any count of the same unit and
-- subject larger than every numerator of the group (a count equal to a numerator, as 460 beside
-- 460/460, restates a part). One article should state one total per thing: "460 xã, phường,
-- thị trấn" then "480/480 xã, phường, thị trấn" is a contradiction. A missing subject is the unit.
-- A contradiction holds the odd ones out (indicator_indexes): the totals other than the one the
-- article states most often, as a count or a denominator (460 in "460 xã, phường, thị trấn" and
-- "460/460 xã, phường, thị trấn", 480 once: the 480/480 ratio is held), or every total on a tie.
with indicators as (
    select *, coalesce(subject, unit) as subject_key
    from staging.stg_indicators
    where run_id = $run_id and unit is not null
),

ratios as (
    select * from indicators where kind = 'ratio' and denominator is not null
),

groups as (
    select
        article_id,
        content_hash,
        unit,
        subject_key,
        max(numerator) as max_numerator
    from ratios
    group by article_id, content_hash, unit, subject_key
),

ratio_totals as (
    select article_id, content_hash, unit, subject_key, denominator as total, indicator_index, sentence
    from ratios
),

count_totals as (
    select
        counts.article_id,
        counts.content_hash,
        counts.unit,
        counts.subject_key,
        counts.value as total,
        counts.indicator_index,
        counts.sentence
    from indicators as counts
    inner join groups
        on counts.article_id = groups.article_id
        and counts.content_hash = groups.content_hash
        and counts.unit = groups.unit
        and counts.subject_key = groups.subject_key
    where counts.kind = 'count'
        and counts.value > groups.max_numerator
        and not exists (
            select 1 from ratios
            where ratios.article_id = counts.article_id
                and ratios.content_hash = counts.content_hash
                and ratios.unit = counts.unit
                and ratios.subject_key = counts.subject_key
                and ratios.numerator = counts.value
        )
),

totals as (
    select * from ratio_totals
    union all
    select * from count_totals
),

first_stated as (
    select article_id, content_hash, unit, subject_key, arg_min(total, indicator_index) as first_total
    from totals
    group by article_id, content_hash, unit, subject_key
),

distinct_totals as (
    select distinct article_id, content_hash, unit, subject_key, total from totals
),

times_stated as (
    -- how many indicators of the group state a total: as a count, or as the denominator of a ratio
    select
        distinct_totals.article_id,
        distinct_totals.content_hash,
        distinct_totals.unit,
        distinct_totals.subject_key,
        distinct_totals.total,
        count(*) as times_stated
    from distinct_totals
    inner join indicators as stating
        on distinct_totals.article_id = stating.article_id
        and distinct_totals.content_hash = stating.content_hash
        and distinct_totals.unit = stating.unit
        and distinct_totals.subject_key = stating.subject_key
        and (
            (stating.kind = 'ratio' and stating.denominator = distinct_totals.total)
            or (stating.kind = 'count' and stating.value = distinct_totals.total)
        )
    group by distinct_totals.article_id, distinct_totals.content_hash, distinct_totals.unit,
        distinct_totals.subject_key, distinct_totals.total
),

most_stated as (
    select
        *,
        times_stated = max(times_stated) over (partition by article_id, content_hash, unit, subject_key)
            as is_most_stated
    from times_stated
),

kept as (
    -- the total stated more often than any other, if there is one
    select article_id, content_hash, unit, subject_key, any_value(total) as kept_total
    from most_stated
    where is_most_stated
    group by article_id, content_hash, unit, subject_key
    having count(*) = 1
),

final as (
    select
        totals.article_id,
        totals.content_hash,
        totals.unit,
        totals.subject_key as subject,
        count(distinct totals.total) as total_count,
        count(distinct totals.total) = 1 as is_consistent,
        coalesce(
            list(totals.indicator_index order by totals.indicator_index)
                filter (where totals.total is distinct from kept.kept_total),
            cast([] as integer[])
        ) as indicator_indexes,
        -- the first sentence of an odd one out, else the first whose total disagrees with the first
        -- one stated, else the first
        coalesce(
            arg_min(totals.sentence, totals.indicator_index) filter (where totals.total <> kept.kept_total),
            arg_min(totals.sentence, totals.indicator_index) filter (where totals.total <> first_stated.first_total),
            arg_min(totals.sentence, totals.indicator_index)
        ) as sentence,
        totals.subject_key || ': ' || array_to_string(
            list_transform(list_sort(list(distinct totals.total)), lambda x: meta.number_text(x)), ' vs '
        ) as detail
    from totals
    inner join first_stated
        on totals.article_id = first_stated.article_id
        and totals.content_hash = first_stated.content_hash
        and totals.unit = first_stated.unit
        and totals.subject_key = first_stated.subject_key
    left join kept
        on totals.article_id = kept.article_id
        and totals.content_hash = kept.content_hash
        and totals.unit = kept.unit
        and totals.subject_key = kept.subject_key
    group by totals.article_id, totals.content_hash, totals.unit, totals.subject_key
)

select * from final
order by article_id, content_hash, unit, subject
