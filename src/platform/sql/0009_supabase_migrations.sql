-- Bootstrap 0009: the migration history tables the Supabase CLI keeps, so `supabase db
-- push`/`migration list` style tooling and restored projects find them where they expect.

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

create schema if not exists supabase_migrations;
alter schema supabase_migrations owner to postgres;

create table if not exists supabase_migrations.schema_migrations (
  version text not null,
  statements text[],
  name text,
  created_by text,
  idempotency_key text,
  constraint schema_migrations_pkey primary key (version),
  constraint schema_migrations_idempotency_key_key unique (idempotency_key)
);

-- The CLI added these columns over time; older copies of the table lack some.
alter table supabase_migrations.schema_migrations
  add column if not exists statements text[],
  add column if not exists name text,
  add column if not exists created_by text,
  add column if not exists idempotency_key text;

do $$
begin
  -- The unique constraint may be missing from a copy made before the column existed.
  if not exists (
    select from pg_catalog.pg_constraint c
    join pg_catalog.pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
    where c.conrelid = 'supabase_migrations.schema_migrations'::regclass
      and c.contype in ('u', 'p') and a.attname = 'idempotency_key'
      and array_length(c.conkey, 1) = 1
  ) then
    alter table supabase_migrations.schema_migrations
      add constraint schema_migrations_idempotency_key_key unique (idempotency_key);
  end if;
end
$$;

create table if not exists supabase_migrations.seed_files (
  path text not null,
  hash text not null,
  constraint seed_files_pkey primary key (path)
);

alter table supabase_migrations.schema_migrations owner to postgres;
alter table supabase_migrations.seed_files owner to postgres;

-- Migration history is not for the API roles.
revoke all on schema supabase_migrations from anon, authenticated;
revoke all on all tables in schema supabase_migrations from anon, authenticated;
