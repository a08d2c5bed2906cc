-- Question: at which administrative level (province, district, commune) are figures reported, per province?
-- Read: one row per province and level, through the level dimension; districts ceased to exist on
-- 1 July 2025 (mart.dim_level.valid_to_date), so district figures stop after that date.
select
    provinces.current_province_name as province,
    levels.level_name_en as level,
    levels.level_rank,
    count(*) as figures,
    count(distinct indicators.article_key) as articles,
    min(dates.calendar_date) as first_published_date,
    max(dates.calendar_date) as last_published_date
from mart.fact_indicator as indicators
inner join mart.dim_article as articles on indicators.article_key = articles.article_key
inner join mart.dim_level as levels on indicators.level_key = levels.level_key
inner join mart.dim_province as provinces on indicators.province_key = provinces.province_key
inner join mart.dim_date as dates on indicators.published_date_key = dates.date_key
where articles.is_latest_version
group by all
order by province, levels.level_rank nulls last;
