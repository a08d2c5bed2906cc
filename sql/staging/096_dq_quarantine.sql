-- Grain: one staged row that one failed data-quality check found, as of the last validation of its
-- article version. Rows of error checks are held: the mart models leave them out (an indicator, or a
-- whole article version with its indicators and citations). Rows of warning checks are flagged: they
-- load, with mart.fact_indicator.is_flagged. Staging keeps every row, so nothing is lost; etl.validate
-- replaces the findings of an article version each time it validates it again.
create table if not exists dq.quarantine (
    run_id varchar not null,
    check_name varchar not null,
    suite_name varchar not null,
    severity varchar not null,
    is_held boolean not null,
    table_name varchar not null,
    article_id varchar not null,
    content_hash varchar not null,
    row_index integer,
    source_id varchar,
    sentence varchar,
    detail varchar,
    quarantined_at timestamp not null
);

comment on table dq.quarantine is 'Staged rows that failed a data-quality check: held out of the mart (error checks) or loaded with a flag (warning checks); `tinhuy quarantine` lists them.';
comment on column dq.quarantine.run_id is 'Run whose validation found the row.';
comment on column dq.quarantine.check_name is 'Check the row failed, as in dq.check_results, e.g. percent_matches_fraction.';
comment on column dq.quarantine.suite_name is 'Expectation suite of the check, e.g. stg_indicators_crosscheck.';
comment on column dq.quarantine.severity is 'error (the row is held out of the mart) or warning (the row loads, flagged).';
comment on column dq.quarantine.is_held is 'True when the row is kept out of the mart (an error check); false when it only carries a flag.';
comment on column dq.quarantine.table_name is 'Staging table of the row: staging.stg_indicators for an indicator, staging.stg_articles for a whole article version.';
comment on column dq.quarantine.article_id is 'Canonical URL of the article the row belongs to: the source page to check by hand.';
comment on column dq.quarantine.content_hash is 'Version of the article.';
comment on column dq.quarantine.row_index is 'indicator_index, document_index or person_index of the row in its article version; null when the finding is about the whole article.';
comment on column dq.quarantine.source_id is 'Source portal of the article, e.g. nghean.';
comment on column dq.quarantine.sentence is 'The sentence (or title, or paragraph) that shows the problem.';
comment on column dq.quarantine.detail is 'What is wrong, in one line, e.g. 281/411 = 68.37%, stated 68.13%.';
comment on column dq.quarantine.quarantined_at is 'When the validation that found the row ran (UTC).';
