-- Grain: one article URL (canonical) ever attempted: what the crawler knows of it before the next run.
-- Derived from raw.fetch_log alone, so it is exactly as current as the last staged run. etl.crawl
-- reads it before a run: validators for conditional requests, the body hash an unchanged page is
-- compared with, and the retry queue (last_outcome = 'failed').
create or replace view raw.url_state as
with attempts as (
    select * from raw.fetch_log
),

latest as (
    select
        source_id,
        url,
        run_id as last_run_id,
        outcome as last_outcome,
        status_code as last_status_code,
        error as last_error,
        fetched_at as last_attempt_at
    from attempts
    qualify row_number() over (partition by url order by fetched_at desc nulls last, run_id desc) = 1
),

bodies as (
    select url, content_hash, raw_path, content_type, encoding, etag, last_modified
    from attempts
    where content_hash is not null
    qualify row_number() over (partition by url order by fetched_at desc nulls last, run_id desc) = 1
),

history as (
    select
        url,
        min(fetched_at) as first_attempt_at,
        max(fetched_at) filter (where outcome in ('fetched', 'not_modified', 'unchanged')) as last_success_at,
        max(fetched_at) filter (where outcome = 'fetched') as last_changed_at,
        count(*) as run_count
    from attempts
    group by url
),

failures as (
    select attempts.url, count(*) as consecutive_failures
    from attempts
    inner join history on attempts.url = history.url
    where attempts.outcome = 'failed'
        and (history.last_success_at is null or attempts.fetched_at > history.last_success_at)
    group by attempts.url
),

final as (
    select
        latest.source_id,
        latest.url,
        history.first_attempt_at,
        latest.last_attempt_at,
        latest.last_run_id,
        latest.last_outcome,
        latest.last_status_code,
        latest.last_error,
        coalesce(failures.consecutive_failures, 0) as consecutive_failures,
        history.last_success_at,
        history.last_changed_at,
        history.run_count,
        bodies.content_hash,
        bodies.raw_path,
        bodies.content_type,
        bodies.encoding,
        bodies.etag,
        bodies.last_modified
    from latest
    inner join history on latest.url = history.url
    left join bodies on latest.url = bodies.url
    left join failures on latest.url = failures.url
)

select * from final;

comment on view raw.url_state is 'Crawl state per URL of raw.fetch_log (articles, and listing pages that failed): last outcome, retry count, validators and latest body hash.';
comment on column raw.url_state.source_id is 'Source portal id of the latest attempt.';
comment on column raw.url_state.url is 'Canonical URL.';
comment on column raw.url_state.first_attempt_at is 'First time any run attempted the URL (UTC): when it passed the watermark.';
comment on column raw.url_state.last_attempt_at is 'Latest attempt (UTC).';
comment on column raw.url_state.last_run_id is 'Run of the latest attempt.';
comment on column raw.url_state.last_outcome is 'Outcome of the latest attempt: fetched, not_modified, unchanged, failed or skipped.';
comment on column raw.url_state.last_status_code is 'HTTP status of the latest attempt, null when no answer came.';
comment on column raw.url_state.last_error is 'One-line reason of the latest attempt when it failed or was skipped.';
comment on column raw.url_state.consecutive_failures is 'Runs since the last success whose attempt failed; the URL leaves the retry queue at RETRY_MAX_RUNS.';
comment on column raw.url_state.last_success_at is 'Latest attempt that got the page or learnt it had not changed (UTC).';
comment on column raw.url_state.last_changed_at is 'Latest attempt that got a body not parsed before (UTC).';
comment on column raw.url_state.run_count is 'Runs that attempted the URL.';
comment on column raw.url_state.content_hash is 'sha256 of the latest known body: the version a 304 or an equal hash stands for.';
comment on column raw.url_state.raw_path is 'Archive path of that body.';
comment on column raw.url_state.content_type is 'Content-Type the latest known body came with.';
comment on column raw.url_state.encoding is 'Charset declared for the latest known body (header, else meta tag).';
comment on column raw.url_state.etag is 'ETag to send as If-None-Match next time.';
comment on column raw.url_state.last_modified is 'Last-Modified to send as If-Modified-Since next time.';

-- Grain: one source: its watermark (the article URLs earlier runs saw) and when it moved last.
create or replace view raw.source_watermark as
select
    source_id,
    count(*) as known_urls,
    count(*) filter (where last_outcome = 'failed') as retry_queue_urls,
    max(first_attempt_at) as last_new_url_at,
    max(last_attempt_at) as last_attempt_at
from raw.url_state
group by source_id;

comment on view raw.source_watermark is 'Per source: how many URLs earlier runs saw (discovery stops at a listing page showing only those), the retry queue and the latest times.';
comment on column raw.source_watermark.source_id is 'Source portal id.';
comment on column raw.source_watermark.known_urls is 'URLs attempted by some run: the watermark discovery stops at.';
comment on column raw.source_watermark.retry_queue_urls is 'URLs whose latest attempt failed: asked again next run.';
comment on column raw.source_watermark.last_new_url_at is 'When the newest URL was first attempted (UTC).';
comment on column raw.source_watermark.last_attempt_at is 'Latest attempt of any URL of the source (UTC).';

-- raw.fetch_log belongs to 010_raw_fetch_log.sql; the crawler added one outcome to it.
comment on column raw.fetch_log.outcome is 'fetched, not_modified (304), unchanged (200 with a body already parsed for this URL: not parsed again), failed or skipped.';
