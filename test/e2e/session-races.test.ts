import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { generateDeviceKey, newSessionKeyPair, sessionMacKey, type DeviceKeyPair } from '@devtrust/shared/crypto';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { RawChannel } from '../support/raw-channel.js';

// Signature checks run on libuv's thread pool and storage is asynchronous: a session can
// close while its frame is still being checked. What it was doing then must not outlive it.

describe('agent channel: a session that closes while its frame is checked', () => {
  let c: TestCollector;
  let endpointId: string;
  let keys: DeviceKeyPair;
  const connected = async (): Promise<boolean> => (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.connected as boolean;

  beforeAll(async () => {
    c = await startTestCollector();
    const ch = await RawChannel.open(c.url);
    ({ endpointId, keys } = await ch.enroll(ENROLLMENT_KEY));
    ch.close();
    await ch.closed;
  });
  afterAll(() => c.stop());

  it('an agent that drops its socket right after sending auth is not left connected', async () => {
    for (let i = 0; i < 10; i++) {
      const ch = await RawChannel.open(c.url);
      ch.endpointId = endpointId;
      ch.send(ch.signed({ type: 'auth', v: 1, endpointId }, keys));
      ch.ws.terminate();
      await ch.closed;
    }
    // Every session is gone on the collector's side once a new one can authenticate and leave cleanly.
    const last = await RawChannel.open(c.url);
    last.endpointId = endpointId;
    last.send(last.signed({ type: 'auth', v: 1, endpointId }, keys));
    await last.next((m) => m.type === 'authenticated');
    assert.equal(await connected(), true);
    last.close();
    await last.closed;
    // The collector sees the close after the client does: wait until its socket count drops.
    for (let i = 0; i < 100 && (await connected()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await connected(), false, 'a session closed during its auth check is still registered as connected');
  });

  const report = (serialNumber: string) => ({
    agentVersion: 'test',
    collectedAt: new Date().toISOString(),
    identity: { platform: 'linux' as const, serialNumber },
  });

  /** Authenticates a new session offering a session key; resolves with the agreed MAC key. */
  async function session() {
    const ch = await RawChannel.open(c.url);
    ch.endpointId = endpointId;
    const offer = newSessionKeyPair();
    ch.send(ch.signed({ type: 'auth', v: 1, endpointId, sessionKey: offer.publicKey }, keys));
    const authenticated = await ch.next((m) => m.type === 'authenticated');
    const context = { nonce: ch.nonce, endpointId, agentKey: offer.publicKey, collectorKey: authenticated.sessionKey as string };
    return { ch, lastSeq: authenticated.lastSeq as number, macKey: sessionMacKey(offer.privateKey, authenticated.sessionKey, context) };
  }

  it("a MAC'd frame (checked at once) never overtakes a signed one before it (checked on the thread pool)", async () => {
    const { ch, lastSeq, macKey } = await session();
    // Sent in one burst: signed report, MAC'd report, check. Answers come in that order.
    ch.send(ch.signed({ type: 'report', seq: lastSeq + 1, report: report('ORDER-1') }, keys));
    ch.send(ch.macd({ type: 'report', seq: lastSeq + 2, report: report('ORDER-2') }, macKey));
    ch.send(ch.signed({ type: 'check' }, keys));
    await ch.next((m) => m.type === 'standing');
    const answers = ch.messages.filter((m) => m.type === 'ack').map((m) => m.seq);
    assert.deepEqual(answers, [lastSeq + 1, lastSeq + 2]);
    ch.close();
  });

  it("a bad signature stops the session before the MAC'd report behind it is stored", async () => {
    const { ch, lastSeq, macKey } = await session();
    ch.send(ch.signed({ type: 'report', seq: lastSeq + 1, report: report('FORGED-FIRST') }, generateDeviceKey()));
    ch.send(ch.macd({ type: 'report', seq: lastSeq + 2, report: report('BEHIND-FORGED') }, macKey));
    assert.equal((await ch.next((m) => m.type === 'error')).code, 'BAD_SIGNATURE');
    assert.equal((await ch.closed).code, 4401);
    assert.equal(ch.messages.filter((m) => m.type === 'ack').length, 0);
    const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body as {
      identity: { serialNumber?: string };
      history: { seq: number }[];
    };
    assert.equal(endpoint.identity.serialNumber, 'ORDER-2');
    assert.ok(endpoint.history.every((h) => h.seq <= lastSeq));
  });

  it('a peer streaming frames faster than they are handled is closed (4429) instead of having them all held', async () => {
    const { ch } = await session();
    // Each one valid, checked and looked up in turn (describe has no budget of its own).
    const frame = JSON.stringify(ch.signed({ type: 'describe', transactionId: 'tx_streamed' }, keys));
    for (let i = 0; i < 1000; i++) ch.sendRaw(frame);
    assert.equal((await ch.next((m) => m.type === 'error' && m.code !== 'TRANSACTION_UNKNOWN')).code, 'MESSAGE_RATE_LIMITED');
    assert.equal((await ch.closed).code, 4429);
  });

  it('a burst an agent can make (a report, checks, describes at once) is handled in full', async () => {
    const { ch, lastSeq } = await session();
    ch.send(ch.signed({ type: 'report', seq: lastSeq + 1, report: report('BURST') }, keys));
    for (let i = 0; i < 8; i++) ch.send(ch.signed({ type: 'check' }, keys));
    for (let i = 0; i < 8; i++) await ch.next((m) => m.type === 'standing');
    assert.equal((await ch.next((m) => m.type === 'ack')).seq, lastSeq + 1);
    ch.close();
  });
});
