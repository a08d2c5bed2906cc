-- Grain: one provincial-level unit over one period of validity (before or after the 2025 reorganisation),
-- plus the unknown member. The mart is derived from staging, so its tables are replaced, never altered:
-- the migration runner rebuilds the mart whenever a file of sql/mart changes. Mart tables declare no
-- primary key: every load replaces each table whole and etl.load checks that its surrogate key (the
-- first column) is unique; maintaining an index costs more than the rest of the load.
create or replace table mart.dim_province (
    province_key varchar not null,
    province_name varchar not null,
    province_kind varchar,
    valid_from_date date,
    valid_to_date date,
    successor_province_key varchar,
    successor_province_name varchar,
    current_province_key varchar not null,
    current_province_name varchar not null,
    change_kind varchar not null,
    is_current boolean not null
);

comment on table mart.dim_province is 'Provinces and centrally-run cities, the 63 units before and the 34 after 1 July 2025 (Resolution 202/2025/QH15), each with its validity and successor (slowly changing, type 2); roll old units up with current_province_*. Key 000… is the unknown province.';
comment on column mart.dim_province.province_key is 'Surrogate key: md5 of province_name and valid_from_date (empty when open-ended); 000… for an unknown province.';
comment on column mart.dim_province.province_name is 'Name of the unit as in etl/data/provinces_2025.csv, e.g. Nghệ An, Hà Giang, Huế; (unknown) for the unknown member.';
comment on column mart.dim_province.province_kind is 'tỉnh (province) or thành phố (centrally-run city).';
comment on column mart.dim_province.valid_from_date is 'First day the unit exists in this form; null when it predates the warehouse.';
comment on column mart.dim_province.valid_to_date is 'Last day the unit exists in this form; null while it still exists.';
comment on column mart.dim_province.successor_province_key is 'The unit it became part of or was renamed to on valid_to_date + 1 (mart.dim_province); null for current units.';
comment on column mart.dim_province.successor_province_name is 'Name of the successor unit.';
comment on column mart.dim_province.current_province_key is 'The unit it belongs to today (itself when current): group by this to roll old provinces up into today''s.';
comment on column mart.dim_province.current_province_name is 'Name of the unit it belongs to today.';
comment on column mart.dim_province.change_kind is 'unchanged (same unit before and after 2025), merged (became part of a larger unit), renamed (continues under a new name or kind), successor (a unit formed by the change), unknown.';
comment on column mart.dim_province.is_current is 'True for the units that exist today.';
