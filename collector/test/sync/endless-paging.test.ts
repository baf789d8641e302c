import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { RunawayKandji } from '../vendors/mdm/runaway-kandji.js';
import { FAST_RETRY } from './mdm/harness.js';
import { collectorOn, DATABASES } from './support/databases.js';
import { failsKeepingInventory, syncedKandji } from './support/runaway-vendor.js';

/**
 * A vendor whose pages never end staged 615,600 devices in ten minutes; one repeating the same
 * page forever counted 439,500 devices from 300 records. A run is bounded in pages and devices
 * (smaller bounds here, through the engine's limits) and a repeated page fails it: each such run
 * fails, discards what it staged and keeps the last good inventory.
 */
for (const db of DATABASES) {
  describe.skipIf(db.skip)(`a vendor whose paging never ends (${db.name})`, () => {
    let c: TestCollector;
    let vendor: RunawayKandji;
    let restore: () => void;
    const ids: Record<number, string> = {};

    beforeAll(async () => {
      restore = overrideVendorClientForTests(FAST_RETRY);
      c = await collectorOn(db.name, { syncLimits: { maxPages: 20, maxDevices: 45 } });
      vendor = await new RunawayKandji(0).start();
      for (const pageSize of [1, 3, 10]) ids[pageSize] = await syncedKandji(c, vendor, `pages of ${pageSize}`, { pageSize });
    });
    afterAll(async () => {
      restore();
      await c?.stop();
      await vendor?.close();
    });

    // Each bound is met at the page past it (`asked`); the read-ahead may have asked for one more meanwhile.
    const cases = [
      {
        name: 'a run past the bound on pages fails, naming it',
        pageSize: 1,
        behaviour: 'endless',
        code: 'VENDOR_TOO_MANY_PAGES',
        message: /^Kandji sent more than 20 pages in one run/,
        asked: 21,
      },
      {
        name: 'a run past the bound on devices fails, naming it',
        pageSize: 10,
        behaviour: 'endless',
        code: 'VENDOR_TOO_MANY_DEVICES',
        message: /^Kandji listed more than 45 devices in one run/,
        asked: 5,
      },
      {
        name: 'a vendor sending the same page again fails the run instead of counting copies',
        pageSize: 3,
        behaviour: 'repeat',
        code: 'VENDOR_PAGING_LOOP',
        message: /^Kandji sent the same page of 3 devices twice in a row/,
        asked: 2,
      },
    ] as const;
    for (const t of cases) {
      it(
        t.name,
        async () => {
          vendor.behaviour = t.behaviour;
          vendor.listRequests = 0;
          await failsKeepingInventory(c, ids[t.pageSize] as string, t.code, t.message);
          assert.ok([t.asked, t.asked + 1].includes(vendor.listRequests), `${vendor.listRequests} requests`);
        },
        60_000,
      );
    }
  });
}
