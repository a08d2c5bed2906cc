-- Grain: one data-quality check (one expectation of one suite) in one run.
create table if not exists dq.check_results (
    run_id varchar not null,
    check_name varchar not null,
    suite_name varchar not null,
    severity varchar not null,
    is_success boolean not null,
    unexpected_count integer not null,
    checked_at timestamp not null,
    notes varchar,
    description varchar,
    examples json,
    primary key (run_id, suite_name, check_name)
);

comment on table dq.check_results is 'Result of every data-quality check of every run (the checks of validation.json).';
comment on column dq.check_results.run_id is 'Run whose staged rows were checked.';
comment on column dq.check_results.check_name is 'Name of the check, unique within its suite, e.g. percent_matches_fraction.';
comment on column dq.check_results.suite_name is 'Expectation suite the check belongs to, e.g. stg_indicators.';
comment on column dq.check_results.severity is 'error (the data is wrong) or warning (the data is suspicious).';
comment on column dq.check_results.is_success is 'True when no row broke the check.';
comment on column dq.check_results.unexpected_count is 'Number of rows that broke the check.';
comment on column dq.check_results.checked_at is 'When the validation ran (UTC).';
comment on column dq.check_results.notes is 'Why the check exists.';
comment on column dq.check_results.description is 'What the check asserts, in one line.';
comment on column dq.check_results.examples is 'Up to ALERT_EXAMPLES failing rows as JSON objects {url, sentence, detail}.';
