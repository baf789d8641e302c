import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { RunawayKandji } from '../vendors/mdm/runaway-kandji.js';
import { FAST_RETRY } from './mdm/harness.js';
import { collectorOn, DATABASES } from './support/databases.js';
import { failsKeepingInventory, syncedKandji } from './support/runaway-vendor.js';

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
      id = await syncedKandji(c, vendor, 'huge answers', {});
    });
    afterAll(async () => {
      restore();
      await c?.stop();
      await vendor?.close();
    });

    for (const mode of ['huge', 'huge-error'] as const) {
      it(`${mode === 'huge' ? 'a 200' : 'a 500'} answer past the cap fails the run once, unretried, keeping the inventory`, async () => {
        vendor.behaviour = mode;
        vendor.listRequests = 0;
        await failsKeepingInventory(c, id, 'VENDOR_ANSWER_TOO_LARGE', /^Kandji answered more than 1 MiB to GET \/api\/v1\/devices; [^?]*$/);
        assert.equal(vendor.listRequests, 1, 'the vendor was asked once');
        assert.ok(vendor.hugeBytesWritten < 64 * CAP, 'the collector stopped reading before the end');
      }, 60_000);
    }
  });
}
