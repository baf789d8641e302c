import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { jamfProKind } from '@devtrust/collector/sync/jamf-pro/kind';
import { mapJamfComputer, mapJamfMobileDevice, type JamfComputer } from '@devtrust/collector/sync/jamf-pro/map';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import { jamfComputer, jamfMobileDevice, startJamfProServer } from '../../vendors/mdm/jamf-pro.js';
import { ListInventory } from '../../vendors/mdm/server-kit.js';
import { describeSyncContract } from './contract.js';
import { loadFixture } from './fixtures.js';
import { FAST_RETRY, createIntegration, lookup, range, syncAndWait } from './harness.js';
import { jamfProHarness } from './harnesses.js';

describe('jamf-pro: mapping documented computers-inventory records', () => {
  const page = loadFixture<{ results: JamfComputer[] }>('jamf-pro-computers-inventory.json');
  const [managed, unmanaged, placeholders] = page.results.map(mapJamfComputer);

  it('reads the hardware UUID from udid, serial and both MACs from hardware, owner from userAndLocation', () => {
    assert.deepEqual(managed, {
      externalId: '1',
      hardwareUuid: '123e4567-e89b-12d3-a456-426614174000',
      serialNumber: 'C02ZC2QYLVDL',
      mdmDeviceId: '123e4567-e89b-12d3-a456-426614174000',
      macAddresses: ['6A:2C:4B:B7:65:B5', '82:45:58:44:dc:01'],
      deviceName: 'Boalime',
      platform: 'macos',
      owner: 'email@com.pl',
      managed: true,
      raw: { model: '13-inch MacBook Pro (Mid 2012)', lastContactTime: '2018-10-31T18:04:13Z' },
    });
  });

  it('marks a Mac Jamf no longer manages, and falls back to the username as owner', () => {
    assert.equal(unmanaged?.managed, false);
    assert.equal(unmanaged?.owner, 'loaner-pool');
    assert.deepEqual(unmanaged?.macAddresses, [null, null]);
    assert.equal(toStagedRecord(unmanaged!)?.hardwareUuid, '1A2B3C4D00004000800000000000BEEF', 'braces and dashes normalised');
  });

  it('leaves placeholder identifiers to normalisation, which drops them', () => {
    const staged = toStagedRecord(placeholders!);
    assert.equal(staged?.hardwareUuid, null);
    assert.equal(staged?.serialNumber, null);
    assert.deepEqual(staged?.macAddresses, ['A483E71C520B']);
    assert.equal(placeholders?.owner, null);
  });
});

describeSyncContract(jamfProHarness);

describe('jamf-pro: tokens and config', () => {
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

  it('fetches a new token when Jamf rejects an expired one mid-sync', async () => {
    const { server, config } = await jamfProHarness.start(new ListInventory(range(0, 7).map(jamfComputer)), 'a');
    try {
      server.faults.expireTokensAfterPages = 1;
      const run = await syncAndWait(c, await createIntegration(c, jamfProHarness, 'Jamf', config));
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(server.stats.tokensIssued, 2);
    } finally {
      await server.close();
    }
  });

  it('refuses a plain-http base URL except on loopback', async () => {
    const create = (baseUrl: string) =>
      c.admin('POST', '/admin/v1/integrations', {
        kind: 'jamf-pro',
        name: 'x',
        platforms: ['macos'],
        config: { baseUrl, clientId: 'id', clientSecret: 'secret' },
      });
    const refused = await create('http://acme.jamfcloud.com');
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, 'config.baseUrl');
    assert.match(refused.body.error.message, /must use https/);
    assert.equal((await create('https://acme.jamfcloud.com')).status, 201);
  });

  it('covers macOS and, with mobile devices, iOS; nothing else', async () => {
    assert.deepEqual(jamfProKind.platforms, ['macos', 'ios']);
    const refused = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'jamf-pro',
      name: 'x',
      platforms: ['windows'],
      config: { baseUrl: 'https://acme.jamfcloud.com', clientId: 'id', clientSecret: 'secret' },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, 'platforms');
  });
});

describe('jamf-pro: mobile devices (iPhones, iPads) for iOS coverage', () => {
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

  it('maps a mobile device: UDID, serial, the Wi-Fi MAC only, iOS; an Apple TV states no platform', () => {
    const phone = mapJamfMobileDevice(jamfMobileDevice(0));
    assert.equal(phone.externalId, 'mobile-1', 'apart from computer 1');
    assert.equal(phone.platform, 'ios');
    assert.equal(phone.serialNumber, jamfMobileDevice(0).hardware?.serialNumber);
    assert.deepEqual(phone.macAddresses, [jamfMobileDevice(0).hardware?.wifiMacAddress], 'no Bluetooth address');
    assert.equal(phone.hardwareUuid, jamfMobileDevice(0).general?.udid);
    assert.equal(mapJamfMobileDevice({ ...jamfMobileDevice(1), deviceType: 'tvOS' }).platform, null);
  });

  it('syncs /api/v2/mobile-devices/detail page by page after the computers when mobileDevices is on', async () => {
    const server = await startJamfProServer({
      inventory: new ListInventory(range(0, 4).map(jamfComputer)),
      mobileDevices: new ListInventory(range(0, 7).map(jamfMobileDevice)),
    });
    try {
      const config = { baseUrl: server.url, clientId: 'jamf-client-id', clientSecret: 'jamf-client-secret-0001', pageSize: 3 };
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'jamf-pro',
        name: 'Jamf with iOS',
        platforms: ['macos', 'ios'],
        config: { ...config, mobileDevices: true },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const run = await syncAndWait(c, created.body.id);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(server.mobileRequests, 3, '7 mobile devices in pages of 3');
      for (const i of range(0, 7)) {
        const found = await lookup(c, created.body.id, jamfMobileDevice(i).hardware?.serialNumber as string);
        assert.equal(found.found, true, `mobile device ${i}`);
        assert.equal(found.device.platform, 'ios');
      }
      assert.equal((await lookup(c, created.body.id, jamfComputer(3).hardware?.serialNumber as string)).found, true, 'the Macs too');

      // Without the flag, an existing integration's API role needs no new privilege: the endpoint is never called.
      server.mobileRequests = 0;
      const macsOnly = await createIntegration(c, jamfProHarness, 'Jamf Macs', config);
      assert.equal((await syncAndWait(c, macsOnly)).status, 'succeeded');
      assert.equal(server.mobileRequests, 0);
      assert.equal((await lookup(c, macsOnly, jamfMobileDevice(0).hardware?.serialNumber as string)).found, false);
    } finally {
      await server.close();
    }
  });

  it('honours Retry-After on the mobile-devices list too', async () => {
    const server = await startJamfProServer({ mobileDevices: new ListInventory(range(0, 2).map(jamfMobileDevice)) });
    try {
      const config = { baseUrl: server.url, clientId: 'jamf-client-id', clientSecret: 'jamf-client-secret-0001', mobileDevices: true };
      const created = await c.admin('POST', '/admin/v1/integrations', { kind: 'jamf-pro', name: 'Jamf iOS', platforms: ['ios'], config });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // The computers list answers first (empty); the next inventory request, the mobile list, is throttled once.
      server.afterPage = (served) => {
        if (served === 1) server.faults.rateLimited = 1;
      };
      const run = await syncAndWait(c, created.body.id);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(server.stats.rateLimitedServed, 1);
      assert.equal(server.stats.earlyRetries, 0);
      assert.equal((await lookup(c, created.body.id, jamfMobileDevice(1).hardware?.serialNumber as string)).found, true);
    } finally {
      await server.close();
    }
  });
});
