import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Report } from '@devtrust/shared/protocol';
import type { Store } from '@devtrust/collector/store/store';
import { untilReleasePolls } from '../support/claims-fleet.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { testStores } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';
import { tick, untilWaitingForLocks } from '../support/reenrollment-fixtures.js';

/**
 * A reviewer's attacks on the approval claims' index and the releases that read it, on a real
 * SQLite file and a real PostgreSQL: interleavings forced with a transaction of the test's own
 * holding a row, so each runs the same way every time.
 */
const uuid = (n: number): string => `4C4C4544-0042-3510-8052-${String(n).padStart(12, '0')}`;
const report = (identity: { serialNumber?: string; hardwareUuid?: string }): Report =>
  ({ identity: { platform: 'macos', hostname: 'mac', ...identity }, posture: {}, agentVersion: 'test' }) as unknown as Report;

for (const db of DATABASES) {
  describeUnless(db.skip)(`attacks on the approval claims' index on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let seq = 1;
    const send = (id: string, identity: { serialNumber?: string; hardwareUuid?: string }) =>
      store.recordReports([{ endpointId: id, seq: seq++, report: report(identity), at: Date.now() }]);
    const enroll = async (identity: { serialNumber?: string; hardwareUuid?: string }): Promise<string> => {
      const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      await send(id, identity);
      return id;
    };
    const stores = testStores(db.name, 'claims-attack');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it('an endpoint whose claims come to name a second holder while that holder is released is not left waiting on it', async () => {
      // H1 holds serial S1; H2 holds serial S2 and hardware UUID U2.
      const h1 = await enroll({ serialNumber: 'GROW-S1' });
      const h2 = await enroll({ serialNumber: 'GROW-S2', hardwareUuid: uuid(2) });
      await tick();
      // W waits on H1 for S1; then reports U2 too (it stays pending: its claims still name H1 only).
      const w = await enroll({ serialNumber: 'GROW-S1' });
      await send(w, { serialNumber: 'GROW-S1', hardwareUuid: uuid(2) });
      await tick();
      // X waits on H2 for S2.
      const x = await enroll({ serialNumber: 'GROW-S2' });
      assert.deepEqual(
        [
          (await store.endpoints.get(w))?.approvalClaims.flatMap((c) => c.heldBy),
          (await store.endpoints.get(x))?.approvalClaims.flatMap((c) => c.heldBy),
        ],
        [[h1], [h2]],
      );

      if (db.name === 'postgres') {
        // H2's release has read who waits on it (X, not W) and waits for X's row...
        const holding = await store.knex.transaction();
        await holding('endpoints').where({ id: x }).update({ hostname: 'held' });
        const second = store.endpoints.release(h2, Date.now());
        await untilWaitingForLocks(store.knex);
        // ...while H1's release judges W against H2's binding, not yet ended (unless it waits
        // for H2's release to end first: it polls for the releases' lock).
        const first = store.endpoints.release(h1, Date.now());
        await Promise.race([first, untilReleasePolls(store.knex)]);
        await holding.rollback();
        await Promise.all([first, second]);
      } else {
        await store.endpoints.release(h1, Date.now());
        await store.endpoints.release(h2, Date.now());
      }
      await assertClaimsIndexed(store.knex, 'both releases');
      // Both holders are released and X (approved) holds S2 alone: W claims nothing anybody holds.
      const after = await store.endpoints.get(w);
      assert.deepEqual([after?.approval, after?.approvalClaims], ['approved', []]);
      assert.equal((await store.endpoints.get(x))?.approval, 'approved');
    });

    it("a laptop whose first report claims a holder's serial while that holder is released is not left waiting on it", async () => {
      // H holds serial S and hardware UUID U; X0 waits on H for U.
      const h = await enroll({ serialNumber: 'LATE-S', hardwareUuid: uuid(7) });
      await tick();
      const x0 = await enroll({ hardwareUuid: uuid(7) });
      const { id: laptop } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      if (db.name === 'postgres') {
        // H's release has read who waits on it (X0) and waits for X0's row...
        const holding = await store.knex.transaction();
        await holding('endpoints').where({ id: x0 }).update({ hostname: 'held' });
        const release = store.endpoints.release(h, Date.now());
        await untilWaitingForLocks(store.knex);
        // ...while the laptop's first report, claiming S, is judged against H's binding, not yet ended
        // (unless it waits for the release to end first).
        const first = send(laptop, { serialNumber: 'LATE-S' });
        await Promise.race([first, untilWaitingForLocks(store.knex, 2)]);
        await holding.rollback();
        await Promise.all([first, release]);
      } else {
        await store.endpoints.release(h, Date.now());
        await send(laptop, { serialNumber: 'LATE-S' });
      }
      await assertClaimsIndexed(store.knex, 'the release and the report');
      // H is released and X0 (approved) holds U: nobody holds S but the laptop.
      const after = await store.endpoints.get(laptop);
      assert.deepEqual([after?.approval ?? null, after?.approvalClaims], [null, []]);
      assert.equal((await store.endpoints.get(x0))?.approval, 'approved');
    });

    it('forgetting a waiter or the holder while the holder is released: the index follows, a forgotten holder is not found', async () => {
      const h = await enroll({ serialNumber: 'GONE-S' });
      await tick();
      const w = await enroll({ serialNumber: 'GONE-S' });
      await tick();
      const other = await enroll({ serialNumber: 'GONE-S' });
      if (db.name === 'postgres') {
        // A forget of W under way (its DELETE not yet committed) while H's release locks who waits on H.
        const forgetting = await store.knex.transaction();
        await forgetting('endpoints').where({ id: w }).delete();
        const release = store.endpoints.release(h, Date.now());
        await untilWaitingForLocks(store.knex);
        await forgetting.commit();
        const done = await release;
        // W is gone: the next one waiting is judged, and freed.
        assert.deepEqual(done && done.released ? [done.freed, done.stillPending] : done, [[other], []]);
      } else {
        assert.equal(await store.endpoints.forget(w), true);
        await store.endpoints.release(h, Date.now());
      }
      await assertClaimsIndexed(store.knex, 'a forget beside a release');
      assert.equal((await store.endpoints.get(other))?.approval, 'approved');

      // The holder itself forgotten while its release waits for it: no such endpoint, not "released before".
      const h2 = await enroll({ serialNumber: 'GONE-T' });
      if (db.name === 'postgres') {
        const forgetting = await store.knex.transaction();
        await forgetting('endpoints').where({ id: h2 }).delete();
        const release = store.endpoints.release(h2, Date.now());
        await untilWaitingForLocks(store.knex);
        await forgetting.commit();
        assert.equal(await release, null);
      } else {
        assert.equal(await store.endpoints.forget(h2), true);
        assert.equal(await store.endpoints.release(h2, Date.now()), null);
      }
    });

    it('a report batch holding a waiter while a newly contested report in it waits for the release: neither fails', async () => {
      if (db.name !== 'postgres') return;
      const h = await enroll({ serialNumber: 'LOCK-S' });
      await tick();
      const w = await enroll({ serialNumber: 'LOCK-S' });
      const x = (await store.endpoints.enroll(randomBytes(32).toString('base64'))).id;
      // In this order in the batch's transaction: W's row first.
      const ids = [w, x];
      const holdingX = await store.knex.transaction();
      await holdingX('endpoints').where({ id: x }).update({ hostname: 'held' });
      // One batch: W reports a new hardware UUID (its row is taken in the batch's transaction) and X
      // claims H's serial for the first time; X's row is held, so the batch stops there...
      const batch = store.recordReports(
        ids.map((id) => ({
          endpointId: id,
          seq: seq++,
          report: report(id === w ? { serialNumber: 'LOCK-S', hardwareUuid: uuid(9) } : { serialNumber: 'LOCK-S' }),
          at: Date.now(),
        })),
      );
      await untilWaitingForLocks(store.knex);
      // ...H's release waits for the batch (polling for the releases' lock, which the batch holds shared)...
      const release = store.endpoints.release(h, Date.now()).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      await untilReleasePolls(store.knex);
      // ...then X's claim is judged in the batch, and the release after it.
      await holdingX.rollback();
      const [stored, released] = await Promise.all([batch, release]);
      assert.deepEqual(stored, [true, true]);
      assert.ok('value' in released, `the release failed: ${String((released as { error: unknown }).error)}`);
      await assertClaimsIndexed(store.knex, 'the batch and the release');
    });
  });
}
