import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Knex } from 'knex';
import type { Store } from '@devtrust/collector/store/store';
import { lockNamedPolitely } from '@devtrust/collector/store/atomic';
import { dbFaultKind } from '@devtrust/collector/store/db-errors';
import { describeUnless } from '../../../test/support/skip.js';
import { POSTGRES_SKIP } from '../../../test/support/postgres.js';
import { testStores } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';
import { enrollReporting, gate, untilReleasePolls } from '../support/claims-fleet.js';

/**
 * The releases' advisory lock on PostgreSQL (EndpointsRepo): a release polls for it instead of
 * queueing, so shared lockers (reports with new identifiers) pass a release that only waits;
 * and approving or unblocking, which bind identifiers, take it shared, so a release never judges
 * waiters against bindings an open approval has not committed yet. States read from pg_locks and
 * pg_stat_activity, never from timing.
 */

const RELEASES = 'devtrust:endpoint-releases';
const uuid = (n: number): string => `4C4C4544-0042-3510-8052-${String(n).padStart(12, '0')}`;

const lockNamedShared = (trx: Knex.Transaction): Promise<unknown> =>
  trx.raw('select pg_advisory_xact_lock_shared(hashtext(?))', [RELEASES]);

/** Resolves once `check` is true; throws after 10 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 10_000;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

const pidOf = async (trx: Knex.Transaction): Promise<number> =>
  ((await trx.raw('select pg_backend_pid() as pid')) as { rows: { pid: number }[] }).rows[0]?.pid ?? -1;

/** Whether backend `pid` waits for an advisory lock (false: it holds or asked for none). */
async function waitsForAdvisory(db: Knex, pid: number): Promise<boolean> {
  const { rows } = (await db.raw("select count(*)::int as n from pg_locks where pid = ? and locktype = 'advisory' and not granted", [
    pid,
  ])) as {
    rows: { n: number }[];
  };
  return (rows[0]?.n ?? 0) > 0;
}

/** A promise that says whether it has settled. */
function watched<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  return { promise: tracked, settled: () => settled };
}

