import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';

/**
 * Which address the HTTP routes key their limits on and record in the admin log: the same
 * rule as the agent channel (http/client-address.ts), through a real collector on loopback.
 * A client that reaches the collector directly writes X-Forwarded-For as it likes: text that
 * is not an address, 15,000 characters of it, or a forged prefix before a real entry.
 */
const FAILURES_PER_MINUTE = 3;
const JUNK = 'x'.repeat(15_000);

async function start(trustProxy: boolean): Promise<TestCollector> {
  return startTestCollector({
    scheduler: false,
    env: { DEVTRUST_TRUST_PROXY: String(trustProxy), DEVTRUST_LIMIT_ADMIN_AUTH_FAILURES_PER_ADDRESS: String(FAILURES_PER_MINUTE) },
  });
}

/** An admin request with the owner key (or a wrong one) and this X-Forwarded-For. */
async function send(c: TestCollector, forwardedFor: string, options: { user?: string; token?: string } = {}): Promise<number> {
  const user = options.user ?? 'nobody@example.com';
  const response = await fetch(`${c.url}/admin/v1/users/${encodeURIComponent(user)}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${options.token ?? OWNER_TOKEN}`,
      'content-type': 'application/json',
      'x-forwarded-for': forwardedFor,
    },
    body: JSON.stringify({ groups: ['pilot'] }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The address the admin log recorded for the change to this user. */
async function recordedAddress(c: TestCollector, user: string): Promise<string | null> {
  const log = await c.admin('GET', `/admin/v1/admin-log?resourceType=user&resourceId=${encodeURIComponent(user)}`);
  assert.equal(log.status, 200, JSON.stringify(log.body));
  assert.equal(log.body.entries.length, 1, JSON.stringify(log.body));
  return log.body.entries[0].actor.address as string | null;
}

/** Wrong keys from one client until the limiter answers 429; how many got through to a 401 first. */
async function failuresUntilLimited(
  c: TestCollector,
  forwardedFor: (i: number) => string,
  tries = FAILURES_PER_MINUTE + 3,
): Promise<number> {
  for (let i = 0; i < tries; i++) {
    const status = await send(c, forwardedFor(i), { token: `dtk_wrong-${i}-0123456789abcdef` });
    if (status === 429) return i;
    assert.equal(status, 401);
  }
  return tries;
}

const isLoopback = (address: string | null): boolean => address === '127.0.0.1' || address === '::ffff:127.0.0.1';

describe('X-Forwarded-For with DEVTRUST_TRUST_PROXY=true', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await start(true);
  });
  afterAll(() => c?.stop());

  it('a 15,000-character entry is not an address: the peer is recorded, not the text', async () => {
    assert.equal(await send(c, JUNK, { user: 'long@example.com' }), 200);
    assert.ok(isLoopback(await recordedAddress(c, 'long@example.com')));
    assert.equal(await send(c, `198.51.100.1, ${JUNK}`, { user: 'long2@example.com' }), 200);
    assert.ok(isLoopback(await recordedAddress(c, 'long2@example.com')));
  });

  it('a forged prefix is never read: the last entry, the one the proxy appended, is recorded', async () => {
    assert.equal(await send(c, '10.66.6.6, 203.0.113.9', { user: 'forged@example.com' }), 200);
    assert.equal(await recordedAddress(c, 'forged@example.com'), '203.0.113.9');
  });

  it('text that is not an address cannot become a limiter key: each new text still counts against the peer', async () => {
    // Old behaviour: every distinct text was a fresh key, so wrong keys were never limited.
    assert.equal(await failuresUntilLimited(c, (i) => `${JUNK.slice(0, 14_000)}-${i}`), FAILURES_PER_MINUTE);
  });

  // An IPv6 subscriber picks any address of its /64 (re-review r6: twenty addresses, twenty 401s).
  it('every address of one IPv6 /64 counts against one budget; another /64 has its own', async () => {
    assert.equal(await failuresUntilLimited(c, (i) => `2001:db8:1:2::${(i + 1).toString(16)}`), FAILURES_PER_MINUTE);
    assert.equal(await send(c, '2001:db8:1:3::1', { token: 'dtk_wrong-other64-0123456789abcdef' }), 401);
  });

  it('every spelling of one IPv4 address counts against its budget', async () => {
    const spellings = ['198.51.100.77', '::ffff:198.51.100.77', '::ffff:c633:644d', '0:0:0:0:0:ffff:198.51.100.77'];
    assert.equal(await failuresUntilLimited(c, (i) => spellings[i % spellings.length] as string), FAILURES_PER_MINUTE);
  });

  it('forged prefixes share the key of the entry after them; another real address has its own', async () => {
    assert.equal(await failuresUntilLimited(c, (i) => `192.0.2.${i + 1}, 203.0.113.50`), FAILURES_PER_MINUTE);
    assert.equal(await send(c, '203.0.113.51', { token: 'dtk_wrong-other-0123456789abcdef' }), 401);
  });
});

describe('X-Forwarded-For with DEVTRUST_TRUST_PROXY off', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await start(false);
  });
  afterAll(() => c?.stop());

  it('is ignored: the peer is recorded and keys the limit whatever the header says', async () => {
    assert.equal(await send(c, '203.0.113.9', { user: 'plain@example.com' }), 200);
    assert.ok(isLoopback(await recordedAddress(c, 'plain@example.com')));
    assert.equal(await send(c, JUNK, { user: 'plain2@example.com' }), 200);
    assert.ok(isLoopback(await recordedAddress(c, 'plain2@example.com')));
    assert.equal(await failuresUntilLimited(c, (i) => (i % 2 === 0 ? `203.0.113.${i + 1}` : `${JUNK}-${i}`)), FAILURES_PER_MINUTE);
  });
});
