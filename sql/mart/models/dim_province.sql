-- Grain: one provincial-level unit over one period of validity, plus the unknown member.
-- Reads seed_provinces (etl/data/provinces_2025.csv, one row per unit before the change).
-- A unit that kept its name, kind and territory has one row valid throughout; every other old
-- unit ends the day before its change and points at its successor, which starts that day.
with seed as (
    select old_name, old_kind, new_name, new_kind, cast(effective_date as date) as effective_date
    from seed_provinces
),

unchanged as (
    select new_name
    from seed
    group by new_name
    having count(*) = 1 and bool_and(old_name = new_name and old_kind = new_kind)
),

changed as (
    select
        seed.*,
        count(*) over (partition by seed.new_name) as predecessor_count
    from seed
    where new_name not in (select new_name from unchanged)
),

successors as (
    select
        new_name as province_name,
        min(new_kind) as province_kind,
        min(effective_date) as valid_from_date
    from seed
    group by new_name
),

current_units as (
    select
        successors.province_name,
        successors.province_kind,
        case when unchanged.new_name is null then successors.valid_from_date end as valid_from_date,
        case when unchanged.new_name is null then 'successor' else 'unchanged' end as change_kind
    from successors
    left join unchanged on successors.province_name = unchanged.new_name
),

current_rows as (
    select
        md5(concat_ws('|', province_name, coalesce(cast(valid_from_date as varchar), ''))) as province_key,
        province_name,
        province_kind,
        valid_from_date,
        cast(null as date) as valid_to_date,
        cast(null as varchar) as successor_province_key,
        cast(null as varchar) as successor_province_name,
        change_kind
    from current_units
),

former_rows as (
    select
        md5(concat_ws('|', changed.old_name, '')) as province_key,
        changed.old_name as province_name,
        changed.old_kind as province_kind,
        cast(null as date) as valid_from_date,
        cast(changed.effective_date - interval 1 day as date) as valid_to_date,
        current_rows.province_key as successor_province_key,
        current_rows.province_name as successor_province_name,
        case when changed.predecessor_count = 1 then 'renamed' else 'merged' end as change_kind
    from changed
    inner join current_rows on changed.new_name = current_rows.province_name
),

unknown_row as (
    select
        meta.unknown_key() as province_key,
        '(unknown)' as province_name,
        cast(null as varchar) as province_kind,
        cast(null as date) as valid_from_date,
        cast(null as date) as valid_to_date,
        cast(null as varchar) as successor_province_key,
        cast(null as varchar) as successor_province_name,
        'unknown' as change_kind
),

final as (
    select
        province_key,
        province_name,
        province_kind,
        valid_from_date,
        valid_to_date,
        successor_province_key,
        successor_province_name,
        coalesce(successor_province_key, province_key) as current_province_key,
        coalesce(successor_province_name, province_name) as current_province_name,
        change_kind,
        successor_province_key is null and change_kind <> 'unknown' as is_current
    from (
        select * from current_rows
        union all
        select * from former_rows
        union all
        select * from unknown_row
    )
)

select * from final
