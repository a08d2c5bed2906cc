-- Grain: one source portal.
create or replace table mart.dim_source (
    source_key varchar not null,
    source_id varchar not null,
    province_name varchar,
    host varchar,
    first_fetched_at timestamp,
    last_fetched_at timestamp
);

comment on table mart.dim_source is 'Portals the pipeline has fetched or staged articles from.';
comment on column mart.dim_source.source_key is 'Surrogate key: md5 of source_id.';
comment on column mart.dim_source.source_id is 'Source id from the sources file, e.g. nghean.';
comment on column mart.dim_source.province_name is 'Province the portal belongs to, as named in its articles.';
comment on column mart.dim_source.host is 'Host name of the portal''s article URLs.';
comment on column mart.dim_source.first_fetched_at is 'Earliest fetch or staged article of the portal (UTC).';
comment on column mart.dim_source.last_fetched_at is 'Latest fetch or staged article of the portal (UTC).';
