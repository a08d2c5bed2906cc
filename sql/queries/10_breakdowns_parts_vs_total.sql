-- Question: where an article breaks a total into parts ("2.849 cuộc, trong đó: cấp tỉnh 15 cuộc,
-- cấp huyện 226 cuộc, cấp xã 2.608 cuộc"), do the parts add up?
-- Read: one row per total with parts in the same unit: the total, the sum of its parts, the gap.
-- A gap is not always an error: a breakdown may list only some of the parts.
with indicators as (
    select * from mart.v_indicator
),

breakdowns as (
    select
        totals.indicator_key,
        any_value(totals.province) as province,
        any_value(totals.published_date) as published_date,
        any_value(totals.value) as total,
        any_value(totals.unit) as unit,
        any_value(totals.sentence) as sentence,
        count(*) as parts,
        sum(parts.value) as parts_sum
    from indicators as totals
    inner join indicators as parts
        on parts.parent_indicator_key = totals.indicator_key
        and parts.unit = totals.unit
    where totals.value is not null
    group by totals.indicator_key
)

select
    province,
    published_date,
    total,
    parts_sum,
    total - parts_sum as gap,
    parts,
    unit,
    sentence
from breakdowns
order by abs(total - parts_sum) desc, published_date;
