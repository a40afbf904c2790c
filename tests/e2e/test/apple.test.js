// Sign in with Apple (provider "apple") through supabase-js. Apple is out of reach in tests, so
// a real OpenID provider (the `oidc-provider` package) stands in for it, registered as Apple
// registers a Services ID: the client secret in the token request body, the code POSTed back
// (response_mode=form_post). Basalt must ask for Apple's scopes without PKCE, take the user only
// from the id_token (Apple's address counts as verified, is_private_email arrives as a string),
// read the first sign-in's name from the POSTed `user` field, and accept Apple id_tokens in
// signInWithIdToken as Supabase Auth does.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import Provider from 'oidc-provider';
import { startBasalt } from '../lib/basalt.js';
import { browseOidc } from '../lib/oidc_browser.js';
import { oidcStandIn, signingKey } from '../lib/oidc_stand_in.js';

const APP = 'http://localhost:3000';
const SERVICES_ID = 'com.example.web';
const BUNDLE_ID = 'com.example.ios';
const SECRET = 'apple-client-secret-jwt-stand-in';

const ACCOUNTS = {
  ann: { email: 'Ann@PrivateRelay.AppleID.com', is_private_email: 'true' },
  bob: { email: 'bob@example.com', is_private_email: 'false' },
};

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

let standIn;
let issuer;
let basalt;
let privateKey;

// An id_token as an iOS app gets it from Apple, signed with the provider's key.
function appleIdToken(claims, key = privateKey) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ alg: 'RS256', kid: 'apple-key', typ: 'JWT' });
  const payload = b64url({ iss: issuer, aud: BUNDLE_ID, iat: now, exp: now + 600, ...claims });
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

