import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { mapWorkspaceOneDevice, type WorkspaceOneDevice } from '@devtrust/collector/sync/workspace-one/map';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import { ListInventory } from '../../vendors/mdm/server-kit.js';
import { startWorkspaceOneServer, workspaceOneDevice, type WorkspaceOneServer } from '../../vendors/mdm/workspace-one.js';
import { describeSyncContract } from './contract.js';
import { loadFixture } from './fixtures.js';
import { FAST_RETRY, createIntegration, lookup, range, syncAndWait } from './harness.js';
import { workspaceOneHarness } from './harnesses.js';

describe('workspace-one: mapping documented devices/search records', () => {
  const [mac, windows, android] = loadFixture<{ Devices: WorkspaceOneDevice[] }>('workspace-one-devices-search.json').Devices.map(
    mapWorkspaceOneDevice,
  );

  it('reads a Mac: Udid is its hardware UUID', () => {
    assert.deepEqual(mac, {
      externalId: '1234',
      hardwareUuid: '5ACCB6EC-4F8E-5E3D-B8C1-E3B1C8C0D7A1',
      serialNumber: 'C02XL0GHJG5J',
      mdmDeviceId: '5ACCB6EC-4F8E-5E3D-B8C1-E3B1C8C0D7A1',
      macAddresses: ['A45E60E1B2C3'],
      deviceName: 'jdoe MacBook Pro macOS 14.4.1 G5J',
      platform: 'macos',
      owner: 'jdoe@acme.example',
      managed: true,
      posture: { osVersion: '14.4.1' },
      raw: {
        udid: '5ACCB6EC-4F8E-5E3D-B8C1-E3B1C8C0D7A1',
        model: 'MacBook Pro (14-inch, 2021)',
        osVersion: '14.4.1',
        enrollmentStatus: 'Enrolled',
        lastSeen: '2024-04-22T15:31:18.017',
      },
    });
  });

  it('never takes a Windows Udid (made up by Workspace ONE) for a hardware UUID', () => {
    assert.equal(windows?.hardwareUuid, null);
    assert.equal(windows?.platform, 'windows');
    assert.equal(windows?.owner, 'asmith');
  });

  it('marks a device with a pending wipe unmanaged', () => {
    assert.equal(android?.managed, false);
    assert.equal(android?.platform, 'android');
  });
});

describeSyncContract(workspaceOneHarness);

describe('workspace-one: OAuth, empty tenants and config modes', () => {
  let c: TestCollector;
  let server: WorkspaceOneServer;
  let restore: () => void;
  const oauth = () => ({
    baseUrl: server.url,
    tenantCode: 'ws1-tenant-code-0001',
    clientId: 'ws1-client-id',
    clientSecret: 'ws1-client-secret-0001',
    tokenUrl: `${server.url}/connect/token`,
    pageSize: 2,
  });

  beforeAll(async () => {
    restore = overrideVendorClientForTests(FAST_RETRY);
    c = await startTestCollector({ scheduler: false });
    server = await startWorkspaceOneServer({ inventory: new ListInventory(range(0, 5).map(workspaceOneDevice)) });
  });
  afterAll(async () => {
    restore();
    await c.stop();
    await server.close();
  });

  it('syncs with an OAuth client instead of Basic credentials', async () => {
    const id = await createIntegration(c, workspaceOneHarness, 'WS1 OAuth', oauth());
    const run = await syncAndWait(c, id);
    assert.equal(run.status, 'succeeded', run.error);
    assert.equal(run.devices, 5);
    assert.equal(server.stats.tokensIssued, 1);
    assert.equal((await lookup(c, id, workspaceOneDevice(4).SerialNumber as string)).found, true);
  });

  it('takes a 204 from an empty tenant as an empty inventory', async () => {
    const empty = await startWorkspaceOneServer({ inventory: new ListInventory() });
    try {
      const id = await createIntegration(c, workspaceOneHarness, 'WS1 empty', {
        ...oauth(),
        baseUrl: empty.url,
        tokenUrl: `${empty.url}/connect/token`,
      });
      const run = await syncAndWait(c, id);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.devices, 0);
      const { body } = await c.admin('POST', `/admin/v1/integrations/${id}/test`);
      assert.deepEqual(body, { ok: true, message: 'Connected to Workspace ONE UEM: 0 devices' });
    } finally {
      await empty.close();
    }
  });

  it('accepts exactly one authentication mode', async () => {
    const create = (config: Record<string, unknown>) =>
      c.admin('POST', '/admin/v1/integrations', { kind: 'workspace-one', name: 'x', platforms: ['windows'], config });
    const both = await create({ ...oauth(), username: 'u', password: 'p' });
    assert.equal(both.status, 400);
    assert.match(both.body.error.message, /either username and password, or clientId, clientSecret and tokenUrl, not both/);
    const half = await create({ baseUrl: server.url, tenantCode: 't', clientId: 'id' });
    assert.equal(half.status, 400);
    assert.equal(half.body.error.field, 'config.clientSecret');
    const neither = await create({ baseUrl: server.url, tenantCode: 't' });
    assert.equal(neither.status, 400);
    assert.equal(neither.body.error.field, 'config.username');
  });

  it('keeps the tenant code and password out of the integration it returns', async () => {
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'workspace-one',
      name: 'WS1 Basic',
      platforms: ['windows', 'macos'],
      config: { baseUrl: server.url, tenantCode: 'ws1-tenant-code-0001', username: 'api-admin', password: 'ws1-password-0001' },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.config, { baseUrl: server.url, username: 'api-admin' });
    assert.deepEqual([...created.body.secretsSet].sort(), ['password', 'tenantCode']);
  });
});
