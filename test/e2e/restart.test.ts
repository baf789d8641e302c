import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestApp, csvInventory, wrapApp } from '../support/app.js';
import { startTestAgent } from '../support/agent.js';
import { startTestCollector } from '../support/collector.js';

describe('a collector restarted on the same data dir', () => {
  it('keeps every endpoint, key, inventory, application and log entry', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-restart-'));
    const agentDir = mkdtempSync(path.join(tmpdir(), 'devtrust-restart-agent-'));
    try {
      let c = await startTestCollector({ dataDir });
      const integrationId = await csvInventory(c, 'serial_number,device_name\nRESTART-1,kept\n');
      let app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
      const extraKey = (await c.admin('POST', '/admin/v1/api-keys', { name: 'ci', role: 'admin' })).body.key;
      let agent = await startTestAgent(c.url, { platform: 'linux', serialNumber: 'RESTART-1' }, { dataDir: agentDir });
      const endpointId = agent.agent.status().endpointId;
      const tx = await app.open('erin');
      await agent.agent.attest(tx);
      await agent.stop();
      await c.stop({ keepData: true });
      assert.equal(statSync(path.join(dataDir, 'master.key')).mode & 0o777, 0o600);

      // Same port: agents know their collector by URL.
      c = await startTestCollector({ dataDir, env: { DEVTRUST_PORT: String(c.port) } });
      app = wrapApp(c, app);
      try {
        assert.equal((await c.admin('GET', '/admin/v1/integrations', undefined, { token: extraKey })).status, 200);
        assert.equal((await c.admin('GET', `/admin/v1/integrations/${integrationId}/identifiers/restart-1`)).body.found, true);
        const endpoints = (await c.admin('GET', '/admin/v1/endpoints')).body.endpoints;
        assert.deepEqual(
          endpoints.map((e: { id: string }) => e.id),
          [endpointId],
        );
        const log = (await c.admin('GET', '/admin/v1/auth-log')).body.entries;
        assert.equal(log.length, 1);
        assert.equal(log[0].transactionId, tx);
        assert.equal((await app.read(tx)).body.verdict, 'trusted');
        // The agent comes back with its stored key and endpoint id: no second enrollment.
        agent = await startTestAgent(c.url, { platform: 'linux', serialNumber: 'RESTART-1' }, { dataDir: agentDir, enrollmentKey: null });
        assert.equal(agent.agent.status().endpointId, endpointId);
        const tx2 = await app.open('erin');
        await agent.agent.attest(tx2);
        assert.equal((await app.read(tx2)).body.access, 'allow');
        await agent.stop();
      } finally {
        await c.stop({ keepData: true });
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(agentDir, { recursive: true, force: true });
    }
  });
});
