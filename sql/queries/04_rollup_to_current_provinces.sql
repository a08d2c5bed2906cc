-- Question: what did the units that exist today report each year, counting what their predecessors
-- reported before the 1 July 2025 reorganisation (Hà Giang's 2023 articles under Tuyên Quang …)?
-- Read: one row per current province and year; former_units lists the units the articles were about
-- when published (a province that did not change lists only itself). Every article joins the unit
-- valid on its publication date (mart.dim_province is slowly changing, type 2); current_province_key
-- rolls that unit up into today's.
with articles as (
    select
        facts.article_key,
        facts.indicator_count,
        facts.target_count,
        provinces.province_name,
        provinces.current_province_key,
        dates.year
    from mart.fact_article as facts
    inner join mart.dim_article as versions on facts.article_key = versions.article_key
    inner join mart.dim_province as provinces on facts.province_key = provinces.province_key
    inner join mart.dim_date as dates on facts.published_date_key = dates.date_key
    where versions.is_latest_version
),

current_units as (
    select province_key, province_name from mart.dim_province where is_current
)

select
    current_units.province_name as current_province,
    articles.year,
    list(distinct articles.province_name order by articles.province_name) as former_units,
    count(*) as articles,
    sum(articles.indicator_count) as indicators,
    sum(articles.target_count) as targets
from articles
inner join current_units on articles.current_province_key = current_units.province_key
group by current_units.province_name, articles.year
order by current_units.province_name, articles.year;
