import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import type { TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { jamfComputer, startJamfProServer, type JamfProServer } from '../vendors/mdm/jamf-pro.js';
import { ListInventory } from '../vendors/mdm/server-kit.js';
import { FAST_RETRY, lookup, syncAndWait } from './mdm/harness.js';
import { collectorOn, DATABASES } from './support/databases.js';

/**
 * A vendor's identifiers have no length limit of their own. An over-long one is no real
 * identifier: it is dropped (never truncated into something that could equal another
 * device's), the rest of the device is kept, and the sync does not fail on the database's
 * column limit (PostgreSQL refused the whole page).
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`over-long vendor identifiers on ${db.name}`, () => {
    let c: TestCollector;
    let vendor: JamfProServer;
    let restore: () => void;

    beforeAll(async () => {
      restore = overrideVendorClientForTests(FAST_RETRY);
      c = await collectorOn(db.name);
      const odd = jamfComputer(1);
      odd.udid = `5A1E0000-${'F'.repeat(300)}`;
      odd.id = '9'.repeat(300);
      odd.hardware = { ...odd.hardware, macAddress: '02:00:00:00:00:00:00:01', altMacAddress: '06:00:00:00:00:01' };
      vendor = await startJamfProServer({ clientSecret: 'jamf-secret-long-0001', inventory: new ListInventory([jamfComputer(0), odd]) });
    });
    afterAll(async () => {
      restore();
      await c.stop();
      await vendor.close();
    });

    it('drops the over-long identifiers and keeps the device', async () => {
      const id = (
        await c.admin('POST', '/admin/v1/integrations', {
          kind: 'jamf-pro',
          name: 'Long ids',
          platforms: ['macos'],
          config: { baseUrl: vendor.url, clientId: 'jamf-client-id', clientSecret: 'jamf-secret-long-0001' },
        })
      ).body.id as string;
      const run = await syncAndWait(c, id);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.devices, 2);
      const found = await lookup(c, id, jamfComputer(1).hardware?.serialNumber as string);
      assert.equal(found.found, true, 'the device is kept, found by its serial');
      assert.equal(found.device.hardwareUuid, null);
      assert.equal(found.device.externalId, null);
      assert.deepEqual(found.device.macAddresses, ['060000000001']);
      const long = await c.store
        .knex('inventory_records')
        .where({ integration_id: id })
        .andWhere((q) => q.whereRaw('length(hardware_uuid) > 256').orWhereRaw('length(external_id) > 256'))
        .count({ n: '*' })
        .first();
      assert.equal(Number(long?.n), 0);
    });
  });
}
