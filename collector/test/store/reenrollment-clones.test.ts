import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { Report } from '@devtrust/shared/protocol';
import type { AdminActor } from '@devtrust/collector/domain/admin-log';
import type { BindingRelease } from '@devtrust/collector/domain/endpoint';
import { EndpointService, type BulkReleaseHooks } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore, testStores } from '../support/test-store.js';
import { actorNamed, enrollerOf, macReport, tick, untilWaitingForLocks } from '../support/reenrollment-fixtures.js';

/**
 * A clone trying to get through a bulk release of re-enrolled devices, on a real SQLite file
 * and a real PostgreSQL: a denied clone hiding what it once reported, and a second clone that
 * claims the device's identifiers while the release of that device is under way.
 */
const ACTOR = actorNamed('clone');

const report = (n: number): Report => macReport('CLONE', 'C4C04F4E', n);

/** An EndpointService whose release lets `inside` happen once the bulk release's last check passed, in its transaction. */
class Inside extends EndpointService {
  inside: (() => Promise<void>) | null = null;
  override release(id: string, actor: AdminActor, bulk?: BulkReleaseHooks): Promise<BindingRelease> {
    const inside = this.inside;
    this.inside = null;
    if (!bulk) return super.release(id, actor);
    const guard = async (tx: Store) => {
      await bulk.guard(tx);
      if (inside) await inside();
    };
    return super.release(id, actor, { guard, accept: (release) => bulk.accept(release) });
  }
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`clones against a bulk release on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let seq = 1;
    const enroll = async (n: number | null): Promise<string> => {
      const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      if (n !== null) await store.recordReports([{ endpointId: id, seq: seq++, report: report(n), at: Date.now() }]);
      return id;
    };
    const approval = async (id: string) => (await store.endpoints.get(id))?.approval;
    const releasedAt = async (id: string) => (await store.endpoints.get(id))?.releasedAt ?? null;

    /** 30 re-enrolled pairs more: the preview then reads every denied endpoint at once, and `clone` is still the one skipped. */
    const stillSkippedAmongMany = async (service: ReenrollmentService, clone: string): Promise<void> => {
      for (let n = 10; n < 40; n++) {
        await enroll(n);
        await tick();
        await enroll(n);
      }
      const many = await service.preview({}, { limit: 100 });
      assert.equal(many.candidateCount, 30);
      assert.deepEqual(
        many.skipped.map((s) => [s.newcomer.id, s.reason]),
        [[clone, 'clone-seen']],
      );
    };

    const stores = testStores(db.name, 'reenroll-clones');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it('a denied clone that reports other identifiers afterwards still marks the device as a target (clone-seen)', async () => {
      const device = await enroll(1);
      await tick();
      const first = await enroll(1);
      const endpoints = new EndpointService(store);
      assert.equal(await endpoints.deny(first, ACTOR), true);
      // A blocked endpoint's reports are still stored: the denied clone now reports made-up identifiers.
      await store.recordReports([{ endpointId: first, seq: seq++, report: report(900), at: Date.now() }]);
      assert.equal((await store.endpoints.get(first))?.identifiers.serialNumber, 'CLONE900');
      await tick();
      const second = await enroll(1);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      const shown = await service.preview({}, { limit: 10 });
      assert.deepEqual(shown.candidates, []);
      assert.deepEqual(
        shown.skipped.map((s) => [s.newcomer.id, s.reason]),
        [[second, 'clone-seen']],
      );
      assert.match(shown.skipped[0]?.detail ?? '', new RegExp(first));
      await assert.rejects(
        service.release({}, [device], ACTOR, [second]),
        (error: { code?: string }) => error.code === 'REENROLLMENTS_CHANGED',
      );
      assert.equal(await releasedAt(device), null);
      // Among many pending re-enrollments (the preview reads every denied endpoint at once then), still skipped.
      await stillSkippedAmongMany(service, second);
    });

    it('a clone released while pending (the release denies it) still marks the device as a target (clone-seen)', async () => {
      const device = await enroll(1);
      await tick();
      const first = await enroll(1);
      const endpoints = new EndpointService(store);
      // Released rather than denied: the release retires its key and denies its claims (not a 409: it was pending).
      await endpoints.release(first, ACTOR);
      assert.equal(await approval(first), 'denied');
      assert.notEqual(await releasedAt(first), null);
      await tick();
      const second = await enroll(1);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      const shown = await service.preview({}, { limit: 10 });
      assert.deepEqual(shown.candidates, []);
      assert.deepEqual(
        shown.skipped.map((s) => [s.newcomer.id, s.reason]),
        [[second, 'clone-seen']],
      );
      assert.match(shown.skipped[0]?.detail ?? '', new RegExp(first));
      assert.equal(await releasedAt(device), null);
      // Among many pending re-enrollments (the preview reads every denied endpoint at once then), still skipped.
      await stillSkippedAmongMany(service, second);
      // And a release of that pair names it too (the transaction's own read of the pair's holder).
      await assert.rejects(
        service.release({}, [device], ACTOR, [second]),
        (error: { code?: string }) => error.code === 'REENROLLMENTS_CHANGED',
      );
    });

    it('a clone enrolled earlier that claims the identifiers while the release runs is not approved by it', async () => {
      // The clone's key enrolled long ago, reporting nothing that anyone holds.
      const clone = await enroll(null);
      await tick();
      const device = await enroll(2);
      await tick();
      const newcomer = await enroll(2);
      const endpoints = new Inside(store);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      // Once the last check inside the release's transaction passed, the clone reports the device's identifiers.
      let reported: Promise<unknown> = Promise.resolve();
      endpoints.inside = async () => {
        // SQLite has one connection: the report waits for the release to commit. On PostgreSQL a
        // report whose identifiers another endpoint holds waits for a release under way too
        // (EndpointsRepo.checkClaims), so the release's check that it freed only the newcomer is
        // a second line here.
        reported = store.recordReports([{ endpointId: clone, seq: seq++, report: report(2), at: Date.now() }]);
      };
      const done = await service.release({}, [device], ACTOR, [newcomer]);
      await reported;
      assert.notEqual(await approval(clone), 'approved', 'the clone must not be approved with the device identifiers');
      if (done.released.length === 1) {
        assert.deepEqual(done.released[0]?.freed, [newcomer]);
        assert.equal(await approval(newcomer), 'approved');
      } else {
        assert.deepEqual(
          done.notReleased.map((n) => [n.predecessorId, n.reason]),
          [[device, 'several-newcomers']],
        );
        assert.equal(await releasedAt(device), null, 'nothing released');
        assert.equal(await approval(newcomer), 'pending');
        assert.equal((await store.adminLog.query({ resourceType: 'endpoint', action: 'release', limit: 10 })).total, 0);
      }
    });
  });
}

const postgres = DATABASES.find((d) => d.name === 'postgres');
describeUnless(postgres?.skip ?? 'no PostgreSQL entry')('a bulk release beside a writer taking the newcomer first (postgres)', () => {
  it('a deadlock with a transaction holding the newcomer and wanting the old endpoint fails neither the call nor the pair', async () => {
    const { store, close } = await openTestStore('postgres', 'reenroll-deadlock');
    try {
      const enroll = enrollerOf(store, report);
      const old = await enroll(3);
      await tick();
      const newcomer = await enroll(3);
      const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
      const db = store.knex;
      // Another transaction (a batch of reports in its own row order) holds the newcomer...
      const other = await db.transaction();
      await other('endpoints').where({ id: newcomer }).update({ hostname: 'held' });
      const bulk = service.release({}, [old], ACTOR, [newcomer]).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      // ...the bulk release, holding the old endpoint, waits for it...
      await untilWaitingForLocks(db);
      // ...and the other transaction then wants the old endpoint: PostgreSQL aborts one of the two.
      const otherDone = other('endpoints')
        .where({ id: old })
        .update({ hostname: 'held' })
        .then(
          () => other.commit(),
          () => other.rollback(),
        );
      const outcome = await bulk;
      await otherDone;
      assert.ok('value' in outcome, `the bulk release failed: ${String((outcome as { error: unknown }).error)}`);
      assert.deepEqual(
        outcome.value.released.map((r) => [r.predecessorId, r.newcomerId]),
        [[old, newcomer]],
      );
      assert.equal((await store.endpoints.get(newcomer))?.approval, 'approved');
    } finally {
      await close();
    }
  });
});
