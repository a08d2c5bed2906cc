-- Question: what state budget revenue (thu ngân sách nhà nước) did each province report, and what
-- did it plan?
-- Read: one row per money figure in a sentence about budget revenue, in billions of đồng (tỷ đồng),
-- results and targets apart; the year is the year of publication (a review of 2024 is published
-- in January 2025).
select
    province,
    published_year,
    case when is_target then 'target' else 'result' end as figure,
    round(base_value / 1e9, 1) as billion_dong,
    qualifier,
    sentence,
    url
from mart.v_indicator
where unit_family = 'money'
    and lower(sentence) like '%thu ngân sách%'
    and parent_indicator_key is null
order by province, published_year, figure, billion_dong desc;
