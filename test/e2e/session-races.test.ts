import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { DeviceKeyPair } from '@devtrust/shared/crypto';
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
});
