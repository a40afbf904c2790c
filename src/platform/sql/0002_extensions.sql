-- Bootstrap 0002: the `extensions` schema with the extensions every Supabase project has,
-- and the database search_path that makes them callable unqualified (uuid_generate_v4()).
-- Extensions that Debian's postgresql package does not ship (pgjwt, pg_graphql, pgsodium,
-- supabase_vault) are not installed.

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

create schema if not exists extensions;
alter schema extensions owner to postgres;

create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;

do $$
begin
  -- Present on every Supabase project; only usable for queries when the server preloads
  -- it, but creating it keeps restored dumps and `create extension if not exists` quiet.
  if exists (select from pg_catalog.pg_available_extensions where name = 'pg_stat_statements') then
    create extension if not exists pg_stat_statements with schema extensions;
  end if;
end
$$;

grant usage on schema extensions to anon, authenticated, service_role;
grant all on schema extensions to postgres;
grant all on all tables in schema extensions to postgres with grant option;
grant all on all routines in schema extensions to postgres with grant option;
grant all on all sequences in schema extensions to postgres with grant option;
alter default privileges in schema extensions grant all on tables to postgres with grant option;
alter default privileges in schema extensions grant all on routines to postgres with grant option;
alter default privileges in schema extensions grant all on sequences to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on tables to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on routines to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on sequences to postgres with grant option;

-- Every new session of this database resolves extension functions without a schema prefix.
-- ALTER DATABASE needs the name, which differs per deployment, hence the dynamic statement.
do $$
begin
  execute format('alter database %I set search_path to "$user", public, extensions',
                 current_database());
end
$$;

-- The setting above only reaches new sessions; give the runner's own session the same path
-- so app migrations applied on this connection behave identically.
do $$
begin
  perform pg_catalog.set_config('search_path', '"$user", public, extensions', false);
end
$$;
alter role postgres set search_path = "$user", public, extensions;
