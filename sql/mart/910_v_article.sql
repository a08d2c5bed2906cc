-- Grain: one article, at its latest version.
create or replace view mart.v_article as
with facts as (
    select * from mart.fact_article
),

articles as (
    select * from mart.dim_article where is_latest_version
),

provinces as (
    select * from mart.dim_province
),

sources as (
    select * from mart.dim_source
),

documents as (
    select * from mart.dim_document
),

final as (
    select
        provinces.province_name as province,
        provinces.current_province_name as current_province,
        articles.published_date,
        articles.article_id as url,
        articles.title,
        sources.source_id,
        case when documents.document_key <> meta.unknown_key() then documents.document_id end as reviewed_document,
        facts.paragraph_count,
        facts.word_count,
        facts.indicator_count,
        facts.target_count,
        facts.document_count,
        facts.people_count,
        facts.held_indicator_count,
        facts.failed_check_count,
        facts.failed_checks,
        articles.version_count,
        articles.last_seen_at,
        facts.article_key
    from facts
    inner join articles on facts.article_key = articles.article_key
    inner join provinces on facts.province_key = provinces.province_key
    inner join sources on facts.source_key = sources.source_key
    inner join documents on facts.document_key = documents.document_key
)

select * from final;

comment on view mart.v_article is 'Every article as its page reads now, with what it holds and the data-quality checks it fails.';
comment on column mart.v_article.province is 'Province unit as it was when the article was published.';
comment on column mart.v_article.current_province is 'Province it belongs to today (after the 1 July 2025 reorganisation).';
comment on column mart.v_article.published_date is 'Publication date.';
comment on column mart.v_article.url is 'Canonical article URL.';
comment on column mart.v_article.title is 'Article title.';
comment on column mart.v_article.source_id is 'Portal the article came from.';
comment on column mart.v_article.reviewed_document is 'Number of the policy document the article reviews; null when none.';
comment on column mart.v_article.paragraph_count is 'Body paragraphs.';
comment on column mart.v_article.word_count is 'Words in the body.';
comment on column mart.v_article.indicator_count is 'Indicators found.';
comment on column mart.v_article.target_count is 'Indicators that are goals.';
comment on column mart.v_article.document_count is 'Document citations.';
comment on column mart.v_article.people_count is 'Officials named.';
comment on column mart.v_article.held_indicator_count is 'Indicators data quality holds out of the mart (in staging and dq.quarantine).';
comment on column mart.v_article.failed_check_count is 'Data-quality checks that found a problem with the article or its figures.';
comment on column mart.v_article.failed_checks is 'Names of those checks.';
comment on column mart.v_article.version_count is 'Versions of the article seen so far.';
comment on column mart.v_article.last_seen_at is 'Last fetch that returned this version (UTC).';
comment on column mart.v_article.article_key is 'Article version (mart.dim_article).';
