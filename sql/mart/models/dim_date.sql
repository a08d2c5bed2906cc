-- Grain: one calendar day from $calendar_first_date to $calendar_last_date, plus the unknown date (-1).
with days as (
    select cast(day as date) as calendar_date
    from generate_series(
        cast($calendar_first_date as date), cast($calendar_last_date as date), interval 1 day
    ) as t(day)
),

calendar as (
    select
        cast(strftime(calendar_date, '%Y%m%d') as integer) as date_key,
        calendar_date,
        year(calendar_date) as year,
        quarter(calendar_date) as quarter,
        month(calendar_date) as month,
        day(calendar_date) as day_of_month,
        weekofyear(calendar_date) as iso_week,
        isodow(calendar_date) as iso_day_of_week,
        strftime(calendar_date, '%Y') || '-Q' || quarter(calendar_date) as year_quarter,
        strftime(calendar_date, '%Y-%m') as year_month,
        isodow(calendar_date) >= 6 as is_weekend
    from days
),

final as (
    select * from calendar
    union all
    select -1, null, null, null, null, null, null, null, null, null, null
)

select * from final
