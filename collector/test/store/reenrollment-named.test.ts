import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, it } from 'vitest';
import type { BindingRelease } from '@devtrust/collector/domain/endpoint';
import type { ReenrollmentWindow } from '@devtrust/collector/domain/reenrollment';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { writeClaims } from '@devtrust/collector/store/repos/approval-claims';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import {
  actorNamed,
  assertEveryReasonSeen,
  enrollMany,
  macIdentity,
  reportWith,
  tick,
  type MacIdentity,
} from '../support/reenrollment-fixtures.js';

/**
 * A bulk release call judges only the pairs it names (ReenrollmentService.judgeNamed), on a
 * real SQLite file and a real PostgreSQL: each named pair's verdict, and the answer of a call
 * that refuses, are exactly what judging every pending endpoint gives; and a call reads rows
 * in proportion to the pairs it names, not to the pending set.
 */
const ACTOR = actorNamed('named');

type Identity = MacIdentity;
const identityOf = (n: number): Identity => macIdentity('NAMED', '4E414D45', n);

/** A release call as before: the named pairs looked up in a judgement of every pending endpoint. */
class WholeSet extends ReenrollmentService {
  override judgeNamed(window: ReenrollmentWindow): ReturnType<ReenrollmentService['judgeNamed']> {
    return this.judge(window);
  }
}

/** Stops a call at its first release: what the call decided before releasing anything is what is compared. */
class NoRelease extends EndpointService {
  override release(): Promise<BindingRelease> {
    return Promise.reject(new Error('would release'));
  }
}

