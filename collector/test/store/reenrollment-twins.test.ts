import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import { actorNamed, counted, enrollerOf, enrollMany, macIdentity, reportWith, tick } from '../support/reenrollment-fixtures.js';

/**
 * The blocked and denied twins of the predecessors the preview's first page reads (every
 * endpoint some pending endpoint waits on: past 1,000 of them, every blocked endpoint is read
 * once instead of each held value being looked up), on a real SQLite file and a real
 * PostgreSQL: the same twins as reading a few predecessors at a time finds, in a few
 * statements whatever the number of predecessors.
 */
const ACTOR = actorNamed('twins');
const identityOf = (n: number) => macIdentity('TWINS', '5457494E', n);
const PAIRS = 1_200;

for (const db of DATABASES) {
  describeUnless(db.skip)(`the twins of ${PAIRS} predecessors on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let olds: string[] = [];

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'reenroll-twins'));
      const endpoints = new EndpointService(store);
      const enroll = enrollerOf(store, (n) => reportWith(identityOf(n)));
      olds = await enrollMany(store, PAIRS, (i) => identityOf(i));
      await tick();
      // Device 1: a twin an admin denied. Device 2: a denied twin that reports made-up
      // identifiers since. Device 3: a twin an admin blocked. Device 4: a blocked twin that was
      // released (its key retired: no longer a twin).
      assert.equal(await endpoints.deny(await enroll(1), ACTOR), true);
      const hiding = await enroll(2);
      assert.equal(await endpoints.deny(hiding, ACTOR), true);
      await store.recordReports([{ endpointId: hiding, seq: 99, report: reportWith(identityOf(9_002)), at: Date.now() }]);
      assert.equal(await endpoints.setBlocked(await enroll(3), true, ACTOR), true);
      const retired = await enroll(4);
      assert.equal(await endpoints.setBlocked(retired, true, ACTOR), true);
      await store.knex('endpoints').where({ id: retired }).update({ released_at: Date.now() });
      await enrollMany(store, PAIRS, (i) => identityOf(i));
      if (db.name === 'postgres') await store.knex.raw('analyze');
    }, 300_000);
    afterAll(async () => {
      await close();
    });

    it('finds every predecessor the twins a few at a time find, in a few statements', async () => {
      const { result: all, statements } = await counted(store.knex, () => store.reenrollments.holders(olds));
      assert.equal(all.size, PAIRS);
      // Two statements per 500 predecessors (their rows, their strong identifiers), then one
      // for every blocked endpoint and one for every denied one: looking up each value held
      // took one more statement per kind and 500 values.
      assert.ok(statements <= 2 * Math.ceil(PAIRS / 500) + 2, `${statements} statements`);
      const byId = (holders: typeof all) => [...holders].sort(([a], [b]) => (a < b ? -1 : 1));
      const twins = (holders: typeof all) =>
        byId(holders)
          .filter(([, h]) => h.blockedTwins.length > 0)
          .map(([id, h]) => [id, h.blockedTwins]);
      const few = new Map();
      for (let i = 0; i < PAIRS; i += 100) for (const [id, h] of await store.reenrollments.holders(olds.slice(i, i + 100))) few.set(id, h);
      assert.deepEqual(twins(all), twins(few));
      assert.deepEqual(
        twins(all)
          .map(([id]) => olds.indexOf(id as string))
          .sort(),
        [1, 2, 3],
      );
      assert.deepEqual(byId(all), byId(few));
      // And the first page's verdicts: devices 1 and 2 clone-seen; the blocked twins of 3 and 4
      // still pending (newcomer-blocked), so rivals of their newcomers (several-newcomers).
      const first = await new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 }).preview({}, { limit: 1 });
      assert.deepEqual(first.skippedByReason, { 'clone-seen': 2, 'newcomer-blocked': 2, 'several-newcomers': 2 });
    });
  });
}
