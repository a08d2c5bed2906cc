-- Grain: one archived body (content hash) as first fetched from one URL.
-- The catalogue of the raw archive: every body kept under settings.RAW_DIR, gzip-compressed and
-- named by its sha256, with the response it came in. Written by etl.crawl.record_run; a body
-- fetched again (from the same URL) keeps its first row.
create table if not exists raw.pages (
    content_hash varchar not null,
    url varchar not null,
    source_id varchar not null,
    kind varchar not null,
    final_url varchar,
    status_code integer,
    content_type varchar,
    headers json,
    body_bytes bigint,
    stored_bytes bigint,
    raw_path varchar not null,
    first_fetched_at timestamp,
    first_run_id varchar not null,
    primary key (content_hash, url)
);

comment on table raw.pages is 'The raw archive''s catalogue: one row per body kept (content hash) and URL it came from, with the response headers of its first fetch.';
comment on column raw.pages.content_hash is 'sha256 of the undecoded body; names the archived file <RAW_DIR>/<hash[:2]>/<hash>.html.gz.';
comment on column raw.pages.url is 'Canonical URL that was requested.';
comment on column raw.pages.source_id is 'Source portal id from the sources file, e.g. nghean.';
comment on column raw.pages.kind is 'article, listing, feed (RSS, Atom or sitemap) or robots.';
comment on column raw.pages.final_url is 'URL after redirects.';
comment on column raw.pages.status_code is 'HTTP status of the answer that carried the body (200).';
comment on column raw.pages.content_type is 'Content-Type header of that answer.';
comment on column raw.pages.headers is 'All response headers of that answer, names in lower case, as a JSON object.';
comment on column raw.pages.body_bytes is 'Size of the body as received (after any Content-Encoding was undone).';
comment on column raw.pages.stored_bytes is 'Size of the gzip-compressed file in the archive.';
comment on column raw.pages.raw_path is 'Path of the archived file when it was written.';
comment on column raw.pages.first_fetched_at is 'When this body was first fetched from this URL (UTC).';
comment on column raw.pages.first_run_id is 'Run that first fetched this body from this URL.';
