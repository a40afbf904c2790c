-- Repeatable: the phone side of the Auth service (/auth/v1): sign-up and sign-in with SMS
-- codes, phone changes, reauthentication by SMS and phone MFA factors. Like R_auth_api.sql
-- (whose helpers these reuse), one function per request step, run as supabase_auth_admin;
-- codes arrive already hashed (GoTrue's hash of number and code), and the caller sends the
-- SMS inside the same transaction, after the function has agreed, so a failed send rolls the
-- step back. Phone numbers are E.164 digits without '+', as GoTrue stores them.

set local client_min_messages = warning;

-- Equality of two stored secrets that does not time where they differ: both sides are hashed
-- again under a fresh random key before `=` compares them.
create or replace function _basalt.auth_phone_equal(p_a text, p_b text) returns boolean
language plpgsql volatile set search_path = pg_catalog as $$
declare
  v_key text := gen_random_uuid()::text;
begin
  if coalesce(p_a, '') = '' or coalesce(p_b, '') = '' then
    return false;
  end if;
  return sha256(convert_to(v_key || p_a, 'UTF8')) = sha256(convert_to(v_key || p_b, 'UTF8'));
end
$$;

-- GoTrue's max_frequency rule: another code only once `p_sent` is more than `p_seconds` ago.
-- Returns null, or {error: 'over_sms_send_rate_limit', seconds} (whole seconds left).
create or replace function _basalt.auth_phone_too_soon(p_sent timestamptz,
                                                       p_seconds double precision)
returns jsonb language plpgsql stable set search_path = pg_catalog as $$
declare
  v_left double precision;
begin
  if p_sent is null then
    return null;
  end if;
  v_left := extract(epoch from (p_sent + make_interval(secs => coalesce(p_seconds, 0)) - now()));
  if v_left < 0 then
    return null;
  end if;
  return jsonb_build_object('error', 'over_sms_send_rate_limit', 'seconds', trunc(v_left));
end
$$;

-- Stores an SMS code for a user: p_kind 'confirmation' (sign-up and sign-in), 'phone_change'
-- (p_phone is the new number) or 'reauthentication'. Returns null or the too-soon error.
create or replace function _basalt.auth_phone_set_token(p_user_id uuid, p_kind text,
                                                        p_hash text, p_phone text,
                                                        p_max_frequency double precision)
returns jsonb language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user auth.users;
  v_wait jsonb;
begin
  select * into v_user from auth.users where id = p_user_id for update;
  v_wait := _basalt.auth_phone_too_soon(case p_kind
                                          when 'confirmation' then v_user.confirmation_sent_at
                                          when 'phone_change' then v_user.phone_change_sent_at
                                          else v_user.reauthentication_sent_at end,
                                        p_max_frequency);
  if v_wait is not null then
    return v_wait;
  end if;
  if p_kind = 'confirmation' then
    update auth.users set confirmation_sent_at = now() where id = p_user_id;
    perform _basalt.auth_set_one_time_token(p_user_id, 'confirmation_token', p_hash, p_phone);
  elsif p_kind = 'phone_change' then
    update auth.users set phone_change = p_phone, phone_change_sent_at = now()
    where id = p_user_id;
    perform _basalt.auth_set_one_time_token(p_user_id, 'phone_change_token', p_hash, p_phone);
  else
    update auth.users set reauthentication_sent_at = now() where id = p_user_id;
    perform _basalt.auth_set_one_time_token(p_user_id, 'reauthentication_token', p_hash,
                                            p_phone);
  end if;
  return null;
end
$$;

-- A new phone user (not yet confirmed) with its phone identity.
create or replace function _basalt.auth_phone_new_user(p_id uuid, p_phone text, p_aud text,
                                                       p_password_hash text, p_data jsonb)
returns void language plpgsql set search_path = auth, pg_catalog as $$
begin
  perform _basalt.auth_insert_user(
    p_id, p_aud, 'authenticated', null, p_phone, p_password_hash,
    '{"provider": "phone", "providers": ["phone"]}'::jsonb, coalesce(p_data, '{}'::jsonb), false);
  -- Metadata keys the claims do not already have are copied into identity_data.
  perform _basalt.auth_link_identity(p_id, 'phone',
    coalesce(p_data, '{}'::jsonb)
      || jsonb_build_object('sub', p_id::text, 'phone', p_phone, 'email_verified', false,
                            'phone_verified', false));
end
$$;

-- The phone is confirmed (a sign-up without confirmations, or a verified SMS code).
create or replace function _basalt.auth_phone_confirm(p_user_id uuid) returns void
language sql set search_path = auth, pg_catalog as $$
  update auth.users
  set phone_confirmed_at = coalesce(phone_confirmed_at, now()), confirmation_token = '',
      updated_at = now()
  where id = p_user_id;
  delete from auth.one_time_tokens where user_id = p_user_id;
$$;

-- The account behind a phone number (or, when p_phone is empty, an email address), for
-- /resend: {id, phone, phone_change, phone_confirmed, email, email_change, metadata} or null.
create or replace function _basalt.auth_phone_account(p_phone text, p_email text, p_aud text)
returns jsonb language plpgsql stable set search_path = auth, pg_catalog as $$
begin
  return (
    select jsonb_build_object('id', u.id, 'phone', coalesce(u.phone, ''),
                              'phone_change', coalesce(u.phone_change, ''),
                              'phone_confirmed', u.phone_confirmed_at is not null,
                              'email', coalesce(u.email, ''),
                              'email_change', coalesce(u.email_change, ''),
                              'metadata', coalesce(u.raw_user_meta_data, '{}'::jsonb))
    from auth.users u
    where u.aud = p_aud and u.is_sso_user = false
      and ((coalesce(p_phone, '') <> '' and u.phone = p_phone)
           or (coalesce(p_phone, '') = '' and lower(u.email) = lower(p_email)))
    limit 1
  );
end
$$;

-- POST /otp with a phone. An unknown or unconfirmed number signs up first (random password):
-- with confirmations the code confirms the sign-up, without them the user is confirmed at once
-- and the code signs in, as GoTrue does. p: {phone, aud, data, password_hash, create_user,
-- signup_allowed, autoconfirm, token_hash, max_frequency, channel, ip}
-- Returns {error[, seconds]} or {status: 'signup'|'otp', sms_to}.
create or replace function _basalt.auth_phone_otp(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_phone text := p ->> 'phone';
  v_user auth.users;
  v_id uuid;
  v_wait jsonb;
begin
  select * into v_user from auth.users
  where phone = v_phone and aud = p ->> 'aud' and is_sso_user = false limit 1 for update;
  if v_user.id is null and not coalesce((p ->> 'create_user')::boolean, true) then
    return jsonb_build_object('error', 'otp_disabled');
  end if;
  v_id := v_user.id;
  if v_user.id is null or v_user.phone_confirmed_at is null then
    if not coalesce((p ->> 'signup_allowed')::boolean, true) then
      return jsonb_build_object('error', 'signup_disabled');
    end if;
    if v_id is null then
      v_id := gen_random_uuid();
      perform _basalt.auth_phone_new_user(v_id, v_phone, p ->> 'aud', p ->> 'password_hash',
                                          p -> 'data');
    end if;
    if not coalesce((p ->> 'autoconfirm')::boolean, false) then
      perform _basalt.auth_audit(v_id, 'user_confirmation_requested', p ->> 'ip',
                                 jsonb_build_object('provider', 'phone'));
      v_wait := _basalt.auth_phone_set_token(v_id, 'confirmation', p ->> 'token_hash', v_phone,
                                             (p ->> 'max_frequency')::double precision);
      if v_wait is not null then
        return v_wait;
      end if;
      return jsonb_build_object('status', 'signup', 'sms_to', v_phone);
    end if;
    perform _basalt.auth_audit(v_id, 'user_signedup', p ->> 'ip',
                               jsonb_build_object('provider', 'phone',
                                                  'channel', p ->> 'channel'));
    perform _basalt.auth_phone_confirm(v_id);
  end if;
  perform _basalt.auth_audit(v_id, 'user_recovery_requested', p ->> 'ip',
                             jsonb_build_object('channel', p ->> 'channel'));
  v_wait := _basalt.auth_phone_set_token(v_id, 'confirmation', p ->> 'token_hash', v_phone,
                                         (p ->> 'max_frequency')::double precision);
  if v_wait is not null then
    return v_wait;
  end if;
  return jsonb_build_object('status', 'otp', 'sms_to', v_phone);
end
$$;

-- POST /signup with a phone and a password hash. p: {phone, password_hash, data, aud,
-- autoconfirm, token_hash?, max_frequency, channel, ip, user_agent, refresh_token}
-- With confirmations: {status: 'exists_confirmed'} (the caller answers as for a new user),
-- {status: 'created'|'exists_unconfirmed', user, sms_to}, or the too-soon error. Without:
-- {error: 'user_already_exists'} or {status, user, session, refresh_token}.
create or replace function _basalt.auth_phone_signup(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_phone text := p ->> 'phone';
  v_user auth.users;
  v_id uuid;
  v_status text := 'created';
  v_wait jsonb;
begin
  select * into v_user from auth.users
  where phone = v_phone and aud = p ->> 'aud' and is_sso_user = false limit 1 for update;
  if v_user.phone_confirmed_at is not null then
    perform _basalt.auth_audit(v_user.id, 'user_repeated_signup', p ->> 'ip',
                               jsonb_build_object('provider', 'phone'));
    if coalesce((p ->> 'autoconfirm')::boolean, false) then
      return jsonb_build_object('error', 'user_already_exists');
    end if;
    return jsonb_build_object('status', 'exists_confirmed');
  end if;
  v_id := v_user.id;
  if v_id is null then
    v_id := coalesce((p ->> 'id')::uuid, gen_random_uuid());
    perform _basalt.auth_phone_new_user(v_id, v_phone, p ->> 'aud', p ->> 'password_hash',
                                        p -> 'data');
  else
    -- An unconfirmed account: nothing about it changes (who asks is not proven yet).
    v_status := 'exists_unconfirmed';
  end if;
  if coalesce((p ->> 'autoconfirm')::boolean, false) then
    perform _basalt.auth_audit(v_id, 'user_signedup', p ->> 'ip',
                               jsonb_build_object('provider', 'phone',
                                                  'channel', p ->> 'channel'));
    perform _basalt.auth_phone_confirm(v_id);
    perform _basalt.auth_audit(v_id, 'login', p ->> 'ip',
                               jsonb_build_object('provider', 'phone'));
    return _basalt.auth_start_session(p || jsonb_build_object('user_id', v_id,
                                                              'method', 'password'))
           || jsonb_build_object('status', v_status);
  end if;
  perform _basalt.auth_audit(v_id, 'user_confirmation_requested', p ->> 'ip',
                             jsonb_build_object('provider', 'phone'));
  v_wait := _basalt.auth_phone_set_token(v_id, 'confirmation', p ->> 'token_hash', v_phone,
                                         (p ->> 'max_frequency')::double precision);
  if v_wait is not null then
    return v_wait;
  end if;
  return jsonb_build_object('status', v_status, 'user', _basalt.auth_user(v_id),
                            'sms_to', v_phone);
end
$$;

-- Another code for a known user: POST /resend (sms, phone_change) and GET /reauthenticate.
-- p: {user_id, kind, token_hash, phone (where the code goes), max_frequency, ip, action?}
-- Returns the too-soon error or {sms_to}.
create or replace function _basalt.auth_phone_send_token(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_id uuid := (p ->> 'user_id')::uuid;
  v_wait jsonb;
begin
  if p ? 'action' then
    perform _basalt.auth_audit(v_id, p ->> 'action', p ->> 'ip');
  end if;
  v_wait := _basalt.auth_phone_set_token(v_id, p ->> 'kind', p ->> 'token_hash', p ->> 'phone',
                                         (p ->> 'max_frequency')::double precision);
  if v_wait is not null then
    return v_wait;
  end if;
  return jsonb_build_object('sms_to', p ->> 'phone');
end
$$;

-- PUT /user with a new phone while confirmations are on: the other changes of the request
-- (_basalt.auth_update_user's argument) and the phone-change code, in one step. The new number
-- is confirmed by POST /verify type phone_change. p: update_user's p plus
-- {phone_change: {phone, token_hash, max_frequency}}. Returns {error[, seconds]} or
-- {user, sms_to}.
create or replace function _basalt.auth_phone_update_user(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_id uuid := (p ->> 'user_id')::uuid;
  v_change jsonb := p -> 'phone_change';
  v_user auth.users;
  v_wait jsonb;
  v_row jsonb;
begin
  select * into v_user from auth.users where id = v_id for update;
  if not found then
    return jsonb_build_object('error', 'user_not_found');
  end if;
  v_wait := _basalt.auth_phone_too_soon(v_user.phone_change_sent_at,
                                        (v_change ->> 'max_frequency')::double precision);
  if v_wait is not null then
    return v_wait;
  end if;
  -- First the update (a new password clears pending codes), then the new code.
  v_row := _basalt.auth_update_user(p - 'phone_change');
  if v_row ? 'error' then
    return v_row;
  end if;
  perform _basalt.auth_phone_set_token(v_id, 'phone_change', v_change ->> 'token_hash',
                                       v_change ->> 'phone', 0);
  return jsonb_build_object('user', _basalt.auth_user(v_id), 'sms_to', v_change ->> 'phone');
end
$$;

-- POST /verify under Twilio Verify, before Twilio is asked about the code: {} when a user
-- waits for a code at this number ('sms': its phone, 'phone_change': its pending number),
-- else the error auth_phone_verify would give ({error: 'otp_expired', message} or
-- {error: 'user_banned_verify'}), as GoTrue looks the user up first.
create or replace function _basalt.auth_phone_verify_target(p_type text, p_phone text,
                                                            p_aud text)
returns jsonb language plpgsql stable set search_path = auth, pg_catalog as $$
declare
  v_banned timestamptz;
  v_found boolean;
begin
  -- (Two plain predicates, as auth_phone_verify has, so the phone index serves 'sms'.)
  if p_type = 'sms' then
    select true, banned_until into v_found, v_banned from auth.users
    where phone = p_phone and aud = p_aud and is_sso_user = false limit 1;
  else
    select true, banned_until into v_found, v_banned from auth.users
    where phone_change = p_phone and aud = p_aud and is_sso_user = false limit 1;
  end if;
  if v_found is null then
    return jsonb_build_object('error', 'otp_expired',
                              'message', 'Token has expired or is invalid');
  end if;
  if v_banned is not null and v_banned > now() then
    return jsonb_build_object('error', 'user_banned_verify');
  end if;
  return '{}'::jsonb;
end
$$;

-- POST /verify with a phone and a code: type 'sms' confirms the number (sign-up or sign-in),
-- 'phone_change' moves the user to the pending number. p: {type, phone, token_hash, checked
-- (the caller found the code right: the number's [auth.sms.test_otp] code, or Twilio Verify
-- approved it), aud, otp_expiry, refresh_token, ip, user_agent}. Returns {error, message?} or {user, session, refresh_token, type}.
create or replace function _basalt.auth_phone_verify(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_type text := p ->> 'type';
  v_phone text := p ->> 'phone';
  v_user auth.users;
  v_expected text;
  v_sent timestamptz;
  v_invalid constant jsonb := jsonb_build_object('error', 'otp_expired',
                                                 'message', 'Token has expired or is invalid');
begin
  if v_type = 'sms' then
    select * into v_user from auth.users
    where phone = v_phone and aud = p ->> 'aud' and is_sso_user = false limit 1 for update;
  else
    select * into v_user from auth.users
    where phone_change = v_phone and aud = p ->> 'aud' and is_sso_user = false
    limit 1 for update;
  end if;
  if v_user.id is null then
    return v_invalid;
  end if;
  if v_user.banned_until is not null and v_user.banned_until > now() then
    return jsonb_build_object('error', 'user_banned_verify');
  end if;
  if v_type = 'sms' then
    v_expected := v_user.confirmation_token;
    v_sent := v_user.confirmation_sent_at;
  else
    v_expected := v_user.phone_change_token;
    v_sent := v_user.phone_change_sent_at;
  end if;
  if not coalesce((p ->> 'checked')::boolean, false)
     and (v_sent is null
          or v_sent + make_interval(secs => (p ->> 'otp_expiry')::double precision) < now()
          or not _basalt.auth_phone_equal(p ->> 'token_hash', v_expected)) then
    return v_invalid;
  end if;

  if v_type = 'sms' then
    perform _basalt.auth_audit(v_user.id, 'user_signedup', p ->> 'ip',
                               jsonb_build_object('provider', 'phone'));
    perform _basalt.auth_phone_confirm(v_user.id);
  else
    perform _basalt.auth_audit(v_user.id, 'user_modified', p ->> 'ip');
    perform _basalt.auth_link_identity(v_user.id, 'phone',
      jsonb_build_object('sub', v_user.id::text, 'phone', v_user.phone_change,
                         'email_verified', false, 'phone_verified', true));
    update auth.users
    set phone = phone_change, phone_change = '', phone_change_token = '',
        phone_confirmed_at = now(), updated_at = now()
    where id = v_user.id;
    delete from auth.one_time_tokens where user_id = v_user.id;
  end if;
  update auth.users
  set is_anonymous = false,
      raw_app_meta_data = _basalt.auth_add_provider(raw_app_meta_data, 'phone')
  where id = v_user.id;
  return _basalt.auth_start_session(jsonb_build_object(
           'user_id', v_user.id, 'method', 'otp', 'refresh_token', p ->> 'refresh_token',
           'ip', p ->> 'ip', 'user_agent', p ->> 'user_agent'))
         || jsonb_build_object('type', v_type);
end
$$;

-- MFA: enrol a phone factor. A verified factor for the same number is a conflict; unverified
-- ones for it are replaced. Otherwise the checks of _basalt.auth_mfa_enroll. p: {user_id,
-- friendly_name, phone, max_factors, session_aal, ip}. Returns {error} or {id}.
create or replace function _basalt.auth_mfa_phone_enroll(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user uuid := (p ->> 'user_id')::uuid;
  v_row jsonb;
begin
  perform 1 from auth.users where id = v_user for update;
  if exists (select 1 from auth.mfa_factors where user_id = v_user and factor_type = 'phone'
             and phone = p ->> 'phone' and status = 'verified') then
    return jsonb_build_object('error', 'mfa_verified_factor_exists');
  end if;
  delete from auth.mfa_factors where user_id = v_user and factor_type = 'phone'
    and phone = p ->> 'phone' and status = 'unverified';
  v_row := _basalt.auth_mfa_enroll((p - 'phone') || jsonb_build_object('factor_type', 'phone'));
  if v_row ? 'error' then
    return v_row;
  end if;
  update auth.mfa_factors set phone = p ->> 'phone' where id = (v_row ->> 'id')::uuid;
  return v_row;
end
$$;

-- MFA: a challenge against any of the user's factors. TOTP factors get _basalt.auth_mfa_
-- challenge's; a phone factor stores the hash of the code the caller then sends by SMS
-- (never the code), at most once per max_frequency. p: {user_id, factor_id, ip, otp_hash,
-- max_frequency, phone_error? (why a phone factor cannot be challenged now)}.
-- Returns {error[, seconds]} or {id, type, created_at[, sms_to]}.
create or replace function _basalt.auth_mfa_challenge_factor(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user uuid := (p ->> 'user_id')::uuid;
  v_factor auth.mfa_factors;
  v_id uuid := gen_random_uuid();
  v_wait jsonb;
begin
  select * into v_factor from auth.mfa_factors
  where id = (p ->> 'factor_id')::uuid and user_id = v_user for update;
  if not found then
    return jsonb_build_object('error', 'mfa_factor_not_found');
  end if;
  if v_factor.factor_type <> 'phone' then
    return _basalt.auth_mfa_challenge(v_user, v_factor.id, p ->> 'ip');
  end if;
  if p ? 'phone_error' then
    return jsonb_build_object('error', p ->> 'phone_error');
  end if;
  v_wait := _basalt.auth_phone_too_soon(v_factor.last_challenged_at,
                                        (p ->> 'max_frequency')::double precision);
  if v_wait is not null then
    return v_wait;
  end if;
  insert into auth.mfa_challenges (id, factor_id, created_at, ip_address, otp_code)
  values (v_id, v_factor.id, now(), coalesce(nullif(p ->> 'ip', ''), '0.0.0.0')::inet,
          p ->> 'otp_hash');
  update auth.mfa_factors set last_challenged_at = now() where id = v_factor.id;
  perform _basalt.auth_audit(v_user, 'challenge_created', p ->> 'ip',
                             jsonb_build_object('factor_id', v_factor.id, 'challenge_id', v_id,
                                                'factor_status', v_factor.status));
  return jsonb_build_object('id', v_id, 'type', 'phone',
                            'created_at', floor(extract(epoch from now()))::bigint,
                            'sms_to', v_factor.phone);
end
$$;

-- MFA: what verifying a challenge needs, for any factor type: {factor_type, status, secret,
-- phone, otp_code (a phone code's hash), created_at, ip, verified}; {error: 'mfa_challenge_not_found',
-- factor_type?} when the challenge (or the factor) is not the user's.
create or replace function _basalt.auth_mfa_verify_state(p_user_id uuid, p_factor_id uuid,
                                                         p_challenge_id uuid)
returns jsonb language plpgsql stable set search_path = auth, pg_catalog as $$
begin
  return (
    select coalesce(
      (select jsonb_build_object(
         'secret', f.secret, 'status', f.status, 'factor_type', f.factor_type,
         'phone', f.phone, 'otp_code', c.otp_code,
         'created_at', floor(extract(epoch from c.created_at))::bigint,
         'ip', host(c.ip_address), 'verified', c.verified_at is not null)
       from auth.mfa_factors f join auth.mfa_challenges c on c.factor_id = f.id
       where f.id = p_factor_id and f.user_id = p_user_id and c.id = p_challenge_id),
      jsonb_build_object('error', 'mfa_challenge_not_found')
        || coalesce((select jsonb_build_object('factor_type', f.factor_type)
                     from auth.mfa_factors f where f.id = p_factor_id and f.user_id = p_user_id),
                    '{}'::jsonb))
  );
end
$$;

-- MFA: a phone factor's code was right (checked by the caller). The challenge is used up (a
-- second use fails), then the session is raised as for TOTP (auth_mfa_raise_session in
-- R_auth_api.sql) with the 'mfa/phone' method. p: {user_id, factor_id, challenge_id,
-- session_id, refresh_token, ip, user_agent}. Returns {error} or {user, session,
-- refresh_token}.
create or replace function _basalt.auth_mfa_phone_verified(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_factor uuid := (p ->> 'factor_id')::uuid;
begin
  update auth.mfa_challenges set verified_at = now()
  where id = (p ->> 'challenge_id')::uuid and factor_id = v_factor and verified_at is null;
  if not found then
    return jsonb_build_object('error', 'mfa_challenge_used');
  end if;
  perform _basalt.auth_audit((p ->> 'user_id')::uuid, 'verification_attempted', p ->> 'ip',
    jsonb_build_object('factor_id', v_factor, 'challenge_id', p ->> 'challenge_id',
                       'factor_type', 'phone'));
  return _basalt.auth_mfa_raise_session(p, 'mfa/phone');
end
$$;

revoke all on all functions in schema _basalt from public;
grant execute on all functions in schema _basalt to supabase_auth_admin;
