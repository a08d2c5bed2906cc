-- Grain: one provincial-level unit over one period of validity (before or after the 2025 reorganisation).
create table if not exists mart.dim_province (
    province_key varchar primary key,
    province_name varchar not null,
    province_kind varchar not null,
    valid_from_date date,
    valid_to_date date,
    successor_province_key varchar,
    successor_province_name varchar,
    current_province_key varchar not null,
    current_province_name varchar not null,
    is_current boolean not null
);

comment on table mart.dim_province is 'Provinces and centrally-run cities, the 63 units before and the 34 after 1 July 2025 (Resolution 202/2025/QH15); roll old units up with current_province_*.';
comment on column mart.dim_province.province_key is 'Surrogate key: md5 of name and valid_from_date.';
comment on column mart.dim_province.province_name is 'Name of the unit, e.g. Nghệ An, Huế.';
comment on column mart.dim_province.province_kind is 'tỉnh (province) or thành phố (centrally-run city).';
comment on column mart.dim_province.valid_from_date is 'First day the unit exists in this form; null when it predates the warehouse.';
comment on column mart.dim_province.valid_to_date is 'Last day the unit exists in this form; null while it still exists.';
comment on column mart.dim_province.successor_province_key is 'The unit it became part of (or was renamed to), null for current units.';
comment on column mart.dim_province.successor_province_name is 'Name of the successor unit.';
comment on column mart.dim_province.current_province_key is 'The unit it belongs to today (itself when current): group by this to roll old provinces up.';
comment on column mart.dim_province.current_province_name is 'Name of the unit it belongs to today.';
comment on column mart.dim_province.is_current is 'True for the units that exist today.';
