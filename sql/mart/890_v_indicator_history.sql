-- Grain: one indicator of one version of one article, every version kept; mart.v_indicator keeps the latest.
create or replace view mart.v_indicator_history as
with indicators as (
    select * from mart.fact_indicator
),

articles as (
    select * from mart.dim_article
),

provinces as (
    select * from mart.dim_province
),

sources as (
    select * from mart.dim_source
),

units as (
    select * from mart.dim_unit
),

levels as (
    select * from mart.dim_level
),

documents as (
    select * from mart.dim_document
),

final as (
    select
        provinces.province_name as province,
        provinces.current_province_name as current_province,
        articles.published_date,
        year(articles.published_date) as published_year,
        articles.article_id as url,
        articles.title,
        indicators.value,
        indicators.kind,
        units.unit,
        units.unit_family,
        units.base_unit,
        indicators.base_value,
        indicators.numerator,
        indicators.denominator,
        indicators.share_percent,
        indicators.low,
        indicators.high,
        indicators.qualifier,
        indicators.subject,
        indicators.sentence,
        case when levels.level_rank is not null then levels.level_name end as level,
        indicators.is_target,
        indicators.is_flagged,
        sources.source_id,
        case when documents.document_key <> meta.unknown_key() then documents.document_id end as reviewed_document,
        indicators.indicator_index,
        indicators.parent_indicator_key,
        articles.version_number,
        articles.is_latest_version,
        articles.first_seen_at,
        indicators.parser_version,
        indicators.article_key,
        indicators.indicator_key,
        indicators.province_key,
        provinces.current_province_key
    from indicators
    inner join articles on indicators.article_key = articles.article_key
    inner join provinces on indicators.province_key = provinces.province_key
    inner join sources on indicators.source_key = sources.source_key
    inner join units on indicators.unit_key = units.unit_key
    inner join levels on indicators.level_key = levels.level_key
    inner join documents on indicators.document_key = documents.document_key
)

select * from final;

comment on view mart.v_indicator_history is 'Indicators of every version of every article, with province, date, unit and page; mart.v_indicator keeps only what the pages say now.';
comment on column mart.v_indicator_history.province is 'Province unit as it was when the article was published; (unknown) when the source''s name matches none.';
comment on column mart.v_indicator_history.current_province is 'Province it belongs to today (after the 1 July 2025 reorganisation): group by this for time series.';
comment on column mart.v_indicator_history.published_date is 'Publication date of the article.';
comment on column mart.v_indicator_history.published_year is 'Year of publication.';
comment on column mart.v_indicator_history.url is 'Canonical article URL.';
comment on column mart.v_indicator_history.title is 'Article title.';
comment on column mart.v_indicator_history.value is 'The number; the numerator of a ratio; null for a range.';
comment on column mart.v_indicator_history.kind is 'count, percent, ratio, range or measure.';
comment on column mart.v_indicator_history.unit is '% for percents, else the counted noun or unit as written (money is đồng); (none) when missing.';
comment on column mart.v_indicator_history.unit_family is 'percent, count, money, area, length, mass, … (mart.dim_unit): compare values within one family.';
comment on column mart.v_indicator_history.base_unit is 'Unit of base_value (m2 for areas, m for lengths, kg for masses …).';
comment on column mart.v_indicator_history.base_value is 'The value in base_unit (5.320 ha → 53200000 m2).';
comment on column mart.v_indicator_history.numerator is 'Numerator of a ratio.';
comment on column mart.v_indicator_history.denominator is 'Denominator of a ratio.';
comment on column mart.v_indicator_history.share_percent is 'For a ratio, 100 × numerator / denominator.';
comment on column mart.v_indicator_history.low is 'Lower end of a range.';
comment on column mart.v_indicator_history.high is 'Upper end of a range.';
comment on column mart.v_indicator_history.qualifier is 'exact, approx, over, under, min or max.';
comment on column mart.v_indicator_history.subject is 'What is measured.';
comment on column mart.v_indicator_history.sentence is 'The sentence the number stands in.';
comment on column mart.v_indicator_history.level is 'Administrative level the figure is about (tỉnh, huyện, xã), null when not stated.';
comment on column mart.v_indicator_history.is_target is 'True for a goal rather than a result.';
comment on column mart.v_indicator_history.is_flagged is 'True when a warning-level data-quality check flagged the row or its article (dq.quarantine); rows an error check holds are not here.';
comment on column mart.v_indicator_history.source_id is 'Portal the article came from.';
comment on column mart.v_indicator_history.reviewed_document is 'Number of the policy document the article reviews, e.g. 120-KL/TW; null when none.';
comment on column mart.v_indicator_history.indicator_index is 'Position of the indicator in its article (text order).';
comment on column mart.v_indicator_history.parent_indicator_key is 'The total this figure is a part of (trong đó …), an indicator_key; null for none: leave parts out when summing totals.';
comment on column mart.v_indicator_history.version_number is 'Version of the article, 1 for the first seen.';
comment on column mart.v_indicator_history.is_latest_version is 'True for the version the page shows now.';
comment on column mart.v_indicator_history.first_seen_at is 'When this version was first fetched (UTC).';
comment on column mart.v_indicator_history.parser_version is 'Version of etl.parse that found the indicator.';
comment on column mart.v_indicator_history.article_key is 'Article version (mart.dim_article).';
comment on column mart.v_indicator_history.indicator_key is 'Indicator (mart.fact_indicator).';
comment on column mart.v_indicator_history.province_key is 'Province unit (mart.dim_province).';
comment on column mart.v_indicator_history.current_province_key is 'Province unit today (mart.dim_province).';
