import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_CHANNEL_PATH } from '@devtrust/shared/protocol';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';

/**
 * A collector that would compress if asked (permessage-deflate on, as `ws` servers can be
 * configured), over a real WebSocket. It checks no signatures: only what the agent asks for
 * at the upgrade matters here.
 */
async function compressingCollector() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: AGENT_CHANNEL_PATH, perMessageDeflate: true });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const upgrades: { offered: string | undefined; negotiated: string }[] = [];
  server.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    upgrades.push({ offered: req.headers['sec-websocket-extensions'], negotiated: ws.extensions });
    const send = (message: unknown) => ws.send(JSON.stringify(message));
    send({ type: 'hello', v: 1, nonce: 'n'.repeat(43), maxFrameBytes: 262_144 });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'enroll') {
        send({ type: 'enrolled', endpointId: 'ep_deflate' });
        send({ type: 'authenticated', endpointId: 'ep_deflate', lastSeq: 0, reportIntervalSec: 3600 });
      } else if (message.type === 'auth') {
        send({ type: 'authenticated', endpointId: 'ep_deflate', lastSeq: 0, reportIntervalSec: 3600 });
      } else if (message.type === 'report') {
        send({ type: 'ack', seq: message.seq });
      }
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upgrades,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('the agent does not ask for a compressed session', () => {
  let collector: Awaited<ReturnType<typeof compressingCollector>>;
  let agent: TestAgent;

  beforeAll(async () => {
    collector = await compressingCollector();
    agent = await startTestAgent(collector.url, { platform: 'linux', hostname: 'laptop' });
  });
  afterAll(async () => {
    await agent?.stop();
    await collector?.close();
  });

  it('offers no permessage-deflate, so a willing collector negotiates none (no zlib contexts held for the session)', () => {
    assert.equal(agent.agent.status().link, 'connected');
    assert.ok(collector.upgrades.length > 0);
    for (const upgrade of collector.upgrades) assert.deepEqual(upgrade, { offered: undefined, negotiated: '' });
  });
});
