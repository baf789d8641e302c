import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { mapIntuneDevice, type IntuneManagedDevice } from '@devtrust/collector/sync/intune/map';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import { intuneDevice, startIntuneServer } from '../../vendors/mdm/intune.js';
import { ListInventory } from '../../vendors/mdm/server-kit.js';
import { describeSyncContract } from './contract.js';
import { loadFixture } from './fixtures.js';
import { FAST_RETRY, createIntegration, range, syncAndWait } from './harness.js';
import { intuneHarness } from './harnesses.js';

describe('intune: mapping documented Graph managedDevice records', () => {
  const [windows, mac, ipad, android] = loadFixture<{ value: IntuneManagedDevice[] }>('intune-managed-devices.json').value.map(
    mapIntuneDevice,
  );

  it('reads a Windows device: serial, both MACs, UPN; the Entra device ID stays out of matching', () => {
    assert.deepEqual(windows, {
      externalId: '705c034c-034c-705c-4c03-5c704c035c70',
      serialNumber: '5CG2301XYZ',
      mdmDeviceId: '705c034c-034c-705c-4c03-5c704c035c70',
      macAddresses: ['3C22FB7A019E', 'D89EF3112233'],
      deviceName: 'DESKTOP-7RB2Q1L',
      platform: 'windows',
      owner: 'adele.vance@contoso.com',
      managed: null,
      posture: { diskEncryption: null, osVersion: '10.0.22631.3447' },
      raw: {
        azureADDeviceId: '1e2d3c4b-5a69-4788-9706-a5b4c3d2e1f0',
        model: 'HP EliteBook 840 G9',
        osVersion: '10.0.22631.3447',
        lastSyncDateTime: '2024-04-22T07:15:02Z',
      },
    });
    assert.equal(windows?.hardwareUuid, undefined);
  });

  it('reads a Mac and falls back to the email address as owner', () => {
    assert.equal(mac?.platform, 'macos');
    assert.equal(mac?.owner, 'MeganB@contoso.com');
    assert.deepEqual(toStagedRecord(mac!)?.macAddresses, ['A483E71C520B']);
  });

  it('reads managementState when Graph sends it: a retire pending is not managed', () => {
    assert.equal(ipad?.platform, 'ios');
    assert.equal(ipad?.managed, false);
    assert.equal(android?.managed, true);
    assert.equal(android?.platform, 'android');
    // No hardware identifier, but Intune's device ID: an MDM-asserted identity can name it.
    assert.equal(toStagedRecord(android!)?.mdmDeviceId, 'B7A6C5D4E3F24A1B9C8D7E6F5A4B3C2D');
    assert.equal(toStagedRecord({ ...android!, mdmDeviceId: null }), null, 'no identifier at all: nothing to store');
  });
});

describeSyncContract(intuneHarness);

describe('intune: tokens and tenants', () => {
  let c: TestCollector;
  let restore: () => void;
  beforeAll(async () => {
    restore = overrideVendorClientForTests(FAST_RETRY);
    c = await startTestCollector({ scheduler: false });
  });
  afterAll(async () => {
    restore();
    await c.stop();
  });

  it('follows nextLink to the end and renews an expired token mid-sync', async () => {
    const { server, config } = await intuneHarness.start(new ListInventory(range(0, 10).map(intuneDevice)), 'a');
    try {
      server.faults.expireTokensAfterPages = 2;
      const run = await syncAndWait(c, await createIntegration(c, intuneHarness, 'Intune', config));
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.pages, 4);
      assert.equal(server.stats.tokensIssued, 2);
    } finally {
      await server.close();
    }
  });

  it('refuses to follow a nextLink to another host with its token', async () => {
    const server = await startIntuneServer({
      inventory: new ListInventory(range(0, 4).map(intuneDevice)),
      nextLinkOrigin: 'https://graph.evil.example',
    });
    try {
      const config = {
        tenantId: '11111111-2222-3333-4444-555555555555',
        clientId: 'intune-client-id',
        clientSecret: 'intune-client-secret-0001',
      };
      const id = await createIntegration(c, intuneHarness, 'Intune redirected', {
        ...config,
        loginUrl: server.url,
        graphUrl: server.url,
        pageSize: 2,
      });
      const run = await syncAndWait(c, id);
      assert.equal(run.status, 'failed');
      assert.equal(run.error, 'Microsoft Intune pointed to another host (graph.evil.example); refusing to send credentials there');
      assert.equal(server.stats.pagesServed, 1);
    } finally {
      await server.close();
    }
  });

  it('says which tenant Entra ID does not know', async () => {
    const { server, config } = await intuneHarness.start(new ListInventory(), 'a');
    try {
      const id = await createIntegration(c, intuneHarness, 'Intune typo', { ...config, tenantId: 'contoso-typo.onmicrosoft.com' });
      const { body } = await c.admin('POST', `/admin/v1/integrations/${id}/test`);
      assert.equal(body.ok, false);
      assert.match(
        body.message,
        /^400 from Microsoft Entra ID: check the tenant ID, client ID and client secret \(AADSTS90002: Tenant 'contoso-typo.onmicrosoft.com' not found.\)/,
      );
    } finally {
      await server.close();
    }
  });

  it('refuses a tenant ID that is not a GUID or domain', async () => {
    const refused = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'intune',
      name: 'x',
      platforms: ['windows'],
      config: { tenantId: '../evil', clientId: 'a', clientSecret: 'b' },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, 'config.tenantId');
  });
});