/** How a call ends before any release: its error's code and message, or that it got as far as releasing. */
async function outcome(service: ReenrollmentService, window: ReenrollmentWindow, ids: string[], newcomerIds?: string[]) {
  try {
    await service.release(window, ids, ACTOR, newcomerIds);
    return 'answered without releasing';
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return code ? `${code}: ${message}` : message;
  }
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`a release call judging only its named pairs on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let seq = 1;
    const enroll = async (identity: Identity | null): Promise<string> => {
      const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      if (identity) await store.recordReports([{ endpointId: id, seq: seq++, report: reportWith(identity), at: Date.now() }]);
      return id;
    };
    const olds: Record<string, string> = {};
    const news: Record<string, string> = {};
    let boundary = 0;

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'reenroll-named'));
      const endpoints = new EndpointService(store);
      // Every old key first, then (later) its newcomers.
      const oldKey = async (name: string, identity: Identity) => (olds[name] = await enroll(identity));
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 20, 21, 23, 24]) await oldKey(`d${n}`, identityOf(n));
      // Forgotten once its newcomer enrolled: named, it is no endpoint.
      await oldKey('gone', identityOf(25));
      await oldKey('d10', identityOf(10));
      await oldKey('mac', { platform: 'macos', hostname: 'mac-only', macAddresses: ['3c:22:fb:00:11:22', '3c:22:fb:00:11:23'] });
      await tick();
      // Safe pairs.
      for (const n of [1, 2, 3]) news[`d${n}`] = await enroll(identityOf(n));
      // A twin of d4 an admin denied; then d4's newcomer: clone-seen.
      const denied = await enroll(identityOf(4));
      assert.equal(await endpoints.deny(denied, ACTOR), true);
      news.d4 = await enroll(identityOf(4));
      // A denied twin of d5 that reports made-up identifiers since (it hides what it copied): still clone-seen.
      const hiding = await enroll(identityOf(5));
      assert.equal(await endpoints.deny(hiding, ACTOR), true);
      await store.recordReports([{ endpointId: hiding, seq: seq++, report: reportWith(identityOf(905)), at: Date.now() }]);
      news.d5 = await enroll(identityOf(5));
      // A twin of d6 an admin blocked (an admin's block, not a denial), reporting d6's identifiers.
      const blocked = await enroll(identityOf(6));
      assert.equal(await endpoints.setBlocked(blocked, true, ACTOR), true);
      news.d6 = await enroll(identityOf(6));
      // Two newcomers for d7.
      news.d7 = await enroll(identityOf(7));
      news.d7b = await enroll(identityOf(7));
      // One newcomer claiming d8's serial and d9's hardware UUID: two holders.
      news.d8 = await enroll({ ...identityOf(8), hardwareUuid: identityOf(9).hardwareUuid });
      // d10's newcomer on another platform.
      news.d10 = await enroll({ ...identityOf(10), platform: 'linux' });
      // d12's old key reports again after its newcomer enrolled.
      news.d12 = await enroll(identityOf(12));
      await tick();
      await store.recordReports([{ endpointId: olds.d12 as string, seq: seq++, report: reportWith(identityOf(12)), at: Date.now() }]);
      // d13's newcomer reports only the serial number.
      news.d13 = await enroll({ ...identityOf(13), hardwareUuid: undefined });
      // MAC addresses only. A MAC claims its holder only when an inventory record lists it: the
      // claim the store writes then, written here through the claims' writer.
      news.mac = await enroll({ platform: 'macos', hostname: 'mac-only', macAddresses: ['3c:22:fb:00:11:22', '3c:22:fb:00:11:23'] });
      const mac = news.mac;
      await store.knex.transaction((trx) =>
        writeClaims(trx, mac, [{ kind: 'macAddress', value: '3c22fb001122', heldBy: [olds.mac as string] }], { approval: 'pending' }),
      );
      // d14's newcomer, then its old key blocked by an admin.
      news.d14 = await enroll(identityOf(14));
      assert.equal(await endpoints.setBlocked(olds.d14 as string, true, ACTOR), true);
      // d24's second newcomer forgotten: its first is a candidate again.
      news.d24 = await enroll(identityOf(24));
      const forgotten = await enroll(identityOf(24));
      assert.equal(await endpoints.forget(forgotten, ACTOR), true);
      // An old key forgotten after its newcomer enrolled, as forgetting did before it judged the
      // endpoints waiting on it again (a fleet from then: the newcomer still waits on it).
      news.gone = await enroll(identityOf(25));
      assert.equal(
        await store
          .knex('endpoints')
          .where({ id: olds.gone as string })
          .delete(),
        1,
      );
      // d23: a newcomer before the boundary and a rival after it.
      news.d23 = await enroll(identityOf(23));
      await tick();
      boundary = Date.now();
      await tick();
      // After the boundary: safe pairs inside a later window or a quiet period.
      for (const n of [15, 20, 21]) news[`d${n}`] = await enroll(identityOf(n));
      news.d23b = await enroll(identityOf(23));
      // d9: waited on only by d8's newcomer (two holders).
    });
    afterAll(async () => {
      await close();
    });

    /** For each named id: its candidate and the skipped newcomers naming it, as one judgement or the other sees them. */
    const verdicts = (judged: Awaited<ReturnType<ReenrollmentService['judge']>>, ids: string[]) =>
      ids.map((id) => ({
        id,
        candidate: judged.candidates.find((c) => c.predecessor.id === id) ?? null,
        skipped: judged.skipped.filter((s) => s.heldBy.includes(id)),
        holder: judged.holders.get(id) ?? null,
      }));

    it('judges each named pair exactly as judging every pending endpoint does, in every window and quiet period', async () => {
      const endpoints = new NoRelease(store);
      // A quiet period that ends at the boundary: the newcomers enrolled after it are too recent.
      const now = Date.now();
      const quiet = { quietMs: now - boundary, clock: () => now };
      const services = [
        [new ReenrollmentService(store, endpoints, { quietMs: 0 }), new WholeSet(store, endpoints, { quietMs: 0 })],
        [new ReenrollmentService(store, endpoints, quiet), new WholeSet(store, endpoints, quiet)],
      ] as const;
      const windows: ReenrollmentWindow[] = [{}, { enrolledAfter: boundary }, { enrolledBefore: boundary }];
      const all = Object.values(olds);
      const namings: string[][] = [
        all,
        [...all].reverse(),
        ...all.map((id) => [id]),
        [olds.d1 as string, olds.d2 as string],
        [olds.d1 as string, olds.d7 as string, olds.d9 as string],
        [olds.d20 as string, news.d20 as string],
        [news.d1 as string],
        ['ep_no_such_endpoint', olds.d1 as string],
        [olds.d23 as string, olds.d15 as string, olds.d21 as string],
        // Named twice (the route refuses it; the service judges it once).
        [olds.d1 as string, olds.d1 as string],
        // 1,000 ids, more than one statement's list: d8's newcomer names d8 (in the first list)
        // and d9 (in the second), and is read once.
        Array.from({ length: 1_000 }, (_, i) =>
          i === 0 ? (olds.d8 as string) : i === 700 ? (olds.d9 as string) : i === 999 ? (olds.d1 as string) : `ep_absent_${i}`,
        ),
        // Every predecessor and newcomer at once, and made-up ids that look like the predecessors'.
        [...all, ...Object.values(news), ...all.map((id) => `${id}x`)],
      ];
      let candidatesSeen = 0;
      const reasons = new Set<string>();
      for (const [named, whole] of services)
        for (const window of windows) {
          const everything = await whole.judge(window);
          for (const s of everything.skipped) reasons.add(s.reason);
          for (const ids of namings) {
            const subset = await named.judgeNamed(window, ids);
            assert.deepEqual(verdicts(subset, ids), verdicts(everything, ids), `named ${ids.join(',')} in ${JSON.stringify(window)}`);
            for (const id of ids) if (!subset.holders.has(id)) assert.deepEqual(subset.waitsOn.get(id), everything.waitsOn.get(id));
            candidatesSeen += subset.candidates.length;
            // The call itself: the same refusal (code and words), or both go on to release.
            const newcomerIds = ids.map((id) => everything.candidates.find((c) => c.predecessor.id === id)?.newcomer.id ?? 'ep_none');
            assert.equal(await outcome(named, window, ids, newcomerIds), await outcome(whole, window, ids, newcomerIds));
            // The newcomers the other way round: a changed set for both.
            const swapped = [...newcomerIds].reverse();
            assert.equal(await outcome(named, window, ids, swapped), await outcome(whole, window, ids, swapped));
          }
        }
      // The fleet exercised what it was built for.
      assert.ok(candidatesSeen > 0);
      assertEveryReasonSeen(reasons, ['newcomer-blocked', 'predecessor-pending']);
    });

    it('a clone claiming the device after the preview makes the call answer 409, as judging everything does', async () => {
      const endpoints = new NoRelease(store);
      const named = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      const whole = new WholeSet(store, endpoints, { quietMs: 0 });
      const shown = await named.judgeNamed({}, [olds.d3 as string]);
      assert.deepEqual(
        shown.candidates.map((c) => c.newcomer.id),
        [news.d3],
      );
      const clone = await enroll(identityOf(3));
      const answer = await outcome(named, {}, [olds.d3 as string], [news.d3 as string]);
      assert.match(answer, /^REENROLLMENTS_CHANGED: .*several-newcomers/);
      assert.equal(answer, await outcome(whole, {}, [olds.d3 as string], [news.d3 as string]));
      assert.equal(await new EndpointService(store).deny(clone, ACTOR), true);
      // Denied, the clone now marks d3 as a target.
      const after = await named.judgeNamed({}, [olds.d3 as string]);
      assert.deepEqual(
        after.skipped.map((s) => [s.newcomer.id, s.reason]),
        [[news.d3, 'clone-seen']],
      );
    });
  });

  describeUnless(db.skip)(`what a release call reads beside 300 unrelated pending endpoints on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    // Enough that reading the pending set shows (300 rows against the 40 a named call may read),
    // few enough that building it (2,000 before) is not most of the file's time.
    const NOISE = 300;
    const named: { old: string; new: string }[] = [];
    const spares: { old: string; new: string }[] = [];

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'reenroll-named-rows'));
      const olds = await enrollMany(store, NOISE + 8, (i) => identityOf(1000 + i));
      await tick();
      const news = await enrollMany(store, NOISE + 8, (i) => identityOf(1000 + i));
      for (let i = 0; i < 3; i++) named.push({ old: olds[i] as string, new: news[i] as string });
      for (let i = 3; i < 8; i++) spares.push({ old: olds[i] as string, new: news[i] as string });
      if (db.name === 'postgres') await store.knex.raw('analyze');
    }, 300_000);
    afterAll(async () => {
      await close();
    });

    it('reads rows in proportion to the pairs named, not to the pending set', async () => {
      const pending = Number((await store.knex('endpoints').where({ approval: 'pending' }).count({ n: '*' }).first())?.n);
      assert.equal(pending, NOISE + 8);
      let rows = 0;
      const counted = (response: unknown) => {
        if (Array.isArray(response)) rows += response.length;
      };
      store.knex.on('query-response', counted);
      try {
        const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
        const one = named[0] as { old: string; new: string };
        const first = await service.release({}, [one.old], ACTOR, [one.new]);
        assert.deepEqual(
          first.released.map((r) => r.newcomerId),
          [one.new],
        );
        const forOne = rows;
        rows = 0;
        const rest = named.slice(1);
        const second = await service.release(
          {},
          rest.map((p) => p.old),
          ACTOR,
          rest.map((p) => p.new),
        );
        assert.equal(second.released.length, 2);
        // The whole pending set is 308 endpoints (and as many predecessors): a call naming one
        // pair reads a few dozen rows at most, one naming two about twice that.
        assert.ok(forOne <= 40, `one pair named: ${forOne} rows read`);
        assert.ok(rows <= 2 * 40, `two pairs named: ${rows} rows read`);
      } finally {
        store.knex.off('query-response', counted);
      }
      // On SQLite, what each statement of a call naming five pairs walks: an index by the ids and
      // values it is given, never a table, nor the approval index (every pending endpoint).
      if (db.name === 'sqlite') {
        const statements: { sql: string; bindings: unknown[] }[] = [];
        const seen = (done: { sql: string; bindings: readonly unknown[] }) =>
          statements.push({ sql: done.sql, bindings: [...done.bindings] });
        statementsOf(store.knex.client).on('done', seen);
        try {
          const service = new ReenrollmentService(store, new NoRelease(store), { quietMs: 0 });
          assert.equal(
            await outcome(
              service,
              {},
              spares.map((p) => p.old),
              spares.map((p) => p.new),
            ),
            'would release',
          );
        } finally {
          statementsOf(store.knex.client).off('done', seen);
        }
        const reads = statements.filter((s) => /^\s*select\b/i.test(s.sql));
        assert.ok(reads.length >= 4);
        for (const { sql, bindings } of reads) {
          const plan = (await store.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as Knex.RawBinding[])) as { detail: string }[];
          const walks = plan
            .map((p) => p.detail)
            .filter((d) => (/^SCAN /.test(d) && !/CONSTANT ROW/.test(d)) || /endpoints_approval/.test(d));
          assert.deepEqual(walks, [], sql);
        }
      }
      // The old way, for the record: judging everything reads every pending endpoint.
      rows = 0;
      store.knex.on('query-response', counted);
      try {
        await new WholeSet(store, new NoRelease(store), { quietMs: 0 }).judge({});
        assert.ok(rows >= NOISE, `judging everything: ${rows} rows read`);
      } finally {
        store.knex.off('query-response', counted);
      }
    });
  });
}
