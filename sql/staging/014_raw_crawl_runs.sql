-- Grain: one source in one run: what discovery found, what was fetched and how it went.
create table if not exists raw.crawl_runs (
    run_id varchar not null,
    source_id varchar not null,
    started_at timestamp,
    finished_at timestamp,
    discovery_pages integer,
    discovery_failures integer,
    is_watermark_reached boolean,
    discovered_urls integer,
    new_urls integer,
    retry_urls integer,
    revisit_urls integer,
    planned_urls integer,
    batch_count integer,
    fetched integer,
    not_modified integer,
    unchanged integer,
    failed integer,
    skipped integer,
    new_articles integer,
    parsed_articles integer,
    requests integer,
    conditional_requests integer,
    bytes_received bigint,
    discovery_error varchar,
    primary key (run_id, source_id)
);

comment on table raw.crawl_runs is 'Statistics of each source in each run: discovery, the fetch plan (new, retried, revisited URLs) and outcomes.';
comment on column raw.crawl_runs.run_id is 'Run (Airflow run id or CLI run id).';
comment on column raw.crawl_runs.source_id is 'Source portal id, e.g. nghean.';
comment on column raw.crawl_runs.started_at is 'First request of the source in the run (UTC).';
comment on column raw.crawl_runs.finished_at is 'Last fetch of the source in the run finished (UTC).';
comment on column raw.crawl_runs.discovery_pages is 'Listing pages, feeds and sitemaps asked for.';
comment on column raw.crawl_runs.discovery_failures is 'Of those, pages that failed or were refused.';
comment on column raw.crawl_runs.is_watermark_reached is 'True when a listing page showed only articles seen before, so pagination stopped there.';
comment on column raw.crawl_runs.discovered_urls is 'Article URLs found by discovery.';
comment on column raw.crawl_runs.new_urls is 'Planned article URLs no earlier run had attempted.';
comment on column raw.crawl_runs.retry_urls is 'Planned article URLs retried because their last fetch failed (the retry queue).';
comment on column raw.crawl_runs.revisit_urls is 'Planned known article URLs checked again with conditional requests.';
comment on column raw.crawl_runs.planned_urls is 'Article URLs planned for fetching (capped by MAX_PAGES_PER_RUN).';
comment on column raw.crawl_runs.batch_count is 'Fetch batches (Airflow mapped fetch tasks) of the source.';
comment on column raw.crawl_runs.fetched is 'Pages answered 200 with a body not parsed before (to be cleaned and parsed).';
comment on column raw.crawl_runs.not_modified is 'Pages answered 304 Not Modified.';
comment on column raw.crawl_runs.unchanged is 'Pages answered 200 with a body already parsed (not parsed again).';
comment on column raw.crawl_runs.failed is 'Pages (articles and listing pages) that could not be had; retried next run.';
comment on column raw.crawl_runs.skipped is 'Pages refused by policy: robots.txt, foreign host, not HTML, too large.';
comment on column raw.crawl_runs.new_articles is 'Fetched pages of URLs no earlier run had attempted.';
comment on column raw.crawl_runs.parsed_articles is 'Articles parsed in the run (lines of parsed.jsonl).';
comment on column raw.crawl_runs.requests is 'HTTP requests made, retries, redirects and robots.txt included.';
comment on column raw.crawl_runs.conditional_requests is 'Of those, requests with If-None-Match or If-Modified-Since.';
comment on column raw.crawl_runs.bytes_received is 'Body bytes received (after Content-Encoding was undone).';
comment on column raw.crawl_runs.discovery_error is 'Why discovery of the source failed as a whole, when it did.';
