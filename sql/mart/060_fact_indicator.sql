-- Grain: one indicator in one version of one article.
create table if not exists mart.fact_indicator (
    indicator_key varchar primary key,
    article_key varchar not null,
    province_key varchar,
    source_key varchar,
    published_date_key integer,
    parent_indicator_key varchar,
    indicator_index integer not null,
    value double,
    kind varchar,
    unit varchar,
    numerator double,
    denominator double,
    low double,
    high double,
    qualifier varchar,
    is_target boolean,
    level varchar,
    subject varchar,
    sentence varchar,
    paragraph_index integer,
    start_offset integer,
    end_offset integer,
    is_flagged boolean not null
);

comment on table mart.fact_indicator is 'Quantitative indicators stated by articles (docs/LABELING.md).';
comment on column mart.fact_indicator.indicator_key is 'Surrogate key: md5 of article_id, content_hash and indicator_index; stable across reloads.';
comment on column mart.fact_indicator.article_key is 'Article version stating it (mart.dim_article).';
comment on column mart.fact_indicator.province_key is 'Province of the article (mart.dim_province).';
comment on column mart.fact_indicator.source_key is 'Portal of the article (mart.dim_source).';
comment on column mart.fact_indicator.published_date_key is 'Publication day of the article (mart.dim_date).';
comment on column mart.fact_indicator.parent_indicator_key is 'The total this figure is a part of, else null.';
comment on column mart.fact_indicator.indicator_index is 'Position in the article''s indicator list (text order).';
comment on column mart.fact_indicator.value is 'The number; the numerator of a ratio; null for a range.';
comment on column mart.fact_indicator.kind is 'count, percent, ratio, range or measure.';
comment on column mart.fact_indicator.unit is '% for percents, else the counted noun or unit (money is đồng).';
comment on column mart.fact_indicator.numerator is 'Numerator of a ratio.';
comment on column mart.fact_indicator.denominator is 'Denominator of a ratio.';
comment on column mart.fact_indicator.low is 'Lower end of a range.';
comment on column mart.fact_indicator.high is 'Upper end of a range.';
comment on column mart.fact_indicator.qualifier is 'exact, approx, over, under, min or max.';
comment on column mart.fact_indicator.is_target is 'True for a goal rather than a result.';
comment on column mart.fact_indicator.level is 'Administrative level the figure is about (tỉnh, huyện, xã), when stated.';
comment on column mart.fact_indicator.subject is 'What is measured, a short phrase from the text.';
comment on column mart.fact_indicator.sentence is 'The sentence the number stands in.';
comment on column mart.fact_indicator.paragraph_index is 'Body paragraph holding the number.';
comment on column mart.fact_indicator.start_offset is 'Where the number text starts in its paragraph.';
comment on column mart.fact_indicator.end_offset is 'Just after the number text in its paragraph.';
comment on column mart.fact_indicator.is_flagged is 'True when a data-quality check quarantined the row; always false until quarantine lands.';
