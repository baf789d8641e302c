import assert from 'node:assert/strict';
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import WebSocket from 'ws';
import { AGENT_CHANNEL_PATH } from '@devtrust/shared/protocol';
import { ENROLLMENT_KEY, OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';
import { RawChannel } from '../support/raw-channel.js';

/**
 * The caps on open agent-channel sockets (in total, per address, not yet authenticated) and
 * on failed API key authentications per address, on a real collector over loopback. A
 * second loopback address (127.0.0.2) stands for another client.
 */

interface Opened {
  ws: WebSocket;
  /** 'open', or the HTTP status the upgrade was refused with. */
  outcome: 'open' | number;
  retryAfter?: string | undefined;
}

function openSocket(c: TestCollector, localAddress = '127.0.0.1'): Promise<Opened> {
  const ws = new WebSocket(`${c.url.replace(/^http/, 'ws')}${AGENT_CHANNEL_PATH}`, { localAddress });
  ws.on('error', () => undefined);
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, outcome: 'open' }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ ws, outcome: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
      res.resume();
    });
  });
}

const closed = (ws: WebSocket): Promise<void> =>
  ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));

describe('caps on agent-channel sockets', () => {
  let c: TestCollector;
  const sockets: WebSocket[] = [];
  const open = async (localAddress?: string): Promise<Opened> => {
    const opened = await openSocket(c, localAddress);
    sockets.push(opened.ws);
    return opened;
  };
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await c?.stop();
  });

  it('in total: the socket past the cap is refused with 503 and Retry-After; a closed one makes room', async () => {
    c = await startTestCollector({ env: { DEVTRUST_MAX_AGENT_CONNECTIONS: '3', DEVTRUST_MAX_UNAUTHENTICATED_SOCKETS: '0' } });
    const first = await Promise.all([open(), open('127.0.0.2'), open('127.0.0.3')]);
    assert.deepEqual(
      first.map((o) => o.outcome),
      ['open', 'open', 'open'],
    );
    const refused = await open('127.0.0.4');
    assert.equal(refused.outcome, 503);
    assert.equal(refused.retryAfter, '30');
    first[0]!.ws.close();
    await closed(first[0]!.ws);
    assert.equal((await open('127.0.0.4')).outcome, 'open');
  });

  it('per address: another address still gets in', async () => {
    c = await startTestCollector({ env: { DEVTRUST_MAX_AGENT_CONNECTIONS_PER_ADDRESS: '2', DEVTRUST_MAX_UNAUTHENTICATED_SOCKETS: '0' } });
    assert.equal((await open()).outcome, 'open');
    assert.equal((await open()).outcome, 'open');
    assert.equal((await open()).outcome, 503);
    assert.equal((await open('127.0.0.2')).outcome, 'open');
  });

  it('unauthenticated: sockets that have not enrolled are capped; an enrolled agent frees its place and is never counted', async () => {
    c = await startTestCollector({ env: { DEVTRUST_MAX_UNAUTHENTICATED_SOCKETS: '8' } });
    const agent = await RawChannel.open(c.url);
    sockets.push(agent.ws);
    // One address holds a quarter of the places at most (2 of 8): the agent and one more.
    assert.equal((await open()).outcome, 'open');
    assert.equal((await open()).outcome, 503, 'one address took more than a quarter of the places');
    for (const address of ['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.4', '127.0.0.4']) {
      assert.equal((await open(address)).outcome, 'open', address);
    }
    assert.equal((await open('127.0.0.5')).outcome, 503, 'a ninth unauthenticated socket got in');
    await agent.enroll(ENROLLMENT_KEY);
    // The agent is authenticated now: one place is free again, for any address.
    assert.equal((await open('127.0.0.5')).outcome, 'open');
    assert.equal((await open('127.0.0.6')).outcome, 503);
    // The enrolled agent's session is untouched by the refusals.
    assert.equal(agent.ws.readyState, WebSocket.OPEN);
  });
});

function adminGet(
  c: TestCollector,
  path: string,
  token: string,
  localAddress = '127.0.0.1',
): Promise<{ status: number; retryAfter?: string; code?: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${c.url}${path}`, { localAddress, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, code });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('failed API key authentications per address', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startTestCollector({ env: { DEVTRUST_LIMIT_ADMIN_AUTH_FAILURES_PER_ADDRESS: '3' } });
  });
  afterAll(() => c.stop());

  it('past the budget every admin request from that address is a 429, the right key included; other addresses are unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await adminGet(c, '/admin/v1/endpoints', `dtk_guess-${i}-0123456789abcdef`)).status);
    assert.deepEqual(statuses, [401, 401, 401]);
    const limited = await adminGet(c, '/admin/v1/endpoints', 'dtk_guess-4-0123456789abcdef');
    assert.equal(limited.status, 429);
    assert.equal(limited.code, 'RATE_LIMITED');
    assert.ok(Number(limited.retryAfter) > 0 && Number(limited.retryAfter) <= 60, limited.retryAfter);
    // A right key from the guessing address is refused too (a 200 would tell a guess apart).
    assert.equal((await adminGet(c, '/admin/v1/endpoints', OWNER_TOKEN)).status, 429);
    // The console's session route takes API keys as well, under the same budget.
    assert.equal((await adminGet(c, '/console/session', OWNER_TOKEN)).status, 429);
    // Another address is not affected.
    assert.equal((await adminGet(c, '/admin/v1/endpoints', OWNER_TOKEN, '127.0.0.2')).status, 200);
    assert.equal((await adminGet(c, '/console/session', OWNER_TOKEN, '127.0.0.2')).status, 200);
  });

  it('successful requests cost nothing', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await adminGet(c, '/admin/v1/policy', OWNER_TOKEN, '127.0.0.3')).status, 200);
  });
});
