import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { it } from 'vitest';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import { actorNamed, enrollMany, macIdentity, tick } from '../support/reenrollment-fixtures.js';

/**
 * A bulk release whose next pair waits past the lock timeout for another release (PostgreSQL
 * runs releases one at a time) answers what it released and leaves the rest `unreached`,
 * instead of failing the call with releases already committed behind it.
 */
const ACTOR = actorNamed('busy');
const postgres = DATABASES.find((d) => d.name === 'postgres');

describeUnless(postgres?.skip ?? 'no PostgreSQL entry')('a bulk release that meets a long release (postgres)', () => {
  it('answers the pairs it released and leaves the rest unreached, and a resend of those goes through', { timeout: 60_000 }, async () => {
    const { store, close } = await openTestStore('postgres', 'reenroll-busy');
    let other: Knex.Transaction | null = null;
    try {
      const identity = (n: number) => macIdentity('BUSY', '42555359', n);
      const olds = await enrollMany(store, 3, identity);
      await tick();
      const news = await enrollMany(store, 3, identity);
      // Before the second pair, another transaction takes the releases' lock and keeps it.
      let releases = 0;
      class HeldAtTheSecond extends EndpointService {
        override async release(...args: Parameters<EndpointService['release']>) {
          if (++releases === 2) {
            other = await store.knex.transaction();
            await other.raw("select pg_advisory_xact_lock(hashtext('devtrust:endpoint-releases'))");
          }
          return super.release(...args);
        }
      }
      const service = new ReenrollmentService(store, new HeldAtTheSecond(store), { quietMs: 0 });
      const { candidates } = await service.preview({}, { limit: 10 });
      const pairs = candidates.map((c) => [c.predecessor.id, c.newcomer.id] as const);
      assert.deepEqual(new Set(pairs.map(([old]) => old)), new Set(olds));

      const first = await service.release(
        {},
        pairs.map(([old]) => old),
        ACTOR,
        pairs.map(([, fresh]) => fresh),
      );
      assert.deepEqual(
        first.released.map((r) => r.predecessorId),
        [pairs[0]?.[0]],
      );
      assert.deepEqual(first.unreached, [pairs[1]?.[0], pairs[2]?.[0]]);
      assert.deepEqual(first.notReleased, []);
      await (other as Knex.Transaction | null)?.rollback();
      other = null;

      // What was unreached is sent again, as devtrustctl and the console do.
      const rest = pairs.slice(1);
      const second = await new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 }).release(
        {},
        rest.map(([old]) => old),
        ACTOR,
        rest.map(([, fresh]) => fresh),
      );
      assert.deepEqual(
        second.released.map((r) => r.predecessorId),
        rest.map(([old]) => old),
      );
      for (const id of news) assert.equal((await store.endpoints.get(id))?.approval, 'approved');
    } finally {
      await (other as Knex.Transaction | null)?.rollback();
      await close();
    }
  });
});
