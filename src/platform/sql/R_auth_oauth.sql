-- Repeatable: the writes of OAuth / OpenID Connect sign-ins (src/auth/oauth.cpp): the PKCE
-- flow a GET /authorize starts, and the find-or-create of the user and its auth.identities row
-- that GET /callback and POST /token?grant_type=id_token end with, in one call each. They
-- follow Supabase Auth's account-linking rules: a known (provider, sub) signs in to its user;
-- otherwise any of its verified addresses links it to the one account that already has one,
-- else a new user is created with the provider's primary address. Like R_auth_api.sql, they
-- run as supabase_auth_admin and reuse its helpers (_basalt.auth_insert_user,
-- _basalt.auth_audit, _basalt.auth_start_session).

set local client_min_messages = warning;

-- GET /authorize with a code_challenge: the flow the provider's callback will complete.
-- p: {provider, challenge, method ('s256'|'plain'), referrer}. Returns {id}.
create or replace function _basalt.auth_oauth_flow_start(p jsonb) returns jsonb
language sql set search_path = auth, pg_catalog as $$
  insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge,
                               provider_type, authentication_method, referrer, created_at,
                               updated_at)
  values (gen_random_uuid(), null, gen_random_uuid()::text,
          (p ->> 'method')::auth.code_challenge_method, p ->> 'challenge', p ->> 'provider',
          'oauth', nullif(p ->> 'referrer', ''), now(), now())
  returning jsonb_build_object('id', id)
$$;

-- app_metadata.providers: the user's identity providers, oldest first; provider: the first.
create or replace function _basalt.auth_oauth_sync_providers(p_user_id uuid) returns void
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_list jsonb;
begin
  select coalesce(jsonb_agg(provider order by first_at, provider), '[]'::jsonb) into v_list
  from (select i.provider, min(i.created_at) as first_at from auth.identities i
        where i.user_id = p_user_id group by i.provider) s;
  update auth.users
  set raw_app_meta_data = coalesce(raw_app_meta_data, '{}'::jsonb)
        || jsonb_build_object('providers', v_list)
        || case when jsonb_array_length(v_list) > 0
                then jsonb_build_object('provider', v_list -> 0) else '{}'::jsonb end,
      updated_at = now()
  where id = p_user_id;
end
$$;

-- The user's address re-derived from its identities, by Supabase Auth's rules (after an
-- unlink, and when a user without an address links one). When some identity other than
-- p_except has the user's address (or, for a user without one, has none either), it stays:
-- 'kept'. Otherwise the first identity, ranked by a provider-verified address, then an
-- unverified one, then none, then oldest, whose address no other account of the audience
-- holds, gives it: 'changed'. Pending one-time tokens and changes are dropped, since they were
-- issued for the old address, and the address counts as confirmed only if the provider
-- verified it or mail autoconfirm is on. With no such identity: 'conflict', nothing written.
create or replace function _basalt.auth_email_from_identities(p_user_id uuid,
                                                              p_autoconfirm boolean,
                                                              p_except uuid default null)
returns text language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user auth.users;
  v_pick auth.identities;
  v_verified boolean;
begin
  select * into v_user from auth.users where id = p_user_id;
  if exists (select 1 from auth.identities i
             where i.user_id = p_user_id and i.id is distinct from p_except
               and coalesce(i.email, '') = lower(coalesce(v_user.email, ''))) then
    return 'kept';
  end if;
  select i.* into v_pick from auth.identities i
  where i.user_id = p_user_id and i.id is distinct from p_except
    and not exists (select 1 from auth.users o
                    where lower(o.email) = coalesce(i.email, '') and o.aud = v_user.aud
                      and o.is_sso_user = false and o.id <> p_user_id)
  order by case when coalesce(i.email, '') = '' then 2
                when i.identity_data -> 'email_verified' = 'true'::jsonb then 0
                else 1 end,
           i.created_at, i.id::text
  limit 1;
  if v_pick.id is null then
    return 'conflict';
  end if;
  v_verified := coalesce(v_pick.email, '') <> ''
                and (v_pick.identity_data -> 'email_verified' = 'true'::jsonb or p_autoconfirm);
  update auth.users
  set email = nullif(v_pick.email, ''),
      confirmation_token = '', confirmation_sent_at = null,
      recovery_token = '', recovery_sent_at = null,
      email_change = '', email_change_token_current = '', email_change_token_new = '',
      email_change_sent_at = null, email_change_confirm_status = 0,
      phone_change = '', phone_change_token = '', phone_change_sent_at = null,
      reauthentication_token = '', reauthentication_sent_at = null,
      email_confirmed_at = case when v_verified then email_confirmed_at end,
      raw_user_meta_data = case when v_verified then raw_user_meta_data
                                else coalesce(raw_user_meta_data, '{}'::jsonb)
                                     || '{"email_verified": false}'::jsonb end,
      updated_at = now()
  where id = p_user_id;
  delete from auth.one_time_tokens where user_id = p_user_id;
  return 'changed';
