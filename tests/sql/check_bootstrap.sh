#!/usr/bin/env bash
# Checks the platform bootstrap SQL (src/platform/sql/*.sql) against a live PostgreSQL 14+:
# every file applies in its own transaction, twice (idempotent), also over an older
# Supabase-shaped schema; then a Supabase-style app migration runs unchanged and row level
# security behaves as on Supabase for anon, authenticated and service_role.
#
# Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE as
# the maintenance database). PGUSER must be a superuser; the bootstrap creates cluster
# roles (anon, authenticated, service_role, authenticator, supabase_*), which stay. The
# script works in throwaway databases that it drops on exit. Exit status 0 = all passed.
#
# Scratch server for a local run (as a non-root user, or via `su postgres -c`):
#   initdb -D /tmp/bs-pg -U postgres --auth=trust
#   pg_ctl -D /tmp/bs-pg -l /tmp/bs-pg.log -o "-p 55432 -k /tmp/bs-sock -c wal_level=logical" start
#   PGHOST=/tmp/bs-sock PGPORT=55432 PGUSER=postgres tests/sql/check_bootstrap.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
sql_dir="$repo/src/platform/sql"
maint_db=${PGDATABASE:-postgres}
db="basalt_bootstrap_check_$$"
legacy_db="basalt_bootstrap_legacy_$$"
failures=0
checks=0

psql_base=(psql -X -q -v ON_ERROR_STOP=1)

