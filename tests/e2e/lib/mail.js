// The mail a Basalt kept in its outbox for one address, newest first (GET /basalt/v1/mail,
// service_role only).
import assert from 'node:assert/strict';

export async function mailsTo(basalt, to) {
  const res = await fetch(`${basalt.url}/basalt/v1/mail?to=${encodeURIComponent(to)}`, {
    headers: { Authorization: `Bearer ${basalt.serviceRoleKey}` },
  });
  assert.equal(res.status, 200);
  return res.json();
}