end
$$;

-- The user's address confirmed by the provider's word (Supabase Auth's User.Confirm): the
-- confirmation token and every one-time token go; with p_leave_anonymous an anonymous user
-- stops being one.
create or replace function _basalt.auth_oauth_confirm_email(p_user_id uuid,
                                                            p_leave_anonymous boolean)
returns void language sql set search_path = auth, pg_catalog as $$
  update auth.users
  set email_confirmed_at = now(), confirmation_token = '',
      is_anonymous = is_anonymous and not p_leave_anonymous,
      raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb)
                           || '{"email_verified": true}'::jsonb
  where id = p_user_id;
  delete from auth.one_time_tokens where user_id = p_user_id;
$$;

create or replace function _basalt.auth_oauth_insert_identity(p_user_id uuid, p_provider text,
                                                              p_sub text, p_data jsonb)
returns uuid language sql set search_path = auth, pg_catalog as $$
  insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at,
                               created_at, updated_at)
  values (p_sub, p_user_id, p_data, p_provider, now(), now(), now())
  returning id
$$;

-- How a sign-in (or a manual link) ends: with PKCE the flow now names the user and the app
-- exchanges its code ({status: 'pkce', auth_code, user_id}); otherwise a session, with
-- `p_status` ('created'|'linked'|'exists'). p: the sign-in's argument (tokens, ip, ...).
create or replace function _basalt.auth_oauth_finish(p jsonb, p_flow_id uuid, p_user_id uuid,
                                                     p_status text)
returns jsonb language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_code text;
begin
  if p_flow_id is not null then
    update auth.flow_state
    set user_id = p_user_id,
        provider_access_token = nullif(p ->> 'provider_access_token', ''),
        provider_refresh_token = nullif(p ->> 'provider_refresh_token', ''),
        auth_code_issued_at = now(), updated_at = now()
    where id = p_flow_id
    returning auth_code into v_code;
    return jsonb_build_object('status', 'pkce', 'auth_code', v_code, 'user_id', p_user_id);
  end if;
  return _basalt.auth_start_session(p || jsonb_build_object('user_id', p_user_id,
                                                            'method', 'oauth'))
         || jsonb_build_object('status', p_status);
end
$$;

