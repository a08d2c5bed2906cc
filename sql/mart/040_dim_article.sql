-- Grain: one version (content hash) of one article (canonical URL).
create or replace table mart.dim_article (
    article_key varchar not null,
    article_id varchar not null,
    content_hash varchar not null,
    source_key varchar not null,
    province_key varchar not null,
    published_date_key integer not null,
    document_key varchar not null,
    province_as_written varchar,
    title varchar,
    summary varchar,
    published_date date,
    author varchar,
    paragraphs varchar[],
    paragraph_count integer,
    word_count integer,
    first_seen_at timestamp,
    last_seen_at timestamp,
    parser_version varchar,
    first_run_id varchar,
    version_number integer not null,
    version_count integer not null,
    is_latest_version boolean not null
);

comment on table mart.dim_article is 'Article versions: an article whose page changed has one row per content hash; filter is_latest_version for the current text.';
comment on column mart.dim_article.article_key is 'Surrogate key: md5 of article_id and content_hash; stable across reloads and reparses.';
comment on column mart.dim_article.article_id is 'Canonical article URL, the natural id of the article.';
comment on column mart.dim_article.content_hash is 'sha256 of the fetched body: with article_id, the natural key of a version.';
comment on column mart.dim_article.source_key is 'Portal the article came from (mart.dim_source).';
comment on column mart.dim_article.province_key is 'Province unit valid on the publication date (mart.dim_province); 000… when the name matches no unit.';
comment on column mart.dim_article.published_date_key is 'Publication day (mart.dim_date); -1 when unknown.';
comment on column mart.dim_article.document_key is 'The policy document the article reviews (mart.dim_document): one whose number is in the title, or follows sơ kết, tổng kết, năm thực hiện … in the summary or first paragraph; 000… when none.';
comment on column mart.dim_article.province_as_written is 'Province as the source names it, before matching to a unit.';
comment on column mart.dim_article.title is 'Article title.';
comment on column mart.dim_article.summary is 'Lead paragraph (sapo).';
comment on column mart.dim_article.published_date is 'Publication date given by the page.';
comment on column mart.dim_article.author is 'Signature lines joined by " / ".';
comment on column mart.dim_article.paragraphs is 'Cleaned body paragraphs; indicator offsets point into these.';
comment on column mart.dim_article.paragraph_count is 'Number of body paragraphs.';
comment on column mart.dim_article.word_count is 'Number of words in the body.';
comment on column mart.dim_article.first_seen_at is 'First fetch that returned this version (UTC).';
comment on column mart.dim_article.last_seen_at is 'Last fetch that returned this version (UTC).';
comment on column mart.dim_article.parser_version is 'Version of etl.parse that read it.';
comment on column mart.dim_article.first_run_id is 'Run that first fetched this version (raw.pages); a reparse leaves it unchanged. Null for a version staged without a fetch.';
comment on column mart.dim_article.version_number is '1 for the first version seen of the article, 2 for the next, … (by first_seen_at).';
comment on column mart.dim_article.version_count is 'Number of versions of the article seen so far.';
comment on column mart.dim_article.is_latest_version is 'True for the version seen most recently (by last_seen_at): what the page says now.';
