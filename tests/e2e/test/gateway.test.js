// supabase-js against the real binary: the client's requests pass Basalt's gateway and reach
// the service behind each prefix: REST answers as PostgREST does; Auth and Storage answer 501
// until their milestones replace these expectations.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startBasalt } from '../lib/basalt.js';

// There is no table `todos` in this project: REST answers as PostgREST does.
const NO_TODOS = {
  code: 'PGRST205',
  message: "Could not find the table 'public.todos' in the schema cache",
  details: null,
  hint: null,
};
const INVALID_KEY = {
  message: 'Invalid API key',
  hint: 'Double check your Supabase `anon` or `service_role` API key.',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// A fetch that remembers each request and response, to look at what supabase-js sent and got.
function recordingFetch() {
  const calls = [];
  const fn = async (input, init = {}) => {
    const call = { url: String(input), method: init.method ?? 'GET', headers: new Headers(init.headers) };
    calls.push(call);
    const res = await fetch(input, init);
    call.status = res.status;
    call.responseHeaders = res.headers;
    return res;
  };
  return { fetch: fn, calls };
}

const clientOptions = (fetch) => ({
  global: { fetch },
  auth: { persistSession: false, autoRefreshToken: false },
});

describe('supabase-js through the gateway', () => {
  let basalt;
  before(async () => {
    basalt = await startBasalt();
  });
  after(async () => {
    await basalt?.stop();
  });

  test('from().select() with the anon key reaches REST', async () => {
    const rec = recordingFetch();
    const supabase = createClient(basalt.url, basalt.anonKey, clientOptions(rec.fetch));
    const { data, error, status } = await supabase.from('todos').select();
    assert.equal(status, 404);
    assert.equal(data, null);
    assert.deepEqual({ ...error }, NO_TODOS);
    assert.equal(rec.calls.length, 1, 'a 404 is not retried');
    const call = rec.calls[0];
    assert.equal(new URL(call.url).pathname, '/rest/v1/todos');
    assert.equal(call.headers.get('apikey'), basalt.anonKey);
    assert.match(call.responseHeaders.get('x-request-id'), UUID);
  });

  test('the service_role key passes the gateway too', async () => {
    const supabase = createClient(basalt.url, basalt.serviceRoleKey, clientOptions(fetch));
    const { error, status } = await supabase.from('todos').select('id, title').eq('id', 1);
    assert.equal(status, 404);
    assert.deepEqual({ ...error }, NO_TODOS);
  });

  test('inserts, updates and deletes reach REST', async () => {
    const supabase = createClient(basalt.url, basalt.anonKey, clientOptions(fetch));
    for (const q of [
      supabase.from('todos').insert({ title: 'x' }),
      supabase.from('todos').update({ title: 'y' }).eq('id', 1),
      supabase.from('todos').delete().eq('id', 1),
    ]) {
      const { error, status } = await q;
      assert.equal(status, 404);
      assert.deepEqual({ ...error }, NO_TODOS);
    }
  });

  test('a user token as Authorization is not the gateway\'s business', async () => {
    // Only the apikey must be a project key; the Bearer token is checked by the service,
    // which refuses this one as PostgREST does.
    const supabase = createClient(basalt.url, basalt.anonKey, {
      ...clientOptions(fetch),
      global: { fetch, headers: { Authorization: 'Bearer some.user.token' } },
    });
    const { error, status } = await supabase.from('todos').select();
    assert.equal(status, 401);
    assert.equal(error.code, 'PGRST301');
  });

  test('a client with a wrong key gets the gateway\'s 401 "Invalid API key"', async () => {
    const rec = recordingFetch();
    const supabase = createClient(basalt.url, 'not-a-project-key', clientOptions(rec.fetch));
    const { data, error, status } = await supabase.from('todos').select();
    assert.equal(status, 401);
    assert.equal(data, null);
    assert.deepEqual({ ...error }, INVALID_KEY);

    const auth = await supabase.auth.signInWithPassword({ email: 'a@example.com', password: 'secret123' });
    assert.equal(auth.error.status, 401);
    assert.equal(auth.error.message, 'Invalid API key');

    const storage = await supabase.storage.listBuckets();
    assert.equal(storage.error.status, 401);
    assert.equal(storage.error.message, 'Invalid API key');
    assert.ok(rec.calls.every((c) => c.status === 401), 'every call was refused at the gateway');
  });

  test('a key signed with another secret is not a project key', async () => {
    // Same header and claims as the anon key, different signature.
    const [header, payload] = basalt.anonKey.split('.');
    const forged = `${header}.${payload}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    const supabase = createClient(basalt.url, forged, clientOptions(fetch));
    const { error, status } = await supabase.from('todos').select();
    assert.equal(status, 401);
    assert.deepEqual({ ...error }, INVALID_KEY);
  });

  test('supabase.auth calls pass the gateway with the anon key and reach /auth/v1', async () => {
    const rec = recordingFetch();
    const supabase = createClient(basalt.url, basalt.anonKey, clientOptions(rec.fetch));
    const signUp = await supabase.auth.signUp({ email: 'gw@example.com', password: 'secret123' });
    assert.equal(signUp.error, null);
    const signIn = await supabase.auth.signInWithPassword({ email: 'gw@example.com', password: 'secret123' });
    assert.equal(signIn.error, null);
    assert.deepEqual(
      rec.calls.map((c) => `${c.method} ${new URL(c.url).pathname}${new URL(c.url).search}`),
      ['POST /auth/v1/signup', 'POST /auth/v1/token?grant_type=password'],
    );
    assert.deepEqual(rec.calls.map((c) => c.status), [200, 200]);
    for (const c of rec.calls) assert.equal(c.headers.get('apikey'), basalt.anonKey);
  });

  test('supabase.storage calls reach /storage/v1 (501 in the Storage error shape)', async () => {
    const supabase = createClient(basalt.url, basalt.anonKey, clientOptions(fetch));
    const message = 'The storage API is not implemented in this version of Basalt';
    const buckets = await supabase.storage.listBuckets();
    assert.equal(buckets.error.name, 'StorageApiError');
    assert.equal(buckets.error.status, 501);
    assert.equal(buckets.error.message, message);
    const download = await supabase.storage.from('avatars').download('a.png');
    assert.equal(download.error.status, 501);
    assert.equal(download.error.message, message);
  });

  test('a public object URL from getPublicUrl() is open without any key', async () => {
    const supabase = createClient(basalt.url, basalt.anonKey, clientOptions(fetch));
    const { data } = supabase.storage.from('avatars').getPublicUrl('folder/a.png');
    assert.equal(new URL(data.publicUrl).pathname, '/storage/v1/object/public/avatars/folder/a.png');
    // What an <img src> does: no apikey header. It reaches Storage (501), not a 401.
    const res = await fetch(data.publicUrl);
    assert.equal(res.status, 501);
    assert.equal((await res.json()).statusCode, '501');
  });
});
