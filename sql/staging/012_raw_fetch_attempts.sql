-- Grain: one HTTP request (an attempt: retries and redirect hops count) of one URL in one fetch batch of one run.
create table if not exists raw.fetch_attempts (
    run_id varchar not null,
    batch_id varchar not null,
    url varchar not null,
    try_index integer not null,
    source_id varchar not null,
    kind varchar not null,
    request_url varchar not null,
    attempt integer,
    started_at timestamp,
    elapsed_ms integer,
    status_code integer,
    error varchar,
    is_conditional boolean,
    primary key (run_id, batch_id, url, try_index)
);

comment on table raw.fetch_attempts is 'Every HTTP request the crawler made, with its answer or error: the detail behind raw.fetch_log''s attempts count.';
comment on column raw.fetch_attempts.run_id is 'Run that made the request (Airflow run id or CLI run id).';
comment on column raw.fetch_attempts.batch_id is 'Run subdirectory of the fetch batch: the source id, or <source>~<n> for extra batches.';
comment on column raw.fetch_attempts.url is 'Canonical URL whose fetch made the request (the page asked for, before redirects).';
comment on column raw.fetch_attempts.try_index is 'Position of the request among those made for the URL in the batch (0-based).';
comment on column raw.fetch_attempts.source_id is 'Source portal id, e.g. nghean.';
comment on column raw.fetch_attempts.kind is 'article, listing, feed or robots.';
comment on column raw.fetch_attempts.request_url is 'URL actually requested: the page, or a redirect target.';
comment on column raw.fetch_attempts.attempt is 'Attempt number for this request URL (1, then retries).';
comment on column raw.fetch_attempts.started_at is 'When the request was sent, after waiting for the host''s turn (UTC); when the wait began if it never was.';
comment on column raw.fetch_attempts.elapsed_ms is 'Milliseconds from sending the request to the end of the body, null when no answer came.';
comment on column raw.fetch_attempts.status_code is 'HTTP status of the answer, null when none came.';
comment on column raw.fetch_attempts.error is 'One-line reason when the request failed or was refused, e.g. read timeout.';
comment on column raw.fetch_attempts.is_conditional is 'True when the request carried If-None-Match or If-Modified-Since.';
