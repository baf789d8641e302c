import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { startTestAgent, type TestAgent } from '../support/agent.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { syncAndWait } from '../../collector/test/sync/mdm/harness.js';
import type { JamfComputer } from '../../collector/src/sync/jamf-pro/map.js';
import { jamfComputer, startJamfProServer, type JamfProServer } from '../../collector/test/vendors/mdm/jamf-pro.js';
import { ListInventory } from '../../collector/test/vendors/mdm/server-kit.js';

describe('an MDM sync decides whether an enrolled agent is trusted', () => {
  let c: TestCollector;
  let jamf: JamfProServer;
  let app: TestApp;
  let agent: TestAgent;
  let integrationId: string;
  const mac: JamfComputer = { ...jamfComputer(0), udid: '8C1D3A52-0B1E-5F3A-9E47-2B6C8D0A1F11' };
  mac.hardware = { ...mac.hardware, serialNumber: 'C02TRUSTME01' };

  beforeAll(async () => {
    c = await startTestCollector();
    jamf = await startJamfProServer({ inventory: new ListInventory([jamfComputer(1)]) });
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'jamf-pro',
      name: 'Jamf',
      platforms: ['macos'],
      config: { baseUrl: jamf.url, clientId: 'jamf-client-id', clientSecret: 'jamf-client-secret-0001' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    integrationId = created.body.id;
    assert.equal((await c.admin('PUT', `/admin/v1/integrations/${integrationId}/activation`, { mode: 'all-users' })).status, 200);
    app = await createTestApp(c, { trustedEndpoints: 'require-trusted' });
    agent = await startTestAgent(c.url, {
      platform: 'macos',
      hardwareUuid: '8C1D3A52-0B1E-5F3A-9E47-2B6C8D0A1F11',
      serialNumber: 'C02TRUSTME01',
      hostname: 'ivy-mac',
    });
  });
  afterAll(async () => {
    await agent.stop();
    await c.stop();
    await jamf.close();
  });

  const signIn = async () => {
    const tx = await app.open('ivy');
    await agent.agent.attest(tx);
    return (await app.read(tx)).body;
  };

  it('is untrusted before the device appears in Jamf', async () => {
    assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
    assert.deepEqual([(await signIn()).access], ['deny']);
  });

  it('becomes trusted once a sync brings the device in', async () => {
    (jamf.inventory as ListInventory<JamfComputer>).items.push(mac);
    assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
    const result = await signIn();
    assert.deepEqual([result.verdict, result.access], ['trusted', 'allow']);
    assert.match(
      result.reasons.join('\n'),
      /hardware UUID 8C1D3A520B1E5F3A9E472B6C8D0A1F11 matches record "mac-0" of integration "Jamf" \(jamf-pro\)/,
    );
  });

  it('is untrusted again after a later sync drops it', async () => {
    (jamf.inventory as ListInventory<JamfComputer>).items = [jamfComputer(1)];
    assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
    const result = await signIn();
    assert.deepEqual([result.verdict, result.access], ['untrusted', 'deny']);
  });
});
