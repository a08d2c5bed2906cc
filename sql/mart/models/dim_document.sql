-- Grain: one policy document, by its normalised number.
-- Citations may disagree on type or issuer; the most frequent wins, ties alphabetically.
with citations as (
    select * from staging.stg_documents where document_number is not null
),

types as (
    select document_number, document_type
    from citations
    where document_type is not null
    group by document_number, document_type
    qualify row_number() over (partition by document_number order by count(*) desc, document_type) = 1
),

issuers as (
    select document_number, issuer
    from citations
    where issuer is not null
    group by document_number, issuer
    qualify row_number() over (partition by document_number order by count(*) desc, issuer) = 1
),

documents as (
    select document_number, min(issued_date) as issued_date
    from citations
    group by document_number
),

final as (
    select
        md5(documents.document_number) as document_key,
        documents.document_number as document_id,
        types.document_type,
        issuers.issuer,
        documents.issued_date
    from documents
    left join types on documents.document_number = types.document_number
    left join issuers on documents.document_number = issuers.document_number
)

select * from final
