-- Repeatable: the state transitions of the Auth service (/auth/v1), one function per step, so
-- that each request is one round trip and every write to auth.* happens in SQL that fires the
-- app's triggers (handle_new_user() & co.) inside the request's transaction. Basalt's C++ side
-- validates input, hashes passwords, signs tokens and shapes the JSON; these functions only
-- read and write rows. They run as supabase_auth_admin (the owner of the auth tables), with
-- search_path = auth as Supabase Auth's connections have it. Random tokens come from the
-- caller; one-time tokens arrive already hashed.

set local client_min_messages = warning;

-- A user as the Auth API shows it: the row without secrets, plus identities and factors.
create or replace function _basalt.auth_user(p_user_id uuid) returns jsonb
language plpgsql stable set search_path = auth, pg_catalog
set timezone = 'UTC' as $$
begin
  return (
    -- One jsonb - text[] (a single copy of the object) rather than nine - text operators.
    select (to_jsonb(u) - array['encrypted_password', 'confirmation_token', 'recovery_token',
                                'email_change_token_new', 'email_change_token_current',
                                'phone_change_token', 'reauthentication_token', 'instance_id',
                                'is_super_admin'])
      || jsonb_build_object(
        'has_password', coalesce(u.encrypted_password, '') <> '',
        'identities', coalesce((
          select jsonb_agg(to_jsonb(i) order by i.created_at, i.id)
          from auth.identities i where i.user_id = u.id), '[]'::jsonb),
        'factors', coalesce((
          select jsonb_agg(jsonb_build_object(
            'id', f.id, 'friendly_name', f.friendly_name, 'factor_type', f.factor_type,
            'status', f.status, 'created_at', f.created_at, 'updated_at', f.updated_at,
            'phone', f.phone, 'last_challenged_at', f.last_challenged_at)
            order by f.created_at, f.id)
          from auth.mfa_factors f where f.user_id = u.id), '[]'::jsonb))
    from auth.users u
    where u.id = p_user_id
  );
end
$$;

-- A session with its assurance level and authentication methods (most recent first).
create or replace function _basalt.auth_session(p_session_id uuid) returns jsonb
language plpgsql stable set search_path = auth, pg_catalog
set timezone = 'UTC' as $$
begin
  return (
    select jsonb_build_object(
      'id', s.id,
      'user_id', s.user_id,
      'created_at', s.created_at,
      'created_epoch', floor(extract(epoch from s.created_at))::bigint,
      'not_after', s.not_after,
      'aal', case when exists (
               select 1 from auth.mfa_amr_claims c
               where c.session_id = s.id
                 and c.authentication_method in ('totp', 'mfa/phone', 'mfa/webauthn'))
             then 'aal2' else 'aal1' end,
      'amr', coalesce((
        select jsonb_agg(jsonb_build_object(
                 'method', c.authentication_method,
                 'timestamp', floor(extract(epoch from c.updated_at))::bigint)
               order by c.updated_at desc)
        from auth.mfa_amr_claims c where c.session_id = s.id), '[]'::jsonb))
    from auth.sessions s
    where s.id = p_session_id
  );
end
$$;

-- One row of auth.audit_log_entries, shaped as Supabase Auth writes them.
create or replace function _basalt.auth_audit(p_actor_id uuid, p_action text, p_ip text,
                                              p_traits jsonb default null)
returns void language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user auth.users;
  v_payload jsonb;
begin
  select * into v_user from auth.users where id = p_actor_id;
  v_payload := jsonb_build_object(
    'actor_id', coalesce(p_actor_id::text, ''),
    'actor_via_sso', coalesce(v_user.is_sso_user, false),
    'actor_username', coalesce(nullif(v_user.phone, ''), v_user.email, ''),
    'action', p_action,
    'log_type', case
      when p_action in ('login', 'logout', 'invite_accepted') then 'account'
      when p_action in ('user_signedup', 'user_invited', 'user_deleted') then 'team'
      when p_action in ('token_revoked', 'token_refreshed') then 'token'
      when p_action in ('factor_in_progress', 'factor_unenrolled', 'challenge_created',
                        'verification_attempted', 'factor_deleted', 'factor_updated')
        then 'factor'
      else 'user' end);
  if v_user.raw_user_meta_data ? 'full_name' then
    v_payload := v_payload || jsonb_build_object('actor_name',
                                                 v_user.raw_user_meta_data -> 'full_name');
  end if;
  if p_traits is not null then
    v_payload := v_payload || jsonb_build_object('traits', p_traits);
  end if;
  insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
  values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), v_payload::json, now(),
          left(coalesce(p_ip, ''), 64));
end
$$;

-- An audit entry whose actor is an admin token (service_role), not a user.
create or replace function _basalt.auth_audit_admin(p_role text, p_action text, p_ip text,
                                                    p_traits jsonb)
returns void language plpgsql set search_path = auth, pg_catalog as $$
begin
  insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
  values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),
          jsonb_build_object('actor_id', '00000000-0000-0000-0000-000000000000',
                             'actor_via_sso', false, 'actor_username', p_role,
                             'action', p_action,
                             'log_type', case when p_action in ('user_signedup', 'user_invited',
                                                                'user_deleted') then 'team'
                                              else 'user' end,
                             'traits', p_traits)::json,
          now(), left(coalesce(p_ip, ''), 64));
end
$$;

-- Starts a session: session row, first refresh token, the amr claim, last_sign_in_at.
-- p: {user_id, method, refresh_token, ip, user_agent, factor_id?}
create or replace function _basalt.auth_start_session(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user_id uuid := (p ->> 'user_id')::uuid;
  v_session uuid := gen_random_uuid();
  v_now timestamptz := now();
begin
  insert into auth.sessions (id, user_id, created_at, updated_at, factor_id, aal, user_agent, ip)
  values (v_session, v_user_id, v_now, v_now, (p ->> 'factor_id')::uuid, 'aal1',
          nullif(p ->> 'user_agent', ''), nullif(p ->> 'ip', '')::inet);
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at,
                                   parent, session_id)
  values ('00000000-0000-0000-0000-000000000000', p ->> 'refresh_token', v_user_id::text, false,
          v_now, v_now, null, v_session);
  insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
  values (gen_random_uuid(), v_session, v_now, v_now, p ->> 'method')
  on conflict on constraint mfa_amr_claims_session_id_authentication_method_pkey
  do update set updated_at = excluded.updated_at;
  update auth.users set last_sign_in_at = v_now, updated_at = v_now where id = v_user_id;
  return jsonb_build_object('user', _basalt.auth_user(v_user_id),
                            'session', _basalt.auth_session(v_session),
                            'refresh_token', p ->> 'refresh_token');
end
$$;

-- Password sign-in, step 1: the account an email or phone names (nothing when none).
create or replace function _basalt.auth_password_account(p_email text, p_phone text, p_aud text)
returns jsonb language plpgsql stable set search_path = auth, pg_catalog as $$
begin
  return (
    select jsonb_build_object(
      'id', u.id,
      'hash', coalesce(u.encrypted_password, ''),
      'banned', coalesce(u.banned_until > now(), false),
      'email_confirmed', u.email_confirmed_at is not null,
      'phone_confirmed', u.phone_confirmed_at is not null)
    from auth.users u
    where u.aud = p_aud and u.is_sso_user = false
      and ((p_email is not null and lower(u.email) = lower(p_email))
           or (p_phone is not null and u.phone = p_phone))
    limit 1
  );
end
$$;

