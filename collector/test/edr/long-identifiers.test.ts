import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import type { TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { createEdrIntegration, syncAndWait } from '../support/edr-integrations.js';
import { connectorId, EDR_VENDORS } from '../vendors/edr/cases.js';
import { collectorOn, DATABASES } from '../sync/support/databases.js';

/**
 * EDR vendors read their records with the same field readers as MDM vendors (one kit): an
 * over-long serial number is dropped, not truncated to 256 characters, which could turn it
 * into another device's serial. (The EDR copy of the readers used to truncate.)
 */
const LONG_SERIAL = `EDR${'7'.repeat(297)}`;

for (const db of DATABASES) {
  describeUnless(db.skip)(`over-long EDR identifiers on ${db.name}`, () => {
    let c: TestCollector;
    let restore: () => void;
    beforeAll(async () => {
      restore = overrideVendorClientForTests({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
      c = await collectorOn(db.name);
    });
    afterAll(async () => {
      restore();
      await c.stop();
    });

    for (const vendor of EDR_VENDORS) {
      it(`${vendor.vendorName}: drops the serial and keeps the device by its connector ID`, async () => {
        const fake = await vendor.start({
          devices: [
            { connectorId: connectorId(vendor.kind, 1), status: 'clean', serialNumber: LONG_SERIAL, hostname: 'PC-LONG' },
            { connectorId: connectorId(vendor.kind, 2), status: 'clean', serialNumber: 'EDR-SHORT-2', hostname: 'PC-2' },
          ],
        });
        try {
          const id = await createEdrIntegration(c, vendor.kind, fake.config, { name: `${vendor.vendorName} long` });
          const run = await syncAndWait(c, id);
          assert.equal(run.status, 'succeeded', run.error ?? '');
          assert.equal(run.devices, 2);
          const find = async (identifier: string) =>
            (await c.admin('GET', `/admin/v1/integrations/${id}/identifiers/${encodeURIComponent(identifier)}`)).body;
          const truncated = await find(LONG_SERIAL.slice(0, 256));
          assert.equal(truncated.found, false, 'the serial was truncated into a value that matches');
          const byConnector = await find(connectorId(vendor.kind, 1));
          assert.equal(byConnector.found, true);
          assert.equal(byConnector.device.serialNumber, null);
          assert.equal(byConnector.device.deviceName, 'PC-LONG');
          assert.equal((await find('EDR-SHORT-2')).found, true);
        } finally {
          await fake.server.stop();
        }
      });
    }
  });
}
