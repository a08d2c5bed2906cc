-- Question: which land and forest areas do the articles report, on one scale?
-- Read: one row per area figure converted to hectares through mart.dim_unit (km2, m2 and ha are
-- written as the portals write them; base_value is in m2, and 1 ha = 10 000 m2).
select
    indicators.province,
    indicators.published_date,
    indicators.value,
    indicators.unit as unit_as_written,
    round(indicators.base_value / 10000, 2) as hectares,
    indicators.subject,
    indicators.sentence
from mart.v_indicator as indicators
where indicators.unit_family = 'area'
    and indicators.base_value is not null
order by hectares desc;
