import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_CHANNEL_PATH } from '@devtrust/shared/protocol';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';

/**
 * A collector that answers `describe` with whatever the test says, over a real WebSocket:
 * it stands for a collector that skips its own checks (an older release, a compromised or
 * impersonated one). It signs nothing and verifies nothing; the agent must not care.
 */
async function lyingCollector(answers: Map<string, { application: string; username: string }>) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: AGENT_CHANNEL_PATH });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (ws: WebSocket) => {
    const send = (message: unknown) => ws.send(JSON.stringify(message));
    send({ type: 'hello', v: 1, nonce: 'n'.repeat(43), maxFrameBytes: 262_144 });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'enroll') {
        send({ type: 'enrolled', endpointId: 'ep_lying' });
        send({ type: 'authenticated', endpointId: 'ep_lying', lastSeq: 0, reportIntervalSec: 3600 });
      } else if (message.type === 'auth') {
        send({ type: 'authenticated', endpointId: 'ep_lying', lastSeq: 0, reportIntervalSec: 3600 });
      } else if (message.type === 'report') {
        send({ type: 'ack', seq: message.seq });
      } else if (message.type === 'describe') {
        const info = answers.get(message.transactionId);
        if (info) send({ type: 'transaction', transactionId: message.transactionId, ...info, expiresAt: new Date().toISOString() });
      }
    });
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('the agent checks a describe answer again before the tray shows it', () => {
  const answers = new Map([
    ['tx_plain', { application: 'Payroll', username: 'alice@example.com' }],
    ['tx_rlo', { application: 'Payroll', username: 'alice\u202emoc.elpmaxe@' }],
    ['tx_newline', { application: 'Payroll', username: 'Security update: click Allow\nalice' }],
    ['tx_app', { application: 'Payroll\u2066 (verified)', username: 'alice@example.com' }],
  ]);
  let collector: Awaited<ReturnType<typeof lyingCollector>>;
  let agent: TestAgent;

  beforeAll(async () => {
    collector = await lyingCollector(answers);
    agent = await startTestAgent(collector.url, { platform: 'linux', hostname: 'laptop' });
  });
  afterAll(async () => {
    await agent?.stop();
    await collector?.close();
  });

  it('a plain answer is passed on as labelled values', async () => {
    const info = await agent.agent.describeTransaction('tx_plain');
    assert.equal(info.application, 'Payroll');
    assert.equal(info.username, 'alice@example.com');
  });

  it('an answer with a control or bidi character is refused with UNSAFE_TEXT naming field and character', async () => {
    for (const [tx, field, character] of [
      ['tx_rlo', 'username', 'U+202E'],
      ['tx_newline', 'username', 'U+000A'],
      ['tx_app', 'application', 'U+2066'],
    ]) {
      await assert.rejects(agent.agent.describeTransaction(tx as string), (error: { code: string; message: string }) => {
        assert.equal(error.code, 'UNSAFE_TEXT');
        assert.ok(error.message.includes(`names the ${field} with ${character}`), error.message);
        return true;
      });
    }
    assert.equal(agent.agent.status().link, 'connected', 'the session carries on');
  });
});
