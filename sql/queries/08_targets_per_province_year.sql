-- Question: what goals (chỉ tiêu, mục tiêu, phấn đấu) did each province set, by year of publication
-- and kind of figure?
-- Read: one row per province, year and unit family, with how many targets were stated and an example.
select
    current_province as province,
    published_year,
    unit_family,
    count(*) as targets,
    count(distinct url) as articles,
    arg_min(sentence, indicator_index) as example_sentence
from mart.v_indicator
where is_target
group by current_province, published_year, unit_family
order by province, published_year, targets desc;
