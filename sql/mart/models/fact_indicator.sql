-- Grain: one indicator in one version of one article.
-- Every key is set: an indicator without a unit or level gets the dimension's default member.
with indicators as (
    select * from staging.stg_indicators
),

-- Data quality (dq.quarantine, etl/quarantine.py): indicators an error check holds stay out of the
-- mart (held whole articles are already out of mart.dim_article); a warning on the indicator or on
-- its article loads it with is_flagged.
held as (
    select article_id, content_hash, row_index
    from dq.quarantine
    where is_held and table_name = 'staging.stg_indicators'
),

flagged as (
    select article_id, content_hash, row_index
    from dq.quarantine
    where not is_held and table_name in ('staging.stg_indicators', 'staging.stg_articles')
),

-- A warning without a row (about the whole article version) flags all of its indicators. Joined on
-- distinct findings: a correlated exists with "row_index is null or …" costs more than the rest of the model.
flagged_versions as (
    select distinct article_id, content_hash from flagged where row_index is null
),

flagged_rows as (
    select distinct article_id, content_hash, row_index from flagged where row_index is not null
),

articles as (
    select * from mart.dim_article
),

units as (
    select * from mart.dim_unit
),

levels as (
    select * from mart.dim_level
),

final as (
    select
        md5(concat_ws('|', indicators.article_id, indicators.content_hash, indicators.indicator_index))
            as indicator_key,
        articles.article_key,
        articles.published_date_key,
        articles.province_key,
        articles.source_key,
        articles.document_key,
        coalesce(units.unit_key, meta.unknown_key()) as unit_key,
        coalesce(levels.level_key, meta.unknown_key()) as level_key,
        case when indicators.parent_index is not null then
            md5(concat_ws('|', indicators.article_id, indicators.content_hash, indicators.parent_index))
        end as parent_indicator_key,
        indicators.indicator_index,
        indicators.value,
        indicators.numerator,
        indicators.denominator,
        indicators.low,
        indicators.high,
        case when indicators.denominator <> 0 then 100.0 * indicators.numerator / indicators.denominator
        end as share_percent,
        indicators.value * units.to_base_factor as base_value,
        indicators.kind,
        indicators.qualifier,
        indicators.is_target,
        indicators.subject,
        indicators.sentence,
        indicators.paragraph_index,
        indicators.start_offset,
        indicators.end_offset,
        articles.parser_version,
        flagged_versions.article_id is not null or flagged_rows.article_id is not null as is_flagged
    from indicators
    inner join articles
        on indicators.article_id = articles.article_id
        and indicators.content_hash = articles.content_hash
    left join units on indicators.unit = units.unit and units.unit_key <> meta.unknown_key()
    left join levels on indicators.level = levels.level_name and levels.level_key <> meta.unknown_key()
    left join flagged_versions
        on indicators.article_id = flagged_versions.article_id
        and indicators.content_hash = flagged_versions.content_hash
    left join flagged_rows
        on indicators.article_id = flagged_rows.article_id
        and indicators.content_hash = flagged_rows.content_hash
        and indicators.indicator_index = flagged_rows.row_index
    where not exists (
        select 1 from held
        where held.article_id = indicators.article_id
            and held.content_hash = indicators.content_hash
            and held.row_index = indicators.indicator_index
    )
)

select * from final