-- The sign-in itself. p: {provider, sub, identity_data, email (the primary address, or ''),
--   email_verified (its flag), linking_emails (the addresses that may link: verified, or all
--   under autoconfirm), aud, autoconfirm, enable_signup, email_optional, refresh_token, ip,
--   user_agent,
--   flow_state_id? (PKCE), provider_access_token?, provider_refresh_token?,
--   link_user_id? (id_token grant with link_identity: add the identity to this user)}
-- Returns {error: code} (nothing written, except where Supabase Auth commits too:
-- provider_email_needs_verification and email_not_confirmed, which carry
-- confirm: {user_id, email, metadata} when the caller is to send the user a confirmation mail,
-- as Supabase Auth does in the same request), {status: 'pkce', auth_code}
-- (the flow now names the user; the app exchanges the code), or a session
-- {user, session, refresh_token, status: 'created'|'linked'|'exists'}.
create or replace function _basalt.auth_oauth_sign_in(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_provider text := p ->> 'provider';
  v_sub text := p ->> 'sub';
  v_data jsonb := coalesce(p -> 'identity_data', '{}'::jsonb);
  v_email text := lower(nullif(p ->> 'email', ''));
  v_verified boolean := coalesce((p ->> 'email_verified')::boolean, false);
  v_linkable text[] := array(
    select lower(e) from jsonb_array_elements_text(coalesce(p -> 'linking_emails', '[]')) e);
  v_autoconfirm boolean := coalesce((p ->> 'autoconfirm')::boolean, false);
  v_aud text := p ->> 'aud';
  v_flow auth.flow_state;
  v_identity auth.identities;
  v_identity_id uuid;
  v_user auth.users;
  v_user_id uuid;
  v_decision text;
  v_candidate text;
  v_linking uuid[];
  v_similar uuid[];
  v_took_email boolean;
begin
  if p ? 'flow_state_id' then
    select * into v_flow from auth.flow_state
    where id = (p ->> 'flow_state_id')::uuid and provider_type = v_provider for update;
    if v_flow.id is null then
      return jsonb_build_object('error', 'flow_state_not_found');
    end if;
    if v_flow.user_id is not null then
      return jsonb_build_object('error', 'flow_state_already_used');
    end if;
  end if;

  select * into v_identity from auth.identities
  where provider_id = v_sub and provider = v_provider for update;

  if p ? 'link_user_id' then
    -- Manual linking: the signed-in user gets this identity (and, without an address of its
    -- own, one from its identities: _basalt.auth_email_from_identities).
    v_verified := coalesce((v_data ->> 'email_verified')::boolean, false);
    v_user_id := (p ->> 'link_user_id')::uuid;
    if v_identity.id is not null then
      return jsonb_build_object('error', case when v_identity.user_id = v_user_id
                                              then 'identity_already_linked'
                                              else 'identity_linked_to_other' end);
    end if;
    select * into v_user from auth.users where id = v_user_id for update;
    if v_user.id is null then
      return jsonb_build_object('error', 'user_not_found');
    end if;
    if v_user.banned_until > now() then
      return jsonb_build_object('error', 'user_banned');
    end if;
    v_took_email := coalesce(v_user.email, '') = '';
    begin
      v_identity_id := _basalt.auth_oauth_insert_identity(v_user_id, v_provider, v_sub, v_data);
      -- A user without an address (e.g. anonymous) takes one from its identities, the new one
      -- included; when every candidate address is another account's, nothing is linked.
      if v_took_email
         and _basalt.auth_email_from_identities(v_user_id, v_autoconfirm) = 'conflict' then
        raise exception using errcode = 'BA409';
      end if;
    exception when sqlstate 'BA409' then
      return jsonb_build_object('error', 'email_exists');
    end;
    perform _basalt.auth_audit(v_user_id, 'identity_linked', p ->> 'ip',
                               jsonb_build_object('identity_id', v_identity_id,
                                                  'provider', v_provider,
                                                  'provider_id', v_sub));
    select * into v_user from auth.users where id = v_user_id;
    -- When the user had no address, Supabase Auth then mails a confirmation or confirms it, by
    -- the new identity's email_verified. A user that still has none (one with a phone identity
    -- keeps its empty address) has nothing to confirm.
    if v_took_email and coalesce(v_user.email, '') <> '' then
      if not v_verified then
        perform _basalt.auth_oauth_sync_providers(v_user_id);
        return jsonb_build_object('error', 'email_not_confirmed',
                                  'confirm', jsonb_build_object(
                                    'user_id', v_user_id, 'email', v_user.email,
                                    'metadata', coalesce(v_user.raw_user_meta_data, '{}')));
      end if;
      perform _basalt.auth_oauth_confirm_email(v_user_id, true);
    end if;
    perform _basalt.auth_oauth_sync_providers(v_user_id);
    return _basalt.auth_oauth_finish(p, v_flow.id, v_user_id, 'linked');
  end if;

  -- Supabase Auth's automatic account linking (one "default" domain; sso:* providers apart).
  if v_identity.id is not null then
    v_decision := 'exists';
    v_user_id := v_identity.user_id;
  elsif cardinality(v_linkable) > 0 then
    select array_agg(distinct i.user_id) into v_linking from auth.identities i
    where i.email = any(v_linkable) and i.provider not like 'sso:%';
    select array_agg(u.id) into v_similar from auth.users u
    where lower(u.email) = any(v_linkable) and u.is_sso_user = false;
    if coalesce(cardinality(v_linking), 0) = 0 then
      if coalesce(cardinality(v_similar), 0) = 1 then
        v_decision := 'linked';
        v_user_id := v_similar[1];
      elsif coalesce(cardinality(v_similar), 0) > 1 then
        return jsonb_build_object('error', 'multiple_accounts');
      else
        v_decision := 'created';
      end if;
    elsif cardinality(v_linking) = 1 then
      v_decision := 'linked';
      v_user_id := v_linking[1];
    else
      return jsonb_build_object('error', 'multiple_accounts');
    end if;
  else
    v_decision := 'created';
  end if;

  if v_decision = 'created' then
    if not coalesce((p ->> 'enable_signup')::boolean, true) then
      return jsonb_build_object('error', 'signup_disabled');
    end if;
    v_candidate := v_email;
    if v_candidate is not null and exists (
         select 1 from auth.users where lower(email) = v_candidate and aud = v_aud
           and is_sso_user = false) then
      -- The address belongs to another account: the new user goes without it.
      v_candidate := null;
    end if;
    v_user_id := gen_random_uuid();
    perform _basalt.auth_insert_user(
      v_user_id, v_aud, 'authenticated', v_candidate, null, null,
      jsonb_build_object('provider', v_provider, 'providers', jsonb_build_array(v_provider)),
      v_data, false);
    v_identity_id := _basalt.auth_oauth_insert_identity(v_user_id, v_provider, v_sub, v_data);
    select * into v_user from auth.users where id = v_user_id;
  else
    select * into v_user from auth.users where id = v_user_id for update;
    if v_user.banned_until > now() then
      return jsonb_build_object('error', 'user_banned');
    end if;
    if v_decision = 'exists' then
      v_identity_id := v_identity.id;
      update auth.identities set identity_data = v_data, last_sign_in_at = now(),
                                 updated_at = now()
      where id = v_identity_id;
    else
      v_identity_id := _basalt.auth_oauth_insert_identity(v_user_id, v_provider, v_sub, v_data);
      perform _basalt.auth_audit(v_user_id, 'identity_linked', p ->> 'ip',
                                 jsonb_build_object('identity_id', v_identity_id,
                                                    'provider', v_provider,
                                                    'provider_id', v_sub));
    end if;
    update auth.users
    set raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || v_data,
        updated_at = now()
    where id = v_user_id;
    perform _basalt.auth_oauth_sync_providers(v_user_id);
    -- A known identity answers for its user's address; a linked one for the provider's.
    v_candidate := case when v_decision = 'exists' then v_user.email else v_email end;
  end if;

  if not (coalesce((p ->> 'email_optional')::boolean, false) and coalesce(v_candidate, '') = '')
     and v_user.email_confirmed_at is null then
    -- An unconfirmed account: other ways in (a password, other identities) that its owner
    -- never proved are dropped before the provider's identity vouches for it.
    if v_provider not in ('email', 'phone') then
      update auth.users set encrypted_password = '' where id = v_user_id;
    end if;
    update auth.users set raw_user_meta_data = v_data where id = v_user_id;
    delete from auth.identities where user_id = v_user_id and id <> v_identity_id;
    perform _basalt.auth_oauth_sync_providers(v_user_id);
    if not (v_verified or v_autoconfirm) then
      -- With an address to confirm, the caller mails a confirmation link to it.
      return jsonb_build_object('error', 'provider_email_needs_verification')
             || case when coalesce(v_candidate, '') <> '' and coalesce(v_user.email, '') <> ''
                     then jsonb_build_object('confirm', jsonb_build_object(
                            'user_id', v_user_id, 'email', v_user.email, 'metadata', v_data))
                     else '{}'::jsonb end;
    end if;
    perform _basalt.auth_audit(v_user_id, 'user_signedup', p ->> 'ip',
                               jsonb_build_object('provider', v_provider));
    perform _basalt.auth_oauth_confirm_email(v_user_id, false);
  else
    perform _basalt.auth_audit(v_user_id, 'login', p ->> 'ip',
                               jsonb_build_object('provider', v_provider));
  end if;

  return _basalt.auth_oauth_finish(p, v_flow.id, v_user_id, v_decision);
