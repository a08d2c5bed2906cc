-- Grain: one unit as the parser writes it, plus "no unit".
-- Units of sql/mart/seeds/units.csv get their family and conversion from it; any other unit is
-- % (percent), or a counted noun (count), or, when only ever used for measures, family other.
with staged as (
    select
        unit,
        bool_and(kind = 'measure') as is_only_measured
    from staging.stg_indicators
    where unit is not null
    group by unit
),

seed as (
    select unit, normalised_unit, unit_family, base_unit, cast(to_base_factor as double) as to_base_factor
    from seed_units
),

final as (
    select
        md5(staged.unit) as unit_key,
        staged.unit,
        coalesce(seed.normalised_unit, staged.unit) as normalised_unit,
        coalesce(
            seed.unit_family,
            case
                when staged.unit = '%' then 'percent'
                when staged.is_only_measured then 'other'
                else 'count'
            end
        ) as unit_family,
        coalesce(seed.base_unit, staged.unit) as base_unit,
        coalesce(seed.to_base_factor, 1.0) as to_base_factor
    from staged
    left join seed on lower(staged.unit) = seed.unit
    union all
    select meta.unknown_key(), '(none)', '(none)', 'unknown', cast(null as varchar), cast(null as double)
)

select * from final
