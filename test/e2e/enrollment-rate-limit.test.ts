import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Agent } from '@devtrust/agent/core/agent';
import { generateDeviceKey, type DeviceKeyPair } from '@devtrust/shared/crypto';
import { loadConfig } from '@devtrust/collector/config/config';
import { ENROLLMENT_KEY, startTestCollector, type TestCollector } from '../support/collector.js';
import { RawChannel } from '../support/raw-channel.js';

/**
 * Enrollment is limited per client address: the enrollment key is shared by a whole fleet,
 * so whoever holds it could otherwise add endpoints (clones, pending approvals) without end.
 */
describe('enrollment rate limit per client address', () => {
  let c: TestCollector;
  const enrolled: { keys: DeviceKeyPair; endpointId: string }[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false, env: { DEVTRUST_ENROLLMENT_RATE_LIMIT: '3/hour' } });
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await c.stop();
  });

  it('a flood of enrollments from one address meets the limit with a clear close code', async () => {
    for (let i = 0; i < 3; i++) {
      const channel = await RawChannel.open(c.url);
      enrolled.push(await channel.enroll(ENROLLMENT_KEY));
      channel.close();
    }
    const refused = await RawChannel.open(c.url);
    const keys = generateDeviceKey();
    refused.send(refused.signed({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: keys.publicKey }, keys));
    const error = await refused.next((m) => m.type === 'error');
    assert.equal(error.code, 'ENROLLMENT_RATE_LIMITED');
    assert.match(error.message, /too many enrollments from this address; retry in \d+ s/);
    assert.deepEqual(await refused.closed, { code: 4429, reason: 'ENROLLMENT_RATE_LIMITED' });
    // Every attempt counts, a wrong key too: guessing the key meets the same limit.
    const guess = await RawChannel.open(c.url);
    const guessKey = generateDeviceKey().publicKey;
    guess.send({ type: 'enroll', v: 1, enrollmentKey: 'dte_guess-0000000000000000', publicKey: guessKey, signature: 'x' });
    assert.equal((await guess.next((m) => m.type === 'error')).code, 'ENROLLMENT_RATE_LIMITED');
    // Only three endpoints exist.
    assert.equal((await c.admin('GET', '/admin/v1/endpoints')).body.endpoints.length, 3);
  });

  it('endpoints already enrolled still authenticate: only enrollment is limited', async () => {
    const { keys, endpointId } = enrolled[0] as { keys: DeviceKeyPair; endpointId: string };
    const channel = await RawChannel.open(c.url);
    channel.send(channel.signed({ type: 'auth', v: 1, endpointId }, keys, endpointId));
    assert.equal((await channel.next((m) => m.type === 'authenticated')).endpointId, endpointId);
    channel.close();
  });

  it('the real agent logs the refusal and stays offline rather than failing for good', async () => {
    const lines: string[] = [];
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-agent-limited-'));
    const agent = new Agent(
      {
        collectorUrl: c.url,
        enrollmentKey: ENROLLMENT_KEY,
        dataDir,
        loopbackPort: 0,
        identityFile: null,
        once: false,
        logLevel: 'warn',
        managedKeys: [],
        managed: {},
      },
      {
        log: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
        collect: async () => ({ identity: { platform: 'linux', serialNumber: 'LIMITED-1' }, posture: {}, probeErrors: {} }),
        loopback: false,
      },
    );
    cleanups.push(async () => {
      await agent.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    await agent.start();
    while (!lines.some((l) => l.includes('ENROLLMENT_RATE_LIMITED'))) await new Promise((r) => setTimeout(r, 20));
    const logged = JSON.parse(lines.find((l) => l.includes('ENROLLMENT_RATE_LIMITED')) as string);
    assert.equal(logged.code, 'ENROLLMENT_RATE_LIMITED');
    assert.match(logged.msg, /the collector refused the session: too many enrollments from this address; retry in \d+ s/);
    assert.notEqual(agent.status().link, 'refused');
    assert.equal(agent.status().endpointId, null);
  });

  it('the limit is configuration, validated at start-up', () => {
    const base = { DEVTRUST_DATA_DIR: tmpdir() };
    assert.deepEqual(loadConfig(base).enrollmentRateLimit, { limit: 60, windowMs: 3_600_000 });
    assert.deepEqual(loadConfig({ ...base, DEVTRUST_ENROLLMENT_RATE_LIMIT: '10/minute' }).enrollmentRateLimit, {
      limit: 10,
      windowMs: 60_000,
    });
    assert.equal(loadConfig({ ...base, DEVTRUST_ENROLLMENT_RATE_LIMIT: 'off' }).enrollmentRateLimit, null);
    for (const bad of ['60', '0/hour', 'ten/hour', '5/day']) {
      assert.throws(() => loadConfig({ ...base, DEVTRUST_ENROLLMENT_RATE_LIMIT: bad }), /DEVTRUST_ENROLLMENT_RATE_LIMIT: .* is not COUNT/);
    }
  });
});

/**
 * Behind a reverse proxy (DEVTRUST_TRUST_PROXY=true) every agent's socket comes from the proxy:
 * the limits count the address the proxy appended to X-Forwarded-For, as the HTTP routes do,
 * or one client's failed enrollments would refuse everyone's.
 */
describe('enrollment rate limit behind a trusted proxy', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false, env: { DEVTRUST_ENROLLMENT_RATE_LIMIT: '2/hour', DEVTRUST_TRUST_PROXY: 'true' } });
  });
  afterAll(async () => c.stop());

  const enrollFrom = async (forwardedFor: string): Promise<string> => {
    const channel = await RawChannel.open(c.url, { 'x-forwarded-for': forwardedFor });
    const keys = generateDeviceKey();
    channel.send(channel.signed({ type: 'enroll', v: 1, enrollmentKey: ENROLLMENT_KEY, publicKey: keys.publicKey }, keys));
    const answer = await channel.next((m) => m.type === 'enrolled' || m.type === 'error');
    channel.close();
    return answer.type === 'error' ? (answer.code as string) : 'enrolled';
  };

  it("counts each client's own address, never what it put before the proxy's entry", async () => {
    // One client uses up its limit, then tries again with a forged entry before the proxy's.
    assert.equal(await enrollFrom('192.0.2.7'), 'enrolled');
    assert.equal(await enrollFrom('192.0.2.7'), 'enrolled');
    assert.equal(await enrollFrom('192.0.2.7'), 'ENROLLMENT_RATE_LIMITED');
    assert.equal(await enrollFrom('198.51.100.1, 192.0.2.7'), 'ENROLLMENT_RATE_LIMITED');
    // Another client behind the same proxy is not refused for it.
    assert.equal(await enrollFrom('192.0.2.8'), 'enrolled');
  });
});