end
$$;

revoke all on function _basalt.auth_oauth_flow_start(jsonb) from public;
revoke all on function _basalt.auth_oauth_sync_providers(uuid) from public;
revoke all on function _basalt.auth_oauth_insert_identity(uuid, text, text, jsonb) from public;
revoke all on function _basalt.auth_email_from_identities(uuid, boolean, uuid) from public;
revoke all on function _basalt.auth_oauth_confirm_email(uuid, boolean) from public;
revoke all on function _basalt.auth_oauth_sign_in(jsonb) from public;
revoke all on function _basalt.auth_oauth_finish(jsonb, uuid, uuid, text) from public;
grant execute on function _basalt.auth_oauth_flow_start(jsonb) to supabase_auth_admin;
grant execute on function _basalt.auth_oauth_sync_providers(uuid) to supabase_auth_admin;
grant execute on function _basalt.auth_oauth_insert_identity(uuid, text, text, jsonb)
  to supabase_auth_admin;
grant execute on function _basalt.auth_oauth_sign_in(jsonb) to supabase_auth_admin;
grant execute on function _basalt.auth_email_from_identities(uuid, boolean, uuid)
  to supabase_auth_admin;
grant execute on function _basalt.auth_oauth_confirm_email(uuid, boolean) to supabase_auth_admin;
grant execute on function _basalt.auth_oauth_finish(jsonb, uuid, uuid, text) to supabase_auth_admin;

