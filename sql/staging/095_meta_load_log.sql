-- Grain: one load of the mart (etl.load.load_run), by run.
create table if not exists meta.load_log (
    run_id varchar primary key,
    loaded_at timestamp not null,
    schema_version varchar,
    row_counts json
);

comment on table meta.load_log is 'Every load of the mart, one row per run (a reload of a run replaces its row): what state a reader sees.';
comment on column meta.load_log.run_id is 'Run whose staged rows were loaded (Airflow run id or CLI run id).';
comment on column meta.load_log.loaded_at is 'When the load committed (UTC).';
comment on column meta.load_log.schema_version is 'Last migration file applied when the load ran (meta.schema_migrations).';
comment on column meta.load_log.row_counts is 'Rows per mart table after the load, as a JSON object.';
