-- Bootstrap 0007: the `vault` schema for secrets, with the interface of Supabase Vault
-- (vault.secrets, vault.decrypted_secrets, vault.create_secret, vault.update_secret) but
-- built on pgcrypto instead of the pgsodium-based supabase_vault extension, which Debian
-- does not ship. Secrets are stored as base64 of pgp_sym_encrypt output under a random
-- key kept in vault._key, generated on first bootstrap. Only postgres and service_role
-- may read or write secrets.
--
-- If the real supabase_vault extension is installed, it owns these objects and this file
-- leaves them alone.

-- Skip-if-exists notices are expected on re-runs; keep the runner's log to real warnings.
set local client_min_messages = warning;

do $bootstrap$
declare
  -- pgcrypto is normally in `extensions` (0002) but may live elsewhere on an existing
  -- database; every call below is qualified with the schema it is actually in.
  crypto name;
begin
  if exists (select from pg_catalog.pg_extension where extname = 'supabase_vault') then
    raise warning 'supabase_vault is installed; keeping its vault schema';
    return;
  end if;

  select n.nspname into crypto
  from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
  where e.extname = 'pgcrypto';
  if crypto is null then
    raise exception 'vault bootstrap needs the pgcrypto extension';
  end if;

  create schema if not exists vault;
  alter schema vault owner to supabase_admin;

  -- The encryption key: one row, never readable by anything but its owner.
  create table if not exists vault._key (
    id integer not null default 1,
    key bytea not null,
    created_at timestamptz not null default now(),
    constraint _key_pkey primary key (id),
    constraint _key_single_row check (id = 1)
  );
  execute format('insert into vault._key (id, key) values (1, %I.gen_random_bytes(32)) on conflict (id) do nothing',
                 crypto);

  -- Random bytes per secret, kept under the column name Supabase uses; pgp_sym_encrypt
  -- salts each message itself, so the nonce is informational.
  execute format($f$
    create or replace function vault._crypto_aead_det_noncegen() returns bytea
    language sql volatile
    set search_path = ''
    as 'select %I.gen_random_bytes(16)'
  $f$, crypto);

  create table if not exists vault.secrets (
    id uuid not null default gen_random_uuid(),
    name text,
    description text not null default '',
    secret text not null,
    key_id uuid,
    nonce bytea default vault._crypto_aead_det_noncegen(),
    created_at timestamptz not null default current_timestamp,
    updated_at timestamptz not null default current_timestamp,
    constraint secrets_pkey primary key (id)
  );
  comment on table vault.secrets is
    'Vault: secrets stored encrypted; read them in clear through vault.decrypted_secrets.';
  create unique index if not exists secrets_name_idx on vault.secrets (name) where name is not null;

  -- Encryption happens in a trigger, so a plain INSERT or UPDATE of the secret column (as
  -- well as create_secret/update_secret) never leaves clear text on disk. An UPDATE that
  -- does not change the column leaves the stored ciphertext as it is.
  execute format($f$
    create or replace function vault._encrypt_secret() returns trigger
    language plpgsql
    security definer
    set search_path = ''
    as $body$
    begin
      if tg_op = 'INSERT' or new.secret is distinct from old.secret then
        new.secret := pg_catalog.translate(
          pg_catalog.encode(
            %1$I.pgp_sym_encrypt(new.secret,
                                 pg_catalog.encode((select k.key from vault._key k where k.id = 1), 'hex'),
                                 'cipher-algo=aes256'),
            'base64'),
          E'\n', '');
      end if;
      return new;
    end
    $body$
  $f$, crypto);

  drop trigger if exists secrets_encrypt_secret on vault.secrets;
  create trigger secrets_encrypt_secret
    before insert or update on vault.secrets
    for each row execute function vault._encrypt_secret();

  -- The view runs with its owner's rights, which is how it reads vault._key; callers only
  -- need SELECT on the view.
  execute format($f$
    create or replace view vault.decrypted_secrets as
    select s.id,
           s.name,
           s.description,
           s.secret,
           %1$I.pgp_sym_decrypt(
             pg_catalog.decode(s.secret, 'base64'),
             pg_catalog.encode((select k.key from vault._key k where k.id = 1), 'hex')
           ) as decrypted_secret,
           s.key_id,
           s.nonce,
           s.created_at,
           s.updated_at
    from vault.secrets s
  $f$, crypto);

  create or replace function vault.create_secret(
    new_secret text,
    new_name text default null,
    new_description text default '',
    new_key_id uuid default null
  ) returns uuid
  language plpgsql
  security definer
  set search_path = ''
  as $body$
  declare
    new_id uuid;
  begin
    insert into vault.secrets (secret, name, description, key_id)
    values (new_secret, new_name, coalesce(new_description, ''), new_key_id)
    returning id into new_id;
    return new_id;
  end
  $body$;

  create or replace function vault.update_secret(
    secret_id uuid,
    new_secret text default null,
    new_name text default null,
    new_description text default null,
    new_key_id uuid default null
  ) returns void
  language plpgsql
  security definer
  set search_path = ''
  as $body$
  begin
    update vault.secrets s
    set secret = coalesce(new_secret, s.secret),
        name = coalesce(new_name, s.name),
        description = coalesce(new_description, s.description),
        key_id = coalesce(new_key_id, s.key_id),
        updated_at = now()
    where s.id = secret_id;
  end
  $body$;

  alter table vault._key owner to supabase_admin;
  alter table vault.secrets owner to supabase_admin;
  alter view vault.decrypted_secrets owner to supabase_admin;
  alter function vault._crypto_aead_det_noncegen() owner to supabase_admin;
  alter function vault._encrypt_secret() owner to supabase_admin;
  alter function vault.create_secret(text, text, text, uuid) owner to supabase_admin;
  alter function vault.update_secret(uuid, text, text, text, uuid) owner to supabase_admin;

  revoke all on schema vault from public, anon, authenticated;
  grant usage on schema vault to postgres, service_role;
  revoke all on vault._key from public, anon, authenticated, service_role, postgres;
  revoke all on vault.secrets, vault.decrypted_secrets from public, anon, authenticated;
  grant select, insert, update, delete, references on vault.secrets to postgres, service_role;
  grant select on vault.decrypted_secrets to postgres, service_role;
  revoke all on function vault._crypto_aead_det_noncegen(), vault._encrypt_secret(),
    vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid)
    from public, anon, authenticated;
  grant execute on function vault._crypto_aead_det_noncegen(),
    vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid)
    to postgres, service_role;
end
$bootstrap$;
