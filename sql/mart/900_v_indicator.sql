-- Grain: one indicator of the latest version of one article; the analysts' entry point.
create or replace view mart.v_indicator as
with indicators as (
    select * from mart.fact_indicator
),

articles as (
    select * from mart.dim_article where is_latest_version
),

provinces as (
    select * from mart.dim_province
),

sources as (
    select * from mart.dim_source
),

final as (
    select
        provinces.province_name as province,
        provinces.current_province_name as current_province,
        articles.published_date,
        articles.article_id as url,
        articles.title,
        indicators.value,
        indicators.kind,
        indicators.unit,
        indicators.numerator,
        indicators.denominator,
        indicators.low,
        indicators.high,
        indicators.qualifier,
        indicators.subject,
        indicators.sentence,
        indicators.level,
        indicators.is_target,
        indicators.is_flagged,
        sources.source_id,
        indicators.indicator_index,
        indicators.article_key,
        indicators.indicator_key
    from indicators
    inner join articles on indicators.article_key = articles.article_key
    left join provinces on articles.province_key = provinces.province_key
    left join sources on articles.source_key = sources.source_key
)

select * from final;

comment on view mart.v_indicator is 'Indicators of the latest version of every article, with province, date and page: start here.';
comment on column mart.v_indicator.province is 'Province as it was when the article was published.';
comment on column mart.v_indicator.current_province is 'Province it belongs to today (after the 1 July 2025 reorganisation): group by this for time series.';
comment on column mart.v_indicator.published_date is 'Publication date of the article.';
comment on column mart.v_indicator.url is 'Canonical article URL.';
comment on column mart.v_indicator.title is 'Article title.';
comment on column mart.v_indicator.value is 'The number; the numerator of a ratio; null for a range.';
comment on column mart.v_indicator.kind is 'count, percent, ratio, range or measure.';
comment on column mart.v_indicator.unit is '% for percents, else the counted noun or unit (money is đồng).';
comment on column mart.v_indicator.numerator is 'Numerator of a ratio.';
comment on column mart.v_indicator.denominator is 'Denominator of a ratio.';
comment on column mart.v_indicator.low is 'Lower end of a range.';
comment on column mart.v_indicator.high is 'Upper end of a range.';
comment on column mart.v_indicator.qualifier is 'exact, approx, over, under, min or max.';
comment on column mart.v_indicator.subject is 'What is measured.';
comment on column mart.v_indicator.sentence is 'The sentence the number stands in.';
comment on column mart.v_indicator.level is 'Administrative level the figure is about, when stated.';
comment on column mart.v_indicator.is_target is 'True for a goal rather than a result.';
comment on column mart.v_indicator.is_flagged is 'True when a data-quality check quarantined the row.';
comment on column mart.v_indicator.source_id is 'Portal the article came from.';
comment on column mart.v_indicator.indicator_index is 'Position of the indicator in its article (text order).';
comment on column mart.v_indicator.article_key is 'Article version (mart.dim_article).';
comment on column mart.v_indicator.indicator_key is 'Indicator (mart.fact_indicator).';
