// Sign-in with GitHub (plain OAuth 2.0, no OpenID Connect) through supabase-js. GitHub itself
// is out of reach in tests, so this process serves GitHub Enterprise Server's documented
// endpoints: /login/oauth/authorize and /login/oauth/access_token (form-encoded answers unless
// the client accepts JSON; a bad code is a 200 with an `error`), and the REST API under
// /api/v3 (/user, /user/emails), which refuses requests without a token or a User-Agent.
// Basalt is configured with `url` pointing here, as for GitHub Enterprise.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startBasalt } from '../lib/basalt.js';
import { mailsTo } from '../lib/mail.js';

const APP = 'http://localhost:3000';
const CLIENT_ID = 'Iv1.basalt0app';
const SECRET = 'github-client-secret-0123456789';

// GitHub users: numeric ids, logins, and their email addresses.
const USERS = {
  octo: {
    user: { id: 583231, login: 'octocat', name: 'The Octocat', avatar_url: 'https://avatars.example/u/583231' },
    emails: [
      { email: 'octo-old@example.com', primary: false, verified: true },
      { email: 'Octocat@Example.com', primary: true, verified: true },
    ],
  },
  hubot: {
    user: { id: 1001, login: 'hubot', name: null, avatar_url: 'https://avatars.example/u/1001' },
    emails: [{ email: 'hubot@example.com', primary: false, verified: true }],
  },
  ghost: { user: { id: 10137, login: 'ghost', name: 'Ghost' }, emails: [] },
  // Account linking looks at every verified address, not only the primary one.
  mona: {
    user: { id: 2001, login: 'mona', name: 'Mona' },
    emails: [
      { email: 'mona@example.com', primary: true, verified: true },
      { email: 'Mona.Work@example.com', primary: false, verified: true },
    ],
  },
  twin: {
    user: { id: 2002, login: 'twin', name: 'Twin' },
    emails: [
      { email: 'twin-a@example.com', primary: true, verified: true },
      { email: 'twin-b@example.com', primary: false, verified: true },
    ],
  },
  // Both link through a verified work address to an account that never confirmed it.
  ivy: {
    user: { id: 2004, login: 'ivy', name: 'Ivy' },
    emails: [
      { email: 'ivy@example.com', primary: true, verified: false },
      { email: 'Ivy-Work@example.com', primary: false, verified: true },
    ],
  },
  jay: {
    user: { id: 2005, login: 'jay', name: 'Jay' },
    emails: [
      { email: 'jay@example.com', primary: true, verified: true },
      { email: 'jay-work@example.com', primary: false, verified: true },
    ],
  },
  lisa: {
    user: { id: 2003, login: 'lisa', name: 'Lisa' },
    emails: [
      { email: 'lisa@example.com', primary: true, verified: true },
      { email: 'lisa-old@example.com', primary: false, verified: false },
    ],
  },
};

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

const codes = new Map(); // code -> {login, redirect_uri}
const tokens = new Map(); // access token -> login
const seen = []; // requests to the API, for assertions

function fakeGitHub(req, res) {
  const url = new URL(req.url, 'http://github.test');
  const send = (status, body, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
    // The user "approves" at once; ?login= picks who (the test appends it).
    const q = url.searchParams;
    if (q.get('client_id') !== CLIENT_ID) return send(404, { error: 'unknown client' });
    const code = crypto.randomBytes(10).toString('hex');
    codes.set(code, { login: q.get('login') || 'octo', redirect_uri: q.get('redirect_uri') });
    const back = new URL(q.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state'));
    res.writeHead(302, { location: back.toString() }).end();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      let id = form.get('client_id');
      let secret = form.get('client_secret');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization || '');
      if (basic) {
        const [u, p] = Buffer.from(basic[1], 'base64').toString().split(':');
        [id, secret] = [decodeURIComponent(u), decodeURIComponent(p)];
      }
      const json = /application\/json/.test(req.headers.accept || '');
      const reply = (obj) =>
        json ? send(200, obj) : send(200, new URLSearchParams(obj).toString(), 'application/x-www-form-urlencoded');
      if (id !== CLIENT_ID || secret !== SECRET) return reply({ error: 'incorrect_client_credentials' });
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      if (!grant || grant.redirect_uri !== form.get('redirect_uri') || grant.login === 'expired') {
        return reply({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      const token = `gho_${crypto.randomBytes(12).toString('hex')}`;
      tokens.set(token, grant.login);
      reply({ access_token: token, token_type: 'bearer', scope: 'user:email' });
    });
    return;
  }
  if (req.method === 'GET' && url.pathname.startsWith('/api/v3/')) {
    seen.push({ path: url.pathname, ua: req.headers['user-agent'] });
    if (!req.headers['user-agent']) return send(403, { message: 'Request forbidden: missing User-Agent' });
    const auth = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization || '');
    const login = auth && tokens.get(auth[1]);
    if (!login) return send(401, { message: 'Bad credentials' });
    if (url.pathname === '/api/v3/user') return send(200, { ...USERS[login].user, email: null });
    if (url.pathname === '/api/v3/user/emails') return send(200, USERS[login].emails);
  }
  send(404, { message: 'Not Found' });
}

