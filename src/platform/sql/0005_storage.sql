-- Bootstrap 0005: the `storage` schema of Supabase Storage. Buckets and object metadata
-- live in tables owned by supabase_storage_admin; the API roles hold every privilege on
-- buckets and objects and row level security (policies written by apps) decides what each
-- request may do. Apps' policies call storage.foldername()/filename()/extension().

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

create schema if not exists storage;
alter schema storage owner to supabase_admin;

-- Tables -------------------------------------------------------------------------------

create table if not exists storage.buckets (
  id text not null,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text,
  constraint buckets_pkey primary key (id)
);
comment on column storage.buckets.owner is 'Deprecated: use owner_id.';

alter table storage.buckets
  add column if not exists public boolean default false,
  add column if not exists avif_autodetection boolean default false,
  add column if not exists file_size_limit bigint,
  add column if not exists allowed_mime_types text[],
  add column if not exists owner_id text;

create table if not exists storage.objects (
  id uuid not null default gen_random_uuid(),
  bucket_id text,
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb,
  constraint objects_pkey primary key (id),
  constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);
comment on column storage.objects.owner is 'Deprecated: use owner_id.';

alter table storage.objects
  add column if not exists path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  add column if not exists version text,
  add column if not exists owner_id text,
  add column if not exists user_metadata jsonb;

create table if not exists storage.s3_multipart_uploads (
  id text not null,
  in_progress_size bigint not null default 0,
  upload_signature text not null,
  bucket_id text not null,
  key text collate "C" not null,
  version text not null,
  owner_id text,
  created_at timestamptz not null default now(),
  user_metadata jsonb,
  constraint s3_multipart_uploads_pkey primary key (id),
  constraint s3_multipart_uploads_bucket_id_fkey foreign key (bucket_id) references storage.buckets (id)
);

alter table storage.s3_multipart_uploads add column if not exists user_metadata jsonb;

create table if not exists storage.s3_multipart_uploads_parts (
  id uuid not null default gen_random_uuid(),
  upload_id text not null,
  size bigint not null default 0,
  part_number integer not null,
  bucket_id text not null,
  key text collate "C" not null,
  etag text not null,
  owner_id text,
  version text not null,
  created_at timestamptz not null default now(),
  constraint s3_multipart_uploads_parts_pkey primary key (id),
  constraint s3_multipart_uploads_parts_upload_id_fkey foreign key (upload_id)
    references storage.s3_multipart_uploads (id) on delete cascade,
  constraint s3_multipart_uploads_parts_bucket_id_fkey foreign key (bucket_id) references storage.buckets (id)
);

create table if not exists storage.migrations (
  id integer not null,
  name varchar(100) not null,
  hash varchar(40) not null,
  executed_at timestamp default current_timestamp,
  constraint migrations_pkey primary key (id),
  constraint migrations_name_key unique (name)
);

-- Indexes ------------------------------------------------------------------------------

create unique index if not exists bname on storage.buckets (name);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);
create index if not exists idx_objects_bucket_id_name on storage.objects (bucket_id, (name collate "C"));
create index if not exists idx_multipart_uploads_list
  on storage.s3_multipart_uploads (bucket_id, (key collate "C"), created_at);

-- Functions ----------------------------------------------------------------------------
-- Object names are '/'-separated paths: 'user-id/sub/dir/photo.png'.

-- Every segment but the last: '{user-id,sub,dir}'. Policies typically compare
-- (storage.foldername(name))[1] with auth.uid()::text.
create or replace function storage.foldername(name text) returns text[]
language sql immutable
as $$
  select parts[1:array_length(parts, 1) - 1]
  from (select string_to_array(name, '/') as parts) as p
$$;

-- The last segment: 'photo.png'.
create or replace function storage.filename(name text) returns text
language sql immutable
as $$
  select parts[array_length(parts, 1)]
  from (select string_to_array(name, '/') as parts) as p
$$;

-- Text after the last '.' of the last segment: 'png'. A name without a dot yields the
-- whole last segment, as Supabase Storage's function does.
create or replace function storage.extension(name text) returns text
language sql immutable
as $$
  select reverse(split_part(reverse(parts[array_length(parts, 1)]), '.', 1))
  from (select string_to_array(name, '/') as parts) as p
$$;

-- Keeps updated_at current on every change of an object row.
create or replace function storage.update_updated_at_column() returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- Bucket names are limited to 100 characters.
create or replace function storage.enforce_bucket_name_length() returns trigger
language plpgsql
as $$
begin
  if length(new.name) > 100 then
    raise exception 'bucket name "%" is too long (% characters), the limit is 100',
      new.name, length(new.name);
  end if;
  return new;
end
$$;

-- Name of the storage operation running in this transaction, set by the storage service
-- so policies can tell e.g. an upload from a move.
create or replace function storage.operation() returns text
language sql stable
as $$
  select nullif(current_setting('storage.operation', true), '')
$$;

drop trigger if exists update_objects_updated_at on storage.objects;
create trigger update_objects_updated_at
  before update on storage.objects
  for each row execute function storage.update_updated_at_column();

drop trigger if exists enforce_bucket_name_length_trigger on storage.buckets;
create trigger enforce_bucket_name_length_trigger
  before insert or update of name on storage.buckets
  for each row execute function storage.enforce_bucket_name_length();

-- Ownership and row level security -----------------------------------------------------

alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
alter table storage.s3_multipart_uploads owner to supabase_storage_admin;
alter table storage.s3_multipart_uploads_parts owner to supabase_storage_admin;
alter table storage.migrations owner to supabase_storage_admin;
alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;
alter function storage.update_updated_at_column() owner to supabase_storage_admin;
alter function storage.enforce_bucket_name_length() owner to supabase_storage_admin;
alter function storage.operation() owner to supabase_storage_admin;

-- No policies: a new project denies every bucket and object to anon and authenticated
-- until the app adds its own.
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
alter table storage.s3_multipart_uploads enable row level security;
alter table storage.s3_multipart_uploads_parts enable row level security;
alter table storage.migrations enable row level security;

-- Privileges ---------------------------------------------------------------------------

grant usage on schema storage to anon, authenticated, service_role;
grant all on schema storage to supabase_storage_admin, postgres;

grant all on storage.buckets, storage.objects, storage.migrations
  to anon, authenticated, service_role, postgres;
grant all on storage.buckets, storage.objects to postgres with grant option;

-- Multipart uploads are driven by the service; API roles may only look.
revoke all on storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts from anon, authenticated;
grant select on storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts to anon, authenticated;
grant all on storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts to service_role, postgres;

grant all on all sequences in schema storage to supabase_storage_admin, postgres;

grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text),
  storage.operation()
  to anon, authenticated, service_role, postgres;

-- Tables and functions postgres adds to this schema are usable by the API roles, as on
-- Supabase.
alter default privileges for role postgres in schema storage
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema storage
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema storage
  grant all on routines to postgres, anon, authenticated, service_role;
