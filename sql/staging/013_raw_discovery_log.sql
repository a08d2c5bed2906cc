-- Grain: one discovery page (listing, feed, sitemap or robots.txt) asked for by one fetch batch of one run.
create table if not exists raw.discovery_log (
    run_id varchar not null,
    batch_id varchar not null,
    url varchar not null,
    source_id varchar not null,
    kind varchar not null,
    final_url varchar,
    status_code integer,
    outcome varchar not null,
    error varchar,
    content_hash varchar,
    etag varchar,
    last_modified varchar,
    fetched_at timestamp,
    attempts integer,
    article_count integer,
    new_article_count integer,
    is_watermark boolean,
    primary key (run_id, batch_id, url)
);

comment on table raw.discovery_log is 'Every listing page, feed, sitemap and robots.txt the crawler asked for, with what it found there.';
comment on column raw.discovery_log.run_id is 'Run that asked for the page.';
comment on column raw.discovery_log.batch_id is 'Run subdirectory of the task that asked: the source id, or <source>~<n> for a fetch batch (robots.txt).';
comment on column raw.discovery_log.url is 'Canonical URL of the page.';
comment on column raw.discovery_log.source_id is 'Source portal id, e.g. nghean.';
comment on column raw.discovery_log.kind is 'listing, feed (RSS, Atom or sitemap) or robots.';
comment on column raw.discovery_log.final_url is 'URL after redirects.';
comment on column raw.discovery_log.status_code is 'HTTP status of the last answer, null when none came.';
comment on column raw.discovery_log.outcome is 'fetched, not_modified (read back from the archive), failed or skipped.';
comment on column raw.discovery_log.error is 'One-line reason when the outcome is failed or skipped.';
comment on column raw.discovery_log.content_hash is 'sha256 of the body (the archived one when not_modified).';
comment on column raw.discovery_log.etag is 'ETag header, for a conditional request next time.';
comment on column raw.discovery_log.last_modified is 'Last-Modified header as sent, for a conditional request next time.';
comment on column raw.discovery_log.fetched_at is 'When the fetch finished (UTC).';
comment on column raw.discovery_log.attempts is 'Number of HTTP requests made, retries and redirects included.';
comment on column raw.discovery_log.article_count is 'Article URLs of the source found on the page (listing, feed, sitemap).';
comment on column raw.discovery_log.new_article_count is 'Of those, article URLs no earlier run had seen (listing pages only).';
comment on column raw.discovery_log.is_watermark is 'True for a listing page where every article had been seen: its pagination was not followed.';