cleanup() {
  "${psql_base[@]}" -d "$maint_db" -c "drop database if exists $db" >/dev/null 2>&1 || true
  "${psql_base[@]}" -d "$maint_db" -c "drop database if exists $legacy_db" >/dev/null 2>&1 || true
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Applies every bootstrap file, in name order, each in one transaction.
apply_bootstrap() {
  local target=$1 f
  for f in "$sql_dir"/*.sql; do
    if ! "${psql_base[@]}" -d "$target" -1 -f "$f" >/dev/null; then
      echo "FAIL: applying $(basename "$f") to $target" >&2
      exit 1
    fi
  done
}

# q DB ROLE CLAIMS SQL: runs SQL as ROLE with the given JWT claims (as the API layer would)
# and prints the result of its last statement only, unaligned.
q() {
  local target=$1 role=$2 claims=$3 sql=$4
  "${psql_base[@]}" -d "$target" -At -v SHOW_ALL_RESULTS=off \
    -c "set role $role; select set_config('request.jwt.claims', '$claims', false); $sql"
}

# expect NAME EXPECTED DB ROLE CLAIMS SQL
expect() {
  local name=$1 expected=$2 got
  checks=$((checks + 1))
  if ! got=$(q "$3" "$4" "$5" "$6" 2>&1); then
    fail "$name: query failed: $got"
  elif [[ "$got" != "$expected" ]]; then
    fail "$name: expected '$expected', got '$got'"
  fi
}

# expect_error NAME PATTERN DB ROLE CLAIMS SQL: the statement must fail with PATTERN.
expect_error() {
  local name=$1 pattern=$2 got
  checks=$((checks + 1))
  if got=$(q "$3" "$4" "$5" "$6" 2>&1); then
    fail "$name: expected an error matching '$pattern', but it succeeded: $got"
  elif ! grep -qiE "$pattern" <<<"$got"; then
    fail "$name: expected an error matching '$pattern', got: $got"
  fi
}

"${psql_base[@]}" -d "$maint_db" -c "create database $db"
"${psql_base[@]}" -d "$maint_db" -c "create database $legacy_db"

# 1. Fresh database, applied twice -----------------------------------------------------
apply_bootstrap "$db"
apply_bootstrap "$db"
echo "bootstrap applied twice"

# 2. A database that already holds an older Supabase layout ----------------------------
"${psql_base[@]}" -d "$legacy_db" <<'SQL'
create schema auth;
create table auth.users (
  instance_id uuid, id uuid not null primary key, aud varchar(255), role varchar(255),
  email varchar(255), encrypted_password varchar(255), email_confirmed_at timestamptz,
  invited_at timestamptz, confirmation_token varchar(255), confirmation_sent_at timestamptz,
  recovery_token varchar(255), recovery_sent_at timestamptz, email_change_token_new varchar(255),
  email_change varchar(255), email_change_sent_at timestamptz, last_sign_in_at timestamptz,
  raw_app_meta_data jsonb, raw_user_meta_data jsonb, is_super_admin boolean,
  created_at timestamptz, updated_at timestamptz, phone text unique, phone_confirmed_at timestamptz,
  phone_change text default '', phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '', email_change_confirm_status smallint default 0);
insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000aa', 'old@example.com');
create schema storage;
create table storage.buckets (id text primary key, name text not null, owner uuid,
  created_at timestamptz default now(), updated_at timestamptz default now());
create schema supabase_migrations;
create table supabase_migrations.schema_migrations (version text not null primary key);
insert into supabase_migrations.schema_migrations values ('20240101000000');
SQL
apply_bootstrap "$legacy_db"
apply_bootstrap "$legacy_db"
expect "legacy auth.users gained newer columns" "f|f|1" "$legacy_db" postgres '{}' \
  "select is_anonymous, is_sso_user, count(*) over () from auth.users"
expect "legacy storage.buckets gained public/limits" "5" "$legacy_db" postgres '{}' \
  "select count(*) from information_schema.columns where table_schema = 'storage'
     and table_name = 'buckets'
     and column_name in ('public', 'avif_autodetection', 'file_size_limit', 'allowed_mime_types', 'owner_id')"
expect "legacy migration history kept and extended" "20240101000000|" "$legacy_db" postgres '{}' \
  "select version, idempotency_key from supabase_migrations.schema_migrations"
expect_error "legacy idempotency_key is unique" "duplicate key" "$legacy_db" postgres '{}' \
  "insert into supabase_migrations.schema_migrations (version, idempotency_key) values ('1', 'k'), ('2', 'k')"
echo "bootstrap applied over an older layout"

# 3. Platform objects -------------------------------------------------------------------
expect "roles" "anon|f|f|f
authenticated|f|f|f
authenticator|t|f|f
service_role|f|f|t
supabase_admin|t|t|t
supabase_auth_admin|t|f|f
supabase_storage_admin|t|f|f" "$db" postgres '{}' \
  "select rolname, rolcanlogin, rolsuper, rolbypassrls from pg_roles
   where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_admin',
                     'supabase_auth_admin', 'supabase_storage_admin') order by rolname"
expect "authenticator may become every API role" "t|t|t" "$db" postgres '{}' \
  "select pg_has_role('authenticator', 'anon', 'member'), pg_has_role('authenticator', 'authenticated', 'member'),
          pg_has_role('authenticator', 'service_role', 'member')"
expect "postgres may become every API role" "t|t|t" "$db" postgres '{}' \
  "select pg_has_role('postgres', 'anon', 'member'), pg_has_role('postgres', 'authenticated', 'member'),
          pg_has_role('postgres', 'service_role', 'member')"
expect "set role authenticator; set role anon" "anon" "$db" postgres '{}' \
  "set role authenticator; set role anon; select current_user"
if "${psql_base[@]}" -d "$db" -U authenticator -c "select 1" >/dev/null 2>&1; then
  expect "login as authenticator, switch to anon" "anon" "$db" authenticator '{}' \
    "set role anon; select current_user"
else
  echo "note: cannot log in as authenticator here (no password); checked membership only"
fi
expect "schema owners" "auth|supabase_admin
extensions|postgres
graphql_public|supabase_admin
realtime|supabase_admin
storage|supabase_admin
supabase_migrations|postgres
vault|supabase_admin" "$db" postgres '{}' \
  "select nspname, nspowner::regrole from pg_namespace
   where nspname in ('auth', 'storage', 'realtime', 'vault', 'extensions', 'graphql_public', 'supabase_migrations')
   order by nspname"
expect "extensions in schema extensions" "pgcrypto|extensions
uuid-ossp|extensions" "$db" postgres '{}' \
  "select extname, extnamespace::regnamespace from pg_extension where extname in ('pgcrypto', 'uuid-ossp') order by 1"
expect "auth tables owned by supabase_auth_admin with RLS" "16|16" "$db" postgres '{}' \
  "select count(*) filter (where relowner = 'supabase_auth_admin'::regrole), count(*) filter (where relrowsecurity)
   from pg_class where relnamespace = 'auth'::regnamespace and relkind = 'r'"
expect "storage RLS, no policies" "t|t|0" "$db" postgres '{}' \
  "select (select relrowsecurity from pg_class where oid = 'storage.objects'::regclass),
          (select relrowsecurity from pg_class where oid = 'storage.buckets'::regclass),
          (select count(*) from pg_policies where schemaname = 'storage')"
expect "publication supabase_realtime exists and is empty" "1|0" "$db" postgres '{}' \
  "select (select count(*) from pg_publication where pubname = 'supabase_realtime'),
          (select count(*) from pg_publication_tables where pubname = 'supabase_realtime')"
expect "event triggers" "pgrst_ddl_watch|ddl_command_end
pgrst_drop_watch|sql_drop" "$db" postgres '{}' \
  "select evtname, evtevent from pg_event_trigger where evtname like 'pgrst%' order by 1"
expect "generated columns" "2024-01-01 00:00:00+00|a@b.c|{a,b,c.png}" "$db" postgres '{}' \
  "set timezone = 'UTC';
   with u as (insert into auth.users (id, email_confirmed_at, phone_confirmed_at)
              values ('00000000-0000-0000-0000-0000000000ff', '2024-02-01', '2024-01-01') returning *),
        i as (insert into auth.identities (provider_id, user_id, identity_data, provider)
              select 'x', id, '{\"email\": \"A@B.C\"}', 'email' from u returning *),
        b as (insert into storage.buckets (id, name) values ('gen', 'gen') returning *),
        o as (insert into storage.objects (bucket_id, name) select id, 'a/b/c.png' from b returning *)
   select u.confirmed_at, i.email, o.path_tokens from u, i, o"
expect "storage path helpers" "{user,dir}|photo.tar.gz|gz|{}|noext" "$db" anon '{}' \
  "select storage.foldername('user/dir/photo.tar.gz'), storage.filename('user/dir/photo.tar.gz'),
          storage.extension('user/dir/photo.tar.gz'), storage.foldername('top.png'), storage.extension('noext')"
expect "auth helpers read request.jwt.claims" \
  "11111111-1111-1111-1111-111111111111|authenticated|u@example.com|aal1" "$db" authenticated \
  '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated","email":"u@example.com","aal":"aal1"}' \
  "select auth.uid(), auth.role(), auth.email(), auth.jwt() ->> 'aal'"
expect "auth.uid falls back to the legacy claim setting" "22222222-2222-2222-2222-222222222222" "$db" anon '' \
  "select set_config('request.jwt.claim.sub', '22222222-2222-2222-2222-222222222222', false);
   select auth.uid()"
expect "auth.uid is null without claims" "t" "$db" anon '' "select auth.uid() is null"
expect "unqualified uuid_generate_v4() in a new session" "36" "$db" postgres '{}' \
  "select length(uuid_generate_v4()::text)"
expect_error "anon cannot read auth.users" "permission denied" "$db" anon '{}' "select count(*) from auth.users"
expect_error "authenticated cannot read auth.users" "permission denied" "$db" authenticated '{}' \
  "select count(*) from auth.users"
expect_error "authenticated cannot read vault" "permission denied" "$db" authenticated '{}' \
  "select count(*) from vault.decrypted_secrets"
expect_error "anon cannot create secrets" "permission denied" "$db" anon '{}' "select vault.create_secret('x')"
expect_error "service_role cannot read the vault key" "permission denied" "$db" service_role '{}' \
  "select count(*) from vault._key"
expect "service_role creates and reads secrets" "s3cret|desc|true" "$db" service_role '{}' \
  "select vault.create_secret('s3cret', 'api_key', 'desc');
   select decrypted_secret || '|' || description || '|' || (secret <> decrypted_secret)::text
   from vault.decrypted_secrets where name = 'api_key'"
expect "service_role updates secrets" "changed|desc|renamed" "$db" service_role '{}' \
  "select vault.update_secret((select id from vault.secrets where name = 'api_key'), 'changed', 'renamed');
   select decrypted_secret || '|' || description || '|' || name
   from vault.decrypted_secrets where name = 'renamed'"
expect "plain inserts into vault.secrets are encrypted too" "plain|false" "$db" postgres '{}' \
  "insert into vault.secrets (name, secret) values ('direct', 'plain');
   select decrypted_secret || '|' || (secret = 'plain')::text from vault.decrypted_secrets where name = 'direct'"

# 4. A Supabase-style app migration, in the spirit of the seed projects ----------------
"${psql_base[@]}" -d "$db" -1 <<'SQL'
create extension if not exists moddatetime schema extensions;
create extension if not exists pg_trgm;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text,
  preferences jsonb default '{}',
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create trigger profiles_updated_at before update on public.profiles
  for each row execute procedure moddatetime (updated_at);

create table public.conversations (
  id uuid primary key default uuid_generate_v4(),
  user_id uuid not null references auth.users (id) on delete cascade,
  title varchar,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  is_active boolean default true
);
create table public.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  role varchar not null check (role in ('user', 'assistant')),
  content text not null,
  metadata jsonb,
  created_at timestamptz default now()
);
create table public.signup_codes (
  id uuid primary key default gen_random_uuid(),
  code varchar not null unique,
  used_by uuid references auth.users (id),
  created_by uuid references auth.users (id),
  is_admin boolean default false
);
create type public.app_role as enum ('user', 'admin', 'moderator');
create table public.user_roles (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users (id) on delete cascade,
  role public.app_role not null,
  unique (user_id, role)
);

create or replace function public.handle_new_user() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.profiles (id, display_name) values (new.id, new.raw_user_meta_data ->> 'display_name');
  insert into public.user_roles (user_id, role) values (new.id, 'user');
  return new;
end
$$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute procedure public.handle_new_user();

create or replace function public.has_role(_user_id uuid, _role public.app_role) returns boolean
language sql stable security definer set search_path = public
as $$ select exists (select 1 from public.user_roles where user_id = _user_id and role = _role) $$;

alter table public.profiles enable row level security;
alter table public.conversations enable row level security;
alter table public.messages enable row level security;
alter table public.signup_codes enable row level security;
alter table public.user_roles enable row level security;

create policy "Users can view own profile" on public.profiles for select using (auth.uid() = id);
create policy "Users can update own profile" on public.profiles for update using (auth.uid() = id);
create policy "own conversations" on public.conversations for all
  using (auth.uid() = user_id) with check (auth.uid() = user_id);
create policy "messages of own conversations" on public.messages for all
  using (conversation_id in (select id from public.conversations where user_id = (select auth.uid())))
  with check (conversation_id in (select id from public.conversations where user_id = (select auth.uid())));
create policy "service role manages codes" on public.signup_codes for all
  using (auth.role() = 'service_role');
create policy "admins read roles" on public.user_roles for select
  using (public.has_role(auth.uid(), 'admin') or user_id = auth.uid());

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('avatars', 'avatars', true, 5242880, array['image/png', 'image/jpeg']),
       ('voice_recordings', 'voice_recordings', false, 52428800, array['audio/mpeg', 'audio/wav']);
create policy "Avatar images are public" on storage.objects for select using (bucket_id = 'avatars');
create policy "Users upload to own folder" on storage.objects for insert to authenticated
  with check (bucket_id = 'voice_recordings' and (storage.foldername(name))[1] = auth.uid()::text);
create policy "Users read own recordings" on storage.objects for select to authenticated
  using (bucket_id = 'voice_recordings' and (storage.foldername(name))[1] = (select auth.uid())::text);

alter publication supabase_realtime add table public.messages, public.conversations;

create policy "authenticated may join room topics" on realtime.messages for select to authenticated
  using (realtime.topic() like 'room:%');

do $$ begin perform vault.create_secret('sk-test', 'openai_key', 'OpenAI API key'); end $$;
SQL
echo "app migration applied"

# 5. Row level security as the API roles -------------------------------------------------
ua=aaaaaaaa-0000-4000-8000-000000000001
ub=bbbbbbbb-0000-4000-8000-000000000002
claims_a="{\"sub\":\"$ua\",\"role\":\"authenticated\"}"
claims_b="{\"sub\":\"$ub\",\"role\":\"authenticated\"}"

# Sign-ups arrive the way the auth service writes them: as supabase_auth_admin.
expect "auth service inserts users; app trigger creates profiles" "2|2" "$db" supabase_auth_admin '{}' \
  "insert into auth.users (id, aud, role, email, raw_user_meta_data)
   values ('$ua', 'authenticated', 'authenticated', 'a@example.com', '{\"display_name\": \"A\"}'),
          ('$ub', 'authenticated', 'authenticated', 'b@example.com', '{\"display_name\": \"B\"}');
   set role postgres;
   select (select count(*) from public.profiles) || '|' || (select count(*) from public.user_roles)"
expect_error "email unique for non-SSO users" "duplicate key" "$db" supabase_auth_admin '{}' \
  "insert into auth.users (id, email) values (gen_random_uuid(), 'a@example.com')"
expect "SSO users may share an email" "1" "$db" supabase_auth_admin '{}' \
  "insert into auth.users (id, email, is_sso_user) values (gen_random_uuid(), 'a@example.com', true);
   select count(*) from auth.users where email = 'a@example.com' and is_sso_user"

expect "A creates conversations" "2" "$db" authenticated "$claims_a" \
  "insert into public.conversations (user_id, title) values ('$ua', 'one'), ('$ua', 'two');
   insert into public.messages (conversation_id, role, content)
     select id, 'user', 'hi' from public.conversations;
   select count(*) from public.conversations"
expect "B creates a conversation" "1" "$db" authenticated "$claims_b" \
  "insert into public.conversations (user_id, title) values ('$ub', 'b');
   select count(*) from public.conversations"
expect_error "A cannot write B's rows" "row-level security" "$db" authenticated "$claims_a" \
  "insert into public.conversations (user_id, title) values ('$ub', 'forged')"
expect "A sees only own conversations" "one,two" "$db" authenticated "$claims_a" \
  "select string_agg(title, ',' order by title) from public.conversations"
expect "A sees only own messages" "2" "$db" authenticated "$claims_a" "select count(*) from public.messages"
expect "B sees only own conversations" "b" "$db" authenticated "$claims_b" \
  "select string_agg(title, ',') from public.conversations"
expect "A sees only own profile" "A" "$db" authenticated "$claims_a" \
  "select string_agg(display_name, ',') from public.profiles"
expect "anon sees no conversations" "0" "$db" anon '{"role":"anon"}' "select count(*) from public.conversations"
expect "anon sees no profiles" "0" "$db" anon '{"role":"anon"}' "select count(*) from public.profiles"
expect "service_role sees everything" "3|3" "$db" service_role '{"role":"service_role"}' \
  "select (select count(*) from public.conversations) || '|' || (select count(*) from public.profiles)"
expect "policy on auth.role() admits service_role" "1" "$db" service_role '{"role":"service_role"}' \
  "insert into public.signup_codes (code) values ('WELCOME');
   select count(*) from public.signup_codes"
expect "policy on auth.role() hides rows from users" "0" "$db" authenticated "$claims_a" \
  "select count(*) from public.signup_codes"
expect "security definer helper in a policy" "1" "$db" authenticated "$claims_a" \
  "select count(*) from public.user_roles"
expect "A uploads into own folder" "1" "$db" authenticated "$claims_a" \
  "insert into storage.objects (bucket_id, name, owner_id) values ('voice_recordings', '$ua/rec1.mp3', '$ua');
   select count(*) from storage.objects where bucket_id = 'voice_recordings'"
expect_error "A cannot upload into B's folder" "row-level security" "$db" authenticated "$claims_a" \
  "insert into storage.objects (bucket_id, name) values ('voice_recordings', '$ub/rec.mp3')"
expect "B does not see A's recordings" "0" "$db" authenticated "$claims_b" \
  "select count(*) from storage.objects where bucket_id = 'voice_recordings'"
expect "anon reads the public bucket only" "1|0" "$db" service_role '{"role":"service_role"}' \
  "insert into storage.objects (bucket_id, name) values ('avatars', '$ua/avatar.png');
   set role anon;
   select (select count(*) from storage.objects where bucket_id = 'avatars') || '|' ||
          (select count(*) from storage.objects where bucket_id = 'voice_recordings')"
expect "anon sees no buckets without a policy" "0" "$db" anon '{"role":"anon"}' "select count(*) from storage.buckets"
expect "service_role sees all buckets" "3" "$db" service_role '{"role":"service_role"}' \
  "select count(*) from storage.buckets"
expect "published tables" "conversations,messages" "$db" postgres '{}' \
  "select string_agg(tablename, ',' order by tablename) from pg_publication_tables where pubname = 'supabase_realtime'"
expect "realtime.send queues a broadcast" "1" "$db" postgres '{}' \
  "select realtime.send('{\"x\": 1}', 'ping', 'room:1', false);
   select count(*) from realtime.messages where topic = 'room:1'"
expect "realtime.topic() in channel policies" "1|0" "$db" authenticated "$claims_a" \
  "select set_config('realtime.topic', 'room:1', false);
   select (select count(*) from realtime.messages) || '|' ||
          (select count(*) from realtime.messages where realtime.topic() <> topic)"
expect "deleting a user cascades to app rows" "0|0|2" "$db" postgres '{}' \
  "delete from auth.users where id = '$ub';
   select (select count(*) from public.conversations where user_id = '$ub') || '|' ||
          (select count(*) from public.profiles where id = '$ub') || '|' ||
          (select count(*) from public.profiles)"

# 6. DDL announces a schema reload to the API layer -------------------------------------
checks=$((checks + 1))
notify_out=$("${psql_base[@]}" -d "$db" -c "listen pgrst" -c "create table public.reload_probe (id int)" 2>&1 || true)
if ! grep -q 'reload schema' <<<"$notify_out"; then
  fail "DDL did not send NOTIFY pgrst 'reload schema': $notify_out"
fi

echo "$checks checks, $failures failed"
[[ $failures -eq 0 ]]
