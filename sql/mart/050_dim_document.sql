-- Grain: one policy document, by its normalised number.
create table if not exists mart.dim_document (
    document_key varchar primary key,
    document_id varchar not null,
    document_type varchar,
    issuer varchar,
    issued_date date
);

comment on table mart.dim_document is 'Documents cited by articles: resolutions, conclusions, directives, plans, decrees ...';
comment on column mart.dim_document.document_key is 'Surrogate key: md5 of document_id.';
comment on column mart.dim_document.document_id is 'Normalised document number, e.g. 120-KL/TW.';
comment on column mart.dim_document.document_type is 'Kind of document (Nghị quyết, Kết luận, ...), as most citations name it.';
comment on column mart.dim_document.issuer is 'Issuing body from the number''s suffix (TW, TU, CP, UBTVQH ...).';
comment on column mart.dim_document.issued_date is 'Date of issue, when any citing article gives it.';
