-- Grain: one indicator in one version of one article.
create or replace table mart.fact_indicator (
    indicator_key varchar not null,
    article_key varchar not null,
    published_date_key integer not null,
    province_key varchar not null,
    source_key varchar not null,
    document_key varchar not null,
    unit_key varchar not null,
    level_key varchar not null,
    parent_indicator_key varchar,
    indicator_index integer not null,
    value double,
    numerator double,
    denominator double,
    low double,
    high double,
    share_percent double,
    base_value double,
    kind varchar,
    qualifier varchar,
    is_target boolean,
    subject varchar,
    sentence varchar,
    paragraph_index integer,
    start_offset integer,
    end_offset integer,
    parser_version varchar,
    is_flagged boolean not null
);

comment on table mart.fact_indicator is 'Quantitative indicators stated by articles (docs/LABELING.md), one row per indicator of each article version: join mart.dim_article and keep is_latest_version, or use mart.v_indicator.';
comment on column mart.fact_indicator.indicator_key is 'Surrogate key: md5 of article_id, content_hash and indicator_index; stable across reloads and reparses.';
comment on column mart.fact_indicator.article_key is 'Article version stating it (mart.dim_article).';
comment on column mart.fact_indicator.published_date_key is 'Publication day of the article (mart.dim_date); -1 when unknown.';
comment on column mart.fact_indicator.province_key is 'Province unit valid when the article was published (mart.dim_province).';
comment on column mart.fact_indicator.source_key is 'Portal of the article (mart.dim_source).';
comment on column mart.fact_indicator.document_key is 'Policy document the article reviews (mart.dim_document); 000… when none. Every document an article cites is in mart.fact_document_citation.';
comment on column mart.fact_indicator.unit_key is 'Unit and its family (mart.dim_unit); 000… when none.';
comment on column mart.fact_indicator.level_key is 'Administrative level the figure is about (mart.dim_level); 000… when the text does not say.';
comment on column mart.fact_indicator.parent_indicator_key is 'The total this figure is a part of (trong đó …), an indicator_key of the same article version; null for none.';
comment on column mart.fact_indicator.indicator_index is 'Position in the article''s indicator list (0-based, text order); with the article version, the natural key.';
comment on column mart.fact_indicator.value is 'The number after Vietnamese formatting and scale words (3,3 triệu → 3300000); the numerator of a ratio; null for a range.';
comment on column mart.fact_indicator.numerator is 'Numerator of a ratio (281 in 281/411).';
comment on column mart.fact_indicator.denominator is 'Denominator of a ratio (411 in 281/411).';
comment on column mart.fact_indicator.low is 'Lower end of a range, scale applied.';
comment on column mart.fact_indicator.high is 'Upper end of a range, scale applied.';
comment on column mart.fact_indicator.share_percent is 'For a ratio, 100 × numerator / denominator (281/411 → 68.37); null otherwise. Compare with a percent stated beside it.';
comment on column mart.fact_indicator.base_value is 'value × mart.dim_unit.to_base_factor: the value in its family''s base unit (5.320 ha → 53200000 m2).';
comment on column mart.fact_indicator.kind is 'count, percent, ratio, range or measure.';
comment on column mart.fact_indicator.qualifier is 'exact, approx (gần, khoảng), over (trên, hơn), under (dưới), min (tối thiểu) or max (tối đa).';
comment on column mart.fact_indicator.is_target is 'True for a goal (chỉ tiêu, mục tiêu, phấn đấu) rather than a result.';
comment on column mart.fact_indicator.subject is 'What is measured, a short phrase from the text; may equal the unit.';
comment on column mart.fact_indicator.sentence is 'The sentence the number stands in (provenance).';
comment on column mart.fact_indicator.paragraph_index is 'Body paragraph holding the number: mart.dim_article.paragraphs[paragraph_index + 1].';
comment on column mart.fact_indicator.start_offset is 'Where the number text starts in its paragraph (0-based characters).';
comment on column mart.fact_indicator.end_offset is 'Just after the number text in its paragraph.';
comment on column mart.fact_indicator.parser_version is 'Version of etl.parse that found the indicator.';
comment on column mart.fact_indicator.is_flagged is 'True when a warning-level data-quality check flagged the row or its article (dq.quarantine); rows an error check holds are not in the mart.';
