-- Question: which policy documents do the portals cite most, and who issued them?
-- Read: one row per document, by how many articles (latest versions) cite it, then by number.
with citations as (
    select
        citations.document_key,
        citations.article_key,
        citations.is_reviewed_document,
        provinces.current_province_name,
        articles.published_date
    from mart.fact_document_citation as citations
    inner join mart.dim_article as articles on citations.article_key = articles.article_key
    inner join mart.dim_province as provinces on citations.province_key = provinces.province_key
    where articles.is_latest_version
)

select
    documents.document_id,
    documents.document_type,
    documents.issuer_name,
    documents.issuer_level,
    documents.issued_date,
    count(distinct citations.article_key) as citing_articles,
    count(distinct citations.article_key) filter (where citations.is_reviewed_document) as reviewing_articles,
    list(distinct citations.current_province_name order by citations.current_province_name) as provinces,
    min(citations.published_date) as first_cited_date,
    max(citations.published_date) as last_cited_date
from citations
inner join mart.dim_document as documents on citations.document_key = documents.document_key
group by all
order by citing_articles desc, documents.document_id;