-- DELETE /user/identities/{id} (manual unlinking). p: {user_id, identity_id, ip, autoconfirm}.
-- Returns {} or {error: single_identity_not_deletable | identity_not_found | email_conflict |
-- user_not_found}, with nothing written on an error. Removing the phone identity removes the
-- user's phone; removing another re-derives the user's email from the identities left
-- (_basalt.auth_email_from_identities).
create or replace function _basalt.auth_identity_unlink(p jsonb) returns jsonb
language plpgsql set search_path = auth, pg_catalog as $$
declare
  v_user auth.users;
  v_identity auth.identities;
begin
  select * into v_user from auth.users where id = (p ->> 'user_id')::uuid for update;
  if v_user.id is null then
    return jsonb_build_object('error', 'user_not_found');
  end if;
  if (select count(*) from auth.identities where user_id = v_user.id) <= 1 then
    return jsonb_build_object('error', 'single_identity_not_deletable');
  end if;
  select * into v_identity from auth.identities
  where id = (p ->> 'identity_id')::uuid and user_id = v_user.id;
  if v_identity.id is null then
    return jsonb_build_object('error', 'identity_not_found');
  end if;
  if v_identity.provider <> 'phone' and _basalt.auth_email_from_identities(
       v_user.id, coalesce((p ->> 'autoconfirm')::boolean, false), v_identity.id) = 'conflict' then
    return jsonb_build_object('error', 'email_conflict');
  end if;
  delete from auth.identities where id = v_identity.id;
  if v_identity.provider = 'phone' then
    update auth.users set phone = null, phone_confirmed_at = null, updated_at = now()
    where id = v_user.id;
  end if;
  perform _basalt.auth_oauth_sync_providers(v_user.id);
  perform _basalt.auth_audit(v_user.id, 'identity_unlinked', p ->> 'ip',
                             jsonb_build_object('identity_id', v_identity.id,
                                                'provider', v_identity.provider,
                                                'provider_id', v_identity.provider_id));
  return '{}'::jsonb;
end $$;

revoke all on function _basalt.auth_identity_unlink(jsonb) from public;
grant execute on function _basalt.auth_identity_unlink(jsonb) to supabase_auth_admin;

-- Twitter's OAuth 1.0a: GET /authorize keeps the request token it got for the flow's state id
-- (and drops what abandoned flows left, older than the state's lifetime)...
create or replace function _basalt.auth_oauth1_save(p_state_id text, p_token text,
                                                    p_secret text)
returns jsonb language sql set search_path = _basalt, pg_catalog as $$
  delete from _basalt.auth_oauth1_requests where created_at < now() - interval '15 minutes';
  insert into _basalt.auth_oauth1_requests (state_id, token, secret)
  values (p_state_id, p_token, p_secret);
  select '{}'::jsonb;
$$;

-- ... and GET /callback takes it back: any callback with the flow's state uses the flow up;
-- the secret comes back only when the returned token is the flow's, else null.
create or replace function _basalt.auth_oauth1_take(p_state_id text, p_token text)
returns jsonb language sql set search_path = _basalt, pg_catalog as $$
  with taken as (
    delete from _basalt.auth_oauth1_requests where state_id = p_state_id
    returning token, secret, created_at)
  select jsonb_build_object('secret', secret) from taken
  where token = p_token and created_at >= now() - interval '15 minutes';
$$;

revoke all on function _basalt.auth_oauth1_save(text, text, text) from public;
revoke all on function _basalt.auth_oauth1_take(text, text) from public;
grant execute on function _basalt.auth_oauth1_save(text, text, text) to supabase_auth_admin;
grant execute on function _basalt.auth_oauth1_take(text, text) to supabase_auth_admin;
