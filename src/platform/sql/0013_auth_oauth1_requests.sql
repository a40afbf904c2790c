-- Bootstrap 0013: Twitter's OAuth 1.0a sign-ins in flight. The request token (and its secret)
-- that GET /authorize obtained waits here for the one GET /callback, on whichever node, that
-- brings it back with the same flow's state: a callback can only finish the flow it belongs
-- to, only once, and the access-token request is signed with the token's secret.
set local client_min_messages = warning;
create table if not exists _basalt.auth_oauth1_requests (
  state_id text primary key,
  token text not null,
  secret text not null,
  created_at timestamptz not null default now()
);
comment on table _basalt.auth_oauth1_requests is
  'Basalt: OAuth 1.0a request tokens between /authorize and /callback (Twitter sign-in).';
grant select, insert, delete on _basalt.auth_oauth1_requests to supabase_auth_admin;
