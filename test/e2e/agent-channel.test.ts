import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { LIMITS } from '@devtrust/shared/protocol';
import { createTestApp, csvInventory, type TestApp } from '../support/app.js';
import { AGENT_MESSAGES_PER_MINUTE } from '@devtrust/collector/limits/abuse-limits';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { RawChannel } from '../support/raw-channel.js';

const report = (serialNumber: string) => ({
  agentVersion: 'test',
  collectedAt: new Date().toISOString(),
  identity: { platform: 'linux' as const, serialNumber, hostname: `host-${serialNumber}` },
});

describe('agent channel: authentication, signatures and replay', () => {
  let c: TestCollector;
  let app: TestApp;
  beforeAll(async () => {
    c = await startTestCollector();
    await csvInventory(c, 'serial_number\nSERIAL-GOOD\n');
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
  });
  afterAll(() => c.stop());

  it('refuses a wrong enrollment key with a clear error and close code 4401', async () => {
    const ch = await RawChannel.open(c.url);
    const keys = generateDeviceKey();
    ch.send(ch.signed({ type: 'enroll', v: 1, enrollmentKey: 'dte_wrong-key-000000000000', publicKey: keys.publicKey }, keys));
    const error = await ch.next((m) => m.type === 'error');
    assert.equal(error.code, 'ENROLLMENT_KEY_INVALID');
    assert.equal((await ch.closed).code, 4401);
    assert.equal((await c.admin('GET', '/admin/v1/endpoints')).body.endpoints.length, 0);
  });

  // The identity point as an Ed25519 key: R = the base point, S = 1 verifies over any message,
  // so whoever knew such an endpoint's id could sign as it, with no key at all.
  const IDENTITY_KEY = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64url');
  const forgedSignature = (): string => {
    const p = 2n ** 255n - 19n;
    let inverse = 1n;
    for (let b = 5n, e = p - 2n; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) inverse = (inverse * b) % p;
    const le = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex').reverse();
    return Buffer.concat([le((4n * inverse) % p), le(1n)]).toString('base64url');
  };

  it('refuses to enroll a key of small order, for which anyone can forge signatures', async () => {
    const before = (await c.admin('GET', '/admin/v1/endpoints')).body.endpoints.length;
    const ch = await RawChannel.open(c.url);
    ch.send({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: IDENTITY_KEY, signature: forgedSignature() });
    const error = await ch.next((m) => m.type === 'error');
    assert.equal(error.code, 'INVALID_MESSAGE');
    assert.match(error.message, /not a usable device key/);
    assert.equal((await ch.closed).code, 4400);
    assert.equal((await c.admin('GET', '/admin/v1/endpoints')).body.endpoints.length, before);
  });

  it('does not authenticate as an endpoint stored with a key of small order (enrolled before it was refused)', async () => {
    const ch = await RawChannel.open(c.url);
    const { endpointId } = await ch.enroll(ENROLLMENT_KEY);
    ch.close();
    await c.store.knex('endpoints').where({ id: endpointId }).update({ public_key: IDENTITY_KEY });
    const stranger = await RawChannel.open(c.url);
    stranger.send({ type: 'auth', v: 1, endpointId, signature: forgedSignature() });
    assert.equal((await stranger.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await stranger.closed).code, 4401);
  });

  it('takes one spelling of a key only: the same key written another way does not enroll a second endpoint', async () => {
    const keys = generateDeviceKey();
    const first = await RawChannel.open(c.url);
    await first.enroll(ENROLLMENT_KEY, keys);
    first.close();
    const before = (await c.admin('GET', '/admin/v1/endpoints')).body.endpoints.length;
    // The last character of 43 base64url characters carries 2 bits past the 32 bytes: set one.
    const last = keys.publicKey.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = keys.publicKey.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
    assert.deepEqual(Buffer.from(respelled, 'base64url'), Buffer.from(keys.publicKey, 'base64url'));
    const second = await RawChannel.open(c.url);
    second.send(second.signed({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: respelled }, keys));
    assert.equal((await second.next((m) => m.type === 'error')).code, 'INVALID_MESSAGE');
    assert.equal((await c.admin('GET', '/admin/v1/endpoints')).body.endpoints.length, before);
  });

  it('refuses an enrollment signed by a key other than the one presented', async () => {
    const ch = await RawChannel.open(c.url);
    const presented = generateDeviceKey();
    ch.send(ch.signed({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: presented.publicKey }, generateDeviceKey()));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await ch.closed).code, 4401);
  });

  it('refuses a report signed with another key, and keeps the stored report', async () => {
    const ch = await RawChannel.open(c.url);
    const { endpointId, keys } = await ch.enroll(ENROLLMENT_KEY);
    ch.send(ch.signed({ type: 'report', seq: 1, report: report('SERIAL-GOOD') }, keys));
    await ch.next((m) => m.type === 'ack');
    ch.send(ch.signed({ type: 'report', seq: 2, report: report('SERIAL-EVIL') }, generateDeviceKey()));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await ch.closed).code, 4401);
    const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
    assert.equal(endpoint.identity.serialNumber, 'SERIAL-GOOD');
  });

  it('refuses a replayed report in the same session and a recorded one in a new session', async () => {
    const ch = await RawChannel.open(c.url);
    const { endpointId, keys } = await ch.enroll(ENROLLMENT_KEY);
    const frame = ch.signed({ type: 'report', seq: 1, report: report('SERIAL-REPLAY') }, keys);
    ch.send(frame);
    await ch.next((m) => m.type === 'ack');
    ch.send(frame);
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'REPLAYED');
    assert.equal((await ch.closed).code, 4409);

    // A new session has a new nonce: the recorded frame's signature no longer verifies.
    const again = await RawChannel.open(c.url);
    again.endpointId = endpointId;
    again.send(again.signed({ type: 'auth', v: 1, endpointId }, keys));
    await again.next((m) => m.type === 'authenticated');
    again.send({ ...frame, seq: 5 });
    assert.equal((await again.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
  });

  it('refuses an attestation signed with another key, and a second attestation of one transaction', async () => {
    const ch = await RawChannel.open(c.url);
    const { keys } = await ch.enroll(ENROLLMENT_KEY);
    ch.send(ch.signed({ type: 'report', seq: 1, report: report('SERIAL-GOOD') }, keys));
    await ch.next((m) => m.type === 'ack');
    const tx = await app.open('alice');
    ch.send(ch.signed({ type: 'attest', transactionId: tx }, keys));
    const verdict = await ch.next((m) => m.type === 'verdict');
    assert.equal(verdict.transactionId, tx);
    ch.send(ch.signed({ type: 'attest', transactionId: tx }, keys));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'TRANSACTION_DECIDED');
    const unknown = await app.open('alice');
    ch.send(ch.signed({ type: 'attest', transactionId: unknown }, generateDeviceKey()));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await app.read(unknown)).body.state, 'pending');
  });

  it('describes a pending transaction (application and account) so a user can confirm a devtrust:// link', async () => {
    const ch = await RawChannel.open(c.url);
    const { keys } = await ch.enroll(ENROLLMENT_KEY);
    const tx = await app.open('Holly@Example.com');
    ch.send(ch.signed({ type: 'describe', transactionId: tx }, keys));
    const info = await ch.next((m) => m.type === 'transaction');
    assert.deepEqual(
      { ...info, expiresAt: typeof info.expiresAt },
      { type: 'transaction', transactionId: tx, application: 'Test app', username: 'holly@example.com', expiresAt: 'string' },
    );
    assert.equal((await app.read(tx)).body.state, 'pending', 'describing decides nothing');
    ch.send(ch.signed({ type: 'describe', transactionId: 'tx_nope' }, keys));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'TRANSACTION_UNKNOWN');
    ch.send(ch.signed({ type: 'describe', transactionId: tx }, generateDeviceKey()));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
  });

  it('one key enrolled by several sessions at once gets one endpoint, never a 1011', async () => {
    for (let round = 0; round < 3; round++) {
      const keys = generateDeviceKey();
      const channels = await Promise.all([0, 1, 2, 3].map(() => RawChannel.open(c.url)));
      for (const ch of channels)
        ch.send(ch.signed({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: keys.publicKey }, keys));
      const answers = await Promise.all(
        channels.map((ch) =>
          Promise.race([
            ch.next((m) => m.type === 'enrolled').then((m) => m.endpointId as string),
            ch.closed.then(({ code, reason }) => `closed ${code} ${reason}`),
          ]),
        ),
      );
      for (const ch of channels) ch.close();
      assert.equal(new Set(answers).size, 1, answers.join(', '));
      assert.match(answers[0] as string, /^ep_/);
    }
  });

  it('an agent flooding reports or status checks is closed with 4429 MESSAGE_RATE_LIMITED, and stays limited when it reconnects', async () => {
    for (const kind of ['report', 'check'] as const) {
      const ch = await RawChannel.open(c.url);
      const { keys, endpointId } = await ch.enroll(ENROLLMENT_KEY);
      const message = (seq: number) =>
        kind === 'report'
          ? // Each report an invented serial: unlimited, every one of them was bound to this key.
            ch.signed({ type: 'report', seq, report: report(`FLOOD-${kind}-${seq}`) }, keys)
          : ch.signed({ type: 'check' }, keys);
      for (let seq = 1; seq <= AGENT_MESSAGES_PER_MINUTE + 1; seq++) ch.send(message(seq));
      const answered = ch.messages.filter((m) => m.type === 'ack' || m.type === 'standing').length;
      const closed = await ch.closed;
      assert.deepEqual(closed, { code: 4429, reason: 'MESSAGE_RATE_LIMITED' }, `${kind}: ${answered} answered`);
      assert.equal((await ch.next((m) => m.type === 'error')).code, 'MESSAGE_RATE_LIMITED');
      assert.equal(ch.messages.filter((m) => m.type === 'ack' || m.type === 'standing').length, AGENT_MESSAGES_PER_MINUTE);
      // A new session of the same agent does not get a fresh budget.
      const again = await RawChannel.open(c.url);
      again.send(again.signed({ type: 'auth', v: 1, endpointId }, keys, endpointId));
      await again.next((m) => m.type === 'authenticated');
      again.endpointId = endpointId;
      again.send(
        kind === 'report'
          ? again.signed({ type: 'report', seq: 10_000, report: report('FLOOD-AGAIN') }, keys)
          : again.signed({ type: 'check' }, keys),
      );
      assert.equal((await again.closed).code, 4429);
      if (kind === 'report') {
        const bound = await c.store.knex('identifier_bindings').where({ endpoint_id: endpointId }).count({ n: '*' }).first();
        assert.equal(Number(bound?.n), AGENT_MESSAGES_PER_MINUTE);
      }
    }
  });

  it('authenticates a known endpoint only with its own key', async () => {
    const first = await RawChannel.open(c.url);
    const { endpointId } = await first.enroll(ENROLLMENT_KEY);
    const imposter = await RawChannel.open(c.url);
    imposter.send(imposter.signed({ type: 'auth', v: 1, endpointId }, generateDeviceKey(), endpointId));
    assert.equal((await imposter.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await imposter.closed).code, 4401);
  });
});

