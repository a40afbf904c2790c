// Sign-in through supabase-js with the plain OAuth 2.0 providers Supabase Auth knows by name
// (GitHub has its own file). The real services are out of reach in tests, so each provider
// gets a local server playing its documented endpoints at the paths Supabase Auth uses under
// `url`: an authorization page that approves at once, a token endpoint checking the client's
// credentials (HTTP Basic or form) and the redirect URI, and the user API, which checks what
// the real one demands (a bearer token; Twitch's Client-Id header and secret in the form
// body, Notion's Notion-Version, Facebook's appsecret_proof, X's PKCE). Each test signs a user in and checks the user and
// the identity Basalt recorded against what Supabase Auth's provider code records.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startBasalt } from '../lib/basalt.js';
import { redirectsToApp } from '../lib/oidc_browser.js';

const APP = 'http://localhost:3000';
const SECRET = 'provider-client-secret-0123456789';
const clientId = (name) => `${name}-client-id`;

// Per provider: its endpoint paths, the scope Basalt must ask for, the API it answers, and
// what the signed-in user must look like. `api(req, url)` returns [status, body].
const PROVIDERS = {
  gitlab: {
    authorize: '/oauth/authorize',
    token: '/oauth/token',
    scope: 'read_user',
    api: {
      '/api/v4/user': () => ({
        id: 4242,
        name: 'Gita Lab',
        username: 'gita',
        email: 'Gita@Lab.example',
        confirmed_at: '2024-02-01T10:00:00Z',
        avatar_url: 'https://gitlab.example/a/4242.png',
      }),
      '/api/v4/user/emails': () => [{ id: 1, email: 'gita@home.example' }],
    },
    expect: {
      email: 'gita@lab.example',
      verified: true,
      data: (base) => ({
        iss: base,
        sub: '4242',
        name: 'Gita Lab',
        picture: 'https://gitlab.example/a/4242.png',
        email: 'Gita@Lab.example',
        email_verified: true,
        phone_verified: false,
        full_name: 'Gita Lab',
        avatar_url: 'https://gitlab.example/a/4242.png',
        provider_id: '4242',
      }),
    },
  },
  discord: {
    authorize: '/api/oauth2/authorize',
    token: '/api/oauth2/token',
    scope: 'email identify',
    api: {
      '/api/users/@me': () => ({
        id: '80351110224678912',
        username: 'nelly',
        discriminator: '0',
        global_name: 'Nelly',
        avatar: '8342729096ea3675442027381ff50dfe',
        email: 'nelly@discord.example',
        verified: true,
      }),
    },
    expect: {
      email: 'nelly@discord.example',
      verified: true,
      data: (base) => ({
        iss: `${base}/api`,
        sub: '80351110224678912',
        name: 'nelly#0',
        picture: 'https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png',
        email: 'nelly@discord.example',
        email_verified: true,
        phone_verified: false,
        custom_claims: { global_name: 'Nelly' },
        full_name: 'nelly',
        avatar_url: 'https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png',
        provider_id: '80351110224678912',
      }),
    },
  },
  bitbucket: {
    authorize: '/site/oauth2/authorize',
    token: '/site/oauth2/access_token',
    scope: 'account email',
    api: {
      '/2.0/user': () => ({ uuid: '{a1b2}', display_name: 'Bea Bucket', avatar: { href: 'https://bb/a.png' } }),
      '/2.0/user/emails': () => ({
        values: [
          { email: 'bea@old.example', is_primary: false, is_confirmed: true },
          { email: 'bea@bucket.example', is_primary: true, is_confirmed: true },
        ],
      }),
    },
    expect: { email: 'bea@bucket.example', verified: true, sub: '{a1b2}', name: 'Bea Bucket' },
  },
  facebook: {
    authorize: '/dialog/oauth',
    token: '/oauth/access_token',
    scope: 'email',
    api: {
      '/me': (req, url, token) => {
        const proof = crypto.createHmac('sha256', SECRET).update(token).digest('hex');
        if (url.searchParams.get('appsecret_proof') !== proof) {
          return [400, { error: { message: 'Invalid appsecret_proof', type: 'GraphMethodException' } }];
        }
        assert.equal(url.searchParams.get('fields'), 'email,first_name,last_name,name,picture');
        return {
          id: '10158000',
          email: 'fay@fb.example',
          first_name: 'Fay',
          last_name: 'Book',
          name: 'Fay B.',
          picture: { data: { url: 'https://fb.example/p.jpg' } },
        };
      },
    },
    expect: { email: 'fay@fb.example', verified: true, sub: '10158000', name: 'Fay Book' },
  },
  twitch: {
    authorize: '/oauth2/authorize',
    token: '/oauth2/token',
    scope: 'user:read:email',
    // Twitch takes the client secret only in the form body: Basalt probes Basic first.
    secretInBody: true,
    api: {
      '/helix/users': (req) => {
        if (req.headers['client-id'] !== clientId('twitch')) return [401, { message: 'Client-Id header required' }];
        return {
          data: [
            {
              id: '141981764',
              login: 'twitchdev',
              display_name: 'TwitchDev',
              type: '',
              broadcaster_type: 'partner',
              description: 'Supporting third-party developers',
              profile_image_url: 'https://twitch.example/p.png',
              offline_image_url: 'https://twitch.example/o.png',
              view_count: 5980557,
              email: 'dev@twitch.example',
            },
          ],
        };
      },
    },
    expect: { email: 'dev@twitch.example', verified: true, sub: '141981764', name: 'twitchdev' },
  },
  kakao: {
    authorize: '/oauth/authorize',
    token: '/oauth/token',
    scope: 'account_email profile_image profile_nickname',
    secretInBody: true,
    api: {
      '/v2/user/me': () => ({
        id: 1234567890,
        kakao_account: {
          profile: { nickname: 'Kim', profile_image_url: 'https://kakao.example/p.jpg' },
          email: 'kim@kakao.example',
          is_email_valid: true,
          is_email_verified: true,
        },
      }),
    },
    expect: { email: 'kim@kakao.example', verified: true, sub: '1234567890', name: 'Kim' },
  },
  notion: {
    authorize: '/v1/oauth/authorize',
    token: '/v1/oauth/token',
    scope: null,
    api: {
      '/v1/users/me': (req) => {
        if (!req.headers['notion-version']) return [400, { code: 'missing_version' }];
        return {
          object: 'user',
          id: 'bot-1',
          type: 'bot',
          bot: {
            owner: {
              type: 'user',
              user: { id: 'n-42', name: 'Nia Notion', avatar_url: 'https://n/a.png', person: { email: 'nia@notion.example' } },
            },
          },
        };
      },
    },
    expect: { email: 'nia@notion.example', verified: true, sub: 'n-42', name: 'Nia Notion' },
  },
  x: {
    authorize: '/i/oauth2/authorize',
    token: '/2/oauth2/token',
    scope: 'users.email tweet.read users.read offline.access',
    pkce: true,
    api: {
      '/2/users/me': (req, url) => {
        assert.match(url.searchParams.get('user.fields'), /confirmed_email/);
        return {
          data: {
            id: '2244994945',
            name: 'X Dev',
            username: 'XDevelopers',
            confirmed_email: 'dev@x.example',
            profile_image_url: 'https://pbs.example/x.jpg',
            created_at: '2013-12-14T04:35:55.000Z',
          },
        };
      },
    },
    expect: { email: 'dev@x.example', verified: true, sub: '2244994945', name: 'X Dev' },
  },
  zoom: {
    authorize: '/oauth/authorize',
    token: '/oauth/token',
    scope: null,
    api: {
      '/v2/users/me': () => ({
        id: 'KDcuGIm1QgePTO8WbOqwIQ',
        first_name: 'Zed',
        last_name: 'Zoom',
        email: 'zed@zoom.example',
        verified: 0,
        login_type: '100',
        pic_url: 'https://zoom.example/p.jpg',
      }),
    },
    // An email-and-password Zoom account Zoom has not verified: the identity says so.
    expect: { email: 'zed@zoom.example', verified: false, sub: 'KDcuGIm1QgePTO8WbOqwIQ', name: 'Zed Zoom' },
  },
  snapchat: {
    authorize: '/accounts/oauth2/auth',
    token: '/accounts/oauth2/token',
    scope:
      'https://auth.snapchat.com/oauth2/api/user.external_id https://auth.snapchat.com/oauth2/api/user.display_name ' +
      'https://auth.snapchat.com/oauth2/api/user.bitmoji.avatar',
    api: {
      // Login Kit's GraphQL endpoint: the query names the fields it answers.
      '/v1/me': (_req, url) =>
        /externalId/.test(url.searchParams.get('query') ?? '')
          ? { data: { me: { externalId: 'snap-ext-1', displayName: 'Snappy', bitmoji: { avatar: 'https://bitmoji.example/a.png' }, email: 'snappy@snap.example' } } }
          : [400, { errors: [{ message: 'no query' }] }],
    },
    expect: { email: 'snappy@snap.example', verified: true, sub: 'snap-ext-1', name: 'Snappy' },
  },
  workos: {
    authorize: '/sso/authorize',
    token: '/sso/token',
    scope: null,
    secretInBody: true,
    // WorkOS sends the profile with the token; there is no user API.
    api: {},
    tokenExtra: () => ({
      profile: {
        object: 'profile',
        id: 'prof_01WORK',
        connection_id: 'conn_01ACME',
        connection_type: 'GoogleOAuth',
        organization_id: 'org_01ACME',
        email: 'Wren@Acme.example',
        first_name: 'Wren',
        last_name: 'Works',
        idp_id: '1234',
        raw_attributes: {},
      },
    }),
    expect: {
      email: 'wren@acme.example',
      verified: true,
      data: (base) => ({
        iss: base,
        sub: 'prof_01WORK',
        name: 'Wren Works',
        email: 'Wren@Acme.example',
        email_verified: true,
        phone_verified: false,
        custom_claims: { connection_id: 'conn_01ACME', organization_id: 'org_01ACME' },
        full_name: 'Wren Works',
        provider_id: 'prof_01WORK',
      }),
    },
  },
};

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });
}

