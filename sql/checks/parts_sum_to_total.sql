-- Grain: one stated total of the run's indicators whose parts (indicators whose parent is it)
-- all share its unit: "2.849 cuộc giám sát, trong đó: cấp tỉnh 15 cuộc, cấp huyện 226 cuộc,
-- cấp xã 2.608 cuộc" must add up, within a relative $parts_sum_tolerance for rounded parts.
-- A breakdown into other units (778 đảng bộ cơ sở and 676 chi bộ cơ sở of 1.454 tổ chức cơ sở
-- đảng) is not checked: the text alone cannot tell a full breakdown from a partial one.
-- A breakdown that does not add up holds the total and all its parts (indicator_indexes).
with indicators as (
    select * from staging.stg_indicators where run_id = $run_id
),

parts as (
    select * from indicators where parent_index is not null
),

breakdowns as (
    select
        totals.article_id,
        totals.content_hash,
        totals.indicator_index,
        totals.sentence,
        totals.value as total,
        count(*) as part_count,
        count(*) filter (where parts.unit = totals.unit and parts.value is not null) as same_unit_count,
        sum(parts.value) as parts_sum,
        list(parts.value order by parts.indicator_index) as part_values,
        list(parts.indicator_index order by parts.indicator_index) as part_indexes
    from indicators as totals
    inner join parts
        on totals.article_id = parts.article_id
        and totals.content_hash = parts.content_hash
        and totals.indicator_index = parts.parent_index
    where totals.value is not null
    group by totals.article_id, totals.content_hash, totals.indicator_index, totals.sentence, totals.value
),

final as (
    select
        article_id,
        content_hash,
        indicator_index,
        sentence,
        total,
        parts_sum,
        abs(parts_sum - total) <= $parts_sum_tolerance * abs(total) as is_consistent,
        list_prepend(indicator_index, part_indexes) as indicator_indexes,
        array_to_string(list_transform(part_values, lambda x: meta.number_text(x)), ' + ')
            || ' = ' || meta.number_text(parts_sum) || ', stated ' || meta.number_text(total) as detail
    from breakdowns
    where same_unit_count = part_count
)

select * from final
order by article_id, content_hash, indicator_index
