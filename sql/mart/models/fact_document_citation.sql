-- Grain: one citation of one document by one version of one article.
with citations as (
    select * from staging.stg_documents where document_number is not null
),

articles as (
    select * from mart.dim_article
),

final as (
    select
        md5(concat_ws('|', citations.article_id, citations.content_hash, citations.document_index))
            as citation_key,
        articles.article_key,
        md5(citations.document_number) as document_key,
        articles.published_date_key,
        articles.province_key,
        articles.source_key,
        citations.document_index,
        md5(citations.document_number) = articles.document_key as is_reviewed_document
    from citations
    inner join articles
        on citations.article_id = articles.article_id
        and citations.content_hash = articles.content_hash
)

select * from final
