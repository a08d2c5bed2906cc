-- Grain: one policy document, by its normalised number, plus "no document".
create or replace table mart.dim_document (
    document_key varchar not null,
    document_id varchar not null,
    document_type varchar,
    document_type_code varchar,
    issuer varchar,
    issuer_name varchar,
    issuer_level varchar,
    issued_date date
);

comment on table mart.dim_document is 'Documents cited by articles: resolutions, conclusions, directives, plans, decrees … Key 000… is no document (an article that reviews none).';
comment on column mart.dim_document.document_key is 'Surrogate key: md5 of document_id; 000… for no document.';
comment on column mart.dim_document.document_id is 'Normalised document number, e.g. 120-KL/TW, 04/2015/NĐ-CP; (none) for the default member.';
comment on column mart.dim_document.document_type is 'Kind of document (Nghị quyết, Kết luận, Chỉ thị …), as most citations name it, else from its code.';
comment on column mart.dim_document.document_type_code is 'Type code inside the number: NQ, KL, CT, QĐ, KH, NĐ …';
comment on column mart.dim_document.issuer is 'Issuer code: the parser''s, else the number''s suffix without a term number (TW, TU, CP, UBTVQH, UBND, TTg …).';
comment on column mart.dim_document.issuer_name is 'Issuing body in full (sql/mart/seeds/issuers.csv).';
comment on column mart.dim_document.issuer_level is 'central or provincial, by the issuer.';
comment on column mart.dim_document.issued_date is 'Date of issue, when any citing article gives it.';