describe('agent channel: bad input closes with a code and harms no one else', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(() => c.stop());

  const cases: [string, (ch: RawChannel) => void, string, number][] = [
    ['malformed JSON', (ch) => ch.sendRaw('{"type": "report",'), 'MALFORMED_FRAME', 4400],
    ['a JSON array', (ch) => ch.sendRaw('[1,2,3]'), 'MALFORMED_FRAME', 4400],
    ['an unknown message type', (ch) => ch.send({ type: 'launch-missiles' }), 'UNKNOWN_MESSAGE', 4400],
    ['a wrong field type', (ch) => ch.send({ type: 'auth', v: 1, endpointId: 42, signature: 'x' }), 'INVALID_MESSAGE', 4400],
    ['an unknown field', (ch) => ch.send({ type: 'auth', v: 1, endpointId: 'ep_x', signature: 'x', admin: true }), 'INVALID_MESSAGE', 4400],
    ['a newer protocol version', (ch) => ch.send({ type: 'auth', v: 2, endpointId: 'ep_x', signature: 'x' }), 'UNSUPPORTED_VERSION', 4400],
    ['a binary frame', (ch) => ch.sendRaw(Buffer.from([1, 2, 3])), 'MALFORMED_FRAME', 4400],
    [
      'a report before authenticating',
      (ch) => ch.send({ type: 'report', seq: 1, report: report('X'), signature: 'x' }),
      'OUT_OF_ORDER',
      4400,
    ],
    ['an unknown endpoint', (ch) => ch.send({ type: 'auth', v: 1, endpointId: 'ep_nobody', signature: 'x' }), 'ENDPOINT_UNKNOWN', 4403],
  ];

  for (const [name, send, code, closeCode] of cases) {
    it(`${name} → ${code}, close ${closeCode}`, async () => {
      const bystander = await RawChannel.open(c.url);
      const { keys } = await bystander.enroll(ENROLLMENT_KEY);
      const ch = await RawChannel.open(c.url);
      send(ch);
      const error = await ch.next((m) => m.type === 'error');
      assert.equal(error.code, code);
      assert.equal((await ch.closed).code, closeCode);
      if (code === 'INVALID_MESSAGE') assert.match(error.message, /endpointId|admin/);
      // The collector keeps serving everyone else.
      bystander.send(bystander.signed({ type: 'report', seq: 1, report: report('BYSTANDER') }, keys));
      assert.equal((await bystander.next((m) => m.type === 'ack')).seq, 1);
      bystander.close();
    });
  }

  it(`a frame over ${LIMITS.maxFrameBytes} bytes closes with 1009`, async () => {
    const ch = await RawChannel.open(c.url);
    ch.sendRaw(JSON.stringify({ type: 'auth', pad: 'x'.repeat(LIMITS.maxFrameBytes) }));
    assert.equal((await ch.closed).code, 1009);
    assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
  });

  it('a browser (Origin header) is refused with 1008', async () => {
    const ch = await RawChannel.open(c.url, { origin: 'https://evil.example' });
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'ORIGIN_REFUSED');
    assert.equal((await ch.closed).code, 1008);
  });

  it('a connection that never authenticates is closed with 4408', async () => {
    const ch = await RawChannel.open(c.url);
    const closed = await ch.closed;
    assert.equal(closed.code, 4408);
  });
});

// A session lives for days, tens of thousands at once: nothing it keeps may hold the HTTP
// upgrade request it came in on (its headers and parser state, about 2 kB of heap each; the
// sessions figure of `npm run bench` went from 5.8 to 3.8 kB per session without it).
describe('agent channel: what a session keeps', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(() => c.stop());

  it('does not keep the upgrade request of an open, authenticated session', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const wss = (c.channel as unknown as { wss: EventEmitter }).wss;
    const requests: WeakRef<object>[] = [];
    const capture = (_headers: string[], req: object) => void requests.push(new WeakRef(req));
    wss.on('headers', capture);
    const ch = await RawChannel.open(c.url);
    const { keys } = await ch.enroll(ENROLLMENT_KEY);
    wss.off('headers', capture);
    assert.equal(requests.length, 1);
    // Still open and authenticated: a report is acked.
    ch.send(ch.signed({ type: 'report', seq: 1, report: report('SERIAL-HELD') }, keys));
    assert.equal((await ch.next((m) => m.type === 'ack')).seq, 1);
    for (let i = 0; i < 5 && requests[0]?.deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    assert.equal(requests[0]?.deref(), undefined, 'the upgrade request is still reachable from the open session');
    ch.close();
  });
});
