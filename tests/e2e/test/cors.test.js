// CORS as a browser running supabase-js needs it: the preflight for the headers and methods the
// client really sends, and the CORS headers on the answers (errors included), so the browser
// lets the page read them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { corsHeaders } from '@supabase/supabase-js/cors';
import { startBasalt } from '../lib/basalt.js';

const ORIGIN = 'http://localhost:3000';
// Headers a browser sets itself or that are CORS-safelisted never appear in a preflight.
const NOT_IN_PREFLIGHT = new Set(['accept', 'accept-language', 'content-language', 'origin']);

// The request each supabase-js call makes, as seen by fetch.
async function capture(basalt, call) {
  const seen = [];
  const fetchSpy = async (input, init = {}) => {
    seen.push({ url: String(input), method: init.method ?? 'GET', headers: new Headers(init.headers) });
    return fetch(input, init);
  };
  const supabase = createClient(basalt.url, basalt.anonKey, {
    global: { fetch: fetchSpy },
    auth: { persistSession: false, autoRefreshToken: false },
  });
  await call(supabase);
  return seen;
}

// What a browser sends before a cross-origin request with these method and headers.
function preflight(url, method, headerNames) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: ORIGIN,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': headerNames.join(','),
    },
  });
}

function allowed(list) {
  return (list ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

describe('CORS for supabase-js in a browser', () => {
  let basalt;
  before(async () => {
    basalt = await startBasalt();
  });
  after(async () => {
    await basalt?.stop();
  });

  const calls = {
    'from().select()': (s) => s.from('todos').select('id', { count: 'exact' }),
    'from().insert()': (s) => s.from('todos').insert({ title: 'x' }).select(),
    'rpc()': (s) => s.rpc('hello', { name: 'x' }),
    'auth.signUp()': (s) => s.auth.signUp({ email: 'a@example.com', password: 'secret123' }),
    'storage.upload()': (s) => s.storage.from('avatars').upload('a.txt', 'hello', { upsert: true }),
  };

  for (const [name, call] of Object.entries(calls)) {
    test(`the preflight for ${name} allows its method and every header it sends`, async () => {
      const requests = await capture(basalt, call);
      assert.ok(requests.length > 0, 'supabase-js made a request');
      for (const r of requests) {
        const names = [...r.headers.keys()].filter((h) => !NOT_IN_PREFLIGHT.has(h)).sort();
        const res = await preflight(r.url, r.method, names);
        assert.equal(res.status, 200, `${r.method} ${r.url}`);
        assert.equal(await res.text(), '');
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        assert.ok(
          allowed(res.headers.get('access-control-allow-methods')).includes(r.method.toLowerCase()),
          `method ${r.method} allowed: ${res.headers.get('access-control-allow-methods')}`,
        );
        const allowedHeaders = allowed(res.headers.get('access-control-allow-headers'));
        for (const h of names) {
          assert.ok(allowedHeaders.includes(h), `header ${h} allowed: ${allowedHeaders}`);
        }
        assert.ok(Number(res.headers.get('access-control-max-age')) > 0);
      }
    });
  }

  test('the preflight allows every header the SDK may send', async () => {
    // supabase-js publishes the full list (retry count, trace context, ...) for CORS configs.
    const names = allowed(corsHeaders['Access-Control-Allow-Headers']);
    assert.ok(names.includes('apikey'));
    for (const path of ['/rest/v1/todos', '/auth/v1/token', '/storage/v1/object/avatars/a.png']) {
      const res = await preflight(`${basalt.url}${path}`, 'POST', names);
      assert.equal(res.status, 200);
      const allowedHeaders = allowed(res.headers.get('access-control-allow-headers'));
      for (const h of names) assert.ok(allowedHeaders.includes(h), `${path}: ${h}`);
    }
  });

  test('answers to cross-origin requests carry CORS headers, errors included', async () => {
    const seen = [];
    const fetchWithOrigin = async (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('Origin', ORIGIN);
      const res = await fetch(input, { ...init, headers });
      seen.push(res);
      return res;
    };
    const options = { global: { fetch: fetchWithOrigin }, auth: { persistSession: false } };
    await createClient(basalt.url, basalt.anonKey, options).from('todos').select();
    await createClient(basalt.url, 'not-a-project-key', options).from('todos').select();
    assert.deepEqual(seen.map((r) => r.status), [404, 401]);
    for (const res of seen) {
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const exposed = allowed(res.headers.get('access-control-expose-headers'));
      // supabase-js reads Content-Range for counts; X-Request-Id is for support requests.
      for (const h of ['content-range', 'x-request-id', 'content-type', 'location']) {
        assert.ok(exposed.includes(h), `${h} exposed: ${exposed}`);
      }
    }
  });
});
