// Sign-in with Twitter's OAuth 1.0a (provider "twitter") through supabase-js. Twitter is out of
// reach in tests, so a local server plays its OAuth 1.0a endpoints under `url` and checks every
// request's HMAC-SHA1 signature with its own implementation of RFC 5849: the request token
// (whose callback must carry Basalt's state), the authenticate page, the access token (signed
// with the request token's secret, which only the flow that got the token can know) and
// verify_credentials.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startBasalt } from '../lib/basalt.js';
import { redirectsToApp } from '../lib/oidc_browser.js';

const APP = 'http://localhost:3000';
const CONSUMER_KEY = 'twitter-consumer-key';
const CONSUMER_SECRET = 'twitter-consumer-secret-0123456789';

const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// RFC 5849 §3.4: the base string of the request and its HMAC-SHA1 under the two secrets.
function signature(method, url, params, tokenSecret) {
  const normalized = params
    .map(([k, v]) => [enc(k), enc(v)])
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = [method, enc(url), enc(normalized)].join('&');
  return crypto.createHmac('sha1', `${enc(CONSUMER_SECRET)}&${enc(tokenSecret)}`).update(base).digest('base64');
}

function parseOAuthHeader(header) {
  assert.match(header ?? '', /^OAuth /);
  const out = {};
  for (const m of header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) out[m[1]] = decodeURIComponent(m[2]);
  return out;
}

function twitterStandIn() {
  const requestTokens = new Map(); // token -> {callback, verifier, secret}
  const accessTokens = new Map(); // token -> secret
  const seen = [];
  const state = { email: 'Tweety@Bird.example', id: '42' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    const send = (status, body, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = `${url.origin}${url.pathname}`;
    const check = (tokenSecret) => {
      const oauth = parseOAuthHeader(req.headers.authorization);
      seen.push({ path: url.pathname, oauth });
      const { oauth_signature: sig, ...rest } = oauth;
      const params = [...Object.entries(rest), ...url.searchParams.entries()];
      if (oauth.oauth_consumer_key !== CONSUMER_KEY || oauth.oauth_signature_method !== 'HMAC-SHA1') return null;
      if (sig !== signature(req.method, path, params, tokenSecret)) return null;
      return oauth;
    };
    if (req.method === 'POST' && url.pathname === '/oauth/request_token') {
      const oauth = check('');
      if (!oauth) return send(401, { errors: [{ code: 32, message: 'Could not authenticate you.' }] });
      const token = `rt-${crypto.randomBytes(6).toString('hex')}`;
      const secret = `rts-${crypto.randomBytes(6).toString('hex')}`;
      requestTokens.set(token, { callback: oauth.oauth_callback, verifier: crypto.randomBytes(6).toString('hex'), secret });
      return send(200, `oauth_token=${token}&oauth_token_secret=${secret}&oauth_callback_confirmed=true`, 'text/html');
    }
    if (req.method === 'GET' && url.pathname === '/oauth/authenticate') {
      const token = url.searchParams.get('oauth_token');
      const pending = requestTokens.get(token);
      if (!pending) return send(400, 'unknown token', 'text/plain');
      const back = new URL(pending.callback);
      back.searchParams.set('oauth_token', token);
      back.searchParams.set('oauth_verifier', pending.verifier);
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth/access_token') {
      const pending = requestTokens.get(parseOAuthHeader(req.headers.authorization).oauth_token);
      const oauth = pending && check(pending.secret);
      if (!oauth || pending.verifier !== oauth.oauth_verifier) return send(401, 'Invalid request token.', 'text/plain');
      requestTokens.delete(oauth.oauth_token);
      const token = `at-${crypto.randomBytes(6).toString('hex')}`;
      const secret = `ats-${crypto.randomBytes(6).toString('hex')}`;
      accessTokens.set(token, secret);
      return send(200, `oauth_token=${token}&oauth_token_secret=${secret}&user_id=42&screen_name=tweety`, 'text/html');
    }
    if (req.method === 'GET' && url.pathname === '/1.1/account/verify_credentials.json') {
      const oauth = parseOAuthHeader(req.headers.authorization);
      const secret = accessTokens.get(oauth.oauth_token);
      if (secret === undefined || !check(secret)) return send(401, { errors: [{ code: 89, message: 'Invalid or expired token.' }] });
      return send(200, {
        id: Number(state.id),
        id_str: state.id,
        name: 'Tweety Bird',
        screen_name: 'tweety',
        profile_image_url_https: 'https://pbs.example/tweety.png',
        ...(state.email ? { email: state.email } : {}),
      });
    }
    send(404, { errors: [{ code: 34, message: 'Sorry, that page does not exist.' }] });
  });
  return { server, seen, state };
}