describeUnless(POSTGRES_SKIP)('the releases\u2019 lock on postgres', () => {
  let store: Store;
  let close: () => Promise<void>;
  const enroll = enrollReporting(() => store);
  const stores = testStores('postgres', 'release-lock');
  afterAll(() => stores.close());
  beforeEach(async () => {
    ({ store, close } = await stores.open());
  });
  afterEach(async () => {
    await close();
  });

  it('a release waiting for the lock holds no place in its queue: a new shared locker is granted at once', async () => {
    const holder = await enroll({ serialNumber: 'QUEUE-H' });
    await enroll({ serialNumber: 'QUEUE-H' });
    const knex = store.knex;
    const shared = await knex.transaction();
    await shared.raw('select pg_advisory_xact_lock_shared(hashtext(?))', [RELEASES]);
    const releasing = watched(store.endpoints.release(holder, Date.now()));
    const later = await knex.transaction();
    try {
      // The release has asked for the lock (polling it, or, before, queued for it).
      await until('the release asks for the lock', async () => {
        const { rows } = (await knex.raw(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and query like 'select pg_%advisory_xact_lock(hashtext%' and query not like '%_shared(%'",
        )) as { rows: { n: number }[] };
        return (rows[0]?.n ?? 0) > 0;
      });
      assert.equal(releasing.settled(), false, 'the release waits for the shared holder');
      const pid = await pidOf(later);
      const asked = watched(later.raw('select pg_advisory_xact_lock_shared(hashtext(?))', [RELEASES]));
      let queued = false;
      await until('the shared locker is granted or queued', async () => {
        queued = await waitsForAdvisory(knex, pid);
        return asked.settled() || queued;
      });
      assert.equal(queued, false, 'the later shared locker waits in the queue behind the release');
      await asked.promise;
      const { rows } = (await knex.raw("select mode from pg_locks where pid = ? and locktype = 'advisory' and granted", [pid])) as {
        rows: { mode: string }[];
      };
      assert.deepEqual(
        rows.map((r) => r.mode),
        ['ShareLock'],
      );
    } finally {
      await shared.commit();
      await later.commit().catch(() => undefined);
      await releasing.promise.catch(() => undefined);
    }
    const released = await releasing.promise;
    assert.ok(released?.released);
  });

  it('a release that cannot take the lock fails as busy (55P03, the lock timeout), after polling and then queueing', async () => {
    const shared = await store.knex.transaction();
    await shared.raw('select pg_advisory_xact_lock_shared(hashtext(?))', [RELEASES]);
    try {
      const error = await store.knex
        .transaction((trx) => lockNamedPolitely(trx, RELEASES, 50))
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.equal((error as { code?: string } | null)?.code, '55P03', String(error));
      assert.equal(dbFaultKind(error), 'busy');
    } finally {
      await shared.commit();
    }
  });

  it('a release gets the lock while transactions take it shared without a gap (polling alone starved it)', async () => {
    const holder = await enroll({ serialNumber: 'STARVE-H' });
    const waiter = await enroll({ serialNumber: 'STARVE-H' });
    // Six overlapping loops, each holding the lock shared for 100 ms at a time, so that it is
    // never free: as report writers storing first reports (new identifiers) of a re-imaged fleet.
    let stop = false;
    let turns = 0;
    const loop = async (offset: number): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, offset));
      while (!stop) {
        await store.knex.transaction(async (trx) => {
          await lockNamedShared(trx);
          await new Promise((resolve) => setTimeout(resolve, 100));
        });
        turns += 1;
      }
    };
    const loops = [0, 17, 33, 50, 67, 83].map(loop);
    try {
      await until('the shared lockers take turns', async () => turns >= 6);
      const released = await store.endpoints.release(holder, Date.now());
      assert.ok(released?.released, 'released while the shared lockers kept coming');
      assert.equal((await store.endpoints.get(waiter))?.approval, 'approved');
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    assert.ok(turns > 6, 'the shared lockers went on after the release');
  });

  // W waits on H (serial) and reports UUID U, unbound; X waits on K and reports U too. Approving X
  // binds U: a release of H judged meanwhile must see that binding, so W stays pending on X.
  const fleet = async (): Promise<{ h: string; w: string; x: string }> => {
    const h = await enroll({ serialNumber: 'RACE-H' });
    await enroll({ serialNumber: 'RACE-K' });
    const w = await enroll({ serialNumber: 'RACE-H', hardwareUuid: uuid(7) });
    const x = await enroll({ serialNumber: 'RACE-K', hardwareUuid: uuid(7) });
    for (const id of [w, x]) assert.equal((await store.endpoints.get(id))?.approval, 'pending');
    return { h, w, x };
  };

  for (const [name, bindX] of [
    ['approving', (tx: Store, x: string) => tx.endpoints.approve(x)],
    [
      'unblocking a denied endpoint',
      async (tx: Store, x: string) => {
        await tx.endpoints.deny(x);
        return tx.endpoints.setBlocked(x, false);
      },
    ],
  ] as const) {
    it(`a release waits for ${name} under way, and judges against its bindings`, async () => {
      const { h, w, x } = await fleet();
      const held = gate();
      const bound = gate();
      const binding = watched(
        store.transaction(async (tx) => {
          assert.equal(await bindX(tx, x), true);
          bound.open();
          await held.opened;
        }),
      );
      await bound.opened;
      const releasing = watched(store.endpoints.release(h, Date.now()));
      try {
        // The release polls for the lock, exclusive, while the binding transaction holds it shared:
        // seen trying twice without holding it (a release that went ahead settles, or holds it).
        await untilReleasePolls(store.knex, releasing.settled);
        assert.equal(releasing.settled(), false, `the release did not wait for ${name}`);
      } finally {
        held.open();
        await binding.promise;
      }
      const released = await releasing.promise;
      assert.ok(released?.released);
      assert.deepEqual(released.freed, []);
      assert.deepEqual(released.stillPending, [w]);
      const stored = (await store.endpoints.get(w))?.identifiers.hardwareUuid;
      assert.deepEqual((await store.endpoints.get(w))?.approvalClaims, [{ kind: 'hardwareUuid', value: stored, heldBy: [x] }]);
      await assertClaimsIndexed(store.knex, name);
    });

    it(`${name} waits for a release holding the lock`, async () => {
      const { h, w, x } = await fleet();
      const held = gate();
      const done = gate();
      const releasing = watched(
        store.transaction(async (tx) => {
          const released = await tx.endpoints.release(h, Date.now());
          done.open();
          await held.opened;
          return released;
        }),
      );
      await done.opened;
      const binding = watched(store.transaction((tx) => bindX(tx, x)));
      try {
        await until(`${name} waits for an advisory lock`, async () => {
          const { rows } = (await store.knex.raw(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'",
          )) as { rows: { n: number }[] };
          return (rows[0]?.n ?? 0) > 0 || binding.settled();
        });
        assert.equal(binding.settled(), false, `${name} did not wait for the release`);
      } finally {
        held.open();
      }
      const released = await releasing.promise;
      assert.deepEqual(released?.released && released.freed, [w]);
      assert.equal(await binding.promise, true);
      // The release went first: W was freed on U; X, approved after, holds U beside it.
      assert.deepEqual(
        (
          await store
            .knex('identifier_bindings')
            .where({ kind: 'hardwareUuid', value: (await store.endpoints.get(w))?.identifiers.hardwareUuid ?? '' })
            .orderBy('endpoint_id')
            .pluck('endpoint_id')
        ).sort(),
        [w, x].sort(),
      );
      await assertClaimsIndexed(store.knex, name);
    });
  }
});
