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
 * A bulk release racing what happens beside it, on a real SQLite file and a real PostgreSQL:
 * the old key reporting again or a second newcomer enrolling between the call's judgement and
 * the release of that pair, the newcomer the admin saw replaced by another before the call,
 * and a call that runs out of its time budget.
 */
const ACTOR = actorNamed('race');

const report = (n: number): Report => macReport('RACE', 'B4C04F4E', n);

/** An EndpointService whose release first lets `beside` happen, as another request would just then. */
class Interleaved extends EndpointService {
  beside: ((id: string) => Promise<void>) | null = null;
  override async release(id: string, actor: AdminActor, bulk?: BulkReleaseHooks): Promise<BindingRelease> {
    const beside = this.beside;
    this.beside = null;
    if (beside) await beside(id);
    return super.release(id, actor, bulk);
  }
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`bulk release races on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let endpoints: Interleaved;
    let seq = 1;

    const enroll = async (n: number): Promise<string> => {
      const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      await store.recordReports([{ endpointId: id, seq: seq++, report: report(n), at: Date.now() }]);
      return id;
    };
    /** Device n's old key reports, then its new key enrolls: one candidate pair. */
    const pair = async (n: number): Promise<{ old: string; new: string }> => {
      const old = await enroll(n);
      await tick();
      return { old, new: await enroll(n) };
    };
    const approval = async (id: string) => (await store.endpoints.get(id))?.approval;
    const releasedAt = async (id: string) => (await store.endpoints.get(id))?.releasedAt ?? null;
    const logged = async () => (await store.adminLog.query({ resourceType: 'endpoint', action: 'release', limit: 100 })).total;

    const stores = testStores(db.name, 'reenroll-race');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
      endpoints = new Interleaved(store);
    });
    afterEach(async () => {
      await close();
    });

    it('a clone that enrolls right after the device it copied reported waits out the quiet period before a bulk release lists it', async () => {
      // The laptop reports, then goes to sleep; a clone with its identifiers enrolls a moment later.
      const device = await pair(7);
      let now = Date.now();
      const service = new ReenrollmentService(store, endpoints, { quietMs: 30 * 60_000, clock: () => now });
      const early = await service.preview({}, { limit: 10 });
      assert.deepEqual(early.candidates, []);
      assert.deepEqual(
        early.skipped.map((s) => [s.newcomer.id, s.reason]),
        [[device.new, 'too-recent']],
      );
      await assert.rejects(service.release({}, [device.old], ACTOR), (error: { code?: string }) => error.code === 'REENROLLMENTS_CHANGED');
      assert.equal(await releasedAt(device.old), null);
      // The laptop wakes within the quiet period and reports with its key: never a candidate.
      now += 10 * 60_000;
      await store.recordReports([{ endpointId: device.old, seq: seq++, report: report(7), at: Date.now() }]);
      now += 60 * 60_000;
      assert.deepEqual(
        (await service.preview({}, { limit: 10 })).skipped.map((s) => s.reason),
        ['predecessor-still-reporting'],
      );
      // A re-imaged device whose old key stayed silent through the quiet period is listed then.
      const reimaged = await pair(8);
      now = Date.now() + 30 * 60_000;
      const later = await service.preview({}, { limit: 10 });
      assert.deepEqual(
        later.candidates.map((c) => [c.predecessor.id, c.newcomer.id]),
        [[reimaged.old, reimaged.new]],
      );
    });

    it('a device whose first clone was denied is not listed when a second clone waits on it', async () => {
      const device = await pair(9);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      // The admin denied the first clone; the attacker enrolls another with the same identifiers.
      assert.equal(await endpoints.deny(device.new, ACTOR), true);
      await tick();
      const second = await enroll(9);
      const shown = await service.preview({}, { limit: 10 });
      assert.deepEqual(shown.candidates, []);
      assert.deepEqual(
        shown.skipped.map((s) => [s.newcomer.id, s.reason]),
        [[second, 'clone-seen']],
      );
      assert.match(shown.skipped[0]?.detail ?? '', new RegExp(device.new));
      await assert.rejects(service.release({}, [device.old], ACTOR), (error: { code?: string }) => error.code === 'REENROLLMENTS_CHANGED');
      assert.equal(await releasedAt(device.old), null);
      // A re-imaged device whose earlier key was released (not denied) is no such case.
      const twice = await pair(10);
      assert.equal(typeof (await endpoints.release(twice.old, ACTOR)).identifiers, 'object');
      assert.equal(await approval(twice.new), 'approved');
      await tick();
      const third = await enroll(10);
      assert.deepEqual(
        (await service.preview({}, { limit: 10 })).candidates.map((c) => [c.predecessor.id, c.newcomer.id]),
        [[twice.new, third]],
      );
    });

    it('an old key that reports again just before its release is left alone, nothing logged', async () => {
      const device = await pair(1);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      // The laptop the "newcomer" cloned wakes up and reports with its key, after the call judged the pair.
      endpoints.beside = async (id) => {
        await tick();
        await store.recordReports([{ endpointId: id, seq: seq++, report: report(1), at: Date.now() }]);
      };
      const done = await service.release({}, [device.old], ACTOR);
      assert.deepEqual(done.released, []);
      assert.deepEqual(
        done.notReleased.map((n) => [n.predecessorId, n.reason]),
        [[device.old, 'predecessor-still-reporting']],
      );
      assert.equal(await releasedAt(device.old), null, 'the reporting device keeps its key');
      assert.equal(await approval(device.new), 'pending', 'the clone still waits');
      assert.equal(await logged(), 0);
    });

    it('a second newcomer that enrolls just before the release stops it: neither is approved', async () => {
      const device = await pair(2);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      let second = '';
      endpoints.beside = async () => {
        second = await enroll(2);
      };
      const done = await service.release({}, [device.old], ACTOR);
      assert.deepEqual(
        done.notReleased.map((n) => [n.predecessorId, n.reason]),
        [[device.old, 'several-newcomers']],
      );
      assert.equal(await releasedAt(device.old), null);
      assert.equal(await approval(device.new), 'pending');
      assert.equal(await approval(second), 'pending');
    });

    it('a predecessor whose newcomer is no longer the one the preview showed is refused (409), nothing released', async () => {
      const device = await pair(3);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      const [shown] = (await service.preview({}, { limit: 10 })).candidates;
      assert.equal(shown?.newcomer.id, device.new);
      // Another admin forgets the newcomer the preview showed; a clone enrolls with the same identifiers.
      await endpoints.forget(device.new, ACTOR);
      await tick();
      const clone = await enroll(3);
      await assert.rejects(service.release({}, [device.old], ACTOR, [device.new]), (error: { code?: string; message?: string }) => {
        assert.equal(error.code, 'REENROLLMENTS_CHANGED');
        assert.match(String(error.message), new RegExp(`newcomer is now ${clone}`));
        return true;
      });
      assert.equal(await releasedAt(device.old), null);
      assert.equal(await approval(clone), 'pending');
      assert.equal(await logged(), 0);
      // Without newcomerIds the call cannot know what the admin saw: it releases to the pair judged now.
      await assert.rejects(service.release({}, [device.old], ACTOR, []), (error: { code?: string }) => error.code === 'INVALID_REQUEST');
    });

    it('a call past its time budget releases at least one and hands the rest back as unreached, in order', async () => {
      const devices = [await pair(4), await pair(5), await pair(6)];
      const named = devices.map((d) => d.old);
      const newcomers = devices.map((d) => d.new);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0, budgetMs: 0 });
      const first = await service.release({}, named, ACTOR, newcomers);
      assert.equal(first.released.length, 1);
      assert.deepEqual([first.released[0]?.predecessorId, ...first.unreached].sort(), [...named].sort());
      let rest = first.unreached;
      for (let calls = 0; rest.length > 0 && calls < named.length; calls++) {
        const again = await service.release(
          {},
          rest,
          ACTOR,
          rest.map((id) => newcomers[named.indexOf(id)] as string),
        );
        assert.equal(again.released.length, 1);
        rest = again.unreached;
      }
      assert.deepEqual(rest, []);
      for (const d of devices) {
        assert.equal(typeof (await releasedAt(d.old)), 'number');
        assert.equal(await approval(d.new), 'approved');
      }
      assert.equal(await logged(), 3);
    });
  });
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`a bulk release beside single releases of the same endpoints on ${db.name}`, () => {
    it('every predecessor is released once, by one of them, and neither call fails', async () => {
      const { store, close } = await openTestStore(db.name, 'reenroll-beside');
      try {
        const enroll = enrollerOf(store, report);
        const olds: string[] = [];
        const news: string[] = [];
        for (let n = 0; n < 30; n++) olds.push(await enroll(100 + n));
        await tick();
        for (let n = 0; n < 30; n++) news.push(await enroll(100 + n));
        const endpoints = new Interleaved(store);
        const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
        // Once the bulk call has judged the set and starts releasing, another admin releases each by hand.
        let singles: Promise<unknown>[] = [];
        endpoints.beside = async () => {
          // Handled at once: one refused (released already) before the bulk call ends is no unhandled rejection.
          singles = olds.map((id) => {
            const single = endpoints.release(id, ACTOR);
            single.catch(() => undefined);
            return single;
          });
        };
        const bulk = await service.release({}, olds, ACTOR, news);
        const outcomes = await Promise.allSettled(singles);
        for (const o of outcomes)
          if (o.status === 'rejected') assert.equal((o.reason as { code?: string }).code, 'ENDPOINT_RELEASED', String(o.reason));
        const byHand = outcomes.filter((o) => o.status === 'fulfilled').length;
        assert.equal(bulk.released.length + byHand, 30);
        // Released by hand first: the newcomer was approved by that release, or the key is retired already.
        const meanwhile = new Set(['released-meanwhile', 'predecessor-blocked', 'newcomer-blocked']);
        assert.ok(
          bulk.notReleased.every((n) => meanwhile.has(n.reason)),
          JSON.stringify(bulk.notReleased.slice(0, 3)),
        );
        for (const id of olds) assert.equal(typeof (await store.endpoints.get(id))?.releasedAt, 'number');
        for (const id of news) assert.equal((await store.endpoints.get(id))?.approval, 'approved');
        assert.equal((await store.adminLog.query({ resourceType: 'endpoint', action: 'release', limit: 100 })).total, 30);
      } finally {
        await close();
      }
    });
  });
}

const postgres = DATABASES.find((d) => d.name === 'postgres');
describeUnless(postgres?.skip ?? 'no PostgreSQL entry')(
  'the bulk release locks rows in the order a single release writes them (postgres)',
  () => {
    it('a single release holding the old endpoint and then taking the new one does not deadlock against it', async () => {
      const { store, close } = await openTestStore('postgres', 'reenroll-locks');
      try {
        const enroll = enrollerOf(store, report);
        // A pair whose newcomer's id sorts before its predecessor's: locking both by id takes the newcomer first.
        let old = '';
        let newcomer = '';
        for (let n = 200; !(newcomer && newcomer < old); n++) {
          old = await enroll(n);
          await tick();
          newcomer = await enroll(n);
        }
        const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
        const db = store.knex;
        // Another request's transaction writes the old endpoint first, as a single release does...
        const other = await db.transaction();
        await other('endpoints').where({ id: old }).update({ hostname: 'held' });
        const bulk = service.release({}, [old], ACTOR, [newcomer]).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        // ...the bulk release waits on a row lock...
        await untilWaitingForLocks(db);
        // ...and then the other transaction writes the newcomer, as the single release does next.
        await other('endpoints').where({ id: newcomer }).update({ hostname: 'held' });
        await other.commit();
        const outcome = await bulk;
        assert.ok('value' in outcome, `the bulk release failed: ${String((outcome as { error: unknown }).error)}`);
        assert.deepEqual(
          outcome.value.released.map((r) => r.predecessorId),
          [old],
        );
      } finally {
        await close();
      }
    });
  },
);
