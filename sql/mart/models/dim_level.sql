-- Grain: one administrative level, plus "not stated".
-- The levels of sql/mart/seeds/levels.csv, and any other level the parser has written.
with seed as (
    select
        level_name,
        level_name_en,
        cast(level_rank as integer) as level_rank,
        cast(nullif(valid_to_date, '') as date) as valid_to_date
    from seed_levels
),

staged as (
    select distinct level as level_name
    from staging.stg_indicators
    where level is not null and level not in (select level_name from seed)
),

final as (
    select md5(level_name) as level_key, level_name, level_name_en, level_rank, valid_to_date
    from seed
    union all
    select md5(level_name), level_name, level_name, cast(null as integer), cast(null as date)
    from staged
    union all
    select meta.unknown_key(), '(not stated)', 'not stated', cast(null as integer), cast(null as date)
)

select * from final
