// SMS providers besides Twilio: supabase-js signInWithOtp / verifyOtp by phone against Basalt
// with [auth.sms.messagebird], [auth.sms.textlocal] or [auth.sms.vonage] enabled, each pointed
// (BASALT_<PROVIDER>_API_URL) at a stand-in that answers as the provider's API documents and
// keeps what it received. Also: the provider's refusal reaches the app as sms_send_failed and
// creates no user; WhatsApp is refused for providers without it.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startBasalt } from '../lib/basalt.js';

const quiet = { auth: { persistSession: false, autoRefreshToken: false } };

// The three APIs: where they are posted, how a success and a refusal look.
const PROVIDERS = {
  messagebird: {
    env: 'BASALT_MESSAGEBIRD_API_URL',
    config: 'originator = "Basalt"\naccess_key = "mb-live-key"',
    path: '/messages',
    to: (form) => form.recipients,
    text: (form) => form.body,
    ok: (n) => [201, { id: `mb-${n}`, recipients: { totalRecipients: 1, totalSentCount: 1 } }],
    refuse: () => [422, { errors: [{ code: 9, description: 'no (correct) recipients found', parameter: 'recipients' }] }],
    refusal: 'no (correct) recipients found',
    credentials: (req) => assert.equal(req.headers.authorization, 'AccessKey mb-live-key'),
  },
  textlocal: {
    env: 'BASALT_TEXTLOCAL_API_URL',
    config: 'sender = "TXTLCL"\napi_key = "tl-key"',
    path: '/send',
    to: (form) => form.numbers,
    text: (form) => form.message,
    ok: (n) => [200, { status: 'success', messages: [{ id: `${1000 + n}`, recipient: 1 }] }],
    refuse: () => [200, { status: 'failure', errors: [{ code: 4, message: 'No recipients specified' }] }],
    refusal: 'textlocal error: No recipients specified (code: 4) message ',
    credentials: (_req, form) => assert.equal(form.apikey, 'tl-key'),
  },
  vonage: {
    env: 'BASALT_VONAGE_API_URL',
    config: 'from = "Basalt"\napi_key = "vn-key"\napi_secret = "vn-secret"',
    path: '/sms/json',
    to: (form) => form.to,
    text: (form) => form.text,
    ok: (n) => [200, { 'message-count': '1', messages: [{ to: 'x', 'message-id': `vn-${n}`, status: '0' }] }],
    refuse: () => [200, { 'message-count': '1', messages: [{ status: '6', 'error-text': 'Unroutable message' }] }],
    refusal: 'vonage error: Unroutable message (status: 6) for message ',
    credentials: (_req, form) => {
      assert.equal(form.api_key, 'vn-key');
      assert.equal(form.api_secret, 'vn-secret');
    },
  },
};

for (const [name, p] of Object.entries(PROVIDERS)) {
  describe(`phone OTP through ${name}`, () => {
    const received = [];
    const state = { refuse: false };
    let server;
    let basalt;

    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const form = Object.fromEntries(new URLSearchParams(body));
          received.push({ req, form, path: req.url });
          const [status, answer] = state.refuse ? p.refuse() : p.ok(received.length);
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        });
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      basalt = await startBasalt({
        config: `[auth.sms]\nenable_signup = true\n\n[auth.sms.${name}]\nenabled = true\n${p.config}\n`,
        env: { [p.env]: `http://127.0.0.1:${server.address().port}` },
      });
    });
    after(async () => {
      await basalt?.stop();
      server?.close();
    });

    test('/settings names the provider', async () => {
      const res = await fetch(`${basalt.url}/auth/v1/settings`, { headers: { apikey: basalt.anonKey } });
      assert.equal((await res.json()).sms_provider, name);
    });

    test('signInWithOtp sends the code; verifyOtp signs the new user in', async () => {
      const c = createClient(basalt.url, basalt.anonKey, quiet);
      const sent = await c.auth.signInWithOtp({ phone: '+44 7700 900123' });
      assert.equal(sent.error, null);
      assert.equal(received.length, 1);
      const [{ req, form, path }] = received;
      assert.equal(req.method, 'POST');
      assert.equal(path, p.path);
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      p.credentials(req, form);
      assert.equal(p.to(form), '447700900123');
      const code = p.text(form).match(/(\d{6})/)[1];
      const ok = await c.auth.verifyOtp({ phone: '+447700900123', token: code, type: 'sms' });
      assert.equal(ok.error, null);
      assert.equal(ok.data.user.phone, '447700900123');
      assert.ok(ok.data.session.access_token);
    });

    test('a refusal is sms_send_failed with the provider\'s reason, and no user is created', async () => {
      state.refuse = true;
      try {
        const c = createClient(basalt.url, basalt.anonKey, quiet);
        const sent = await c.auth.signInWithOtp({ phone: '+44 7700 900456' });
        assert.equal(sent.error.code, 'sms_send_failed');
        assert.equal(sent.error.message, `Error sending confirmation OTP to provider: ${p.refusal}`);
        const svc = createClient(basalt.url, basalt.serviceRoleKey, quiet);
        const { data } = await svc.auth.admin.listUsers();
        assert.equal(data.users.find((u) => u.phone === '447700900456'), undefined);
      } finally {
        state.refuse = false;
      }
    });

    test('WhatsApp is refused: only Twilio delivers it', async () => {
      const before = received.length;
      const c = createClient(basalt.url, basalt.anonKey, quiet);
      const sent = await c.auth.signInWithOtp({ phone: '+447700900789', options: { channel: 'whatsapp' } });
      assert.notEqual(sent.error, null);
      assert.equal(sent.error.status, 400);
      assert.equal(received.length, before);
    });
  });
}
