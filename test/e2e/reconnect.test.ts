import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { startTestAgent } from '../support/agent.js';
import { startTestCollector } from '../support/collector.js';

const waitFor = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('agent resilience', () => {
  it('queues reports while the collector is down and delivers them when it is back', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-reconnect-'));
    let c = await startTestCollector({ dataDir });
    const agent = await startTestAgent(c.url, { platform: 'linux', serialNumber: 'RECONNECT-1', hostname: 'before' });
    try {
      // Fast retries for the test; production uses 1 s growing to 5 min.
      (agent.agent.link as unknown as { options: { backoff: unknown } }).options.backoff = { baseMs: 50, capMs: 200 };
      const endpointId = agent.agent.status().endpointId as string;
      const port = c.port;
      await c.stop({ keepData: true });
      await waitFor(() => agent.agent.status().link !== 'connected', 'the agent to notice');
      agent.setIdentity({ platform: 'linux', serialNumber: 'RECONNECT-1', hostname: 'while-offline' });
      await agent.agent.reportNow();
      c = await startTestCollector({ dataDir, env: { DEVTRUST_PORT: String(port) } });
      await waitFor(() => agent.agent.status().link === 'connected', 'the agent to reconnect');
      // Stored: the first report, the one queued while offline, and the one sent on reconnecting.
      for (let i = 0; i < 200; i++) {
        if ((await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body.history.length >= 3) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const endpoint = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
      assert.ok(endpoint.history.length >= 3, `history ${JSON.stringify(endpoint.history)}`);
      assert.equal(endpoint.identity.hostname, 'while-offline');
      // The restarted collector has a new session key (one per process): the agent agreed a new
      // MAC key on reconnecting, and its MAC'd reports are stored, the session kept.
      agent.setIdentity({ platform: 'linux', serialNumber: 'RECONNECT-1', hostname: 'after-restart' });
      await agent.agent.reportNow();
      await agent.agent.reportNow();
      const after = (await c.admin('GET', `/admin/v1/endpoints/${endpointId}`)).body;
      assert.equal(after.identity.hostname, 'after-restart');
      assert.equal(after.history.length, endpoint.history.length + 2);
      assert.equal(agent.agent.status().link, 'connected');
    } finally {
      await agent.stop();
      await c.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
