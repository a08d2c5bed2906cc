-- Grain: one indicator of the latest version of one article; the analysts' entry point.
create or replace view mart.v_indicator as
with final as (
    select * from mart.v_indicator_history where is_latest_version
)

select * from final;

comment on view mart.v_indicator is 'Indicators of the latest version of every article, with province, date, unit and page: start here.';
comment on column mart.v_indicator.province is 'Province unit as it was when the article was published; (unknown) when the source''s name matches none.';
comment on column mart.v_indicator.current_province is 'Province it belongs to today (after the 1 July 2025 reorganisation): group by this for time series.';
comment on column mart.v_indicator.published_date is 'Publication date of the article.';
comment on column mart.v_indicator.published_year is 'Year of publication.';
comment on column mart.v_indicator.url is 'Canonical article URL.';
comment on column mart.v_indicator.title is 'Article title.';
comment on column mart.v_indicator.value is 'The number; the numerator of a ratio; null for a range.';
comment on column mart.v_indicator.kind is 'count, percent, ratio, range or measure.';
comment on column mart.v_indicator.unit is '% for percents, else the counted noun or unit as written (money is đồng); (none) when missing.';
comment on column mart.v_indicator.unit_family is 'percent, count, money, area, length, mass, … (mart.dim_unit): compare values within one family.';
comment on column mart.v_indicator.base_unit is 'Unit of base_value (m2 for areas, m for lengths, kg for masses …).';
comment on column mart.v_indicator.base_value is 'The value in base_unit (5.320 ha → 53200000 m2).';
comment on column mart.v_indicator.numerator is 'Numerator of a ratio.';
comment on column mart.v_indicator.denominator is 'Denominator of a ratio.';
comment on column mart.v_indicator.share_percent is 'For a ratio, 100 × numerator / denominator.';
comment on column mart.v_indicator.low is 'Lower end of a range.';
comment on column mart.v_indicator.high is 'Upper end of a range.';
comment on column mart.v_indicator.qualifier is 'exact, approx, over, under, min or max.';
comment on column mart.v_indicator.subject is 'What is measured.';
comment on column mart.v_indicator.sentence is 'The sentence the number stands in.';
comment on column mart.v_indicator.level is 'Administrative level the figure is about (tỉnh, huyện, xã), null when not stated.';
comment on column mart.v_indicator.is_target is 'True for a goal rather than a result.';
comment on column mart.v_indicator.is_flagged is 'True when a warning-level data-quality check flagged the row or its article (dq.quarantine); rows an error check holds are not here.';
comment on column mart.v_indicator.source_id is 'Portal the article came from.';
comment on column mart.v_indicator.reviewed_document is 'Number of the policy document the article reviews, e.g. 120-KL/TW; null when none.';
comment on column mart.v_indicator.indicator_index is 'Position of the indicator in its article (text order).';
comment on column mart.v_indicator.parent_indicator_key is 'The total this figure is a part of (trong đó …), an indicator_key; null for none: leave parts out when summing totals.';
comment on column mart.v_indicator.version_number is 'Version of the article, 1 for the first seen.';
comment on column mart.v_indicator.is_latest_version is 'Always true here.';
comment on column mart.v_indicator.first_seen_at is 'When this version was first fetched (UTC).';
comment on column mart.v_indicator.parser_version is 'Version of etl.parse that found the indicator.';
comment on column mart.v_indicator.article_key is 'Article version (mart.dim_article).';
comment on column mart.v_indicator.indicator_key is 'Indicator (mart.fact_indicator).';
comment on column mart.v_indicator.province_key is 'Province unit (mart.dim_province).';
comment on column mart.v_indicator.current_province_key is 'Province unit today (mart.dim_province).';
