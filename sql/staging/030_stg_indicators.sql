-- Grain: one indicator (a number that measures something) in one version of one article.
create table if not exists staging.stg_indicators (
    article_id varchar not null,
    content_hash varchar not null,
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
    parent_index integer,
    subject varchar,
    sentence varchar,
    paragraph_index integer,
    start_offset integer,
    end_offset integer,
    run_id varchar not null,
    primary key (article_id, content_hash, indicator_index)
);

comment on table staging.stg_indicators is 'Indicators of parsed articles, in text order (docs/LABELING.md).';
comment on column staging.stg_indicators.article_id is 'Canonical URL of the article.';
comment on column staging.stg_indicators.content_hash is 'Version of the article the indicator was parsed from.';
comment on column staging.stg_indicators.indicator_index is 'Position in the article''s indicator list (0-based, text order).';
comment on column staging.stg_indicators.value is 'The number after Vietnamese formatting and scale words; the numerator of a ratio; null for a range.';
comment on column staging.stg_indicators.kind is 'count, percent, ratio, range or measure.';
comment on column staging.stg_indicators.unit is '% for percents, else the counted noun or unit, lower case (money is đồng).';
comment on column staging.stg_indicators.numerator is 'Numerator of a ratio (281 in 281/411).';
comment on column staging.stg_indicators.denominator is 'Denominator of a ratio (411 in 281/411): a stated total.';
comment on column staging.stg_indicators.low is 'Lower end of a range, scale applied.';
comment on column staging.stg_indicators.high is 'Upper end of a range, scale applied.';
comment on column staging.stg_indicators.qualifier is 'exact, approx, over, under, min or max.';
comment on column staging.stg_indicators.is_target is 'True for a goal (chỉ tiêu, mục tiêu, phấn đấu) rather than a result.';
comment on column staging.stg_indicators.level is 'Administrative level the figure is about (tỉnh, huyện, xã) when the text says so.';
comment on column staging.stg_indicators.parent_index is 'indicator_index of the total this figure is a part of (trong đó ...), else null.';
comment on column staging.stg_indicators.subject is 'What is measured, a short phrase from the text; may equal the unit.';
comment on column staging.stg_indicators.sentence is 'The sentence the number stands in.';
comment on column staging.stg_indicators.paragraph_index is 'Index of the body paragraph holding the number.';
comment on column staging.stg_indicators.start_offset is 'Character offset where the number text starts in its paragraph.';
comment on column staging.stg_indicators.end_offset is 'Character offset just after the number text in its paragraph.';
comment on column staging.stg_indicators.run_id is 'Run that last staged this article version.';
