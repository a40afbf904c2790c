// Mail over SMTP ([auth.email.smtp]): supabase-js sign-up with confirmations against a tiny
// SMTP receiver run by the test, and the rollback when the SMTP server cannot be reached.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { freePort, startBasalt } from '../lib/basalt.js';

// Accepts every message and keeps it (just enough SMTP for one client at a time).
function smtpReceiver() {
  const messages = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    let awaitingCredentials = false;
    let current = { from: '', to: [], data: '' };
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let idx;
      while ((idx = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push(current);
            current = { from: '', to: [], data: '', auth: current.auth };
            socket.write('250 OK queued\r\n');
          } else {
            current.data += (line.startsWith('..') ? line.slice(1) : line) + '\n';
          }
          continue;
        }
        if (awaitingCredentials) {
          awaitingCredentials = false;
          current.auth = line;
          socket.write('235 2.7.0 Authentication successful\r\n');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-test\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n');
        else if (verb === 'AUTH' && line.split(' ').length === 2) {
          // AUTH PLAIN without an initial response: the credentials come on the next line.
          awaitingCredentials = true;
          socket.write('334 \r\n');
        } else if (verb === 'AUTH') {
          current.auth = line.split(' ')[2];
          socket.write('235 2.7.0 Authentication successful\r\n');
        }
        else if (verb === 'MAIL') (current.from = line), socket.write('250 OK\r\n');
        else if (verb === 'RCPT') current.to.push(line), socket.write('250 OK\r\n');
        else if (verb === 'DATA') (inData = true), socket.write('354 go ahead\r\n');
        else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return { server, messages };
}

// Decodes the quoted-printable body of a received message.
function bodyOf(message) {
  const [, body] = message.data.split(/\n\n/, 2).length === 2
    ? [null, message.data.slice(message.data.indexOf('\n\n') + 2)]
    : [null, ''];
  return body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

const quiet = { auth: { persistSession: false, autoRefreshToken: false } };
const smtpConfig = (port) =>
  '[auth.email]\nenable_confirmations = true\n\n[auth.email.smtp]\nenabled = true\n' +
  `host = "127.0.0.1"\nport = ${port}\nuser = "mailer"\npass = "mail-secret"\n` +
  'admin_email = "admin@example.com"\nsender_name = "Basalt Test"\n';

describe('mail over SMTP', () => {
  let basalt;
  let receiver;
  before(async () => {
    receiver = smtpReceiver();
    await new Promise((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    basalt = await startBasalt({ config: smtpConfig(receiver.server.address().port) });
  });
  after(async () => {
    await basalt?.stop();
    receiver?.server.close();
  });

  test('a sign-up confirmation arrives by SMTP and its code confirms the account', async () => {
    const c = createClient(basalt.url, basalt.anonKey, quiet);
    const up = await c.auth.signUp({ email: 'tia@example.com', password: 'tia password' });
    assert.equal(up.error, null);
    assert.equal(up.data.session, null);
    assert.equal(receiver.messages.length, 1);
    const msg = receiver.messages[0];
    assert.match(msg.to[0], /tia@example\.com/);
    assert.match(msg.data, /^From: "Basalt Test" <admin@example\.com>$/m);
    const plain = Buffer.from(msg.auth, 'base64').toString();
    assert.equal(plain, '\0mailer\0mail-secret');
    const code = bodyOf(msg).match(/\b([0-9]{6})\b/)[1];
    const ok = await c.auth.verifyOtp({ email: 'tia@example.com', token: code, type: 'email' });
    assert.equal(ok.error, null);
    assert.ok(ok.data.session.access_token);
  });
});

describe('mail over SMTP when the server is down', () => {
  let basalt;
  before(async () => {
    const closedPort = await freePort(); // nothing listens there
    basalt = await startBasalt({ config: smtpConfig(closedPort) });
  });
  after(async () => {
    await basalt?.stop();
  });

  test('sign-up fails with 500 and leaves no user behind', async () => {
    const c = createClient(basalt.url, basalt.anonKey, quiet);
    const up = await c.auth.signUp({ email: 'uma@example.com', password: 'uma password' });
    assert.equal(up.error.status, 500);
    assert.equal(up.error.message, 'Error sending confirmation email');
    const service = createClient(basalt.url, basalt.serviceRoleKey, quiet);
    const list = await service.auth.admin.listUsers();
    assert.equal(list.data.users.length, 0, 'the sign-up was rolled back');
  });
});
