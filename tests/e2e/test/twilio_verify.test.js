// Phone auth through Twilio Verify: supabase-js against Basalt with [auth.sms.twilio_verify]
// pointed (BASALT_TWILIO_VERIFY_API_URL) at a stand-in of Twilio's Verify API that, like the
// real one, makes its own codes, sends them, and is the only one that can check them. Sign-in
// and sign-up by SMS code, WhatsApp, test numbers (never sent to Twilio), phone change, MFA
// phone factors, and the reauthentication nonce of a password change (secure_password_change).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startBasalt } from '../lib/basalt.js';
import { AGE_SESSIONS_SQL } from '../lib/sessions.js';

const SERVICE = 'VAverify0001';
const ACCOUNT = 'ACverify0001';
const TOKEN = 'verify-test-token';

// Twilio Verify: POST /v2/Services/{sid}/Verifications starts a verification of `To` (a new
// code replaces a pending one), POST /v2/Services/{sid}/VerificationCheck approves the right
// code once. Unknown numbers get Twilio's 404.
function verifyService() {
  const requests = [];
  const pending = new Map(); // To -> code
  const state = { fail: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const auth = req.headers.authorization ?? '';
      requests.push({ url: req.url, auth, contentType: req.headers['content-type'] ?? '', form });
      const reply = (status, json) => {
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(json));
      };
      const error = (status, code, message) =>
        reply(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
      if (auth !== `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`) {
        return error(401, 20003, 'Authenticate');
      }
      if (req.method === 'POST' && req.url === `/v2/Services/${SERVICE}/Verifications`) {
        if (state.fail) return error(400, 60200, 'Invalid parameter: To');
        const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
        pending.set(form.To, code);
        return reply(201, {
          sid: `VE${requests.length}`,
          service_sid: SERVICE,
          to: form.To,
          channel: form.Channel,
          status: 'pending',
          valid: false,
        });
      }
      if (req.method === 'POST' && req.url === `/v2/Services/${SERVICE}/VerificationCheck`) {
        const code = pending.get(form.To);
        if (code === undefined) return error(404, 20404, 'The requested resource was not found');
        if (form.Code !== code) return reply(200, { to: form.To, status: 'pending', valid: false });
        pending.delete(form.To);
        return reply(200, { to: form.To, status: 'approved', valid: true });
      }
      return error(404, 20404, 'The requested resource was not found');
    });
  });
  return { server, requests, pending, state };
}

const quiet = { auth: { persistSession: false, autoRefreshToken: false } };
const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const otherThan = (code) => (code === '111111' ? '222222' : '111111');

const config =
  '[auth.email]\nsecure_password_change = true\n\n' +
  '[auth.sms]\nenable_signup = true\nenable_confirmations = true\nmax_frequency = "1s"\n\n' +
  '[auth.sms.test_otp]\n15550003333 = "246810"\n15550004444 = "135790"\n\n' +
  `[auth.sms.twilio_verify]\nenabled = true\naccount_sid = "${ACCOUNT}"\n` +
  `message_service_sid = "${SERVICE}"\nauth_token = "${TOKEN}"\n\n` +
  '[auth.mfa.phone]\nenroll_enabled = true\nverify_enabled = true\nmax_frequency = "1s"\n';