// One provider's server. Records what it saw for the tests' assertions.
function fakeProvider(name, spec) {
  const codes = new Map(); // code -> {redirect_uri, challenge}
  const tokens = new Set();
  const seen = { authorize: [], token: [], api: [] };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://provider.test');
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === spec.authorize) {
      const q = url.searchParams;
      seen.authorize.push(Object.fromEntries(q));
      if (q.get('client_id') !== clientId(name) || q.get('response_type') !== 'code') {
        return send(400, { error: 'invalid_request' });
      }
      const code = crypto.randomBytes(10).toString('hex');
      codes.set(code, { redirect_uri: q.get('redirect_uri'), challenge: q.get('code_challenge') });
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === spec.token) {
      const form = new URLSearchParams(await readBody(req));
      seen.token.push(Object.fromEntries(form));
      let [id, secret] = [form.get('client_id'), form.get('client_secret')];
      const basic = /^Basic (.+)$/.exec(req.headers.authorization || '');
      if (basic && spec.secretInBody) return send(400, { error: 'invalid_client', error_description: 'secret in body' });
      if (basic) {
        const [u, p] = Buffer.from(basic[1], 'base64').toString().split(':');
        [id, secret] = [decodeURIComponent(u), decodeURIComponent(p)];
      }
      if (id !== clientId(name) || secret !== SECRET) return send(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      if (!grant || grant.redirect_uri !== form.get('redirect_uri') || form.get('grant_type') !== 'authorization_code') {
        return send(400, { error: 'invalid_grant' });
      }
      if (spec.pkce) {
        const verifier = form.get('code_verifier') || '';
        const expected = crypto.createHash('sha256').update(verifier).digest('base64url');
        if (!grant.challenge || expected !== grant.challenge) return send(400, { error: 'invalid_grant', error_description: 'PKCE' });
      }
      const token = `${name}_${crypto.randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return send(200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: 3600,
        refresh_token: `r_${token}`,
        ...(spec.tokenExtra ? spec.tokenExtra() : {}),
      });
    }
    const handler = req.method === 'GET' && spec.api[url.pathname];
    if (handler) {
      seen.api.push({ path: url.pathname, headers: req.headers });
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization || '');
      if (!auth || !tokens.has(auth[1])) return send(401, { message: 'invalid token' });
      const out = handler(req, url, auth[1]);
      return Array.isArray(out) && typeof out[0] === 'number' ? send(out[0], out[1]) : send(200, out);
    }
    send(404, { message: 'not found' });
  });
  return { server, seen };
}

const fakes = {};
let basalt;

describe('OAuth with the built-in OAuth 2.0 providers', () => {
  before(async () => {
    let providers = '';
    for (const [name, spec] of Object.entries(PROVIDERS)) {
      const fake = fakeProvider(name, spec);
      fake.base = `http://127.0.0.1:${await listen(fake.server)}`;
      fakes[name] = fake;
      providers += `
[auth.external.${name}]
enabled = true
client_id = "${clientId(name)}"
secret = "env(PROVIDER_SECRET)"
url = "${fake.base}"
`;
    }
    basalt = await startBasalt({
      env: { PROVIDER_SECRET: SECRET },
      config: `
[auth]
site_url = "${APP}"
additional_redirect_urls = ["${APP}/**"]
${providers}`,
    });
  });

  after(async () => {
    await basalt?.stop();
    await Promise.all(Object.values(fakes).map((f) => new Promise((resolve) => f.server.close(resolve))));
  });

  const client = (flowType = 'implicit') =>
    createClient(basalt.url, basalt.anonKey, {
      auth: { flowType, persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });

  const browse = (url) => redirectsToApp(url, APP);

  test('/settings lists each provider as enabled (X is not among the names it lists)', async () => {
    const res = await fetch(`${basalt.url}/auth/v1/settings`, { headers: { apikey: basalt.anonKey } });
    const { external } = await res.json();
    for (const name of Object.keys(PROVIDERS)) assert.equal(external[name], name === 'x' ? undefined : true, name);
  });

  for (const [name, spec] of Object.entries(PROVIDERS)) {
    test(`${name}: signInWithOAuth, the provider's API, the user and identity`, async () => {
      const fake = fakes[name];
      const c = client(name === 'discord' ? 'pkce' : 'implicit');
      const { data, error } = await c.auth.signInWithOAuth({
        provider: name,
        options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome`, scopes: 'extra.scope' },
      });
      assert.equal(error, null);
      const location = await browse(data.url);
      assert.equal(location.pathname, '/welcome');

      // What Basalt asked the provider for.
      const [asked] = fake.seen.authorize.slice(-1);
      assert.equal(asked.redirect_uri, `${basalt.url}/auth/v1/callback`);
      const takesScopes = !['bitbucket', 'notion', 'zoom', 'workos'].includes(name);
      const scope = spec.scope === null ? undefined : spec.scope + (takesScopes ? ' extra.scope' : '');
      assert.equal(asked.scope, scope);
      assert.equal(asked.nonce, undefined, 'not OpenID Connect');
      assert.equal(asked.code_challenge_method, spec.pkce ? 'S256' : undefined);
      const [exchanged] = fake.seen.token.slice(-1);
      assert.equal(exchanged.code_verifier !== undefined, Boolean(spec.pkce));
      assert.deepEqual(
        fake.seen.api.map((s) => s.path),
        Object.keys(spec.api),
      );
      assert.ok(fake.seen.api.every((s) => s.headers['user-agent']));

      let session;
      if (name === 'discord') {
        const code = location.searchParams.get('code');
        assert.ok(code, location.toString());
        const out = await c.auth.exchangeCodeForSession(code);
        assert.equal(out.error, null);
        session = out.data.session;
      } else {
        const fragment = new URLSearchParams(location.hash.slice(1));
        assert.ok(fragment.get('access_token'), location.toString());
        assert.match(fragment.get('provider_token'), new RegExp(`^${name}_`));
        const out = await c.auth.setSession({
          access_token: fragment.get('access_token'),
          refresh_token: fragment.get('refresh_token'),
        });
        assert.equal(out.error, null);
        session = out.data.session;
      }
      assert.ok(session.access_token);
      const { data: got } = await c.auth.getUser();
      const user = got.user;
      assert.equal(user.email, spec.expect.email);
      // (The project confirms addresses itself: [auth.email] enable_confirmations is off.)
      assert.ok(user.email_confirmed_at);
      assert.equal(user.app_metadata.provider, name);
      assert.deepEqual(user.app_metadata.providers, [name]);
      const [identity] = user.identities;
      assert.equal(identity.provider, name);
      if (spec.expect.data) {
        assert.deepEqual(identity.identity_data, spec.expect.data(fake.base));
      } else {
        assert.equal(identity.identity_data.sub, spec.expect.sub);
        assert.equal(identity.identity_data.provider_id, spec.expect.sub);
        assert.equal(identity.identity_data.full_name, spec.expect.name);
        assert.equal(identity.identity_data.email, spec.expect.email);
        assert.equal(identity.identity_data.email_verified, spec.expect.verified);
      }
      assert.equal(user.user_metadata.full_name, identity.identity_data.full_name);

      await c.auth.signOut();
    });
  }

  test("workos: the app's connection, organization and workos_provider reach WorkOS", async () => {
    const { data, error } = await client().auth.signInWithOAuth({
      provider: 'workos',
      options: {
        skipBrowserRedirect: true,
        redirectTo: `${APP}/sso`,
        queryParams: { connection: 'conn_01ACME', organization: 'org_01ACME', workos_provider: 'GoogleOAuth' },
      },
    });
    assert.equal(error, null);
    const location = await browse(data.url);
    assert.equal(location.pathname, '/sso');
    const [asked] = fakes.workos.seen.authorize.slice(-1);
    assert.equal(asked.connection, 'conn_01ACME');
    assert.equal(asked.organization, 'org_01ACME');
    assert.equal(asked.provider, 'GoogleOAuth');
    assert.equal(asked.workos_provider, undefined);
  });

  test('signInWithIdToken with a provider that issues no id_tokens is refused as Supabase Auth does', async () => {
    const { data, error } = await client().auth.signInWithIdToken({ provider: 'gitlab', token: 'a.b.c' });
    assert.equal(data.session, null);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'validation_failed');
    assert.equal(error.message, 'Custom OIDC provider "gitlab" not allowed');
  });

  test('a code the provider never issued ends at the app with an error', async () => {
    const { data } = await client().auth.signInWithOAuth({
      provider: 'gitlab',
      options: { skipBrowserRedirect: true, redirectTo: `${APP}/welcome` },
    });
    const first = await fetch(data.url, { redirect: 'manual' });
    const toProvider = new URL(first.headers.get('location'));
    const callback = new URL(`${basalt.url}/auth/v1/callback`);
    callback.searchParams.set('code', 'not-a-code-the-provider-gave');
    callback.searchParams.set('state', toProvider.searchParams.get('state'));
    const location = await browse(callback.toString());
    const err = new URLSearchParams(location.hash.slice(1));
    assert.equal(err.get('error'), 'server_error');
    assert.match(err.get('error_description'), /Unable to exchange external code/);
  });
});
