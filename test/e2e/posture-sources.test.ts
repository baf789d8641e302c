import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { startPostureAgent, type PostureAgent } from '../../collector/test/support/posture-agent.js';
import { syncAndWait } from '../../collector/test/sync/mdm/harness.js';
import { intuneDevice, startIntuneServer, type IntuneServer } from '../../collector/test/vendors/mdm/intune.js';
import { ListInventory } from '../../collector/test/vendors/mdm/server-kit.js';
import type { IntuneManagedDevice } from '../../collector/src/sync/intune/map.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const SECRET = 'intune-client-secret-0001';
const SERIAL = 'PF3ENCRYPT01';
const INTUNE = 'Microsoft Intune "Corp Intune"';

/**
 * Disk encryption and OS version come from the agent, which a user (or a clone) controls.
 * When the MDM reports the same fact, the verdict believes the MDM and says so.
 */
describe('posture reported by an MDM wins over the agent', () => {
  let c: TestCollector;
  let intune: IntuneServer;
  let app: TestApp;
  let agent: PostureAgent;
  let integrationId: string;
  const device: IntuneManagedDevice = {
    ...intuneDevice(0),
    serialNumber: SERIAL,
    operatingSystem: 'Windows',
    osVersion: '10.0.22631.3447',
    isEncrypted: false,
  };

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    intune = await startIntuneServer({
      tenantId: TENANT,
      clientId: 'intune-app',
      clientSecret: SECRET,
      inventory: new ListInventory([device]),
    });
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'intune',
      name: 'Corp Intune',
      platforms: ['windows'],
      config: { tenantId: TENANT, clientId: 'intune-app', clientSecret: SECRET, loginUrl: intune.url, graphUrl: intune.url },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    integrationId = created.body.id;
    assert.equal((await c.admin('PUT', `/admin/v1/integrations/${integrationId}/activation`, { mode: 'all-users' })).status, 200);
    assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
    app = await createTestApp(c, {
      trustedEndpoints: 'require-trusted',
      requireDiskEncryption: true,
      minOsVersion: { windows: '10.0.22631' },
    });
    // The agent claims encryption on and a newer build than Intune inventoried.
    agent = await startPostureAgent(
      c.url,
      { platform: 'windows', serialNumber: SERIAL, hostname: 'LAPTOP-ENC', osVersion: '10.0.26100.1' },
      { diskEncryption: true, firewall: true },
    );
  });
  afterAll(async () => {
    await agent.stop();
    await c.stop();
    await intune.close();
  });

  const signIn = async () => {
    const tx = await app.open('erin@example.com');
    await agent.attest(tx);
    return (await app.read(tx)).body as { verdict: string; access: string; reasons: string[] };
  };

  it('the agent says encryption is on, Intune says off: denied under requireDiskEncryption, naming Intune', async () => {
    const v = await signIn();
    assert.deepEqual([v.verdict, v.access], ['untrusted', 'deny'], v.reasons.join('\n'));
    assert.equal(v.reasons[0], 'denied: the device fails a required health check');
    assert.ok(
      v.reasons.includes(`rule requireDiskEncryption=on: disk encryption is off, reported by ${INTUNE}; the agent reports on (fail)`),
      v.reasons.join('\n'),
    );
    assert.ok(
      v.reasons.includes(
        `rule minOsVersion: windows 10.0.22631 required, the device runs 10.0.22631.3447, reported by ${INTUNE}; the agent reports 10.0.26100.1 (pass)`,
      ),
      v.reasons.join('\n'),
    );
  });

  it('the endpoint view shows each posture fact with its source', async () => {
    const shown = (await c.admin('GET', `/admin/v1/endpoints/${agent.endpointId}`)).body;
    assert.deepEqual(shown.postureSources.diskEncryption, { value: false, source: INTUNE, agent: true });
    assert.deepEqual(shown.postureSources.firewall, { value: true, source: 'the agent', agent: true });
    assert.deepEqual(shown.postureSources.osVersion, { value: '10.0.22631.3447', source: INTUNE, agent: '10.0.26100.1' });
  });

  it('once Intune reports the disk encrypted, the device is allowed', async () => {
    (intune.inventory as ListInventory<IntuneManagedDevice>).items = [{ ...device, isEncrypted: true }];
    assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
    const v = await signIn();
    assert.deepEqual([v.verdict, v.access], ['trusted', 'allow'], v.reasons.join('\n'));
    assert.ok(
      v.reasons.includes(`rule requireDiskEncryption=on: disk encryption is on, reported by ${INTUNE} (pass)`),
      v.reasons.join('\n'),
    );
  });
});