describe('OAuth with Apple', () => {
  before(async () => {
    standIn = await oidcStandIn();
    ({ issuer } = standIn);
    basalt = await startBasalt({
      env: { APPLE_SECRET: SECRET },
      config: `
[auth]
site_url = "${APP}"
additional_redirect_urls = ["${APP}/**"]

[auth.external.apple]
enabled = true
client_id = "${SERVICES_ID},${BUNDLE_ID}"
secret = "env(APPLE_SECRET)"
# The stand-in's issuer (Apple's own is built in); oidc-provider issues id_tokens only for openid.
issuer = "${issuer}"
scopes = "openid"
`,
    });
    const key = signingKey('apple-key');
    privateKey = key.privateKey;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: SERVICES_ID,
          client_secret: SECRET,
          redirect_uris: [`${basalt.url}/auth/v1/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [key.jwk] },
      cookies: { keys: ['cookie-signing-key-for-tests'] },
      claims: { openid: ['sub'], email: ['email', 'is_private_email'] },
      scopes: ['openid', 'email', 'name'],
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

  const client = (flowType) =>
    createClient(basalt.url, basalt.anonKey, {
      auth: { flowType, persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
  const browse = async (url, login, formExtras) =>
    new URL((await browseOidc(url, { issuer, login, formExtras, stop: (l) => l.startsWith(APP) })).location);

  test("signInWithOAuth: Apple's scopes, form_post, the name from the first POST", async () => {
    const c = client('implicit');
    const { data, error } = await c.auth.signInWithOAuth({
      provider: 'apple',
      options: {
        skipBrowserRedirect: true,
        redirectTo: `${APP}/welcome`,
        scopes: 'profile',
        queryParams: { prompt: 'consent', response_mode: 'query' },
      },
    });
    assert.equal(error, null);
    const first = await fetch(data.url, { redirect: 'manual' });
    const toApple = new URL(first.headers.get('location'));
    assert.equal(`${toApple.origin}${toApple.pathname}`, `${issuer}/auth`);
    assert.equal(toApple.searchParams.get('client_id'), SERVICES_ID);
    assert.equal(toApple.searchParams.get('response_mode'), 'form_post');
    assert.equal(toApple.searchParams.get('scope'), 'email name openid', "the app's scopes are not passed on");
    assert.equal(toApple.searchParams.get('code_challenge'), null, 'Apple gets no PKCE');
    assert.equal(toApple.searchParams.get('prompt'), null, "the app's parameters are not passed on");
    assert.deepEqual(toApple.searchParams.getAll('response_mode'), ['form_post']);

    const user = JSON.stringify({ name: { firstName: 'Ann', lastName: 'Apple' }, email: 'ann@example.com' });
    const location = await browse(data.url, 'ann', { user });
    assert.equal(location.pathname, '/welcome');
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.ok(fragment.get('access_token'), location.toString());
    const set = await c.auth.setSession({
      access_token: fragment.get('access_token'),
      refresh_token: fragment.get('refresh_token'),
    });
    assert.equal(set.error, null);
    const u = set.data.user;
    assert.equal(u.email, 'ann@privaterelay.appleid.com');
    assert.ok(u.email_confirmed_at, "Apple's address is verified");
    assert.equal(u.app_metadata.provider, 'apple');
    assert.equal(u.user_metadata.full_name, 'Ann Apple');
    const [identity] = u.identities;
    assert.equal(identity.provider, 'apple');
    assert.equal(identity.id, 'ann');
    const d = identity.identity_data;
    assert.equal(d.iss, issuer);
    assert.equal(d.sub, 'ann');
    assert.equal(d.provider_id, 'ann');
    assert.equal(d.email, 'Ann@PrivateRelay.AppleID.com');
    assert.equal(d.email_verified, true);
    assert.equal(d.name, 'Ann Apple');
    assert.equal(d.full_name, 'Ann Apple');
    assert.deepEqual(d.custom_claims, { is_private_email: true });

    // Later sign-ins carry no `user` field: the account keeps its name.
    const again = await browse(
      (await client('implicit').auth.signInWithOAuth({ provider: 'apple', options: { skipBrowserRedirect: true, redirectTo: APP } })).data.url,
      'ann',
    );
    const token = new URLSearchParams(again.hash.slice(1)).get('access_token');
    assert.ok(token, again.toString());
    const me = await client('implicit').auth.getUser(token);
    assert.equal(me.data.user.id, u.id);
    assert.equal(me.data.user.user_metadata.full_name, 'Ann Apple');
  });

  test('PKCE with the app: the code is exchanged; a broken user field fails the sign-in', async () => {
    const c = client('pkce');
    const { data } = await c.auth.signInWithOAuth({
      provider: 'apple',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/pkce` },
    });
    const location = await browse(data.url, 'bob');
    const code = location.searchParams.get('code');
    assert.ok(code, location.toString());
    const out = await c.auth.exchangeCodeForSession(code);
    assert.equal(out.error, null);
    assert.equal(out.data.user.email, 'bob@example.com');
    assert.deepEqual(out.data.user.identities[0].identity_data.custom_claims, { is_private_email: false });

    const bad = await browse(
      (await client('implicit').auth.signInWithOAuth({ provider: 'apple', options: { skipBrowserRedirect: true, redirectTo: `${APP}/bad` } })).data.url,
      'bob',
      { user: '{not json' },
    );
    assert.equal(bad.pathname, '/bad');
    const q = new URLSearchParams(bad.hash.slice(1));
    assert.equal(q.get('error'), 'server_error');
    assert.equal(q.get('error_description'), 'Error getting user profile from external provider');
  });

  test('signInWithIdToken: an iOS app id_token for the bundle id, with its nonce', async () => {
    const raw = 'raw-nonce-123';
    const token = appleIdToken({
      sub: 'apple-ios-1',
      email: 'ios@example.com',
      is_private_email: false,
      auth_time: 1700000000,
      nonce: crypto.createHash('sha256').update(raw).digest('hex'),
    });
    const c = client('implicit');
    const { data, error } = await c.auth.signInWithIdToken({ provider: 'apple', token, nonce: raw });
    assert.equal(error, null);
    assert.equal(data.user.email, 'ios@example.com');
    assert.ok(data.user.email_confirmed_at);
    const d = data.user.identities[0].identity_data;
    assert.deepEqual(d.custom_claims, { is_private_email: false, auth_time: 1700000000 });
    assert.equal(d.email_verified, true);

    // A token another issuer signed is not Apple's.
    const foreign = appleIdToken({ sub: 'x', iss: 'https://account.apple.com' });
    const r = await client('implicit').auth.signInWithIdToken({ provider: 'apple', token: foreign });
    assert.equal(r.error.status, 400);
    assert.equal(r.error.code, 'validation_failed');
    assert.equal(r.error.message, 'Detected ID token issuer is not an Apple ID token issuer');
    // Another audience, or a nonce that does not match, is refused.
    const other = appleIdToken({ sub: 'x', aud: 'com.other.app' });
    const r2 = await client('implicit').auth.signInWithIdToken({ provider: 'apple', token: other });
    assert.equal(r2.error.status, 400);
    assert.match(r2.error.message, /^Unacceptable audience in id_token/);
    const r3 = await client('implicit').auth.signInWithIdToken({ provider: 'apple', token, nonce: 'wrong' });
    assert.equal(r3.error.status, 400);
    assert.equal(r3.error.message, 'Nonces mismatch');
    // is_private_email that is neither boolean nor Go's boolean text: GoTrue cannot parse it.
    const odd = appleIdToken({ sub: 'apple-odd', email: 'odd@example.com', is_private_email: 'maybe' });
    const r4 = await client('implicit').auth.signInWithIdToken({ provider: 'apple', token: odd });
    assert.equal(r4.error.status, 400);
    assert.equal(r4.error.message, 'Bad ID token');
    // A token signed with another key is not Apple's.
    const { privateKey: otherKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = appleIdToken({ sub: 'apple-ios-1', email: 'ios@example.com' }, otherKey);
    const r5 = await client('implicit').auth.signInWithIdToken({ provider: 'apple', token: forged });
    assert.equal(r5.error.status, 400);
    assert.equal(r5.error.message, 'Bad ID token');
  });
});