describe('phone auth through Twilio Verify', () => {
  let basalt;
  let verify;
  let service;
  const client = () => createClient(basalt.url, basalt.anonKey, quiet);
  const started = (to) => verify.requests.filter((r) => r.url.endsWith('/Verifications') && r.form.To === to);
  const checks = (to) => verify.requests.filter((r) => r.url.endsWith('/VerificationCheck') && r.form.To === to);
  const codeFor = (to) => {
    const code = verify.pending.get(to);
    assert.ok(code, `no verification pending for ${to}`);
    return code;
  };
  // A confirmed phone-only user, signed in through Twilio Verify.
  const phoneUser = async (phone, password) => {
    const c = client();
    assert.equal((await c.auth.signUp({ phone, password })).error, null);
    const ok = await c.auth.verifyOtp({ phone, token: codeFor(phone), type: 'sms' });
    assert.equal(ok.error, null);
    return c;
  };

  before(async () => {
    verify = verifyService();
    await new Promise((resolve) => verify.server.listen(0, '127.0.0.1', resolve));
    basalt = await startBasalt({
      config,
      migrations: { '20240101000000_age_sessions.sql': AGE_SESSIONS_SQL },
      env: { BASALT_TWILIO_VERIFY_API_URL: `http://127.0.0.1:${verify.server.address().port}` },
    });
    service = createClient(basalt.url, basalt.serviceRoleKey, quiet);
  });
  after(async () => {
    await basalt?.stop();
    verify?.server.close();
  });

  test('GET /settings names the provider', async () => {
    const res = await fetch(`${basalt.url}/auth/v1/settings`, { headers: { apikey: basalt.anonKey } });
    assert.equal((await res.json()).sms_provider, 'twilio_verify');
  });

  test("signInWithOtp starts a verification; only Twilio's code signs in, once", async () => {
    const phone = '+15552220001';
    const c = client();
    const sent = await c.auth.signInWithOtp({ phone });
    assert.equal(sent.error, null);
    const [start] = started(phone);
    assert.ok(start, 'Basalt asked Twilio Verify to send a code');
    assert.match(start.contentType, /^application\/x-www-form-urlencoded/);
    // Twilio makes the code: Basalt sends only the number and the channel.
    assert.deepEqual(start.form, { To: phone, Channel: 'sms' });
    const code = codeFor(phone);

    const wrong = await c.auth.verifyOtp({ phone, token: otherThan(code), type: 'sms' });
    assert.equal(wrong.error.status, 403);
    assert.equal(wrong.error.code, 'otp_expired');
    assert.equal(wrong.error.message, 'Token has expired or is invalid');

    const ok = await c.auth.verifyOtp({ phone, token: code, type: 'sms' });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user.phone, '15552220001');
    assert.ok(ok.data.user.phone_confirmed_at);
    assert.deepEqual(claimsOf(ok.data.session.access_token).amr.map((a) => a.method), ['otp']);
    assert.deepEqual(checks(phone).map((r) => r.form.Code), [otherThan(code), code]);

    // Twilio approves a code once; the second use is refused.
    const reuse = await client().auth.verifyOtp({ phone, token: code, type: 'sms' });
    assert.equal(reuse.error.code, 'otp_expired');
    // A number no user waits at is refused before Twilio is asked.
    const none = await client().auth.verifyOtp({ phone: '+15552229999', token: '123456', type: 'sms' });
    assert.equal(none.error.status, 403);
    assert.equal(none.error.code, 'otp_expired');
    assert.equal(checks('+15552229999').length, 0);
  });

  test('a banned user is refused before Twilio is asked; a test number with a wrong code asks it', async () => {
    const phone = '+15552220010';
    await phoneUser(phone, 'verify password 10');
    const { data } = await service.auth.admin.listUsers();
    const user = data.users.find((u) => u.phone === '15552220010');
    assert.equal((await service.auth.admin.updateUserById(user.id, { ban_duration: '24h' })).error, null);
    assert.equal((await service.auth.admin.updateUserById(user.id, { phone_confirm: true })).error, null);
    verify.pending.set(phone, '777777');
    const before = checks(phone).length;
    const banned = await client().auth.verifyOtp({ phone, token: '777777', type: 'sms' });
    assert.equal(banned.error.status, 403);
    assert.equal(banned.error.code, 'user_banned');
    assert.equal(checks(phone).length, before, 'Twilio was not asked');
    assert.equal(verify.pending.get(phone), '777777', "the user's verification is not used up");

    // As in GoTrue: a test number's wrong code is still put to Twilio (which knows none here).
    assert.equal((await client().auth.signInWithOtp({ phone: '+15550004444' })).error, null);
    const wrong = await client().auth.verifyOtp({ phone: '+15550004444', token: '111111', type: 'sms' });
    assert.equal(wrong.error.code, 'otp_expired');
    assert.deepEqual(checks('+15550004444').map((r) => r.form.Code), ['111111']);
  });

  test('signUp by phone is confirmed by the Verify code; WhatsApp is a channel', async () => {
    const c = await phoneUser('+15552220002', 'verify password 2');
    const me = await c.auth.getUser();
    assert.equal(me.data.user.phone, '15552220002');
    const pw = await client().auth.signInWithPassword({ phone: '+15552220002', password: 'verify password 2' });
    assert.equal(pw.error, null);

    const wa = await client().auth.signInWithOtp({ phone: '+15552220003', options: { channel: 'whatsapp' } });
    assert.equal(wa.error, null);
    assert.deepEqual(started('+15552220003')[0].form, { To: '+15552220003', Channel: 'whatsapp' });
  });

  test('test numbers keep their fixed code and never reach Twilio', async () => {
    const before = verify.requests.length;
    const c = client();
    assert.equal((await c.auth.signInWithOtp({ phone: '+15550003333' })).error, null);
    const ok = await c.auth.verifyOtp({ phone: '+15550003333', token: '246810', type: 'sms' });
    assert.equal(ok.error, null);
    assert.equal(verify.requests.length, before);
  });

  test('a refused verification fails the request and creates no user', async () => {
    verify.state.fail = true;
    try {
      const r = await client().auth.signInWithOtp({ phone: '+15552220004' });
      assert.equal(r.error.status, 422);
      assert.equal(r.error.code, 'sms_send_failed');
      assert.equal(
        r.error.message,
        'Error sending confirmation OTP to provider: Invalid parameter: To ' +
          'More information: https://www.twilio.com/docs/errors/60200',
      );
    } finally {
      verify.state.fail = false;
    }
    const { data } = await service.auth.admin.listUsers();
    assert.equal(data.users.find((u) => u.phone === '15552220004'), undefined);
  });

  test('updateUser({phone}) is confirmed with the code Twilio sent the new number', async () => {
    const c = await phoneUser('+15552220005', 'verify password 5');
    const upd = await c.auth.updateUser({ phone: '+15552220006' });
    assert.equal(upd.error, null);
    assert.equal(upd.data.user.new_phone, '15552220006');
    const code = codeFor('+15552220006');
    const wrong = await c.auth.verifyOtp({ phone: '+15552220006', token: otherThan(code), type: 'phone_change' });
    assert.equal(wrong.error.code, 'otp_expired');
    const ok = await c.auth.verifyOtp({ phone: '+15552220006', token: code, type: 'phone_change' });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user.phone, '15552220006');
    assert.equal(ok.data.user.new_phone, undefined);
  });

  test('MFA phone factor: the challenge is sent and checked by Twilio Verify', async () => {
    const c = await phoneUser('+15552220007', 'verify password 7');
    const enrolled = await c.auth.mfa.enroll({ factorType: 'phone', phone: '+15552220008' });
    assert.equal(enrolled.error, null);
    const factorId = enrolled.data.id;
    const challenge = await c.auth.mfa.challenge({ factorId });
    assert.equal(challenge.error, null);
    assert.deepEqual(started('+15552220008')[0].form, { To: '+15552220008', Channel: 'sms' });
    const code = codeFor('+15552220008');

    // GoTrue answers a code Twilio refuses with otp_expired, not mfa_verification_failed.
    const wrong = await c.auth.mfa.verify({ factorId, challengeId: challenge.data.id, code: otherThan(code) });
    assert.equal(wrong.error.status, 403);
    assert.equal(wrong.error.code, 'otp_expired');

    const verified = await c.auth.mfa.verify({ factorId, challengeId: challenge.data.id, code });
    assert.equal(verified.error, null);
    const claims = claimsOf(verified.data.access_token);
    assert.equal(claims.aal, 'aal2');
    assert.ok(claims.amr.some((a) => a.method === 'mfa/phone'));
    assert.equal(checks('+15552220008').at(-1).form.Code, code);
  });

  test('a password change needs the reauthentication code Twilio sent', async () => {
    const phone = '+15552220009';
    const c = await phoneUser(phone, 'verify password 9');
    assert.equal((await c.rpc('age_my_sessions')).error, null);
    // A day-old session must reauthenticate to change the password.
    const bare = await c.auth.updateUser({ password: 'new password 9' });
    assert.equal(bare.error.status, 400);
    assert.equal(bare.error.code, 'reauthentication_needed');
    // No code was sent yet: refused before Twilio is asked.
    const before = checks(phone).length;
    const early = await c.auth.updateUser({ password: 'new password 9', nonce: '123456' });
    assert.equal(early.error.status, 422);
    assert.equal(early.error.code, 'reauthentication_not_valid');
    assert.equal(checks(phone).length, before);

    assert.equal((await c.auth.reauthenticate()).error, null);
    const nonce = codeFor(phone);
    const wrong = await c.auth.updateUser({ password: 'new password 9', nonce: otherThan(nonce) });
    assert.equal(wrong.error.status, 403);
    assert.equal(wrong.error.code, 'otp_expired');
    const ok = await c.auth.updateUser({ password: 'new password 9', nonce });
    assert.equal(ok.error, null);
    const signIn = await client().auth.signInWithPassword({ phone, password: 'new password 9' });
    assert.equal(signIn.error, null);
    // The nonce is used up.
    const again = await c.auth.updateUser({ password: 'newer password 9', nonce });
    assert.equal(again.error.code, 'reauthentication_not_valid');
  });
});
