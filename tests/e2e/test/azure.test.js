// Sign-in with Microsoft (provider "azure") through supabase-js. Microsoft is out of reach in
// tests, so a real OpenID provider (the `oidc-provider` package) serves Microsoft's v2.0
// endpoint paths (/oauth2/v2.0/authorize and /token) and Basalt's `url` points at it, as at
// a tenant. Basalt must take the user only from the id_token of the token response, verified
// with the keys of the issuer named in that token, and map Microsoft's claims as Supabase Auth
// does (custom_claims without the protocol claims, xms_edov deciding a verified address).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import Provider from 'oidc-provider';
import { startBasalt } from '../lib/basalt.js';
import { browseOidc } from '../lib/oidc_browser.js';
import { oidcStandIn, signingKey } from '../lib/oidc_stand_in.js';

const APP = 'http://localhost:3000';
const CLIENT_ID = '00000000-aaaa-bbbb-cccc-000000000001';
const SECRET = 'azure-client-secret-0123456789';

const ACCOUNTS = {
  ada: {
    email: 'Ada@Contoso.example',
    name: 'Ada Lovelace',
    preferred_username: 'ada@contoso.example',
    oid: 'oid-ada',
    tid: 'tenant-1',
  },
  // A guest whose address Microsoft does not vouch for (xms_edov false).
  guest: {
    email: 'guest@elsewhere.example',
    name: 'Guest',
    preferred_username: 'guest@elsewhere.example',
    oid: 'oid-guest',
    tid: 'tenant-1',
    xms_edov: false,
  },
};

let standIn;
let issuer;
let basalt;

describe('OAuth with Microsoft (azure)', () => {
  before(async () => {
    standIn = await oidcStandIn();
    ({ issuer } = standIn);
    basalt = await startBasalt({
      env: { AZURE_SECRET: SECRET },
      config: `
[auth]
site_url = "${APP}"
additional_redirect_urls = ["${APP}/**"]

[auth.external.azure]
enabled = true
client_id = "${CLIENT_ID}"
secret = "env(AZURE_SECRET)"
url = "${issuer}"
`,
    });
    const { jwk } = signingKey('ms-key');
    const provider = new Provider(issuer, {
      routes: { authorization: '/oauth2/v2.0/authorize', token: '/oauth2/v2.0/token' },
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: SECRET,
          redirect_uris: [`${basalt.url}/auth/v1/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: ['cookie-signing-key-for-tests'] },
      claims: {
        openid: ['sub', 'oid', 'tid', 'xms_edov'],
        email: ['email'],
        profile: ['name', 'preferred_username'],
      },
      conformIdTokenClaims: false,
      async findAccount(_ctx, id) {
        const account = ACCOUNTS[id];
        if (!account) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...account }) };
      },
    });
    standIn.use(provider);
  });

  after(async () => {
    await basalt?.stop();
    await standIn?.close();
  });

  // Plays the browser until a redirect leaves for the app (lib/oidc_browser.js).
  const browse = async (url, login) =>
    new URL((await browseOidc(url, { issuer, login, stop: (l) => l.startsWith(APP) })).location);

  const client = (flowType) =>
    createClient(basalt.url, basalt.anonKey, {
      auth: { flowType, persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });

  test('signInWithOAuth: Microsoft v2.0 endpoints, openid + the app\'s scopes, the id_token\'s user', async () => {
    const c = client('implicit');
    const { data, error } = await c.auth.signInWithOAuth({
      provider: 'azure',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome`, scopes: 'email profile' },
    });
    assert.equal(error, null);
    const first = await fetch(data.url, { redirect: 'manual' });
    const toMicrosoft = new URL(first.headers.get('location'));
    assert.equal(`${toMicrosoft.origin}${toMicrosoft.pathname}`, `${issuer}/oauth2/v2.0/authorize`);
    assert.equal(toMicrosoft.searchParams.get('scope'), 'openid email profile');
    assert.equal(toMicrosoft.searchParams.get('client_id'), CLIENT_ID);

    const location = await browse(data.url, 'ada');
    assert.equal(location.pathname, '/welcome');
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.ok(fragment.get('access_token'), location.toString());
    const set = await c.auth.setSession({
      access_token: fragment.get('access_token'),
      refresh_token: fragment.get('refresh_token'),
    });
    assert.equal(set.error, null);
    const user = set.data.user;
    assert.equal(user.email, 'ada@contoso.example');
    assert.equal(user.app_metadata.provider, 'azure');
    const [identity] = user.identities;
    assert.equal(identity.provider, 'azure');
    assert.equal(identity.id, 'ada');
    const data2 = identity.identity_data;
    assert.equal(data2.iss, issuer);
    assert.equal(data2.sub, 'ada');
    assert.equal(data2.provider_id, 'ada');
    assert.equal(data2.full_name, 'Ada Lovelace');
    assert.equal(data2.preferred_username, 'ada@contoso.example');
    assert.equal(data2.email, 'Ada@Contoso.example', 'identity_data keeps Microsoft\'s spelling');
    assert.equal(data2.email_verified, true, 'no xms_edov: Microsoft\'s address counts');
    assert.equal(data2.name, undefined, 'Supabase Auth keeps Microsoft\'s name as full_name only');
    assert.equal(data2.custom_claims.oid, 'oid-ada');
    assert.equal(data2.custom_claims.tid, 'tenant-1');
    for (const k of ['aud', 'iss', 'exp', 'iat', 'nonce', 'sub', 'name', 'at_hash']) {
      assert.equal(data2.custom_claims[k], undefined, k);
    }
  });

  test('PKCE: the app exchanges the code; xms_edov false leaves the address unverified', async () => {
    const c = client('pkce');
    const { data, error } = await c.auth.signInWithOAuth({
      provider: 'azure',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/pkce`, scopes: 'email' },
    });
    assert.equal(error, null);
    const location = await browse(data.url, 'guest');
    const code = location.searchParams.get('code');
    assert.ok(code, location.toString());
    const out = await c.auth.exchangeCodeForSession(code);
    assert.equal(out.error, null);
    const [identity] = out.data.user.identities;
    assert.equal(identity.identity_data.email_verified, false);
    assert.equal(identity.identity_data.custom_claims.xms_edov, false);
    // Without the profile scope Microsoft's token names nobody: no full_name.
    assert.equal(identity.identity_data.full_name, undefined);
  });
});
