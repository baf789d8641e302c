import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { jamfProKind } from '@devtrust/collector/sync/jamf-pro/kind';
import { mapJamfComputer, type JamfComputer } from '@devtrust/collector/sync/jamf-pro/map';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/http/vendor-client';
import { toStagedRecord } from '@devtrust/collector/sync/normalize';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import { jamfComputer } from '../../vendors/mdm/jamf-pro.js';
import { ListInventory } from '../../vendors/mdm/server-kit.js';
import { describeSyncContract } from './contract.js';
import { loadFixture } from './fixtures.js';
import { FAST_RETRY, createIntegration, range, syncAndWait } from './harness.js';
import { jamfProHarness } from './harnesses.js';

describe('jamf-pro: mapping documented computers-inventory records', () => {
  const page = loadFixture<{ results: JamfComputer[] }>('jamf-pro-computers-inventory.json');
  const [managed, unmanaged, placeholders] = page.results.map(mapJamfComputer);

  it('reads the hardware UUID from udid, serial and both MACs from hardware, owner from userAndLocation', () => {
    assert.deepEqual(managed, {
      externalId: '1',
      hardwareUuid: '123e4567-e89b-12d3-a456-426614174000',
      serialNumber: 'C02ZC2QYLVDL',
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

  it('covers macOS only', async () => {
    assert.deepEqual(jamfProKind.platforms, ['macos']);
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
