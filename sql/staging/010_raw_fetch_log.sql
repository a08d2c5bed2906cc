-- Grain: one fetch attempt of one URL in one run (the fetched.jsonl records, as written).
create table if not exists raw.fetch_log (
    run_id varchar not null,
    source_id varchar not null,
    url varchar not null,
    final_url varchar,
    status_code integer,
    outcome varchar not null,
    error varchar,
    content_hash varchar,
    raw_path varchar,
    content_type varchar,
    encoding varchar,
    etag varchar,
    last_modified varchar,
    fetched_at timestamp,
    attempts integer,
    primary key (run_id, url)
);

comment on table raw.fetch_log is 'Every fetch record of every run, one row per attempted URL and run (fetched.jsonl).';
comment on column raw.fetch_log.run_id is 'Run that attempted the fetch (Airflow run id or CLI run id).';
comment on column raw.fetch_log.source_id is 'Source portal id from the sources file, e.g. nghean.';
comment on column raw.fetch_log.url is 'Canonical article URL that was requested.';
comment on column raw.fetch_log.final_url is 'URL after redirects, when the portal answered.';
comment on column raw.fetch_log.status_code is 'HTTP status of the last attempt, null when no answer came.';
comment on column raw.fetch_log.outcome is 'fetched, not_modified, failed or skipped.';
comment on column raw.fetch_log.error is 'One-line reason when the outcome is failed or skipped.';
comment on column raw.fetch_log.content_hash is 'sha256 of the undecoded body; names the raw file and versions the article.';
comment on column raw.fetch_log.raw_path is 'Where the gzip-compressed body is kept under the raw directory.';
comment on column raw.fetch_log.content_type is 'Content-Type header of the answer.';
comment on column raw.fetch_log.encoding is 'Character encoding used to decode the body.';
comment on column raw.fetch_log.etag is 'ETag header, for conditional requests next time.';
comment on column raw.fetch_log.last_modified is 'Last-Modified header as sent, for conditional requests next time.';
comment on column raw.fetch_log.fetched_at is 'When the fetch finished (UTC).';
comment on column raw.fetch_log.attempts is 'Number of HTTP attempts made, retries included.';