let server;
let github;
let basalt;
let strict; // a second Basalt with [auth.email] enable_confirmations = true

const client = (instance, flowType = 'implicit') =>
  createClient(instance.url, instance.anonKey, {
    auth: { flowType, persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });

const admin = (instance) =>
  createClient(instance.url, instance.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  }).auth.admin;

// Follows redirects from supabase-js's authorize URL until one leaves for the app.
async function browse(url, login) {
  for (let step = 0; step < 10; step++) {
    const res = await fetch(url, { redirect: 'manual' });
    await res.text();
    assert.ok(res.status >= 300 && res.status < 400, `${res.status} at ${url}`);
    let next = new URL(res.headers.get('location'), url);
    if (next.origin === github && next.pathname === '/login/oauth/authorize' && login) {
      next.searchParams.set('login', login);
    }
    if (next.toString().startsWith(APP)) return { location: next, from: url };
    url = next.toString();
  }
  throw new Error('too many redirects');
}

// Signs in with GitHub as `login` (implicit flow): the app's URL fragment.
async function signInAs(instance, login) {
  const { data, error } = await client(instance).auth.signInWithOAuth({
    provider: 'github',
    options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome` },
  });
  assert.equal(error, null);
  const { location } = await browse(data.url, login);
  return new URLSearchParams(location.hash.slice(1));
}

const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));

// Signs in with GitHub as `login`, which must succeed: the access token's claims.
async function signedInClaims(instance, login) {
  const fragment = await signInAs(instance, login);
  const token = fragment.get('access_token');
  assert.ok(token, fragment.toString());
  return claimsOf(token);
}

async function createConfirmedUser(instance, email) {
  const { data, error } = await admin(instance).createUser({ email, password: 'pass-123456', email_confirm: true });
  assert.equal(error, null);
  return data.user;
}

describe('OAuth with GitHub', () => {
  before(async () => {
    server = http.createServer(fakeGitHub);
    github = `http://127.0.0.1:${await listen(server)}`;
    // The same project twice: as the CLI makes it, and with [auth.email] enable_confirmations.
    const project = (email) =>
      startBasalt({
        env: { GITHUB_SECRET: SECRET },
        config: `
[auth]
site_url = "${APP}"
additional_redirect_urls = ["${APP}/**"]
${email}
[auth.external.github]
enabled = true
client_id = "${CLIENT_ID}"
secret = "env(GITHUB_SECRET)"
url = "${github}"
`,
      });
    [basalt, strict] = await Promise.all([project(''), project('\n[auth.email]\nenable_confirmations = true\n')]);
  });

  after(async () => {
    await Promise.all([basalt?.stop(), strict?.stop()]);
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  });

  test('/settings lists github as enabled', async () => {
    const res = await fetch(`${basalt.url}/auth/v1/settings`, { headers: { apikey: basalt.anonKey } });
    const settings = await res.json();
    assert.equal(settings.external.github, true);
  });

  test('implicit flow: GitHub user, primary email, identity data as Supabase Auth records it', async () => {
    const c = client(basalt);
    const { data, error } = await c.auth.signInWithOAuth({
      provider: 'github',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome`, scopes: 'read:org' },
    });
    assert.equal(error, null);
    const first = await fetch(data.url, { redirect: 'manual' });
    assert.equal(first.status, 302);
    const toGitHub = new URL(first.headers.get('location'));
    assert.equal(`${toGitHub.origin}${toGitHub.pathname}`, `${github}/login/oauth/authorize`);
    assert.equal(toGitHub.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(toGitHub.searchParams.get('redirect_uri'), `${basalt.url}/auth/v1/callback`);
    assert.equal(toGitHub.searchParams.get('scope'), 'user:email read:org');
    assert.equal(toGitHub.searchParams.get('nonce'), null, 'GitHub is not OpenID Connect');

    seen.length = 0;
    const { location, from } = await browse(data.url, 'octo');
    assert.ok(from.startsWith(`${basalt.url}/auth/v1/callback`), from);
    assert.equal(location.pathname, '/welcome');
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.ok(fragment.get('access_token'), location.toString());
    assert.match(fragment.get('provider_token'), /^gho_/);
    assert.deepEqual(seen.map((s) => s.path), ['/api/v3/user', '/api/v3/user/emails']);
    assert.ok(seen.every((s) => s.ua), 'API requests carry a User-Agent');

    const set = await c.auth.setSession({
      access_token: fragment.get('access_token'),
      refresh_token: fragment.get('refresh_token'),
    });
    assert.equal(set.error, null);
    const { data: got } = await c.auth.getUser();
    const user = got.user;
    assert.equal(user.email, 'octocat@example.com', 'the primary address, not the first listed');
    assert.ok(user.email_confirmed_at);
    assert.equal(user.app_metadata.provider, 'github');
    assert.deepEqual(user.app_metadata.providers, ['github']);
    assert.equal(user.user_metadata.user_name, 'octocat');
    assert.equal(user.user_metadata.avatar_url, 'https://avatars.example/u/583231');
    assert.equal(user.user_metadata.full_name, 'The Octocat');
    const [identity] = user.identities;
    assert.equal(identity.provider, 'github');
    assert.equal(identity.id, '583231');
    assert.deepEqual(identity.identity_data, {
      iss: `${github}/api/v3`,
      sub: '583231',
      name: 'The Octocat',
      preferred_username: 'octocat',
      email: 'Octocat@Example.com',
      email_verified: true,
      phone_verified: false,
      full_name: 'The Octocat',
      avatar_url: 'https://avatars.example/u/583231',
      provider_id: '583231',
      user_name: 'octocat',
    });
  });

  test('PKCE flow: the app exchanges the code; the same GitHub account signs in again', async () => {
    const c = client(basalt, 'pkce');
    const { data, error } = await c.auth.signInWithOAuth({
      provider: 'github',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/pkce` },
    });
    assert.equal(error, null);
    const { location } = await browse(data.url, 'octo');
    const code = location.searchParams.get('code');
    assert.ok(code, location.toString());
    const exchanged = await c.auth.exchangeCodeForSession(code);
    assert.equal(exchanged.error, null);
    assert.equal(exchanged.data.user.email, 'octocat@example.com');
    assert.equal(exchanged.data.user.identities.length, 1);
  });

  test('without a primary address the new user has none; identity_data keeps the last one', async () => {
    const claims = await signedInClaims(basalt, 'hubot');
    assert.equal(claims.email, '', 'Supabase Auth gives a new user only a primary address');
    assert.equal(claims.user_metadata.email, 'hubot@example.com');
    assert.equal(claims.user_metadata.user_name, 'hubot');
    assert.equal(claims.user_metadata.full_name, undefined, 'a null name is left out');
  });

  test('a verified address that is not the primary one links to the account that has it', async () => {
    const existing = await createConfirmedUser(basalt, 'mona.work@example.com');
    const claims = await signedInClaims(basalt, 'mona');
    assert.equal(claims.sub, existing.id, 'the identity joined the existing user');
    assert.equal(claims.email, 'mona.work@example.com', 'the user keeps its own address');
    assert.deepEqual(claims.app_metadata.providers, ['email', 'github']);
    const { data } = await admin(basalt).getUserById(existing.id);
    assert.deepEqual(data.user.identities.map((i) => i.provider).sort(), ['email', 'github']);
  });

  test('addresses of two different accounts: no account is chosen and nothing is linked', async () => {
    const a = await createConfirmedUser(basalt, 'twin-a@example.com');
    const b = await createConfirmedUser(basalt, 'twin-b@example.com');
    const fragment = await signInAs(basalt, 'twin');
    assert.equal(fragment.get('access_token'), null);
    assert.equal(fragment.get('error'), 'server_error');
    assert.equal(
      fragment.get('error_description'),
      'Multiple accounts with the same email address in the same linking domain detected: default',
    );
    for (const user of [a, b]) {
      const { data } = await admin(basalt).getUserById(user.id);
      assert.deepEqual(data.user.identities.map((i) => i.provider), ['email']);
    }
  });

  test('with confirmations on, an address GitHub has not verified links nothing', async () => {
    const old = await createConfirmedUser(strict, 'lisa-old@example.com');
    const claims = await signedInClaims(strict, 'lisa');
    assert.notEqual(claims.sub, old.id, 'a new user, not the owner of the unverified address');
    assert.equal(claims.email, 'lisa@example.com');
    assert.deepEqual(claims.app_metadata.providers, ['github']);
    const { data } = await admin(strict).getUserById(old.id);
    assert.deepEqual(data.user.identities.map((i) => i.provider), ['email']);
  });

  test('linked to an unconfirmed account with an unverified primary address: a confirmation mail, no session', async () => {
    const { data: created, error } = await admin(strict).createUser({ email: 'ivy-work@example.com', password: 'pass-123456' });
    assert.equal(error, null);
    const fragment = await signInAs(strict, 'ivy');
    assert.equal(fragment.get('access_token'), null);
    assert.equal(fragment.get('error_code'), 'provider_email_needs_verification');
    assert.equal(
      fragment.get('error_description'),
      'Unverified email with github. A confirmation email has been sent to your github email',
    );
    // As Supabase Auth commits it: the identity joined the account, and the ways in its owner
    // never proved (the password's email identity) are gone.
    const { data } = await admin(strict).getUserById(created.user.id);
    assert.deepEqual(data.user.identities.map((i) => i.provider), ['github']);
    assert.equal(data.user.email_confirmed_at, undefined);
    const [mail] = await mailsTo(strict, 'ivy-work@example.com');
    assert.equal(mail?.kind, 'confirmation');
    const password = await client(strict).auth.signInWithPassword({ email: 'ivy-work@example.com', password: 'pass-123456' });
    assert.equal(password.error?.code, 'invalid_credentials');
  });

  test('linked to an unconfirmed account with a verified primary address: confirmed and signed in', async () => {
    const { data: created } = await admin(strict).createUser({ email: 'jay-work@example.com', password: 'pass-123456' });
    const claims = await signedInClaims(strict, 'jay');
    assert.equal(claims.sub, created.user.id);
    assert.equal(claims.email, 'jay-work@example.com');
    assert.deepEqual(claims.app_metadata.providers, ['github']);
    const { data } = await admin(strict).getUserById(created.user.id);
    assert.ok(data.user.email_confirmed_at);
  });

  test('with confirmations on, a verified secondary address still links', async () => {
    const existing = await createConfirmedUser(strict, 'mona.work@example.com');
    const claims = await signedInClaims(strict, 'mona');
    assert.equal(claims.sub, existing.id);
  });

  test('a GitHub account without email addresses is refused', async () => {
    const { data } = await client(basalt).auth.signInWithOAuth({
      provider: 'github',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome` },
    });
    const { location } = await browse(data.url, 'ghost');
    const err = new URLSearchParams(location.hash.slice(1));
    assert.equal(err.get('error'), 'server_error');
    assert.equal(err.get('error_description'), 'Error getting user email from external provider');
  });

  test('a code GitHub rejects ends at the app with an error', async () => {
    const { data } = await client(basalt).auth.signInWithOAuth({
      provider: 'github',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome` },
    });
    const { location } = await browse(data.url, 'expired');
    const err = new URLSearchParams(location.hash.slice(1));
    assert.equal(err.get('error'), 'server_error');
    assert.match(err.get('error_description'), /^Unable to exchange external code/);
  });
});
