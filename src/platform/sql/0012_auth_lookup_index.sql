-- Bootstrap 0012: the Auth service finds accounts by lower(email) and audience (sign-in,
-- /otp, /recover, /resend, /verify with a code). Supabase's own index leads with instance_id,
-- which Basalt's lookups do not filter on, so they get an index of their own.
set local client_min_messages = warning;
create index if not exists users_lower_email_aud_idx on auth.users (lower(email), aud);
comment on index auth.users_lower_email_aud_idx is
  'Basalt: account lookup by email address and audience.';
