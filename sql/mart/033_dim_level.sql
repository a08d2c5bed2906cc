-- Grain: one administrative level an indicator can be about, plus "not stated".
create or replace table mart.dim_level (
    level_key varchar not null,
    level_name varchar not null,
    level_name_en varchar not null,
    level_rank integer,
    valid_to_date date
);

comment on table mart.dim_level is 'Administrative levels a figure is about (sql/mart/seeds/levels.csv); key 000… when the text does not say.';
comment on column mart.dim_level.level_key is 'Surrogate key: md5 of level_name; 000… for not stated.';
comment on column mart.dim_level.level_name is 'tỉnh, huyện or xã as the parser writes it; (not stated) for the default member.';
comment on column mart.dim_level.level_name_en is 'province, district, commune or not stated.';
comment on column mart.dim_level.level_rank is '1 province, 2 district, 3 commune: sort by this; null when not stated.';
comment on column mart.dim_level.valid_to_date is 'Last day the level existed: districts were abolished on 1 July 2025; null for levels that exist.';
