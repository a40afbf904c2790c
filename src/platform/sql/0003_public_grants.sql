-- Bootstrap 0003: privileges on the `public` schema. As on Supabase, the API roles may use
-- everything in it and row level security is what restricts rows: a table an app
-- migration creates later (as postgres or supabase_admin) is reachable at once.

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

grant usage on schema public to postgres, anon, authenticated, service_role;

grant all on all tables in schema public to postgres, anon, authenticated, service_role;
grant all on all sequences in schema public to postgres, anon, authenticated, service_role;
grant all on all routines in schema public to postgres, anon, authenticated, service_role;

alter default privileges for role postgres in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on routines to postgres, anon, authenticated, service_role;

alter default privileges for role supabase_admin in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on routines to postgres, anon, authenticated, service_role;
