-- Grain: one policy document cited by one version of one article.
create table if not exists staging.stg_documents (
    article_id varchar not null,
    content_hash varchar not null,
    document_index integer not null,
    document_number varchar,
    document_type varchar,
    issuer varchar,
    issued_date date,
    run_id varchar not null,
    primary key (article_id, content_hash, document_index)
);

comment on table staging.stg_documents is 'Documents (resolutions, conclusions, plans, decrees ...) cited by parsed articles.';
comment on column staging.stg_documents.article_id is 'Canonical URL of the citing article.';
comment on column staging.stg_documents.content_hash is 'Version of the citing article.';
comment on column staging.stg_documents.document_index is 'Position in the article''s document list (0-based).';
comment on column staging.stg_documents.document_number is 'Normalised document number, e.g. 120-KL/TW; the natural id of a document.';
comment on column staging.stg_documents.document_type is 'Kind of document: Nghị quyết, Kết luận, Chỉ thị, Kế hoạch, Nghị định ...';
comment on column staging.stg_documents.issuer is 'Issuing body from the number''s suffix: TW, TU, CP, UBTVQH ...';
comment on column staging.stg_documents.issued_date is 'Date of issue when the text gives it.';
comment on column staging.stg_documents.run_id is 'Run that last staged this article version.';
