// Phone auth with SMS codes: supabase-js against Basalt with [auth.sms.twilio] pointed at a
// small Twilio stand-in run by the test (BASALT_TWILIO_API_URL). Sign-up and sign-in by SMS
// code, test numbers, password sign-in by phone, phone change, resend, reauthentication, send
// failures that roll back, wrong codes, and MFA phone factors up to aal2.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startBasalt } from '../lib/basalt.js';

// Answers POST /2010-04-01/Accounts/{sid}/Messages.json like Twilio and keeps each request.
function twilioReceiver() {
  const messages = [];
  const state = { fail: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      messages.push({
        method: req.method,
        url: req.url,
        auth: req.headers.authorization ?? '',
        contentType: req.headers['content-type'] ?? '',
        form,
      });
      res.setHeader('content-type', 'application/json');
      if (state.fail) {
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            code: 21211,
            message: "The 'To' number is not a valid phone number.",
            more_info: 'https://www.twilio.com/docs/errors/21211',
            status: 400,
          }),
        );
        return;
      }
      res.statusCode = 201;
      res.end(JSON.stringify({ sid: `SM${messages.length}`, status: 'queued', to: form.To }));
    });
  });
  return { server, messages, state };
}

const quiet = { auth: { persistSession: false, autoRefreshToken: false } };
const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MAX_FREQUENCY_S = 3;

const config =
  '[auth.sms]\nenable_signup = true\nenable_confirmations = true\n' +
  `max_frequency = "${MAX_FREQUENCY_S}s"\n\n` +
  '[auth.sms.test_otp]\n15550001111 = "424242"\n15550002222 = "135790"\n\n' +
  '[auth.sms.twilio]\nenabled = true\naccount_sid = "ACtest0001"\n' +
  'message_service_sid = "MGtest0001"\nauth_token = "twilio-test-token"\n\n' +
  '[auth.mfa.phone]\nenroll_enabled = true\nverify_enabled = true\nmax_frequency = "1s"\n';

