-- Schemas of the warehouse, the migrations ledger and the helper macros every layer uses.
create schema if not exists meta;
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists mart;
create schema if not exists dq;

create table if not exists meta.schema_migrations (
    file_name varchar primary key,
    sha256 varchar not null,
    applied_at timestamp not null
);

comment on table meta.schema_migrations is 'One row per SQL migration file applied to this warehouse; the schema version is the last file name.';
comment on column meta.schema_migrations.file_name is 'Path of the migration file under sql/, e.g. staging/020_stg_articles.sql.';
comment on column meta.schema_migrations.sha256 is 'sha256 of the file text when it was last applied.';
comment on column meta.schema_migrations.applied_at is 'When the file was last applied (UTC).';

-- A number as an analyst would write it: 281 rather than 281.0, 68.13 as is.
create or replace macro meta.number_text(x) as
    case when x = trunc(x) and abs(x) < 1e18 then cast(cast(x as bigint) as varchar) else cast(x as varchar) end;

-- The key of the "unknown" or "not applicable" member every mart dimension has, so that fact
-- rows never hold a null key and inner joins never drop them (Kimball's default member).
create or replace macro meta.unknown_key() as '00000000000000000000000000000000';
