-- Grain: one policy document, by its normalised number, plus "no document".
-- Citations may disagree on type or issuer; the most frequent wins, ties alphabetically. Where no
-- citation names them, the type and issuer come from the number: 02-NQ/TU (party style, type NQ,
-- issuer TU) or 04/2015/NĐ-CP (state style, type NĐ, issuer CP; a term number as in UBTVQH11 is dropped).
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
    select
        document_number,
        min(issued_date) as issued_date,
        coalesce(
            nullif(regexp_extract(document_number, '^[0-9]+[A-Za-z]?-([^/]+)/', 1), ''),
            nullif(regexp_extract(document_number, '/([^/-]+)-[^/]+$', 1), '')
        ) as document_type_code,
        regexp_replace(
            coalesce(
                nullif(regexp_extract(document_number, '^[0-9]+[A-Za-z]?-[^/]+/(.+)$', 1), ''),
                nullif(regexp_extract(document_number, '/[^/-]+-([^/]+)$', 1), '')
            ),
            '[0-9]+$',
            ''
        ) as issuer_code
    from citations
    group by document_number
),

type_names as (
    select * from seed_document_types
),

issuer_names as (
    select * from seed_issuers
),

resolved as (
    select
        documents.document_number,
        documents.issued_date,
        documents.document_type_code,
        coalesce(types.document_type, type_names.document_type) as document_type,
        coalesce(issuers.issuer, nullif(documents.issuer_code, '')) as issuer
    from documents
    left join types on documents.document_number = types.document_number
    left join issuers on documents.document_number = issuers.document_number
    left join type_names on documents.document_type_code = type_names.document_type_code
),

final as (
    select
        md5(resolved.document_number) as document_key,
        resolved.document_number as document_id,
        resolved.document_type,
        resolved.document_type_code,
        resolved.issuer,
        issuer_names.issuer_name,
        issuer_names.issuer_level,
        resolved.issued_date
    from resolved
    left join issuer_names on resolved.issuer = issuer_names.issuer
    union all
    select
        meta.unknown_key(), '(none)', cast(null as varchar), cast(null as varchar), cast(null as varchar),
        cast(null as varchar), cast(null as varchar), cast(null as date)
)

select * from final
