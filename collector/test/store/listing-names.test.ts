import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Store } from '@devtrust/collector/store/store';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { FindingsService } from '@devtrust/collector/services/findings';
import type { WaitsOn } from '@devtrust/collector/domain/endpoint';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { statementsOf } from '../../../test/support/fleet-rows.js';
import { testStores } from '../support/test-store.js';
import { enrollReporting, reportOfIdentity } from '../support/claims-fleet.js';

/**
 * What the admin's lists read of other endpoints, cheaply: who each pending endpoint of a page
 * waits on (one batched read of the holders for the page, never one per row), whom a duplicate
 * names, and a dashboard count of blocked endpoints that leaves released keys out.
 */
const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

for (const db of DATABASES) {
  describeUnless(db.skip)(`listing names on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const enroll = enrollReporting(() => store);
    const stores = testStores(db.name, 'listing-names');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it("names each pending endpoint's holder and the kinds it holds, in one read for the whole page", async () => {
      const service = new EndpointService(store);
      const real = await enroll({ machineGuid: GUID, serialNumber: 'NAMES-1' });
      const copies: string[] = [];
      for (let i = 0; i < 30; i += 1) copies.push(await enroll({ machineGuid: GUID, serialNumber: `NAMES-COPY-${i}` }));
      const other = await enroll({ serialNumber: 'NAMES-2' });
      const twin = await enroll({ serialNumber: 'NAMES-2' });
      const page = await service.page({ sort: 'enrolled', approval: 'pending', limit: 100 });
      assert.equal(page.length, 31);

      let waits = new Map();
      const statements = await statementsOf(store.knex, async () => {
        waits = await service.waitsOn(page);
      });
      assert.equal(statements.length, 1, statements.join('\n'));
      const one = (w: Omit<WaitsOn, 'lastSeenAt'>) => ({ first: [w], count: 1 });
      // When each holder last reported is the store's clock: compared without it.
      const seen = (listed: { first: WaitsOn[]; count: number } | undefined) =>
        listed && { first: listed.first.map(({ lastSeenAt: _at, ...w }) => w), count: listed.count };
      assert.deepEqual(
        seen(waits.get(copies[0])),
        one({ id: real, hostname: 'pc', kinds: ['machineGuid'], standing: 'holds', reportedSince: false }),
      );
      assert.deepEqual(
        seen(waits.get(twin)),
        one({ id: other, hostname: 'pc', kinds: ['serialNumber'], standing: 'holds', reportedSince: false }),
      );

      // A blocked holder (a stolen device?) and a forgotten one are said as such.
      assert.equal(await store.endpoints.setBlocked(other, true), true);
      assert.equal(await store.endpoints.forget(real), true);
      const again = await service.waitsOn(await service.page({ sort: 'enrolled', approval: 'pending', limit: 100 }));
      assert.deepEqual(
        seen(again.get(twin)),
        one({ id: other, hostname: 'pc', kinds: ['serialNumber'], standing: 'blocked', reportedSince: false }),
      );
      assert.deepEqual(
        seen(again.get(copies[5] as string)),
        one({ id: real, hostname: null, kinds: ['machineGuid'], standing: 'forgotten', reportedSince: null }),
      );

      // Once another copy is approved it holds the MachineGuid: the list names it first, as the
      // endpoint's own page (claimsNow) does. Read again for the first 20 rows that name a
      // forgotten holder (newest first here), not for every one of a page.
      assert.equal(await store.endpoints.approve(copies[0] as string), true);
      const page2 = await service.page({ sort: 'enrolled', approval: 'pending', limit: 100 });
      let after = new Map();
      const reads = await statementsOf(store.knex, async () => {
        after = await service.waitsOn(page2);
      });
      assert.deepEqual(seen(after.get(copies[29] as string)), {
        first: [
          { id: copies[0], hostname: 'pc', kinds: ['machineGuid'], standing: 'holds', reportedSince: false },
          { id: real, hostname: null, kinds: ['machineGuid'], standing: 'forgotten', reportedSince: null },
        ],
        count: 2,
      });
      assert.deepEqual(
        seen(after.get(copies[1] as string)),
        one({ id: real, hostname: null, kinds: ['machineGuid'], standing: 'forgotten', reportedSince: null }),
      );
      const claimsNowReads = reads.length - 2; // the two batched name reads
      assert.ok(claimsNowReads > 0 && claimsNowReads <= 20 * 8, `${reads.length} statements`);

      // A page with no pending endpoint reads nothing more.
      const plain = await service.page({ sort: 'enrolled', approval: 'approved', limit: 100 });
      assert.deepEqual(await statementsOf(store.knex, () => service.waitsOn(plain)), []);
    });

    it('names who holds what a pending endpoint reports now when its stored claims are out of date', async () => {
      // A review found the list (and the finding) naming the holder of a serial the endpoint no
      // longer reports, and the admin releasing that holder's key for nothing.
      const service = new EndpointService(store);
      const h = await enroll({ serialNumber: 'STALE-S' });
      const h2 = await enroll({ machineGuid: GUID });
      const p = await enroll({ serialNumber: 'STALE-S' });
      await store.recordReports([{ endpointId: p, seq: 1_000, report: reportOfIdentity({ machineGuid: GUID }), at: Date.now() }]);
      const waits = await service.waitsOn(await service.page({ sort: 'enrolled', approval: 'pending', limit: 100 }));
      const listed = waits.get(p);
      assert.deepEqual(
        listed?.first.map((w) => [w.id, w.kinds]),
        [[h2, ['machineGuid']]],
      );
      assert.equal(listed?.outdated, false);
      assert.ok(!listed?.first.some((w) => w.id === h));
      // The pending finding names the same holder, and never advises releasing the old one.
      const { findings } = await new FindingsService(store).list();
      const message = findings.find((f) => f.type === 'endpoint-pending-approval' && f.endpointId === p)?.message ?? '';
      assert.match(message, new RegExp(`it reports MachineGuid \\S+ \\(held by ${h2}\\)\\. What it reports changed since it enrolled\\.`));
      assert.doesNotMatch(message, new RegExp(h));
    });

    it('names the first five holders of an endpoint waiting on many, and counts them all', async () => {
      // A copy of a laptop with 64 MACs may wait on 1,280 holders: a listed row stays small. Here
      // seven approved duplicates of one serial number (each approved by an admin) hold it.
      const holders: string[] = [await enroll({ serialNumber: 'MANY-1' })];
      for (let i = 1; i < 7; i += 1) {
        const id = await enroll({ serialNumber: 'MANY-1' });
        assert.equal(await store.endpoints.approve(id), true);
        holders.push(id);
      }
      const copy = await enroll({ serialNumber: 'MANY-1' });
      const service = new EndpointService(store);
      const waits = await service.waitsOn(await service.page({ sort: 'enrolled', approval: 'pending', limit: 100 }));
      const listed = waits.get(copy);
      assert.equal(listed?.count, 7);
      assert.equal(listed?.first.length, 5);
      assert.ok(listed?.first.every((w) => holders.includes(w.id) && w.hostname === 'pc'));
    });

    it('counts blocked and denied endpoints as blocked, released keys apart', async () => {
      const old = await enroll({ serialNumber: 'COUNT-1' });
      const reimaged = await enroll({ serialNumber: 'COUNT-1' });
      const stolen = await enroll({ serialNumber: 'COUNT-2' });
      const thief = await enroll({ serialNumber: 'COUNT-2' });
      assert.equal((await store.endpoints.release(old, Date.now()))?.released, true);
      assert.equal((await store.endpoints.get(reimaged))?.approval, 'approved');
      assert.equal(await store.endpoints.setBlocked(stolen, true), true);
      assert.equal(await store.endpoints.deny(thief), true);
      const counts = await store.endpointPages.counts(0);
      assert.deepEqual(counts, { total: 4, blocked: 2, released: 1, pendingApproval: 0, seenSince: 4 });
    });

    it('a duplicate names the endpoints reporting it, with their hostnames', async () => {
      const first = await enroll({ serialNumber: 'DUP-NAMES-1' });
      const second = await enroll({ serialNumber: 'DUP-NAMES-1' });
      assert.equal(await store.endpoints.approve(second), true);
      const { first: dupes } = await store.endpointFindings.duplicates(50);
      const dupe = dupes.find((d) => d.value === 'DUPNAMES1');
      assert.deepEqual(
        dupe?.endpoints,
        [first, second].sort().map((id) => ({ id, hostname: 'pc' })),
      );
    });
  });
}
