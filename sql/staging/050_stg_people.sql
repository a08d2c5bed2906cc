-- Grain: one official named (with a position) in one version of one article.
create table if not exists staging.stg_people (
    article_id varchar not null,
    content_hash varchar not null,
    person_index integer not null,
    person_name varchar,
    position varchar,
    run_id varchar not null,
    primary key (article_id, content_hash, person_index)
);

comment on table staging.stg_people is 'Officials named with their position in parsed articles (captions included).';
comment on column staging.stg_people.article_id is 'Canonical URL of the article.';
comment on column staging.stg_people.content_hash is 'Version of the article.';
comment on column staging.stg_people.person_index is 'Position in the article''s people list (0-based).';
comment on column staging.stg_people.person_name is 'Full name, e.g. Trần Thế Dũng.';
comment on column staging.stg_people.position is 'Position as written, e.g. Phó Bí thư Thường trực Tỉnh ủy.';
comment on column staging.stg_people.run_id is 'Run that last staged this article version.';