-- Password sign-in, step 2 (the password was checked by the caller): audit and a session.
-- p: {user_id, provider, method, refresh_token, ip, user_agent}
create or replace function _basalt.auth_sign_in(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
begin
  perform _basalt.auth_audit((p ->> 'user_id')::uuid, 'login', p ->> 'ip',
                             jsonb_build_object('provider', p ->> 'provider'));
  return _basalt.auth_start_session(p);
end
$$;

-- A new row of auth.users as Supabase Auth writes one: the zero instance id and empty (not
-- null) one-time token columns, which its queries and unique indexes expect.
create or replace function _basalt.auth_insert_user(p_id uuid, p_aud text, p_role text,
                                                    p_email text, p_phone text,
                                                    p_password_hash text, p_app_metadata jsonb,
                                                    p_user_metadata jsonb, p_anonymous boolean)
returns void language plpgsql set search_path = auth, pg_catalog as $$
begin
  insert into auth.users (
    instance_id, id, aud, role, email, phone, encrypted_password, raw_app_meta_data,
    raw_user_meta_data, created_at, updated_at, is_anonymous, confirmation_token,
    recovery_token, email_change_token_new, email_change, email_change_token_current,
    phone_change, phone_change_token, reauthentication_token)
  values (
    '00000000-0000-0000-0000-000000000000', p_id, p_aud, p_role, p_email, p_phone,
    coalesce(p_password_hash, ''), p_app_metadata, p_user_metadata, now(), now(), p_anonymous,
    '', '', '', '', '', '', '', '');
end
$$;

-- Sign-up with email or phone and a password hash, or anonymously.
-- p: {id, email?, phone?, password_hash, data, aud, provider ('email'|'phone'|'anonymous'),
--     autoconfirm, ip, user_agent, refresh_token, confirmation_token_hash?, mail?}
-- Returns {status: 'created'|'exists_confirmed'|'exists_unconfirmed', user, session?,
--          refresh_token?}; with autoconfirm a session is started at once.
create or replace function _basalt.auth_signup(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_provider text := p ->> 'provider';
  v_email text := lower(nullif(p ->> 'email', ''));
  v_phone text := nullif(p ->> 'phone', '');
  v_aud text := p ->> 'aud';
  v_data jsonb := coalesce(p -> 'data', '{}'::jsonb);
  v_user auth.users;
  v_id uuid;
  v_now timestamptz := now();
  v_identity jsonb;
  v_confirmed boolean;
  v_result jsonb;
begin
  if v_provider = 'email' then
    select * into v_user from auth.users
    where lower(email) = v_email and aud = v_aud and is_sso_user = false limit 1;
  elsif v_provider = 'phone' then
    select * into v_user from auth.users where phone = v_phone and aud = v_aud limit 1;
  end if;

  if v_user.id is not null then
    v_confirmed := case when v_provider = 'email' then v_user.email_confirmed_at is not null
                        else v_user.phone_confirmed_at is not null end;
    perform _basalt.auth_audit(v_user.id, 'user_repeated_signup', p ->> 'ip',
                               jsonb_build_object('provider', v_provider));
    if (p ->> 'autoconfirm')::boolean then
      -- Without confirmations there is nothing to hide: the address is taken.
      return jsonb_build_object('error', 'user_already_exists');
    end if;
    if v_confirmed then
      return jsonb_build_object('status', 'exists_confirmed');
    end if;
    if p ? 'confirmation_token_hash' and v_provider = 'email' then
      perform _basalt.auth_create_flow_state(v_user.id, p -> 'pkce');
      perform _basalt.auth_set_one_time_token(v_user.id, 'confirmation_token',
                                              p ->> 'confirmation_token_hash', v_email);
      update auth.users set confirmation_sent_at = v_now where id = v_user.id;
      perform _basalt.auth_queue_mail(v_user.id, p -> 'mail');
    end if;
    return jsonb_build_object('status', 'exists_unconfirmed', 'user', _basalt.auth_user(v_user.id));
  end if;

  v_id := coalesce((p ->> 'id')::uuid, gen_random_uuid());
  perform _basalt.auth_insert_user(
    v_id, v_aud, 'authenticated', v_email, v_phone, p ->> 'password_hash',
    case when v_provider = 'anonymous' then '{}'::jsonb
         else jsonb_build_object('provider', v_provider,
                                 'providers', jsonb_build_array(v_provider)) end,
    v_data, v_provider = 'anonymous');

  if v_provider <> 'anonymous' then
    v_identity := jsonb_build_object('sub', v_id::text);
    if v_provider = 'email' then
      v_identity := v_identity || jsonb_build_object('email', v_email);
    else
      v_identity := v_identity || jsonb_build_object('phone', v_phone);
    end if;
    v_identity := v_identity || jsonb_build_object('email_verified', false,
                                                   'phone_verified', false);
    -- Metadata keys the claims do not already have are copied into identity_data.
    perform _basalt.auth_link_identity(v_id, v_provider, v_data || v_identity);
  end if;

  if (p ->> 'autoconfirm')::boolean or v_provider = 'anonymous' then
    if v_provider = 'email' then
      update auth.users set email_confirmed_at = v_now where id = v_id;
    elsif v_provider = 'phone' then
      update auth.users set phone_confirmed_at = v_now where id = v_id;
    end if;
    perform _basalt.auth_audit(v_id, 'user_signedup', p ->> 'ip',
                               jsonb_build_object('provider', v_provider));
    perform _basalt.auth_audit(v_id, 'login', p ->> 'ip',
                               jsonb_build_object('provider', v_provider));
    v_result := _basalt.auth_start_session(p || jsonb_build_object(
      'user_id', v_id,
      'method', case v_provider when 'anonymous' then 'anonymous' else 'password' end));
    return v_result || jsonb_build_object('status', 'created');
  end if;

  perform _basalt.auth_audit(v_id, 'user_confirmation_requested', p ->> 'ip',
                             jsonb_build_object('provider', v_provider));
  perform _basalt.auth_create_flow_state(v_id, p -> 'pkce');
  if p ? 'confirmation_token_hash' then
    perform _basalt.auth_set_one_time_token(v_id, 'confirmation_token',
                                            p ->> 'confirmation_token_hash',
                                            coalesce(v_email, v_phone));
    update auth.users set confirmation_sent_at = v_now where id = v_id;
    perform _basalt.auth_queue_mail(v_id, p -> 'mail');
  end if;
  return jsonb_build_object('status', 'created', 'user', _basalt.auth_user(v_id));
end
$$;

-- Records a one-time token (already hashed by the caller) on the user row and in
-- auth.one_time_tokens, replacing an older one of the same type.
create or replace function _basalt.auth_set_one_time_token(p_user_id uuid, p_type text,
                                                           p_hash text, p_relates_to text)
returns void language plpgsql set search_path = auth, pg_catalog as $$
begin
  execute format('update auth.users set %I = $1 where id = $2', p_type) using p_hash, p_user_id;
  delete from auth.one_time_tokens where user_id = p_user_id
    and token_type = p_type::auth.one_time_token_type;
  insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to,
                                    created_at, updated_at)
  values (gen_random_uuid(), p_user_id, p_type::auth.one_time_token_type, p_hash,
          coalesce(p_relates_to, ''), now(), now());
end
$$;

-- Keeps a mail in the outbox. p: {kind, to, subject, body, token?, token_hash?, redirect_to?}
create or replace function _basalt.auth_queue_mail(p_user_id uuid, p jsonb) returns void
language plpgsql set search_path = auth, pg_catalog as $$
begin
  insert into _basalt.auth_outbox (kind, to_address, subject, body, user_id, token, token_hash,
                                   redirect_to)
  select p ->> 'kind', p ->> 'to', p ->> 'subject', p ->> 'body', p_user_id, p ->> 'token',
         p ->> 'token_hash', p ->> 'redirect_to'
  where p is not null and jsonb_typeof(p) = 'object';
end
$$;

-- Refresh-token grant with rotation and reuse detection.
-- p: {token, new_token, reuse_interval, rotation, ip, user_agent}
-- Returns {error: code} or {user, session, refresh_token}.
create or replace function _basalt.auth_refresh(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_token auth.refresh_tokens;
  v_active auth.refresh_tokens;
  v_session auth.sessions;
  v_user auth.users;
  v_issued text;
begin
  select * into v_token from auth.refresh_tokens where token = p ->> 'token' for update;
  if not found then
    return jsonb_build_object('error', 'refresh_token_not_found');
  end if;
  select * into v_user from auth.users where id = v_token.user_id::uuid;
  if not found then
    return jsonb_build_object('error', 'refresh_token_not_found');
  end if;
  if v_user.banned_until is not null and v_user.banned_until > now() then
    return jsonb_build_object('error', 'user_banned');
  end if;
  if v_token.session_id is not null then
    select * into v_session from auth.sessions where id = v_token.session_id for update;
  end if;
  if v_session.id is null then
    delete from auth.refresh_tokens where id = v_token.id;
    return jsonb_build_object('error', 'session_not_found');
  end if;
  if v_session.not_after is not null and v_session.not_after < now() then
    return jsonb_build_object('error', 'session_expired');
  end if;

  if v_token.revoked then
    select * into v_active from auth.refresh_tokens
    where session_id = v_session.id and revoked = false
    order by id desc limit 1;
    if v_active.id is not null and v_active.parent = v_token.token then
      -- The client lost the answer to its last refresh: give it the current token again.
      v_issued := v_active.token;
    elsif v_token.updated_at + make_interval(secs => (p ->> 'reuse_interval')::int) < now() then
      if (p ->> 'rotation')::boolean then
        update auth.refresh_tokens set revoked = true, updated_at = now()
        where session_id = v_session.id and revoked = false;
      end if;
      return jsonb_build_object('error', 'refresh_token_already_used');
    end if;
  end if;

  perform _basalt.auth_audit(v_user.id, 'token_refreshed', p ->> 'ip');
  if v_issued is null then
    perform _basalt.auth_audit(v_user.id, 'token_revoked', p ->> 'ip');
    update auth.refresh_tokens set revoked = true, updated_at = now() where id = v_token.id;
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at,
                                     updated_at, parent, session_id)
    values ('00000000-0000-0000-0000-000000000000', p ->> 'new_token', v_user.id::text, false,
            now(), now(), v_token.token, v_session.id);
    update auth.users set last_sign_in_at = now() where id = v_user.id;
    v_issued := p ->> 'new_token';
  end if;
  update auth.sessions
  set refreshed_at = (now() at time zone 'utc'), updated_at = now(),
      user_agent = nullif(p ->> 'user_agent', ''), ip = nullif(p ->> 'ip', '')::inet
  where id = v_session.id;
  return jsonb_build_object('user', _basalt.auth_user(v_user.id),
                            'session', _basalt.auth_session(v_session.id),
                            'refresh_token', v_issued);
end
$$;

-- The caller of an authenticated endpoint: the user of the token's sub and, when the token
-- names one, its session. Returns {user?, session?, session_missing}.
create or replace function _basalt.auth_caller(p_user_id uuid, p_session_id uuid) returns jsonb
language plpgsql stable set search_path = auth, pg_catalog as $$
begin
  return (
    select jsonb_build_object(
      'user', _basalt.auth_user(p_user_id),
      'hash', (select coalesce(encrypted_password, '') from auth.users where id = p_user_id),
      'banned', (select coalesce(banned_until > now(), false) from auth.users
                 where id = p_user_id),
      'session', case when p_session_id is null then null
                      else _basalt.auth_session(p_session_id) end)
  );
end
$$;

-- Sign-out. p_scope: global (all sessions of the user), local (this one), others.
create or replace function _basalt.auth_logout(p_user_id uuid, p_session_id uuid, p_scope text,
                                               p_ip text)
returns void language plpgsql set search_path = auth, pg_catalog as $$
begin
  perform _basalt.auth_audit(p_user_id, 'logout', p_ip);
  if p_session_id is not null and p_scope = 'local' then
    delete from auth.sessions where id = p_session_id;
  elsif p_session_id is not null and p_scope = 'others' then
    delete from auth.sessions where user_id = p_user_id and id <> p_session_id;
  else
    delete from auth.sessions where user_id = p_user_id;
    delete from auth.refresh_tokens where user_id = p_user_id::text;
  end if;
end
$$;

-- PUT /user and PUT /admin/users/{id}: applies the changes the caller validated.
-- p: {user_id, password_hash?, data?, app_metadata?, email?, phone?, email_confirm?,
--     phone_confirm?, role?, ban_until? ('none' lifts a ban), session_id?, ip, actor?}
create or replace function _basalt.auth_update_user(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_id uuid := (p ->> 'user_id')::uuid;
  v_user auth.users;
  v_now timestamptz := now();
begin
  select * into v_user from auth.users where id = v_id for update;
  if not found then
    return jsonb_build_object('error', 'user_not_found');
  end if;
  if p ? 'password_hash' then
    -- A new password voids pending one-time tokens and every other session.
    update auth.users
    set encrypted_password = p ->> 'password_hash', updated_at = v_now,
        confirmation_token = '', confirmation_sent_at = null, recovery_token = '',
        recovery_sent_at = null, email_change_token_current = '', email_change_token_new = '',
        email_change_sent_at = null, phone_change_token = '', phone_change_sent_at = null,
        reauthentication_token = '', reauthentication_sent_at = null
    where id = v_id;
    delete from auth.one_time_tokens where user_id = v_id;
    if p ? 'session_id' then
      delete from auth.sessions where user_id = v_id and id <> (p ->> 'session_id')::uuid;
    else
      delete from auth.sessions where user_id = v_id;
      delete from auth.refresh_tokens where user_id = v_id::text;
    end if;
    perform _basalt.auth_audit(v_id, 'user_updated_password', p ->> 'ip');
  end if;
  if p ? 'data' and jsonb_typeof(p -> 'data') = 'object' then
    update auth.users
    set raw_user_meta_data = _basalt.auth_merge_metadata(raw_user_meta_data, p -> 'data'),
        updated_at = v_now
    where id = v_id;
  end if;
  if p ? 'app_metadata' and jsonb_typeof(p -> 'app_metadata') = 'object' then
    update auth.users
    set raw_app_meta_data = _basalt.auth_merge_metadata(raw_app_meta_data, p -> 'app_metadata'),
        updated_at = v_now
    where id = v_id;
  end if;
  if p ? 'role' then
    update auth.users set role = p ->> 'role', updated_at = v_now where id = v_id;
  end if;
  if p ? 'email' then
    perform _basalt.auth_link_identity(v_id, 'email',
      jsonb_build_object('sub', v_id::text, 'email', lower(p ->> 'email'),
                         'email_verified', coalesce((p ->> 'email_confirm')::boolean, false),
                         'phone_verified', false));
    update auth.users
    set email = lower(p ->> 'email'), updated_at = v_now,
        is_anonymous = case when coalesce((p ->> 'email_confirm')::boolean, false) then false
                            else is_anonymous end,
        raw_app_meta_data = _basalt.auth_add_provider(raw_app_meta_data, 'email')
    where id = v_id;
  end if;
  if p ? 'phone' then
    perform _basalt.auth_link_identity(v_id, 'phone',
      jsonb_build_object('sub', v_id::text, 'phone', p ->> 'phone',
                         'email_verified', false,
                         'phone_verified', coalesce((p ->> 'phone_confirm')::boolean, false)));
    update auth.users
    set phone = p ->> 'phone', updated_at = v_now,
        is_anonymous = case when coalesce((p ->> 'phone_confirm')::boolean, false) then false
                            else is_anonymous end,
        raw_app_meta_data = _basalt.auth_add_provider(raw_app_meta_data, 'phone')
    where id = v_id;
  end if;
  if coalesce((p ->> 'email_confirm')::boolean, false) then
    update auth.users set email_confirmed_at = coalesce(email_confirmed_at, v_now)
    where id = v_id;
  end if;
  if coalesce((p ->> 'phone_confirm')::boolean, false) then
    update auth.users set phone_confirmed_at = coalesce(phone_confirmed_at, v_now)
    where id = v_id;
  end if;
  if p ? 'ban_seconds' then
    update auth.users
    set banned_until = case when (p ->> 'ban_seconds')::bigint = 0 then null
                            else v_now + make_interval(secs => (p ->> 'ban_seconds')::double precision) end,
        updated_at = v_now
    where id = v_id;
  end if;
  if p ? 'actor' then
    perform _basalt.auth_audit_admin(p ->> 'actor', 'user_modified', p ->> 'ip',
      jsonb_build_object('user_id', v_id, 'user_email', v_user.email, 'user_phone', v_user.phone));
  else
    perform _basalt.auth_audit(v_id, 'user_modified', p ->> 'ip');
  end if;
  return jsonb_build_object('user', _basalt.auth_user(v_id));
end
$$;

-- Metadata updates merge key by key; a key set to null is removed.
create or replace function _basalt.auth_merge_metadata(p_current jsonb, p_update jsonb)
returns jsonb language plpgsql immutable set search_path = pg_catalog as $$
begin
  return (
    select (coalesce(p_current, '{}'::jsonb) || p_update)
      - coalesce((select array_agg(key) from jsonb_each(p_update) where value = 'null'::jsonb),
                 '{}'::text[])
  );
end
$$;

create or replace function _basalt.auth_add_provider(p_app jsonb, p_provider text) returns jsonb
language plpgsql immutable set search_path = pg_catalog as $$
begin
  return (
    select coalesce(p_app, '{}'::jsonb)
      || jsonb_build_object('provider', coalesce(p_app ->> 'provider', p_provider))
      || jsonb_build_object('providers',
           case when coalesce(p_app -> 'providers', '[]'::jsonb) ? p_provider
                then p_app -> 'providers'
                else coalesce(p_app -> 'providers', '[]'::jsonb) || to_jsonb(p_provider) end)
  );
end
$$;

-- Creates the identity of a provider for a user, or updates its data.
create or replace function _basalt.auth_link_identity(p_user_id uuid, p_provider text,
                                                      p_data jsonb)
returns void language plpgsql set search_path = auth, pg_catalog as $$
begin
  update auth.identities set identity_data = identity_data || p_data, updated_at = now()
  where user_id = p_user_id and provider = p_provider and provider_id = p_user_id::text;
  if not found then
    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at,
                                 created_at, updated_at)
    values (p_user_id::text, p_user_id, p_data, p_provider, now(), now(), now());
  end if;
end
$$;

-- POST /admin/users. p: {id?, email?, phone?, password_hash, aud, role, user_metadata,
--   app_metadata?, email_confirm, phone_confirm, ban_seconds?, actor, ip}
-- Returns {error: 'email_exists'|'phone_exists'|'id_exists'} or {user}.
create or replace function _basalt.auth_admin_create_user(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_id uuid := coalesce((p ->> 'id')::uuid, gen_random_uuid());
  v_email text := lower(nullif(p ->> 'email', ''));
  v_phone text := nullif(p ->> 'phone', '');
  v_aud text := p ->> 'aud';
  v_providers jsonb := '[]'::jsonb;
  v_now timestamptz := now();
begin
  if v_email is not null then
    if exists (select 1 from auth.users where lower(email) = v_email and aud = v_aud
               and is_sso_user = false) then
      return jsonb_build_object('error', 'email_exists');
    end if;
    v_providers := v_providers || '["email"]'::jsonb;
  end if;
  if v_phone is not null then
    if exists (select 1 from auth.users where phone = v_phone and aud = v_aud) then
      return jsonb_build_object('error', 'phone_exists');
    end if;
    v_providers := v_providers || '["phone"]'::jsonb;
  end if;
  if exists (select 1 from auth.users where id = v_id) then
    return jsonb_build_object('error', 'id_exists');
  end if;
  perform _basalt.auth_insert_user(
    v_id, v_aud, coalesce(nullif(p ->> 'role', ''), 'authenticated'), v_email, v_phone,
    p ->> 'password_hash',
    jsonb_build_object('provider', v_providers ->> 0, 'providers', v_providers)
      || coalesce(p -> 'app_metadata', '{}'::jsonb),
    coalesce(p -> 'user_metadata', '{}'::jsonb), false);
  -- Confirmed and banned states are set after the insert, as Supabase Auth does.
  if coalesce((p ->> 'email_confirm')::boolean, false)
     or coalesce((p ->> 'phone_confirm')::boolean, false)
     or coalesce((p ->> 'ban_seconds')::bigint, 0) > 0 then
    update auth.users
    set email_confirmed_at = case when coalesce((p ->> 'email_confirm')::boolean, false)
                                  then v_now end,
        phone_confirmed_at = case when coalesce((p ->> 'phone_confirm')::boolean, false)
                                  then v_now end,
        banned_until = case when coalesce((p ->> 'ban_seconds')::bigint, 0) > 0
                            then v_now + make_interval(secs => (p ->> 'ban_seconds')::double precision) end
    where id = v_id;
  end if;
  if v_email is not null then
    perform _basalt.auth_link_identity(v_id, 'email',
      jsonb_build_object('sub', v_id::text, 'email', v_email, 'email_verified', false,
                         'phone_verified', false));
  end if;
  if v_phone is not null then
    perform _basalt.auth_link_identity(v_id, 'phone',
      jsonb_build_object('sub', v_id::text, 'phone', v_phone, 'email_verified', false,
                         'phone_verified', false));
  end if;
  perform _basalt.auth_audit_admin(p ->> 'actor', 'user_signedup', p ->> 'ip',
    jsonb_build_object('user_id', v_id, 'user_email', v_email, 'user_phone', v_phone,
                       'provider', v_providers ->> 0));
  return jsonb_build_object('user', _basalt.auth_user(v_id));
end
$$;

-- GET /admin/users: one page, newest first, optionally filtered by email or name.
create or replace function _basalt.auth_admin_list_users(p_aud text, p_page int, p_per_page int,
                                                         p_filter text)
returns jsonb language sql stable set search_path = auth, pg_catalog as $$
  with matching as (
    select u.id, u.created_at from auth.users u
    where u.aud = p_aud
      and (coalesce(p_filter, '') = ''
           or u.email ilike '%' || p_filter || '%'
           or u.raw_user_meta_data ->> 'full_name' ilike '%' || p_filter || '%')
  )
  select jsonb_build_object(
    'total', (select count(*) from matching),
    'users', coalesce((
      select jsonb_agg(_basalt.auth_user(page.id) order by page.created_at desc, page.id)
      from (select id, created_at from matching order by created_at desc, id
            limit p_per_page offset (p_page - 1) * p_per_page) page), '[]'::jsonb))
$$;

-- DELETE /admin/users/{id}: hard delete (cascades), or soft delete as GoTrue does it.
create or replace function _basalt.auth_admin_delete_user(p_user_id uuid, p_soft boolean,
                                                          p_actor text, p_ip text)
returns jsonb language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user auth.users;
begin
  select * into v_user from auth.users where id = p_user_id for update;
  if not found then
    return jsonb_build_object('error', 'user_not_found');
  end if;
  perform _basalt.auth_audit_admin(p_actor, 'user_deleted', p_ip,
    jsonb_build_object('user_id', v_user.id, 'user_email', v_user.email,
                       'user_phone', v_user.phone));
  if not p_soft then
    delete from auth.users where id = p_user_id;
    return '{}'::jsonb;
  end if;
  if v_user.deleted_at is not null then
    return '{}'::jsonb;
  end if;
  -- Soft delete: the row stays (foreign keys keep pointing at it), but its addresses and
  -- secrets are scrambled so the account can never sign in and its email can be reused.
  update auth.users
  set deleted_at = now(), updated_at = now(),
      email = case when email is null then null
                   else encode(sha256(convert_to(email || id::text, 'UTF8')), 'hex') end,
      phone = case when phone is null then null
                   else encode(sha256(convert_to(phone || id::text, 'UTF8')), 'hex') end,
      encrypted_password = '', confirmation_token = '', recovery_token = '',
      email_change_token_current = '', email_change_token_new = '', email_change = '',
      phone_change_token = '', phone_change = '', reauthentication_token = '',
      raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb
  where id = p_user_id;
  update auth.identities
  set provider_id = encode(sha256(convert_to(provider_id || user_id::text, 'UTF8')), 'hex'),
      identity_data = '{}'::jsonb
  where user_id = p_user_id;
  delete from auth.mfa_factors where user_id = p_user_id;
  delete from auth.sessions where user_id = p_user_id;
  delete from auth.refresh_tokens where user_id = p_user_id::text;
  return '{}'::jsonb;
end
$$;

-- Sends a one-time link/code: stores its hash and the sent time, queues the mail. The
-- address may ask again only after max_frequency seconds (GoTrue's 429).
-- p: {user_id, kind: 'confirmation'|'recovery'|'magic_link'|'reauthentication', token_hash,
--     relates_to, mail, max_frequency, ip}
create or replace function _basalt.auth_send_token(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_id uuid := (p ->> 'user_id')::uuid;
  v_user auth.users;
  v_sent timestamptz;
  v_column text;
  v_type text;
  v_wait double precision;
begin
  select * into v_user from auth.users where id = v_id for update;
  if not found then
    return jsonb_build_object('error', 'user_not_found');
  end if;
  if p ->> 'kind' = 'confirmation' then
    v_sent := v_user.confirmation_sent_at; v_column := 'confirmation_sent_at';
    v_type := 'confirmation_token';
  elsif p ->> 'kind' = 'reauthentication' then
    v_sent := v_user.reauthentication_sent_at; v_column := 'reauthentication_sent_at';
    v_type := 'reauthentication_token';
  else
    v_sent := v_user.recovery_sent_at; v_column := 'recovery_sent_at';
    v_type := 'recovery_token';
  end if;
  v_wait := extract(epoch from (v_sent + make_interval(secs => coalesce((p ->> 'max_frequency')::double precision, 0)) - now()));
  if v_sent is not null and v_wait > 0 then
    return jsonb_build_object('error', 'over_email_send_rate_limit', 'seconds', ceil(v_wait));
  end if;
  perform _basalt.auth_set_one_time_token(v_id, v_type, p ->> 'token_hash', p ->> 'relates_to');
  perform _basalt.auth_create_flow_state(v_id, p -> 'pkce');
  execute format('update auth.users set %I = now() where id = $1', v_column) using v_id;
  if p ->> 'kind' in ('recovery', 'magic_link') then
    perform _basalt.auth_audit(v_id, 'user_recovery_requested', p ->> 'ip');
  elsif p ->> 'kind' = 'reauthentication' then
    perform _basalt.auth_audit(v_id, 'user_reauthenticate_requested', p ->> 'ip');
  else
    perform _basalt.auth_audit(v_id, 'user_confirmation_requested', p ->> 'ip',
                               jsonb_build_object('provider', 'email'));
  end if;
  perform _basalt.auth_queue_mail(v_id, p -> 'mail');
  return '{}'::jsonb;
end
$$;

-- The account behind an email address (for /otp, /recover, /resend): {id, confirmed} or null.
create or replace function _basalt.auth_email_account(p_email text, p_aud text) returns jsonb
language plpgsql stable set search_path = auth, pg_catalog as $$
begin
  return (
    select jsonb_build_object('id', u.id, 'confirmed', u.email_confirmed_at is not null,
                              'email_change', coalesce(u.email_change, ''),
                              'metadata', coalesce(u.raw_user_meta_data, '{}'::jsonb))
    from auth.users u
    where lower(u.email) = lower(p_email) and u.aud = p_aud and u.is_sso_user = false
    limit 1
  );
end
$$;

-- Starts an email change: the new address (and, with double confirmation, the current one)
-- each get a code. p: {user_id, new_email, token_hash_new, token_hash_current?, mails: [...],
-- max_frequency, ip}
create or replace function _basalt.auth_start_email_change(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_id uuid := (p ->> 'user_id')::uuid;
  v_user auth.users;
  v_wait double precision;
  v_mail jsonb;
begin
  select * into v_user from auth.users where id = v_id for update;
  v_wait := extract(epoch from (v_user.email_change_sent_at
            + make_interval(secs => coalesce((p ->> 'max_frequency')::double precision, 0)) - now()));
  if v_user.email_change_sent_at is not null and v_wait > 0 then
    return jsonb_build_object('error', 'over_email_send_rate_limit', 'seconds', ceil(v_wait));
  end if;
  update auth.users
  set email_change = lower(p ->> 'new_email'),
      email_change_token_new = p ->> 'token_hash_new',
      email_change_token_current = coalesce(p ->> 'token_hash_current', ''),
      email_change_confirm_status = 0,
      email_change_sent_at = now(), updated_at = now()
  where id = v_id;
  delete from auth.one_time_tokens where user_id = v_id
    and token_type in ('email_change_token_new', 'email_change_token_current');
  insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at,
                                    updated_at)
  values (gen_random_uuid(), v_id, 'email_change_token_new', p ->> 'token_hash_new',
          lower(p ->> 'new_email'), now(), now());
  if p ? 'token_hash_current' then
    insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to,
                                      created_at, updated_at)
    values (gen_random_uuid(), v_id, 'email_change_token_current', p ->> 'token_hash_current',
            coalesce(v_user.email, ''), now(), now());
  end if;
  for v_mail in select * from jsonb_array_elements(coalesce(p -> 'mails', '[]'::jsonb)) loop
    perform _basalt.auth_queue_mail(v_id, v_mail);
  end loop;
  perform _basalt.auth_audit(v_id, 'user_modified', p ->> 'ip');
  return jsonb_build_object('user', _basalt.auth_user(v_id));
end
$$;

-- POST/GET /verify: checks a one-time token and applies what it confirms, then starts a
-- session. p: {type, token_hash, email? (code form), aud, otp_expiry, double_confirm,
-- refresh_token, ip, user_agent}. Returns {error, message?}, {single_confirmation: true} or
-- {user, session, refresh_token, type}.
create or replace function _basalt.auth_verify(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_type text := p ->> 'type';
  v_hash text := p ->> 'token_hash';
  v_email text := lower(nullif(p ->> 'email', ''));
  v_by_link boolean := v_email is null;
  v_expired_msg text;
  v_user auth.users;
  v_sent timestamptz;
  v_exp interval := make_interval(secs => (p ->> 'otp_expiry')::double precision);
  v_ok boolean := false;
  v_pkce boolean := left(v_hash, 5) = 'pkce_';
  v_code text;
begin
  v_expired_msg := case when v_by_link then 'Email link is invalid or has expired'
                        else 'Token has expired or is invalid' end;
  if v_by_link then
    -- One branch per token column, each matching its partial unique index (token hashes are
    -- hex or 'pkce_'-prefixed, never only digits), so a link is found without a scan.
    select * into v_user from auth.users u where u.id = (
      select x.id from (
        select id from auth.users where v_type in ('email', 'signup', 'invite')
          and confirmation_token = v_hash and confirmation_token !~ '^[0-9 ]*$'
        union all
        select id from auth.users where v_type in ('email', 'recovery', 'magiclink')
          and recovery_token = v_hash and recovery_token !~ '^[0-9 ]*$'
        union all
        select id from auth.users where v_type = 'email_change'
          and email_change_token_current = v_hash and email_change_token_current !~ '^[0-9 ]*$'
        union all
        select id from auth.users where v_type = 'email_change'
          and email_change_token_new = v_hash and email_change_token_new !~ '^[0-9 ]*$'
      ) x limit 1)
    for update;
  elsif v_type = 'email_change' then
    select * into v_user from auth.users u
    where u.aud = p ->> 'aud' and (lower(u.email) = v_email or lower(u.email_change) = v_email)
      and (u.email_change_token_current = v_hash or u.email_change_token_new = v_hash)
    limit 1 for update;
  else
    select * into v_user from auth.users u
    where lower(u.email) = v_email and u.aud = p ->> 'aud' and u.is_sso_user = false
    limit 1 for update;
  end if;
  if v_user.id is null then
    return jsonb_build_object('error', 'otp_expired', 'message', v_expired_msg);
  end if;
  if v_user.banned_until is not null and v_user.banned_until > now() then
    return jsonb_build_object('error', 'user_banned_verify');
  end if;

  -- Which token matched decides the kind (an email OTP is a sign-up or a magic link).
  -- A code typed by the user also matches a token stored for a PKCE flow ('pkce_' + hash).
  if not v_by_link and not v_pkce then
    if v_user.confirmation_token = 'pkce_' || v_hash then
      v_hash := v_user.confirmation_token;
    elsif v_user.recovery_token = 'pkce_' || v_hash then
      v_hash := v_user.recovery_token;
    end if;
  end if;
  if v_type in ('email', 'signup', 'invite')
     and v_user.confirmation_token = v_hash and v_hash <> '' then
    v_sent := v_user.confirmation_sent_at;
    if v_type = 'email' then v_type := 'signup'; end if;
    v_ok := true;
  elsif v_type in ('email', 'recovery', 'magiclink')
        and v_user.recovery_token = v_hash and v_hash <> '' then
    v_sent := v_user.recovery_sent_at;
    if v_type = 'email' then v_type := 'magiclink'; end if;
    v_ok := true;
  elsif v_type = 'email_change' and v_hash <> ''
        and (v_user.email_change_token_current = v_hash or v_user.email_change_token_new = v_hash) then
    v_sent := v_user.email_change_sent_at;
    v_ok := true;
  end if;
  if not v_ok or v_sent is null or v_sent + v_exp < now() then
    return jsonb_build_object('error', 'otp_expired', 'message', v_expired_msg);
  end if;

  if v_type in ('signup', 'invite') then
    perform _basalt.auth_audit(v_user.id, 'user_signedup', p ->> 'ip',
                               jsonb_build_object('provider', 'email'));
    update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()),
                          confirmation_token = '', updated_at = now()
    where id = v_user.id;
    delete from auth.one_time_tokens where user_id = v_user.id
      and token_type = 'confirmation_token';
    update auth.identities
    set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = now()
    where user_id = v_user.id and email = lower(v_user.email);
  elsif v_type in ('recovery', 'magiclink') then
    update auth.users set recovery_token = '', updated_at = now() where id = v_user.id;
    delete from auth.one_time_tokens where user_id = v_user.id and token_type = 'recovery_token';
    if v_user.email_confirmed_at is null then
      perform _basalt.auth_audit(v_user.id, 'user_signedup', p ->> 'ip',
                                 jsonb_build_object('provider', 'email'));
      update auth.users set email_confirmed_at = now() where id = v_user.id;
    else
      perform _basalt.auth_audit(v_user.id, 'login', p ->> 'ip');
    end if;
  else
    -- email_change: with double confirmation both addresses must confirm.
    if (p ->> 'double_confirm')::boolean and v_user.email_change_token_current <> ''
       and v_user.email_change_confirm_status = 0 then
      if v_user.email_change_token_current = v_hash then
        update auth.users set email_change_token_current = '', email_change_confirm_status = 1
        where id = v_user.id;
      else
        update auth.users set email_change_token_new = '', email_change_confirm_status = 1
        where id = v_user.id;
      end if;
      return jsonb_build_object('single_confirmation', true);
    end if;
    perform _basalt.auth_audit(v_user.id, 'user_modified', p ->> 'ip');
    update auth.users
    set email = lower(email_change), email_change = '', email_change_token_new = '',
        email_change_token_current = '', email_change_confirm_status = 0,
        email_confirmed_at = now(), is_anonymous = false, updated_at = now(),
        raw_app_meta_data = _basalt.auth_add_provider(raw_app_meta_data, 'email')
    where id = v_user.id;
    delete from auth.one_time_tokens where user_id = v_user.id
      and token_type in ('email_change_token_new', 'email_change_token_current');
    perform _basalt.auth_link_identity(v_user.id, 'email',
      jsonb_build_object('sub', v_user.id::text, 'email', lower(v_user.email_change),
                         'email_verified', true, 'phone_verified', false));
  end if;

  if v_pkce and v_by_link and coalesce((p ->> 'get')::boolean, false) then
    -- PKCE: the app exchanges this code (with its verifier) for the session.
    update auth.flow_state f set auth_code_issued_at = now(), updated_at = now()
    where f.id = (select id from auth.flow_state where user_id = v_user.id
                  order by created_at desc limit 1)
    returning f.auth_code into v_code;
    if v_code is null then
      return jsonb_build_object('error', 'flow_state_not_found');
    end if;
    return jsonb_build_object('code', v_code, 'type', v_type);
  end if;
  return _basalt.auth_start_session(jsonb_build_object(
           'user_id', v_user.id, 'method', 'otp', 'refresh_token', p ->> 'refresh_token',
           'ip', p ->> 'ip', 'user_agent', p ->> 'user_agent'))
         || jsonb_build_object('type', v_type);
end
$$;

-- MFA: enrol a TOTP factor. p: {user_id, friendly_name, secret, factor_type, max_factors,
-- session_aal, ip}. Returns {error} or {id}.
create or replace function _basalt.auth_mfa_enroll(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user uuid := (p ->> 'user_id')::uuid;
  v_id uuid := gen_random_uuid();
  v_count int;
  v_verified int;
begin
  perform 1 from auth.users where id = v_user for update;
  -- Unverified factors older than a day are abandoned enrolments.
  delete from auth.mfa_factors
  where user_id = v_user and status = 'unverified' and created_at < now() - interval '1 day';
  if exists (select 1 from auth.mfa_factors where user_id = v_user
             and coalesce(friendly_name, '') = coalesce(p ->> 'friendly_name', '')) then
    return jsonb_build_object('error', 'mfa_factor_name_conflict');
  end if;
  select count(*), count(*) filter (where status = 'verified') into v_count, v_verified
  from auth.mfa_factors where user_id = v_user;
  if v_count >= (p ->> 'max_factors')::int then
    return jsonb_build_object('error', 'too_many_enrolled_mfa_factors');
  end if;
  if v_verified > 0 and coalesce(p ->> 'session_aal', '') <> 'aal2' then
    return jsonb_build_object('error', 'insufficient_aal_enroll');
  end if;
  insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at,
                                updated_at, secret)
  values (v_id, v_user, p ->> 'friendly_name', (p ->> 'factor_type')::auth.factor_type,
          'unverified', now(), now(), p ->> 'secret');
  perform _basalt.auth_audit(v_user, 'factor_in_progress', p ->> 'ip',
                             jsonb_build_object('factor_id', v_id));
  return jsonb_build_object('id', v_id);
end
$$;

-- MFA: a challenge against one of the user's factors. Returns {error} or {id, created_at}.
create or replace function _basalt.auth_mfa_challenge(p_user_id uuid, p_factor_id uuid, p_ip text)
returns jsonb language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_id uuid := gen_random_uuid();
  v_type text;
begin
  select factor_type::text into v_type from auth.mfa_factors
  where id = p_factor_id and user_id = p_user_id for update;
  if not found then
    return jsonb_build_object('error', 'mfa_factor_not_found');
  end if;
  insert into auth.mfa_challenges (id, factor_id, created_at, ip_address)
  values (v_id, p_factor_id, now(), coalesce(nullif(p_ip, ''), '0.0.0.0')::inet);
  update auth.mfa_factors set last_challenged_at = now() where id = p_factor_id;
  perform _basalt.auth_audit(p_user_id, 'challenge_created', p_ip,
                             jsonb_build_object('factor_id', p_factor_id, 'challenge_id', v_id));
  return jsonb_build_object('id', v_id, 'type', v_type,
                            'created_at', floor(extract(epoch from now()))::bigint);
end
$$;

-- Replaced by _basalt.auth_mfa_verify_state (R_auth_phone.sql), which serves TOTP and phone
-- factors alike.
drop function if exists _basalt.auth_mfa_challenge_state(uuid, uuid, uuid);

-- MFA: a factor's code was right and its challenge is used up. Marks the factor verified,
-- raises the session to aal2 with an amr claim for p_method and a fresh refresh token, ends
-- the user's other aal1 sessions and drops their other unverified factors of the same type.
-- p: {user_id, factor_id, session_id, refresh_token}. Returns {user, session, refresh_token}.
create or replace function _basalt.auth_mfa_raise_session(p jsonb, p_method text)
returns jsonb language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user uuid := (p ->> 'user_id')::uuid;
  v_factor uuid := (p ->> 'factor_id')::uuid;
  v_session uuid := (p ->> 'session_id')::uuid;
  v_parent text;
  v_type auth.factor_type;
begin
  update auth.mfa_factors set status = 'verified', updated_at = now()
  where id = v_factor returning factor_type into v_type;
  insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
  values (gen_random_uuid(), v_session, now(), now(), p_method)
  on conflict on constraint mfa_amr_claims_session_id_authentication_method_pkey
  do update set updated_at = excluded.updated_at;
  update auth.sessions set aal = 'aal2', factor_id = v_factor, updated_at = now()
  where id = v_session;
  select token into v_parent from auth.refresh_tokens
  where session_id = v_session and revoked = false order by id desc limit 1;
  update auth.refresh_tokens set revoked = true, updated_at = now()
  where session_id = v_session and revoked = false;
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at,
                                   parent, session_id)
  values ('00000000-0000-0000-0000-000000000000', p ->> 'refresh_token', v_user::text, false,
          now(), now(), v_parent, v_session);
  delete from auth.sessions where user_id = v_user and id <> v_session
    and coalesce(aal, 'aal1') < 'aal2';
  delete from auth.mfa_factors where user_id = v_user and id <> v_factor
    and status = 'unverified' and factor_type = v_type;
  return jsonb_build_object('user', _basalt.auth_user(v_user),
                            'session', _basalt.auth_session(v_session),
                            'refresh_token', p ->> 'refresh_token');
end
$$;

-- MFA: a TOTP code was right. Audits, marks the challenge verified and raises the session
-- (auth_mfa_raise_session, amr 'totp'). p: {user_id, factor_id, challenge_id, session_id,
-- refresh_token, ip, user_agent}. Returns {user, session, refresh_token}.
create or replace function _basalt.auth_mfa_verified(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
begin
  perform _basalt.auth_audit((p ->> 'user_id')::uuid, 'verification_attempted', p ->> 'ip',
    jsonb_build_object('factor_id', (p ->> 'factor_id')::uuid,
                       'challenge_id', p ->> 'challenge_id', 'factor_type', 'totp'));
  update auth.mfa_challenges set verified_at = now() where id = (p ->> 'challenge_id')::uuid;
  return _basalt.auth_mfa_raise_session(p, 'totp');
end
$$;

-- MFA: remove a factor (the user's own, or any with p_admin). Sessions it raised fall back to
-- aal1. Returns {error} or {id}.
create or replace function _basalt.auth_mfa_unenroll(p_user_id uuid, p_factor_id uuid,
                                                     p_session_aal text, p_admin boolean,
                                                     p_ip text)
returns jsonb language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_status auth.factor_status;
begin
  select status into v_status from auth.mfa_factors
  where id = p_factor_id and user_id = p_user_id for update;
  if not found then
    return jsonb_build_object('error', 'mfa_factor_not_found');
  end if;
  if not p_admin and v_status = 'verified' and coalesce(p_session_aal, '') <> 'aal2' then
    return jsonb_build_object('error', 'insufficient_aal_unenroll');
  end if;
  perform _basalt.auth_audit(p_user_id, case when p_admin then 'factor_deleted'
                                             else 'factor_unenrolled' end, p_ip,
                             jsonb_build_object('factor_id', p_factor_id));
  delete from auth.mfa_amr_claims c using auth.sessions s
  where c.session_id = s.id and s.factor_id = p_factor_id
    and c.authentication_method in ('totp', 'mfa/phone', 'mfa/webauthn');
  update auth.sessions set aal = 'aal1', factor_id = null, updated_at = now()
  where factor_id = p_factor_id;
  delete from auth.mfa_factors where id = p_factor_id;
  return jsonb_build_object('id', p_factor_id);
end
$$;

-- Rate limiting: takes one token from the bucket of (p_bucket, p_key) at time p_now (unix
-- seconds, from the caller so tests need no sleeping). A bucket holds at most p_burst tokens
-- and refills p_rate per second; a new bucket starts full. True when a token was taken.
-- Same arithmetic as src/auth/rate_limit.cpp.
create or replace function _basalt.auth_rate_take(p_bucket text, p_key text,
                                                  p_now double precision,
                                                  p_rate double precision,
                                                  p_burst double precision)
returns boolean language plpgsql set search_path = pg_catalog as $$
declare
  v_tokens double precision;
  v_at double precision;
  v_allowed boolean;
begin
  insert into _basalt.auth_rate_limits (bucket, key, tokens, updated_at)
  values (p_bucket, p_key, p_burst, p_now)
  on conflict (bucket, key) do nothing;
  select tokens, updated_at into v_tokens, v_at from _basalt.auth_rate_limits
  where bucket = p_bucket and key = p_key for update;
  v_tokens := least(p_burst, v_tokens + greatest(0, p_now - v_at) * p_rate);
  v_allowed := v_tokens >= 1;
  if v_allowed then
    v_tokens := v_tokens - 1;
  end if;
  update _basalt.auth_rate_limits set tokens = v_tokens, updated_at = greatest(v_at, p_now)
  where bucket = p_bucket and key = p_key;
  return v_allowed;
end
$$;

-- POST /admin/generate_link and POST /invite: stores a one-time token for an address (creating
-- the user for signup and invite) and, for /invite, queues the mail. p: {type: 'signup' |
-- 'invite' | 'magiclink' | 'recovery' | 'email_change_current' | 'email_change_new', email,
-- new_email?, token_hash, password_hash?, data, aud, actor, ip, mail?}
-- Returns {error} or {user}.
create or replace function _basalt.auth_generate_link(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_type text := p ->> 'type';
  v_email text := lower(p ->> 'email');
  v_aud text := p ->> 'aud';
  v_user auth.users;
  v_id uuid;
  v_now timestamptz := now();
begin
  select * into v_user from auth.users
  where lower(email) = v_email and aud = v_aud and is_sso_user = false limit 1 for update;
  if v_user.id is null then
    if v_type in ('recovery', 'email_change_current', 'email_change_new') then
      return jsonb_build_object('error', 'user_not_found_by_email');
    end if;
    if v_type = 'magiclink' then
      v_type := 'signup';
    end if;
    v_id := gen_random_uuid();
    perform _basalt.auth_insert_user(
      v_id, v_aud, 'authenticated', v_email, null, p ->> 'password_hash',
      '{"provider": "email", "providers": ["email"]}'::jsonb,
      coalesce(p -> 'data', '{}'::jsonb), false);
    perform _basalt.auth_link_identity(v_id, 'email',
      coalesce(p -> 'data', '{}'::jsonb)
        || jsonb_build_object('sub', v_id::text, 'email', v_email,
                              'email_verified', false, 'phone_verified', false));
    select * into v_user from auth.users where id = v_id;
  elsif v_type in ('signup', 'invite') and v_user.email_confirmed_at is not null then
    return jsonb_build_object('error', 'email_exists');
  elsif v_type = 'signup' and p ? 'data' then
    update auth.users
    set raw_user_meta_data = _basalt.auth_merge_metadata(raw_user_meta_data, p -> 'data')
    where id = v_user.id;
  end if;

  if v_type in ('magiclink', 'recovery') then
    perform _basalt.auth_audit(v_user.id, 'user_recovery_requested', p ->> 'ip');
    perform _basalt.auth_set_one_time_token(v_user.id, 'recovery_token', p ->> 'token_hash',
                                            v_email);
    update auth.users set recovery_sent_at = v_now where id = v_user.id;
  elsif v_type in ('signup', 'invite') then
    if v_type = 'invite' then
      perform _basalt.auth_audit_admin(p ->> 'actor', 'user_invited', p ->> 'ip',
        jsonb_build_object('user_id', v_user.id, 'user_email', v_email));
      update auth.users set invited_at = v_now where id = v_user.id;
    end if;
    perform _basalt.auth_set_one_time_token(v_user.id, 'confirmation_token', p ->> 'token_hash',
                                            v_email);
    update auth.users set confirmation_sent_at = v_now where id = v_user.id;
  else
    if exists (select 1 from auth.users where lower(email) = lower(p ->> 'new_email')
               and aud = v_aud and id <> v_user.id and is_sso_user = false) then
      return jsonb_build_object('error', 'email_exists');
    end if;
    update auth.users
    set email_change = lower(p ->> 'new_email'), email_change_sent_at = v_now,
        email_change_confirm_status = 0,
        email_change_token_current = case when v_type = 'email_change_current'
                                          then p ->> 'token_hash' else '' end,
        email_change_token_new = case when v_type = 'email_change_new'
                                      then p ->> 'token_hash' else '' end
    where id = v_user.id;
    delete from auth.one_time_tokens where user_id = v_user.id
      and token_type in ('email_change_token_new', 'email_change_token_current');
    insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to,
                                      created_at, updated_at)
    values (gen_random_uuid(), v_user.id,
            case when v_type = 'email_change_current' then 'email_change_token_current'
                 else 'email_change_token_new' end::auth.one_time_token_type,
            p ->> 'token_hash',
            case when v_type = 'email_change_current' then v_email
                 else lower(p ->> 'new_email') end, v_now, v_now);
  end if;
  perform _basalt.auth_queue_mail(v_user.id, p -> 'mail');
  return jsonb_build_object('user', _basalt.auth_user(v_user.id), 'type', v_type);
end
$$;

-- PUT /user with a nonce: the reauthentication code GET /reauthenticate sent is used up when
-- p_hash is its hash and it is younger than p_expiry seconds, or, with p_checked (Twilio
-- Verify checked the code), when one is pending at all. Returns true when it was used up.
drop function if exists _basalt.auth_use_reauthentication(uuid, text, int);
create or replace function _basalt.auth_use_reauthentication(p_user_id uuid, p_hash text,
                                                             p_expiry int, p_checked boolean)
returns jsonb language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_ok boolean;
begin
  select reauthentication_token <> ''
         and (case when p_checked then reauthentication_sent_at is not null
                   else reauthentication_token = p_hash
                        and reauthentication_sent_at + make_interval(secs => p_expiry) >= now()
              end)
  into v_ok from auth.users where id = p_user_id for update;
  if coalesce(v_ok, false) then
    update auth.users set reauthentication_token = '', reauthentication_sent_at = null
    where id = p_user_id;
    delete from auth.one_time_tokens where user_id = p_user_id
      and token_type = 'reauthentication_token';
  end if;
  return to_jsonb(coalesce(v_ok, false));
end
$$;

-- Whether a reauthentication code is pending for the user (asked before Twilio Verify is).
create or replace function _basalt.auth_reauthentication_pending(p_user_id uuid)
returns jsonb language sql stable set search_path = auth, pg_catalog as $$
  select to_jsonb(coalesce((select reauthentication_token <> ''
                                   and reauthentication_sent_at is not null
                            from auth.users where id = p_user_id), false))
$$;

-- PKCE: the flow a mail link belongs to. p_pkce: {challenge, method, authentication_method}.
create or replace function _basalt.auth_create_flow_state(p_user_id uuid, p_pkce jsonb)
returns void language sql set search_path = auth, pg_catalog as $$
  insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge,
                               provider_type, authentication_method, created_at, updated_at)
  select gen_random_uuid(), p_user_id, gen_random_uuid()::text,
         (p_pkce ->> 'method')::auth.code_challenge_method, p_pkce ->> 'challenge', 'email',
         p_pkce ->> 'authentication_method', now(), now()
  where p_pkce is not null and jsonb_typeof(p_pkce) = 'object'
$$;

-- PKCE, POST /token?grant_type=pkce step 1: the flow an auth code names (null when none).
create or replace function _basalt.auth_flow_state(p_auth_code text) returns jsonb
language plpgsql stable set search_path = auth, pg_catalog as $$
begin
  return (
    select jsonb_build_object(
      'id', f.id, 'user_id', f.user_id, 'challenge', f.code_challenge,
      'method', f.code_challenge_method, 'authentication_method', f.authentication_method,
      'provider_type', f.provider_type,
      'issued_epoch', floor(extract(epoch from coalesce(f.auth_code_issued_at, f.created_at)))::bigint)
    from auth.flow_state f where f.auth_code = p_auth_code and f.user_id is not null
    limit 1
  );
end
$$;

-- PKCE step 2 (the verifier matched): the flow is used up and a session starts.
-- p: {flow_id, user_id, method, refresh_token, ip, user_agent}
create or replace function _basalt.auth_pkce_sign_in(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
begin
  delete from auth.flow_state where id = (p ->> 'flow_id')::uuid;
  if not found then
    return jsonb_build_object('error', 'flow_state_not_found');
  end if;
  perform _basalt.auth_audit((p ->> 'user_id')::uuid, 'login', p ->> 'ip',
                             jsonb_build_object('provider_type', 'email'));
  return _basalt.auth_start_session(p);
end
$$;

revoke all on all functions in schema _basalt from public;
grant execute on all functions in schema _basalt to supabase_auth_admin;