describe('phone auth over SMS', () => {
  let basalt;
  let receiver;
  let service;
  const client = () => createClient(basalt.url, basalt.anonKey, quiet);
  // The messages sent to one number since `from`.
  const sentTo = (phone, from = 0) =>
    receiver.messages.slice(from).filter((m) => m.form.To === phone || m.form.To === `whatsapp:${phone}`);
  const codeIn = (message) => message.form.Body.match(/^Your code is (\d{6})$/)[1];
  const lastCode = (phone) => {
    const all = sentTo(phone);
    assert.ok(all.length > 0, `no SMS to ${phone}`);
    return codeIn(all[all.length - 1]);
  };
  const userByPhone = async (phone) => {
    const { data, error } = await service.auth.admin.listUsers();
    assert.equal(error, null);
    return data.users.find((u) => u.phone === phone);
  };

  before(async () => {
    receiver = twilioReceiver();
    await new Promise((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    basalt = await startBasalt({
      config,
      env: { BASALT_TWILIO_API_URL: `http://127.0.0.1:${receiver.server.address().port}` },
    });
    service = createClient(basalt.url, basalt.serviceRoleKey, quiet);
  });
  after(async () => {
    await basalt?.stop();
    receiver?.server.close();
  });

  test('GET /settings reports the phone provider', async () => {
    const res = await fetch(`${basalt.url}/auth/v1/settings`, { headers: { apikey: basalt.anonKey } });
    const s = await res.json();
    assert.equal(s.external.phone, true);
    assert.equal(s.phone_autoconfirm, false);
    assert.equal(s.sms_provider, 'twilio');
  });

  test('a test number signs up and in with its fixed code and no SMS', async () => {
    const before = receiver.messages.length;
    const c = client();
    const sent = await c.auth.signInWithOtp({ phone: '+1 555 000 1111' });
    assert.equal(sent.error, null);
    const wrong = await c.auth.verifyOtp({ phone: '+15550001111', token: '000000', type: 'sms' });
    assert.equal(wrong.error.status, 403);
    assert.equal(wrong.error.code, 'otp_expired');
    assert.equal(wrong.error.message, 'Token has expired or is invalid');
    const ok = await c.auth.verifyOtp({ phone: '+15550001111', token: '424242', type: 'sms' });
    assert.equal(ok.error, null);
    assert.ok(ok.data.session.access_token);
    assert.equal(ok.data.user.phone, '15550001111');
    assert.ok(ok.data.user.phone_confirmed_at);
    assert.deepEqual(claimsOf(ok.data.session.access_token).amr.map((a) => a.method), ['otp']);
    assert.equal(receiver.messages.length, before, 'test numbers never reach the provider');

    // A confirmed test number gets message_id "test-otp", as GoTrue answers.
    await service.auth.admin.createUser({ phone: '+15550002222', phone_confirm: true });
    const again = await client().auth.signInWithOtp({ phone: '+15550002222' });
    assert.equal(again.error, null);
    assert.equal(again.data.messageId, 'test-otp');
    const in2 = await client().auth.verifyOtp({ phone: '15550002222', token: '135790', type: 'sms' });
    assert.equal(in2.error, null);
    assert.equal(receiver.messages.length, before);
  });

  test('signUp with phone and password sends the code by Twilio; verifyOtp confirms', async () => {
    const c = client();
    const up = await c.auth.signUp({ phone: '+15551230001', password: 'phone password 1' });
    assert.equal(up.error, null);
    assert.equal(up.data.session, null);
    assert.equal(up.data.user.phone, '15551230001');
    assert.ok(up.data.user.confirmation_sent_at);
    assert.equal(up.data.user.phone_confirmed_at, undefined);

    const [msg] = sentTo('+15551230001');
    assert.equal(msg.method, 'POST');
    assert.equal(msg.url, '/2010-04-01/Accounts/ACtest0001/Messages.json');
    assert.equal(msg.auth, `Basic ${Buffer.from('ACtest0001:twilio-test-token').toString('base64')}`);
    assert.match(msg.contentType, /^application\/x-www-form-urlencoded/);
    assert.equal(msg.form.MessagingServiceSid, 'MGtest0001');
    assert.match(msg.form.Body, /^Your code is \d{6}$/);

    // Not confirmed yet: the password alone does not sign in.
    const early = await client().auth.signInWithPassword({ phone: '+15551230001', password: 'phone password 1' });
    assert.equal(early.error.code, 'phone_not_confirmed');

    const ok = await c.auth.verifyOtp({ phone: '+15551230001', token: codeIn(msg), type: 'sms' });
    assert.equal(ok.error, null);
    assert.ok(ok.data.session.access_token);
    assert.ok(ok.data.user.phone_confirmed_at);
    // The code is used up.
    const reuse = await client().auth.verifyOtp({ phone: '+15551230001', token: codeIn(msg), type: 'sms' });
    assert.equal(reuse.error.code, 'otp_expired');

    const pw = await client().auth.signInWithPassword({ phone: '+15551230001', password: 'phone password 1' });
    assert.equal(pw.error, null);
    assert.equal(pw.data.user.phone, '15551230001');
    const bad = await client().auth.signInWithPassword({ phone: '+15551230001', password: 'nope nope' });
    assert.equal(bad.error.code, 'invalid_credentials');

    // A second sign-up of the confirmed number looks like a new one and sends nothing.
    const count = receiver.messages.length;
    const dup = await client().auth.signUp({ phone: '+15551230001', password: 'other password' });
    assert.equal(dup.error, null);
    assert.notEqual(dup.data.user.id, ok.data.user.id);
    assert.equal(receiver.messages.length, count);
  });

  test('signInWithOtp for a known number sends a code that signs in (and whatsapp)', async () => {
    await service.auth.admin.createUser({ phone: '+15551230003', phone_confirm: true });
    const c = client();
    const sent = await c.auth.signInWithOtp({ phone: '+15551230003', options: { shouldCreateUser: false } });
    assert.equal(sent.error, null);
    const ok = await c.auth.verifyOtp({ phone: '+15551230003', token: lastCode('+15551230003'), type: 'sms' });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user.phone, '15551230003');

    const none = await client().auth.signInWithOtp({ phone: '+15551239999', options: { shouldCreateUser: false } });
    assert.equal(none.error.code, 'otp_disabled');

    const wa = await client().auth.signInWithOtp({ phone: '+15551230004', options: { channel: 'whatsapp' } });
    assert.equal(wa.error, null);
    const [m] = sentTo('+15551230004');
    assert.equal(m.form.To, 'whatsapp:+15551230004');
  });

  test('a wrong code is refused as GoTrue refuses it', async () => {
    await client().auth.signUp({ phone: '+15551230005', password: 'phone password 5' });
    const code = lastCode('+15551230005');
    const wrong = code === '111111' ? '222222' : '111111';
    const r = await client().auth.verifyOtp({ phone: '+15551230005', token: wrong, type: 'sms' });
    assert.equal(r.error.status, 403);
    assert.equal(r.error.code, 'otp_expired');
    assert.equal(r.error.message, 'Token has expired or is invalid');
    const unknown = await client().auth.verifyOtp({ phone: '+15550009999', token: '123456', type: 'sms' });
    assert.equal(unknown.error.code, 'otp_expired');
    const other = await client().auth.verifyOtp({ phone: '+15551230005', token: code, type: 'signup' });
    assert.equal(other.error.code, 'otp_expired');
  });

  test('resend waits max_frequency, then sends a new code that replaces the old one', async () => {
    const phone = '+15551230006';
    await client().auth.signUp({ phone, password: 'phone password 6' });
    const first = lastCode(phone);
    const soon = await client().auth.resend({ type: 'sms', phone });
    assert.equal(soon.error.status, 429);
    assert.equal(soon.error.code, 'over_sms_send_rate_limit');
    assert.match(soon.error.message, /^For security purposes, you can only request this after \d+ seconds\.$/);
    assert.equal(sentTo(phone).length, 1);

    await sleep(MAX_FREQUENCY_S * 1000 + 200);
    const again = await client().auth.resend({ type: 'sms', phone });
    assert.equal(again.error, null);
    assert.equal(sentTo(phone).length, 2);
    const second = lastCode(phone);
    if (second !== first) {
      const old = await client().auth.verifyOtp({ phone, token: first, type: 'sms' });
      assert.equal(old.error.code, 'otp_expired');
    }
    const ok = await client().auth.verifyOtp({ phone, token: second, type: 'sms' });
    assert.equal(ok.error, null);

    // A confirmed number gets nothing more.
    const done = await client().auth.resend({ type: 'sms', phone });
    assert.equal(done.error, null);
    assert.equal(sentTo(phone).length, 2);
  });

  test('updateUser({phone}) sends a code to the new number; phone_change verify moves it', async () => {
    const c = client();
    await c.auth.signUp({ phone: '+15551230007', password: 'phone password 7' });
    const signedIn = await c.auth.verifyOtp({ phone: '+15551230007', token: lastCode('+15551230007'), type: 'sms' });
    assert.equal(signedIn.error, null);

    const upd = await c.auth.updateUser({ phone: '+15551230008' });
    assert.equal(upd.error, null);
    assert.equal(upd.data.user.phone, '15551230007');
    assert.equal(upd.data.user.new_phone, '15551230008');
    assert.ok(upd.data.user.phone_change_sent_at);
    const code = lastCode('+15551230008');

    await sleep(MAX_FREQUENCY_S * 1000 + 200);
    const resent = await client().auth.resend({ type: 'phone_change', phone: '+15551230007' });
    assert.equal(resent.error, null);
    assert.equal(sentTo('+15551230008').length, 2);
    const newest = lastCode('+15551230008');
    assert.ok(newest);

    const wrong = await c.auth.verifyOtp({
      phone: '+15551230008',
      token: code === newest ? (code === '111111' ? '222222' : '111111') : code,
      type: 'phone_change',
    });
    assert.equal(wrong.error.code, 'otp_expired');
    const ok = await c.auth.verifyOtp({ phone: '+15551230008', token: newest, type: 'phone_change' });
    assert.equal(ok.error, null);
    assert.equal(ok.data.user.phone, '15551230008');
    assert.equal(ok.data.user.new_phone, undefined);
    const me = await c.auth.getUser();
    assert.equal(me.data.user.phone, '15551230008');
    const identity = me.data.user.identities.find((i) => i.provider === 'phone');
    assert.equal(identity.identity_data.phone, '15551230008');

    const pw = await client().auth.signInWithPassword({ phone: '+15551230008', password: 'phone password 7' });
    assert.equal(pw.error, null);
  });

  test('reauthenticate() sends a phone-only user a code by SMS', async () => {
    const c = client();
    await c.auth.signUp({ phone: '+15551230009', password: 'phone password 9' });
    await c.auth.verifyOtp({ phone: '+15551230009', token: lastCode('+15551230009'), type: 'sms' });
    const before = sentTo('+15551230009').length;
    const r = await c.auth.reauthenticate();
    assert.equal(r.error, null);
    assert.equal(sentTo('+15551230009').length, before + 1);
    assert.match(sentTo('+15551230009').at(-1).form.Body, /^Your code is \d{6}$/);
  });

  test('a provider error fails the request and commits nothing', async () => {
    receiver.state.fail = true;
    try {
      const up = await client().auth.signUp({ phone: '+15551230010', password: 'phone password 10' });
      assert.equal(up.error.status, 422);
      assert.equal(up.error.code, 'sms_send_failed');
      assert.equal(
        up.error.message,
        "Error sending confirmation OTP to provider: The 'To' number is not a valid phone number. " +
          'More information: https://www.twilio.com/docs/errors/21211',
      );
      assert.equal(await userByPhone('15551230010'), undefined, 'the sign-up was rolled back');

      const otp = await client().auth.signInWithOtp({ phone: '+15551230011' });
      assert.equal(otp.error.code, 'sms_send_failed');
      assert.equal(await userByPhone('15551230011'), undefined);
    } finally {
      receiver.state.fail = false;
    }

    // A phone change that cannot be sent leaves the user as it was.
    const c = client();
    await c.auth.signUp({ phone: '+15551230012', password: 'phone password 12' });
    await c.auth.verifyOtp({ phone: '+15551230012', token: lastCode('+15551230012'), type: 'sms' });
    receiver.state.fail = true;
    try {
      const upd = await c.auth.updateUser({ phone: '+15551230013', data: { nickname: 'x' } });
      assert.equal(upd.error.code, 'sms_send_failed');
    } finally {
      receiver.state.fail = false;
    }
    const me = await c.auth.getUser();
    assert.equal(me.data.user.new_phone, undefined);
    assert.equal(me.data.user.user_metadata.nickname, undefined);
  });

  test('MFA phone factor: enroll, challenge by SMS, verify to aal2', async () => {
    const c = client();
    const up = await c.auth.signUp({ phone: '+15551230014', password: 'phone password 14' });
    assert.equal(up.error, null);
    await c.auth.verifyOtp({ phone: '+15551230014', token: lastCode('+15551230014'), type: 'sms' });

    const enrolled = await c.auth.mfa.enroll({ factorType: 'phone', phone: '+15559990001', friendlyName: 'my phone' });
    assert.equal(enrolled.error, null);
    assert.equal(enrolled.data.type, 'phone');
    assert.equal(enrolled.data.friendly_name, 'my phone');
    assert.equal(enrolled.data.phone, '+15559990001');
    const factorId = enrolled.data.id;

    const challenge = await c.auth.mfa.challenge({ factorId });
    assert.equal(challenge.error, null);
    assert.equal(challenge.data.type, 'phone');
    assert.ok(challenge.data.expires_at > Date.now() / 1000);
    const code = lastCode('+15559990001');

    const again = await c.auth.mfa.challenge({ factorId });
    assert.equal(again.error.code, 'over_sms_send_rate_limit');

    const wrong = await c.auth.mfa.verify({
      factorId,
      challengeId: challenge.data.id,
      code: code === '111111' ? '222222' : '111111',
    });
    assert.equal(wrong.error.code, 'mfa_verification_failed');
    assert.equal(wrong.error.message, 'Invalid MFA Phone code entered');

    const verified = await c.auth.mfa.verify({ factorId, challengeId: challenge.data.id, code });
    assert.equal(verified.error, null);
    const claims = claimsOf(verified.data.access_token);
    assert.equal(claims.aal, 'aal2');
    assert.ok(claims.amr.some((a) => a.method === 'mfa/phone'));
    const aal = await c.auth.mfa.getAuthenticatorAssuranceLevel();
    assert.equal(aal.data.currentLevel, 'aal2');
    const list = await c.auth.mfa.listFactors();
    assert.equal(list.data.phone.length, 1);
    assert.equal(list.data.phone[0].status, 'verified');
    assert.equal(list.data.phone[0].phone, '15559990001');

    const reused = await c.auth.mfa.verify({ factorId, challengeId: challenge.data.id, code });
    assert.equal(reused.error.code, 'mfa_ip_address_mismatch');

    // The same number cannot be enrolled twice once verified.
    const dup = await c.auth.mfa.enroll({ factorType: 'phone', phone: '+15559990001', friendlyName: 'again' });
    assert.equal(dup.error.code, 'mfa_verified_factor_exists');

    const removed = await c.auth.mfa.unenroll({ factorId });
    assert.equal(removed.error, null);
  });
});

describe('phone auth without confirmations', () => {
  let basalt;
  before(async () => {
    basalt = await startBasalt({
      config:
        '[auth.sms]\nenable_signup = true\nenable_confirmations = false\n\n' +
        '[auth.sms.twilio]\nenabled = true\naccount_sid = "ACtest0002"\n' +
        'message_service_sid = "MGtest0002"\nauth_token = "unused"\n',
      env: { BASALT_TWILIO_API_URL: 'http://127.0.0.1:9' },
    });
  });
  after(async () => {
    await basalt?.stop();
  });

  test('signUp with a phone returns a session at once; a taken number is refused', async () => {
    const c = createClient(basalt.url, basalt.anonKey, quiet);
    const up = await c.auth.signUp({ phone: '+15557770001', password: 'phone password' });
    assert.equal(up.error, null);
    assert.ok(up.data.session.access_token);
    assert.ok(up.data.user.phone_confirmed_at);
    const dup = await createClient(basalt.url, basalt.anonKey, quiet).auth.signUp({
      phone: '+15557770001',
      password: 'phone password',
    });
    assert.equal(dup.error.code, 'user_already_exists');
    // The number changes at once too.
    const upd = await c.auth.updateUser({ phone: '+15557770002' });
    assert.equal(upd.error, null);
    assert.equal(upd.data.user.phone, '15557770002');
  });

  test('a code that cannot be sent is a 422 sms_send_failed', async () => {
    const c = createClient(basalt.url, basalt.anonKey, quiet);
    const r = await c.auth.signInWithOtp({ phone: '+15557770003' });
    assert.equal(r.error.status, 422);
    assert.equal(r.error.code, 'sms_send_failed');
    assert.match(r.error.message, /^Error sending confirmation OTP to provider: /);
  });
});

describe('phone sign-in with a custom access token hook', () => {
  let basalt;
  const HOOK = `
create function public.stamp_method(event jsonb) returns jsonb language sql stable as $$
  select jsonb_build_object('claims',
    (event -> 'claims') || jsonb_build_object('via', event ->> 'authentication_method'))
$$;
grant execute on function public.stamp_method(jsonb) to supabase_auth_admin;
revoke execute on function public.stamp_method(jsonb) from authenticated, anon, public;
`;
  before(async () => {
    basalt = await startBasalt({
      migrations: { '20240101000000_hook.sql': HOOK },
      config:
        '[auth.sms]\nenable_signup = true\n\n' +
        '[auth.sms.test_otp]\n15550009999 = "112233"\n\n' +
        '[auth.sms.twilio]\nenabled = true\naccount_sid = "ACtest0003"\n' +
        'message_service_sid = "MGtest0003"\nauth_token = "unused"\n\n' +
        '[auth.hook.custom_access_token]\nenabled = true\n' +
        'uri = "pg-functions://postgres/public/stamp_method"\n',
      env: { BASALT_TWILIO_API_URL: 'http://127.0.0.1:9' },
    });
  });
  after(async () => {
    await basalt?.stop();
  });

  test('the session from verifyOtp goes through the hook', async () => {
    const c = createClient(basalt.url, basalt.anonKey, quiet);
    assert.equal((await c.auth.signInWithOtp({ phone: '+15550009999' })).error, null);
    const ok = await c.auth.verifyOtp({ phone: '+15550009999', token: '112233', type: 'sms' });
    assert.equal(ok.error, null);
    const claims = JSON.parse(Buffer.from(ok.data.session.access_token.split('.')[1], 'base64url'));
    assert.equal(claims.via, 'otp');
    assert.equal(claims.phone, '15550009999');
  });
});
