import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { KeysetPosition } from '@devtrust/collector/domain/paging';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import { counted, enrollMany, macIdentity, tick, type MacIdentity } from '../support/reenrollment-fixtures.js';

/**
 * A later preview page behind thousands of clones of one device (an image cloned without its
 * MachineGuid reset: every copy pending on the device's old key), on a real SQLite file and a
 * real PostgreSQL. The page walks past the clones (all skipped, several-newcomers) in batches
 * of 4, 8, … 2,000; it reads the clones' predecessor and its rivals once, not once a batch.
 */
const identityOf = (n: number): MacIdentity => macIdentity('PCLONE', '50434C4E', n);
const CLONES = 2_000;

for (const db of DATABASES) {
  describeUnless(db.skip)(`a later preview page behind ${CLONES} clones on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let cursor: KeysetPosition<string>;

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'reenroll-page-clones'));
      // Device 0 (the one cloned) and devices 1–6, each its old key.
      await enrollMany(store, 7, (i) => identityOf(i));
      await tick();
      const [first] = await enrollMany(store, 3, (i) => identityOf(1 + i));
      await tick();
      await enrollMany(store, CLONES, () => identityOf(0));
      await tick();
      await enrollMany(store, 3, (i) => identityOf(4 + i));
      const shown = (await store.endpoints.get(first as string)) as { enrolledAt: number; id: string };
      cursor = { at: shown.enrolledAt, id: shown.id };
      if (db.name === 'postgres') await store.knex.raw('analyze');
    }, 300_000);
    afterAll(async () => {
      await close();
    });

    it("reads each clone a bounded number of times, and lists what the whole set's judgement lists", async () => {
      const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
      const everything = await service.judge({});
      assert.equal(everything.candidates.length, 6);
      assert.equal(everything.skipped.filter((s) => s.reason === 'several-newcomers').length, CLONES);
      const { result: page, rows, statements } = await counted(store.knex, () => service.preview({}, { limit: 3, after: cursor }));
      assert.deepEqual(page.candidates, everything.candidates.slice(1, 4));
      assert.ok(page.next, 'a fourth candidate past the page');
      // The page reads every clone as a newcomer (the walk), and once its predecessor's rivals
      // and denied twins (the claims' index rows naming it and the endpoints they name): 3 rows
      // a clone. Reading them again for every batch (4, 8, … 1,024, then 2,000, each judged
      // 1,000 at a time) read 37 a clone.
      assert.ok(rows <= 4 * CLONES, `a later page of 3 behind ${CLONES} clones: ${rows} rows read in ${statements} statements`);
      // The first page, for the record: one judgement of every pending endpoint.
      const first = await counted(store.knex, () => service.preview({}, { limit: 3 }));
      assert.ok(first.rows >= CLONES, `the first page: ${first.rows} rows`);
    });
  });
}
