-- Bootstrap 0011: state the Auth service keeps for itself, in Postgres so that every Basalt
-- node in front of the database sees the same: the local mail outbox (what would have been
-- sent when no SMTP server is configured) and the request counters of the rate limiter.

set local client_min_messages = warning;

create schema if not exists _basalt;
revoke all on schema _basalt from public;
grant usage on schema _basalt to supabase_auth_admin;

create table if not exists _basalt.auth_outbox (
  id bigserial primary key,
  created_at timestamptz not null default now(),
  kind text not null,          -- confirmation, recovery, magic_link, invite, email_change, ...
  to_address text not null,
  subject text not null,
  body text not null,          -- rendered HTML
  user_id uuid,
  token text,                  -- the one-time code the mail carries (dev outbox only)
  token_hash text,
  redirect_to text
);
comment on table _basalt.auth_outbox is
  'Basalt: mail the Auth service would have sent (kept when no SMTP server is configured).';
create index if not exists auth_outbox_to_idx on _basalt.auth_outbox (lower(to_address), id desc);

-- Token buckets of the rate limiter: one row per (limit, client key). Every node takes from
-- the same row, so a limit holds for the whole deployment.
create table if not exists _basalt.auth_rate_limits (
  bucket text not null,
  key text not null,
  tokens double precision not null,
  updated_at double precision not null,  -- unix seconds, as the caller's clock gave them
  primary key (bucket, key)
);
comment on table _basalt.auth_rate_limits is
  'Basalt: token buckets per client for the Auth rate limits ([auth.rate_limit]).';

grant select, insert, update, delete on _basalt.auth_outbox, _basalt.auth_rate_limits
  to supabase_auth_admin;
grant usage, select on sequence _basalt.auth_outbox_id_seq to supabase_auth_admin;
