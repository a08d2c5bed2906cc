-- Grain: one version (content hash) of one article (canonical URL).
create table if not exists mart.dim_article (
    article_key varchar primary key,
    article_id varchar not null,
    content_hash varchar not null,
    source_key varchar,
    province_key varchar,
    published_date_key integer,
    title varchar,
    summary varchar,
    published_date date,
    author varchar,
    paragraphs varchar[],
    paragraph_count integer,
    word_count integer,
    fetched_at timestamp,
    parser_version varchar,
    run_id varchar,
    is_latest_version boolean not null
);

comment on table mart.dim_article is 'Article versions; an article whose page changed has one row per content hash.';
comment on column mart.dim_article.article_key is 'Surrogate key: md5 of article_id and content_hash.';
comment on column mart.dim_article.article_id is 'Canonical article URL.';
comment on column mart.dim_article.content_hash is 'sha256 of the fetched body, the version.';
comment on column mart.dim_article.source_key is 'Portal the article came from (mart.dim_source).';
comment on column mart.dim_article.province_key is 'Province unit valid on the publication date (mart.dim_province).';
comment on column mart.dim_article.published_date_key is 'Publication day (mart.dim_date), null when unknown.';
comment on column mart.dim_article.title is 'Article title.';
comment on column mart.dim_article.summary is 'Lead paragraph (sapo).';
comment on column mart.dim_article.published_date is 'Publication date given by the page.';
comment on column mart.dim_article.author is 'Signature lines joined by " / ".';
comment on column mart.dim_article.paragraphs is 'Cleaned body paragraphs, for reading indicators in context.';
comment on column mart.dim_article.paragraph_count is 'Number of body paragraphs.';
comment on column mart.dim_article.word_count is 'Number of words in the body.';
comment on column mart.dim_article.fetched_at is 'When this version was fetched (UTC).';
comment on column mart.dim_article.parser_version is 'Version of etl.parse that read it.';
comment on column mart.dim_article.run_id is 'Run that last staged this version.';
comment on column mart.dim_article.is_latest_version is 'True for the most recently fetched version of the article.';
