-- Question: every indicator stated by an article that cites Conclusion 120-KL/TW (grassroots democracy).
-- Read: one row per indicator of the latest version of each citing article, with the sentence it
-- stands in; is_reviewed says whether the article reviews 120-KL/TW rather than mentioning it.
-- mart.fact_document_citation is the bridge between articles and the documents they cite.
with citing as (
    select
        citations.article_key,
        citations.is_reviewed_document as is_reviewed
    from mart.fact_document_citation as citations
    inner join mart.dim_document as documents on citations.document_key = documents.document_key
    where documents.document_id = '120-KL/TW'
)

select
    indicators.province,
    indicators.published_date,
    indicators.title,
    citing.is_reviewed,
    indicators.value,
    indicators.unit,
    indicators.kind,
    indicators.subject,
    indicators.sentence,
    indicators.url
from mart.v_indicator as indicators
inner join citing on indicators.article_key = citing.article_key
order by indicators.published_date, indicators.url, indicators.indicator_index;
