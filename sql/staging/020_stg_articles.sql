-- Grain: one version (content hash) of one article (canonical URL), as parsed.
create table if not exists staging.stg_articles (
    article_id varchar not null,
    content_hash varchar not null,
    source_id varchar,
    province varchar,
    title varchar,
    summary varchar,
    published_date date,
    author varchar,
    paragraphs varchar[],
    subheadings varchar[],
    captions varchar[],
    paragraph_count integer,
    word_count integer,
    fetched_at timestamp,
    parser_version varchar,
    run_id varchar not null,
    primary key (article_id, content_hash)
);

comment on table staging.stg_articles is 'Parsed articles, one row per article version; restaging a version replaces it.';
comment on column staging.stg_articles.article_id is 'Canonical article URL, the natural id of an article.';
comment on column staging.stg_articles.content_hash is 'sha256 of the fetched body; with article_id, the natural key of a version.';
comment on column staging.stg_articles.source_id is 'Source portal id, e.g. nghean.';
comment on column staging.stg_articles.province is 'Province the portal belongs to, as named in the sources file.';
comment on column staging.stg_articles.title is 'Article title, NFC.';
comment on column staging.stg_articles.summary is 'Lead paragraph (sapo), when the page has one.';
comment on column staging.stg_articles.published_date is 'Publication date given by the page.';
comment on column staging.stg_articles.author is 'Signature lines joined by " / ".';
comment on column staging.stg_articles.paragraphs is 'Cleaned body paragraphs in order; indicator offsets point into these.';
comment on column staging.stg_articles.subheadings is 'Subheadings of the body.';
comment on column staging.stg_articles.captions is 'Image captions (not part of the body).';
comment on column staging.stg_articles.paragraph_count is 'Number of body paragraphs.';
comment on column staging.stg_articles.word_count is 'Number of whitespace-separated words in the body paragraphs.';
comment on column staging.stg_articles.fetched_at is 'When the page was fetched (UTC).';
comment on column staging.stg_articles.parser_version is 'Version of etl.parse that produced the row.';
comment on column staging.stg_articles.run_id is 'Run that last staged this version.';
