-- Grain: one citation of one document by one version of one article.
create or replace table mart.fact_document_citation (
    citation_key varchar not null,
    article_key varchar not null,
    document_key varchar not null,
    published_date_key integer not null,
    province_key varchar not null,
    source_key varchar not null,
    document_index integer not null,
    is_reviewed_document boolean not null
);

comment on table mart.fact_document_citation is 'Which article versions cite which documents (a factless fact table, also the bridge from articles to documents).';
comment on column mart.fact_document_citation.citation_key is 'Surrogate key: md5 of article_id, content_hash and document_index.';
comment on column mart.fact_document_citation.article_key is 'Citing article version (mart.dim_article).';
comment on column mart.fact_document_citation.document_key is 'Cited document (mart.dim_document).';
comment on column mart.fact_document_citation.published_date_key is 'Publication day of the citing article (mart.dim_date); -1 when unknown.';
comment on column mart.fact_document_citation.province_key is 'Province of the citing article (mart.dim_province).';
comment on column mart.fact_document_citation.source_key is 'Portal of the citing article (mart.dim_source).';
comment on column mart.fact_document_citation.document_index is 'Position in the article''s document list (0-based).';
comment on column mart.fact_document_citation.is_reviewed_document is 'True when the article reviews this document (the document_key of mart.dim_article).';
