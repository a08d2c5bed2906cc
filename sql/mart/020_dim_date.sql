-- Grain: one calendar day, plus the unknown date.
create or replace table mart.dim_date (
    date_key integer not null,
    calendar_date date,
    year integer,
    quarter integer,
    month integer,
    day_of_month integer,
    iso_week integer,
    iso_day_of_week integer,
    year_quarter varchar,
    year_month varchar,
    is_weekend boolean
);

comment on table mart.dim_date is 'Calendar from CALENDAR_FIRST_DATE to CALENDAR_LAST_DATE (etl/settings.py); date_key -1 is the unknown date (all other columns null).';
comment on column mart.dim_date.date_key is 'Surrogate key yyyymmdd, e.g. 20210125; -1 when the date is unknown.';
comment on column mart.dim_date.calendar_date is 'The day.';
comment on column mart.dim_date.year is 'Calendar year.';
comment on column mart.dim_date.quarter is 'Calendar quarter, 1-4.';
comment on column mart.dim_date.month is 'Month, 1-12.';
comment on column mart.dim_date.day_of_month is 'Day of the month, 1-31.';
comment on column mart.dim_date.iso_week is 'ISO week number.';
comment on column mart.dim_date.iso_day_of_week is 'ISO day of the week, 1 Monday to 7 Sunday.';
comment on column mart.dim_date.year_quarter is 'Year and quarter, e.g. 2021-Q1, for labels.';
comment on column mart.dim_date.year_month is 'Year and month, e.g. 2021-01, for labels.';
comment on column mart.dim_date.is_weekend is 'True on Saturdays and Sundays.';
