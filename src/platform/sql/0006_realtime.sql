-- Bootstrap 0006: the `realtime` schema and the `supabase_realtime` publication. Apps add
-- tables to the publication to stream their changes, write policies on realtime.messages
-- (often with realtime.topic()) to authorise broadcast/presence channels, and call
-- realtime.send() or realtime.broadcast_changes() from their own triggers.

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

create schema if not exists realtime;
alter schema realtime owner to supabase_admin;

-- Types --------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'realtime' and t.typname = 'equality_op') then
    create type realtime.equality_op as enum ('eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in');
  end if;
  if not exists (select from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'realtime' and t.typname = 'action') then
    create type realtime.action as enum ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'ERROR');
  end if;
  if not exists (select from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'realtime' and t.typname = 'user_defined_filter') then
    -- One column filter of a postgres_changes subscription, e.g. (id, eq, 42).
    create type realtime.user_defined_filter as (
      column_name text,
      op realtime.equality_op,
      value text
    );
  end if;
end
$$;

alter type realtime.equality_op add value if not exists 'in';

-- The role named in a subscription's claims. Immutable so a generated column can use it;
-- an unknown role name is rejected when the subscription row is written.
create or replace function realtime.to_regrole(role_name text) returns regrole
language sql immutable
as $$
  select role_name::regrole
$$;

-- Tables -------------------------------------------------------------------------------

-- Change-stream subscriptions of connected clients, kept by the realtime service.
create table if not exists realtime.subscription (
  id bigint not null generated always as identity,
  subscription_id uuid not null,
  entity regclass not null,
  filters realtime.user_defined_filter[] not null default '{}',
  claims jsonb not null,
  claims_role regrole not null generated always as (realtime.to_regrole(claims ->> 'role')) stored,
  created_at timestamp not null default timezone('utc', now()),
  constraint pk_subscription primary key (id)
);

create unique index if not exists subscription_subscription_id_entity_filters_key
  on realtime.subscription (subscription_id, entity, filters);
create index if not exists ix_realtime_subscription_entity on realtime.subscription (entity);

-- Broadcast messages and the authorisation table for channels. Supabase partitions it by
-- day; a plain table keeps the same columns, key and policies semantics.
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  constraint messages_pkey primary key (id, inserted_at)
);

alter table realtime.messages
  add column if not exists payload jsonb,
  add column if not exists event text,
  add column if not exists private boolean default false;

create index if not exists messages_inserted_at_topic_index
  on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;

-- Versions of the realtime schema applied by the realtime service.
create table if not exists realtime.schema_migrations (
  version bigint not null,
  inserted_at timestamp(0),
  constraint schema_migrations_pkey primary key (version)
);

-- Functions ----------------------------------------------------------------------------

-- Topic of the channel being authorised; the realtime service sets realtime.topic before
-- it evaluates the policies on realtime.messages.
create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')
$$;

-- Queues a broadcast message on a topic. Failures are reported as warnings so that a
-- trigger calling this never aborts the app's own write.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
begin
  begin
    perform pg_catalog.set_config('realtime.topic', topic, true);
    insert into realtime.messages (payload, event, topic, private, extension)
    values (payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'realtime.send failed for topic %: %', topic, sqlerrm;
  end;
end
$$;

-- Row-trigger helper: broadcasts the old and new row of a change on a topic.
create or replace function realtime.broadcast_changes(
  topic_name text,
  event_name text,
  operation text,
  table_name text,
  table_schema text,
  new record,
  old record,
  level text default 'ROW'
) returns void
language plpgsql
as $$
begin
  if level = 'STATEMENT' then
    raise exception 'realtime.broadcast_changes works only in row-level triggers';
  end if;
  if operation not in ('INSERT', 'UPDATE', 'DELETE') then
    raise exception 'realtime.broadcast_changes: unexpected operation %', operation;
  end if;
  perform realtime.send(
    jsonb_build_object(
      'old_record', old,
      'record', new,
      'operation', operation,
      'table', table_name,
      'schema', table_schema
    ),
    event_name,
    topic_name
  );
end
$$;

-- Ownership, row level security and privileges ------------------------------------------

alter type realtime.equality_op owner to supabase_realtime_admin;
alter type realtime.action owner to supabase_realtime_admin;
alter type realtime.user_defined_filter owner to supabase_realtime_admin;
alter table realtime.subscription owner to supabase_realtime_admin;
alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.schema_migrations owner to supabase_realtime_admin;
alter function realtime.to_regrole(text) owner to supabase_realtime_admin;
alter function realtime.topic() owner to supabase_realtime_admin;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  owner to supabase_realtime_admin;

-- Channel authorisation: without app policies nobody but service_role may use private
-- channels.
alter table realtime.messages enable row level security;

grant usage on schema realtime to postgres, anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;
-- Subscriptions carry other clients' JWT claims: not for the API roles.
revoke all on realtime.subscription from anon, authenticated;
grant all on realtime.subscription to postgres, service_role;
revoke all on realtime.schema_migrations from anon, authenticated, service_role;
grant execute on function realtime.topic(), realtime.send(jsonb, text, text, boolean),
  realtime.broadcast_changes(text, text, text, text, text, record, record, text), realtime.to_regrole(text)
  to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema realtime
  grant all on tables to postgres;
alter default privileges for role supabase_admin in schema realtime
  grant all on sequences to postgres;
alter default privileges for role supabase_admin in schema realtime
  grant all on routines to postgres;

-- The publication Supabase Realtime streams. Created empty; apps add their tables with
-- `alter publication supabase_realtime add table ...`.
do $$
begin
  if not exists (select from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
alter publication supabase_realtime owner to postgres;
