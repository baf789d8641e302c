import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { kandjiDevice } from '../vendors/mdm/kandji.js';
import { RunawayKandji } from '../vendors/mdm/runaway-kandji.js';
import { FAST_RETRY, lookup, syncAndWait } from './mdm/harness.js';
import { collectorOn, DATABASES } from './support/databases.js';

const CAP = 1024 * 1024;

/**
 * A vendor answering one page of 400 MB took the collector from 120 MB to 2.6 GB and was asked
 * again four times. Every answer is read up to a cap (a smaller one here, through the engine's
 * limits): past it the run fails at once, having asked once, and the last good inventory stays.
 */
for (const db of DATABASES) {
  describe.skipIf(db.skip)(`a vendor answer larger than the cap (${db.name})`, () => {
    let c: TestCollector;
    let vendor: RunawayKandji;
    let restore: () => void;
    let id: string;

    beforeAll(async () => {
      restore = overrideVendorClientForTests(FAST_RETRY);
      c = await collectorOn(db.name, { syncLimits: { maxAnswerBytes: CAP } });
      vendor = await new RunawayKandji(64 * CAP).start();
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'kandji',
        name: 'huge answers',
        platforms: ['macos'],
        config: { baseUrl: vendor.url, apiToken: 'kandji-token-cap-0001', detailsPerHour: 0 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      id = created.body.id as string;
      vendor.devices = 5;
      const good = await syncAndWait(c, id);
      assert.equal(good.status, 'succeeded', good.error);
      assert.equal(good.devices, 5);
    });
    afterAll(async () => {
      restore();
      await c?.stop();
      await vendor?.close();
    });

    for (const mode of ['huge', 'huge-error'] as const) {
      it(`${mode === 'huge' ? 'a 200' : 'a 500'} answer past the cap fails the run once, unretried, keeping the inventory`, async () => {
        vendor.mode = mode;
        vendor.listRequests = 0;
        const run = await syncAndWait(c, id);
        assert.equal(run.status, 'failed');
        assert.equal(run.errorCode, 'VENDOR_ANSWER_TOO_LARGE');
        assert.match(run.error, /^Kandji answered more than 1 MiB to GET \/api\/v1\/devices; /);
        assert.doesNotMatch(run.error, /kandji-token|offset|limit=/);
        assert.equal(vendor.listRequests, 1, 'the vendor was asked once');
        assert.ok(vendor.hugeBytesWritten < 64 * CAP, 'the collector stopped reading before the end');

        const after = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
        assert.equal(after.devices, 5, 'the last good inventory is kept');
        for (const i of [0, 4]) assert.equal((await lookup(c, id, kandjiDevice(i).serial_number as string)).found, true);
        const staged = await c.store.knex('inventory_records').where({ generation: run.id }).count({ n: '*' }).first();
        assert.equal(Number(staged?.n), 0, 'nothing of the failed run is left');
      }, 60_000);
    }
  });
}
