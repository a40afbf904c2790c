-- Bootstrap 0001: the cluster roles a Supabase project has before any app migration.
-- Roles are created only when missing, so this also runs against clusters that already
-- have them (a restored Supabase dump, or an earlier run). Passwords are never set here;
-- logins are configured by the runner.

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

do $$
begin
  -- API roles. PostgREST-style requests switch to one of these with SET ROLE; they never
  -- log in themselves.
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;

  -- The login role of the API layer: it may become any of the API roles and nothing more.
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;

  -- Platform administrator, as on Supabase (some dumps and extensions name it as owner).
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_admin') then
    create role supabase_admin login superuser createdb createrole replication bypassrls;
  end if;

  -- Service roles: each owns the tables of its service.
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit createrole noreplication;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin login noinherit createrole noreplication;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_realtime_admin') then
    create role supabase_realtime_admin nologin noinherit noreplication;
  end if;
end
$$;

-- service_role exists to skip row level security; make sure an existing role keeps that.
alter role service_role bypassrls;

-- Memberships:
--  * authenticator switches into the API roles; the storage service switches through it.
--  * postgres (the role app migrations run as) can act as every API and service role, e.g.
--    to test policies with SET ROLE or to manage triggers on auth tables.
-- A membership that would close a cycle with grants already in the database (some older
-- Supabase versions granted postgres to authenticator) is reported instead of failing.
do $$
declare
  pair text[];
begin
  foreach pair slice 1 in array array[
    ['anon', 'authenticator'],
    ['authenticated', 'authenticator'],
    ['service_role', 'authenticator'],
    ['authenticator', 'supabase_storage_admin'],
    ['anon', 'postgres'],
    ['authenticated', 'postgres'],
    ['service_role', 'postgres'],
    ['supabase_auth_admin', 'postgres'],
    ['supabase_storage_admin', 'postgres'],
    ['supabase_realtime_admin', 'postgres']
  ] loop
    if not exists (select from pg_catalog.pg_auth_members m
                   where m.roleid = pair[1]::regrole and m.member = pair[2]::regrole) then
      begin
        execute format('grant %I to %I', pair[1], pair[2]);
      exception when invalid_grant_operation then
        raise warning 'not granting % to %: %', pair[1], pair[2], sqlerrm;
      end;
    end if;
  end loop;
end
$$;

-- Per-role session defaults as Supabase ships them. They apply to sessions that log in as
-- the role (the API layer applies them itself after SET ROLE).
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = 60000;
alter role supabase_storage_admin set search_path = storage;
alter role supabase_admin set search_path = "$user", public, auth, extensions;
