-- Grain: one indicator in one version of one article.
with indicators as (
    select * from staging.stg_indicators
),

articles as (
    select * from mart.dim_article
),

final as (
    select
        md5(concat_ws('|', indicators.article_id, indicators.content_hash, indicators.indicator_index))
            as indicator_key,
        articles.article_key,
        articles.province_key,
        articles.source_key,
        articles.published_date_key,
        case when indicators.parent_index is not null then
            md5(concat_ws('|', indicators.article_id, indicators.content_hash, indicators.parent_index))
        end as parent_indicator_key,
        indicators.indicator_index,
        indicators.value,
        indicators.kind,
        indicators.unit,
        indicators.numerator,
        indicators.denominator,
        indicators.low,
        indicators.high,
        indicators.qualifier,
        indicators.is_target,
        indicators.level,
        indicators.subject,
        indicators.sentence,
        indicators.paragraph_index,
        indicators.start_offset,
        indicators.end_offset,
        false as is_flagged
    from indicators
    inner join articles
        on indicators.article_id = articles.article_id
        and indicators.content_hash = articles.content_hash
)

select * from final
