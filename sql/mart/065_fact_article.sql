-- Grain: one version of one article.
create or replace table mart.fact_article (
    article_key varchar not null,
    published_date_key integer not null,
    province_key varchar not null,
    source_key varchar not null,
    document_key varchar not null,
    paragraph_count integer not null,
    word_count integer not null,
    indicator_count integer not null,
    target_count integer not null,
    document_count integer not null,
    people_count integer not null,
    held_indicator_count integer not null,
    failed_check_count integer not null,
    failed_checks varchar[] not null
);

comment on table mart.fact_article is 'What each article version holds: paragraphs, words, indicators, citations, officials, and the data-quality checks it fails.';
comment on column mart.fact_article.article_key is 'Article version (mart.dim_article).';
comment on column mart.fact_article.published_date_key is 'Publication day (mart.dim_date); -1 when unknown.';
comment on column mart.fact_article.province_key is 'Province unit valid when it was published (mart.dim_province).';
comment on column mart.fact_article.source_key is 'Portal (mart.dim_source).';
comment on column mart.fact_article.document_key is 'Policy document the article reviews (mart.dim_document); 000… when none.';
comment on column mart.fact_article.paragraph_count is 'Body paragraphs.';
comment on column mart.fact_article.word_count is 'Words in the body paragraphs.';
comment on column mart.fact_article.indicator_count is 'Indicators in the mart (rows of mart.fact_indicator); held_indicator_count more were found but held out.';
comment on column mart.fact_article.target_count is 'Indicators that are goals rather than results.';
comment on column mart.fact_article.document_count is 'Document citations (rows of mart.fact_document_citation).';
comment on column mart.fact_article.people_count is 'Officials named with a position.';
comment on column mart.fact_article.held_indicator_count is 'Indicators an error-level data-quality check holds out of the mart (dq.quarantine); they stay in staging.';
comment on column mart.fact_article.failed_check_count is 'Data-quality checks (expectation suites and cross-checks, errors and warnings) that the last validation of this version found a problem with, e.g. a percent that disagrees with its ratio (dq.quarantine).';
comment on column mart.fact_article.failed_checks is 'Names of those checks, sorted; empty when all pass.';
