-- Question: how many Party supervision activities (cuộc giám sát) did each province report, per year?
-- Read: one row per province and year of publication; the figures are as the articles state them.
-- Why it is written this way:
--   * the star schema, not a view: indicators joined to their article (latest version only), date,
--     province and unit dimensions;
--   * parts of a stated total ("2.849 cuộc, trong đó cấp tỉnh 15 cuộc …") are left out, so a total
--     is not counted twice; so are goals (is_target);
--   * articles restate figures (a year's total, then a five-year total, then again in a review), so
--     summing them overcounts: the largest figure is the headline, the list shows all of them.
with supervisions as (
    select
        provinces.province_name,
        dates.year,
        articles.article_id,
        indicators.value
    from mart.fact_indicator as indicators
    inner join mart.dim_article as articles on indicators.article_key = articles.article_key
    inner join mart.dim_date as dates on indicators.published_date_key = dates.date_key
    inner join mart.dim_province as provinces on indicators.province_key = provinces.province_key
    inner join mart.dim_unit as units on indicators.unit_key = units.unit_key
    where articles.is_latest_version
        and units.normalised_unit = 'cuộc'
        and lower(indicators.sentence) like '%giám sát%'
        and indicators.parent_indicator_key is null
        and not coalesce(indicators.is_target, false)
        and indicators.value is not null
)

select
    province_name as province,
    year,
    max(value) as largest_figure,
    list(value order by value desc) as figures,
    count(distinct article_id) as articles
from supervisions
group by province_name, year
order by province_name, year;
