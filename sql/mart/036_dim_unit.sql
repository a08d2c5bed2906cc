-- Grain: one unit as the parser writes it, plus "no unit".
create or replace table mart.dim_unit (
    unit_key varchar not null,
    unit varchar not null,
    normalised_unit varchar not null,
    unit_family varchar not null,
    base_unit varchar,
    to_base_factor double
);

comment on table mart.dim_unit is 'Units of indicators, normalised and grouped into families (sql/mart/seeds/units.csv): compare figures only within one family. Key 000… for an indicator without a unit.';
comment on column mart.dim_unit.unit_key is 'Surrogate key: md5 of unit; 000… for no unit.';
comment on column mart.dim_unit.unit is 'The unit as written by the parser (lower case, NFC): %, đồng, ha, km2, or the counted noun (xã, đảng viên, cuộc).';
comment on column mart.dim_unit.normalised_unit is 'One spelling per unit (km² and km2 are km2; money is đồng); the counted noun itself for counts.';
comment on column mart.dim_unit.unit_family is 'percent, count (of the counted noun), money, area, length, mass, volume, energy, power, time, frequency, other, or unknown.';
comment on column mart.dim_unit.base_unit is 'Unit of the family that values convert to: m2 for area, m for length, kg for mass, m3 for volume, kWh, kW, ngày, đồng; the noun for counts.';
comment on column mart.dim_unit.to_base_factor is 'Multiply a value by this to express it in base_unit (ha: 10000, km2: 1000000); 1 for counts, percents and money.';