describe('OAuth 1.0a with Twitter', () => {
  let twitter;
  let base;
  let basalt;

  before(async () => {
    twitter = twitterStandIn();
    base = await new Promise((resolve) =>
      twitter.server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${twitter.server.address().port}`)),
    );
    basalt = await startBasalt({
      env: { TWITTER_SECRET: CONSUMER_SECRET },
      config: `
[auth]
site_url = "${APP}"
additional_redirect_urls = ["${APP}/**"]
enable_manual_linking = true

[auth.external.twitter]
enabled = true
client_id = "${CONSUMER_KEY}"
secret = "env(TWITTER_SECRET)"
url = "${base}"
`,
    });
  });
  after(async () => {
    await basalt?.stop();
    await new Promise((resolve) => (twitter ? twitter.server.close(resolve) : resolve()));
  });

  const client = (flowType) =>
    createClient(basalt.url, basalt.anonKey, {
      auth: { flowType, persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
  const browse = (url) => redirectsToApp(url, APP);

  test('signInWithOAuth: signed request token, authenticate, access token and the user', async () => {
    const c = client('implicit');
    const { data, error } = await c.auth.signInWithOAuth({
      provider: 'twitter',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome` },
    });
    assert.equal(error, null);
    const first = await fetch(data.url, { redirect: 'manual' });
    const toTwitter = new URL(first.headers.get('location'));
    assert.equal(`${toTwitter.origin}${toTwitter.pathname}`, `${base}/oauth/authenticate`);
    assert.match(toTwitter.searchParams.get('oauth_token'), /^rt-/);
    const [requestToken] = twitter.seen.filter((s) => s.path === '/oauth/request_token').slice(-1);
    const callback = new URL(requestToken.oauth.oauth_callback);
    assert.equal(`${callback.origin}${callback.pathname}`, `${basalt.url}/auth/v1/callback`);
    assert.ok(callback.searchParams.get('state'), 'the callback carries the state');

    const location = await browse(data.url);
    assert.equal(location.pathname, '/welcome');
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.ok(fragment.get('access_token'), location.toString());
    assert.match(fragment.get('provider_token'), /^at-/);
    const set = await c.auth.setSession({
      access_token: fragment.get('access_token'),
      refresh_token: fragment.get('refresh_token'),
    });
    assert.equal(set.error, null);
    const u = set.data.user;
    assert.equal(u.email, 'tweety@bird.example');
    assert.equal(u.app_metadata.provider, 'twitter');
    assert.equal(u.user_metadata.user_name, 'tweety');
    const [identity] = u.identities;
    assert.equal(identity.provider, 'twitter');
    assert.equal(identity.id, '42');
    assert.deepEqual(identity.identity_data, {
      iss: `${base}/1.1/account/verify_credentials.json`,
      sub: '42',
      name: 'Tweety Bird',
      preferred_username: 'tweety',
      picture: 'https://pbs.example/tweety.png',
      email: 'Tweety@Bird.example',
      email_verified: true,
      phone_verified: false,
      full_name: 'Tweety Bird',
      avatar_url: 'https://pbs.example/tweety.png',
      provider_id: '42',
      user_name: 'tweety',
    });
    // Every signed request was checked by the stand-in; each had its own nonce.
    const nonces = twitter.seen.map((s) => s.oauth.oauth_nonce);
    assert.equal(new Set(nonces).size, nonces.length);
  });

  test('PKCE with the app, and a Twitter account without an address is refused', async () => {
    const c = client('pkce');
    const { data } = await c.auth.signInWithOAuth({ provider: 'twitter', options: { skipBrowserRedirect: true, redirectTo: `${APP}/pkce` } });
    const location = await browse(data.url);
    const code = location.searchParams.get('code');
    assert.ok(code, location.toString());
    const out = await c.auth.exchangeCodeForSession(code);
    assert.equal(out.error, null);
    assert.equal(out.data.user.identities[0].id, '42');

    twitter.state.email = null;
    try {
      const { data: d2 } = await client('implicit').auth.signInWithOAuth({
        provider: 'twitter',
        options: { skipBrowserRedirect: true, redirectTo: `${APP}/none` },
      });
      const none = await browse(d2.url);
      const err = new URLSearchParams(none.hash.slice(1));
      assert.equal(err.get('error'), 'server_error');
      assert.equal(err.get('error_description'), 'Error getting user email from external provider');
    } finally {
      twitter.state.email = 'Tweety@Bird.example';
    }
  });

  // Starts a sign-in and returns the callback URL Twitter would send the browser to.
  async function callbackOf(redirectTo) {
    const { data } = await client('implicit').auth.signInWithOAuth({
      provider: 'twitter',
      options: { skipBrowserRedirect: true, redirectTo },
    });
    const first = await fetch(data.url, { redirect: 'manual' });
    const res = await fetch(first.headers.get('location'), { redirect: 'manual' });
    return new URL(res.headers.get('location'));
  }
  const errorAt = (location) => new URLSearchParams(location.hash.slice(1));

  test("a callback is used once, and only with its own flow's token", async () => {
    const callback = await callbackOf(`${APP}/once`);
    const ok = await browse(callback.toString());
    assert.ok(new URLSearchParams(ok.hash.slice(1)).get('access_token'), ok.toString());
    const replay = await browse(callback.toString());
    assert.equal(errorAt(replay).get('error_description'), 'Unable to retrieve access token');

    // Another flow's token and verifier under this flow's state: refused, and this flow is spent.
    const mine = await callbackOf(`${APP}/mine`);
    const theirs = await callbackOf(`${APP}/theirs`);
    const swapped = new URL(mine);
    swapped.searchParams.set('oauth_token', theirs.searchParams.get('oauth_token'));
    swapped.searchParams.set('oauth_verifier', theirs.searchParams.get('oauth_verifier'));
    const refused = await browse(swapped.toString());
    assert.equal(refused.pathname, '/mine');
    assert.equal(errorAt(refused).get('error_description'), 'Unable to retrieve access token');
    const late = await browse(mine.toString());
    assert.equal(errorAt(late).get('error_description'), 'Unable to retrieve access token');
    // The other flow is untouched.
    const theirsOk = await browse(theirs.toString());
    assert.ok(new URLSearchParams(theirsOk.hash.slice(1)).get('access_token'), theirsOk.toString());

    // The user declined at Twitter (denied=<token>, no verifier).
    const declined = await callbackOf(`${APP}/declined`);
    const denied = new URL(declined);
    denied.searchParams.set('denied', denied.searchParams.get('oauth_token'));
    denied.searchParams.delete('oauth_token');
    denied.searchParams.delete('oauth_verifier');
    const end = await browse(denied.toString());
    assert.equal(end.pathname, '/declined');
    assert.equal(errorAt(end).get('error'), 'server_error');
  });

  test('linkIdentity adds a Twitter identity to the signed-in user', async () => {
    const c = client('implicit');
    const up = await c.auth.signUp({ email: 'linker@example.com', password: 'linker password' });
    assert.equal(up.error, null);
    twitter.state.id = '77';
    try {
      const { data, error } = await c.auth.linkIdentity({
        provider: 'twitter',
        options: { skipBrowserRedirect: true, redirectTo: `${APP}/linked` },
      });
      assert.equal(error, null);
      assert.ok(data.url.startsWith(`${base}/oauth/authenticate?oauth_token=`), data.url);
      const location = await browse(data.url);
      assert.equal(location.pathname, '/linked');
      const token = new URLSearchParams(location.hash.slice(1)).get('access_token');
      assert.ok(token, location.toString());
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
      assert.equal(claims.sub, up.data.user.id, "the session is the linking user's");
      const listed = await c.auth.getUserIdentities();
      assert.deepEqual(listed.data.identities.map((i) => [i.provider, i.id]).sort(), [
        ['email', up.data.user.id],
        ['twitter', '77'],
      ]);
    } finally {
      twitter.state.id = '42';
    }
  });

  test('a forged verifier or a token Twitter never gave ends at the app with an error', async () => {
    const { data } = await client('implicit').auth.signInWithOAuth({
      provider: 'twitter',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/bad` },
    });
    const first = await fetch(data.url, { redirect: 'manual' });
    const toTwitter = new URL(first.headers.get('location'));
    const [requestToken] = twitter.seen.filter((s) => s.path === '/oauth/request_token').slice(-1);
    const callback = new URL(requestToken.oauth.oauth_callback);
    callback.searchParams.set('oauth_token', toTwitter.searchParams.get('oauth_token'));
    callback.searchParams.set('oauth_verifier', 'not-the-verifier');
    const location = await browse(callback.toString());
    const err = new URLSearchParams(location.hash.slice(1));
    assert.equal(err.get('error'), 'server_error');
    assert.equal(err.get('error_description'), 'Unable to retrieve access token');

    const r = await client('implicit').auth.signInWithIdToken({ provider: 'twitter', token: 'a.b.c' });
    assert.equal(r.error.status, 400);
    assert.equal(r.error.message, 'Custom OIDC provider "twitter" not allowed');
  });
});
