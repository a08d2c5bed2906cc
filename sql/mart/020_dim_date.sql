-- Grain: one calendar day.
create table if not exists mart.dim_date (
    date_key integer primary key,
    calendar_date date not null,
    year integer not null,
    quarter integer not null,
    month integer not null,
    day_of_month integer not null,
    iso_week integer not null,
    iso_day_of_week integer not null,
    is_weekend boolean not null
);

comment on table mart.dim_date is 'Calendar from CALENDAR_FIRST_DATE to CALENDAR_LAST_DATE (etl/settings.py).';
comment on column mart.dim_date.date_key is 'Surrogate key yyyymmdd, e.g. 20210125.';
comment on column mart.dim_date.calendar_date is 'The day.';
comment on column mart.dim_date.year is 'Calendar year.';
comment on column mart.dim_date.quarter is 'Calendar quarter, 1-4.';
comment on column mart.dim_date.month is 'Month, 1-12.';
comment on column mart.dim_date.day_of_month is 'Day of the month, 1-31.';
comment on column mart.dim_date.iso_week is 'ISO week number.';
comment on column mart.dim_date.iso_day_of_week is 'ISO day of the week, 1 Monday to 7 Sunday.';
comment on column mart.dim_date.is_weekend is 'True on Saturdays and Sundays.';
