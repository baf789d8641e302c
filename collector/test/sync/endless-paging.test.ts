import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { kandjiDevice } from '../vendors/mdm/kandji.js';
import { RunawayKandji } from '../vendors/mdm/runaway-kandji.js';
import { FAST_RETRY, lookup, syncAndWait } from './mdm/harness.js';
import { collectorOn, DATABASES } from './support/databases.js';

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
      vendor.devices = 5;
      for (const pageSize of [1, 3, 10]) {
        const created = await c.admin('POST', '/admin/v1/integrations', {
          kind: 'kandji',
          name: `pages of ${pageSize}`,
          platforms: ['macos'],
          config: { baseUrl: vendor.url, apiToken: 'kandji-token-pages-0001', detailsPerHour: 0, pageSize },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        ids[pageSize] = created.body.id as string;
        const good = await syncAndWait(c, ids[pageSize]);
        assert.equal(good.status, 'succeeded', good.error);
        assert.equal(good.devices, 5);
      }
    });
    afterAll(async () => {
      restore();
      await c?.stop();
      await vendor?.close();
    });

    const failsKeepingInventory = async (id: string, code: string, message: RegExp) => {
      vendor.listRequests = 0;
      const run = await syncAndWait(c, id);
      assert.equal(run.status, 'failed');
      assert.equal(run.errorCode, code);
      assert.match(run.error, message);
      const after = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
      assert.equal(after.devices, 5, 'the last good inventory is kept');
      for (const i of [0, 4]) assert.equal((await lookup(c, id, kandjiDevice(i).serial_number as string)).found, true);
      const staged = await c.store.knex('inventory_records').where({ generation: run.id }).count({ n: '*' }).first();
      assert.equal(Number(staged?.n), 0, 'what the failed run staged is discarded');
      return run;
    };

    it('a run past the bound on pages fails, naming it', async () => {
      vendor.mode = 'endless';
      await failsKeepingInventory(
        ids[1] as string,
        'VENDOR_TOO_MANY_PAGES',
        /^Kandji sent more than 20 pages in one run, more than any real inventory needs/,
      );
      // The page past the bound, and at most the one the read-ahead asked for meanwhile.
      assert.ok(vendor.listRequests >= 21 && vendor.listRequests <= 22, `${vendor.listRequests} requests`);
    }, 60_000);

    it('a run past the bound on devices fails, naming it', async () => {
      vendor.mode = 'endless';
      await failsKeepingInventory(ids[10] as string, 'VENDOR_TOO_MANY_DEVICES', /^Kandji listed more than 45 devices in one run/);
      assert.ok(vendor.listRequests >= 5 && vendor.listRequests <= 6, `${vendor.listRequests} requests`);
    }, 60_000);

    it('a vendor sending the same page again fails the run instead of counting copies', async () => {
      vendor.mode = 'repeat';
      await failsKeepingInventory(ids[3] as string, 'VENDOR_PAGING_LOOP', /^Kandji sent the same page of 3 devices twice in a row/);
      assert.ok(vendor.listRequests >= 2 && vendor.listRequests <= 3, `${vendor.listRequests} requests`);
    }, 60_000);
  });
}
