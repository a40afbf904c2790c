-- Bootstrap 0008: the `graphql_public` schema that Supabase exposes next to `public`.
-- pg_graphql is not available, so graphql_public.graphql() is a stand-in that answers
-- every query with a GraphQL-shaped error instead of a missing-function error.

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

create schema if not exists graphql_public;
alter schema graphql_public owner to supabase_admin;

create or replace function graphql_public.graphql(
  "operationName" text default null,
  query text default null,
  variables jsonb default null,
  extensions jsonb default null
) returns jsonb
language sql stable
as $$
  select jsonb_build_object(
    'errors', jsonb_build_array(
      jsonb_build_object('message', 'pg_graphql extension is not enabled.')
    )
  )
$$;
alter function graphql_public.graphql(text, text, jsonb, jsonb) owner to supabase_admin;

grant usage on schema graphql_public to postgres, anon, authenticated, service_role;
grant execute on function graphql_public.graphql(text, text, jsonb, jsonb)
  to postgres, anon, authenticated, service_role;

alter default privileges in schema graphql_public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema graphql_public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges in schema graphql_public
  grant all on routines to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema graphql_public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema graphql_public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema graphql_public
  grant all on routines to postgres, anon, authenticated, service_role;
