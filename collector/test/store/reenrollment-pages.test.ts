import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, it } from 'vitest';
import type { KeysetPosition } from '@devtrust/collector/domain/paging';
import type { Reenrollment, ReenrollmentWindow } from '@devtrust/collector/domain/reenrollment';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import { statementsOf } from '@devtrust/collector/store/dialect';
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
 * The preview's pages after the first judge only the newcomers after the cursor
 * (ReenrollmentService.preview), on a real SQLite file and a real PostgreSQL: walked page by
 * page with small limits, they list exactly the candidates one judgement of every pending
 * endpoint lists, in its order; and a later page reads rows in proportion to the page, not to
 * the pending set.
 */
const ACTOR = actorNamed('pages');

type Identity = MacIdentity;
const identityOf = (n: number): Identity => macIdentity('PAGES', '50414745', n);

/** Every page of the preview, the cursor of each fed to the next. */
async function walk(service: ReenrollmentService, window: ReenrollmentWindow, limit: number) {
  const pages = [];
  let after: KeysetPosition<string> | undefined;
  do {
    const page = await service.preview(window, { limit, ...(after ? { after } : {}) });
    pages.push(page);
    after = page.next ?? undefined;
    assert.ok(pages.length < 1_000, 'the walk ends');
  } while (after);
  return pages;
}

const pairOf = (c: Reenrollment) => `${c.predecessor.id}>${c.newcomer.id}`;

for (const db of DATABASES) {
  describeUnless(db.skip)(`the preview's later pages on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let seq = 1;
    let boundary = 0;
    const enroll = async (identity: Identity | null): Promise<string> => {
      const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      if (identity) await store.recordReports([{ endpointId: id, seq: seq++, report: reportWith(identity), at: Date.now() }]);
      return id;
    };

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'reenroll-pages'));
      const endpoints = new EndpointService(store);
      const olds: Record<number, string> = {};
      for (let n = 1; n <= 40; n++) olds[n] = await enroll(identityOf(n));
      await tick();
      // Newcomers in enrollment order, safe pairs between every kind of skipped one, several
      // in the same millisecond (no tick between them): the id breaks those ties.
      for (let n = 1; n <= 30; n++) {
        if (n % 7 === 0) await tick();
        if (n === 4) {
          // A denied twin first: clone-seen.
          const twin = await enroll(identityOf(n));
          assert.equal(await endpoints.deny(twin, ACTOR), true);
        }
        if (n === 9) await enroll({ ...identityOf(n), platform: 'linux' });
        else if (n === 11) await enroll({ ...identityOf(n), hardwareUuid: identityOf(12).hardwareUuid });
        else if (n === 13) await enroll({ ...identityOf(n), hardwareUuid: undefined });
        else await enroll(identityOf(n));
        // Two newcomers for device 16.
        if (n === 16) await enroll(identityOf(n));
      }
      // Device 18's old key reports again; device 20's is blocked; device 22's forgotten.
      await tick();
      await store.recordReports([{ endpointId: olds[18] as string, seq: seq++, report: reportWith(identityOf(18)), at: Date.now() }]);
      assert.equal(await endpoints.setBlocked(olds[20] as string, true, ACTOR), true);
      // Device 22's old key forgotten as forgetting did before it judged the endpoints waiting on
      // it again (a fleet from then: its newcomer still waits on it).
      assert.equal(
        await store
          .knex('endpoints')
          .where({ id: olds[22] as string })
          .delete(),
        1,
      );
      // Pending endpoints that name nobody.
      for (let k = 0; k < 3; k++) await enroll(null);
      await tick();
      boundary = Date.now();
      await tick();
      // After the boundary: more safe pairs, and a rival of device 25's newcomer (outside a
      // window that ends at the boundary, it still makes device 25 ambiguous).
      for (let n = 31; n <= 40; n++) await enroll(identityOf(n));
      await enroll(identityOf(25));
    }, 120_000);
    afterAll(async () => {
      await close();
    });

    it('lists, page after page, exactly the candidates one judgement of every pending endpoint lists', async () => {
      const endpoints = new EndpointService(store);
      const now = Date.now();
      const services = [
        new ReenrollmentService(store, endpoints, { quietMs: 0 }),
        // A quiet period that ends at the boundary: the newcomers after it are too recent.
        new ReenrollmentService(store, endpoints, { quietMs: now - boundary, clock: () => now }),
      ];
      const windows: ReenrollmentWindow[] = [{}, { enrolledAfter: boundary }, { enrolledBefore: boundary }];
      const reasons = new Set<string>();
      let walked = 0;
      for (const service of services)
        for (const window of windows) {
          const everything = await service.judge(window);
          for (const s of everything.skipped) reasons.add(s.reason);
          const byReason: Record<string, number> = {};
          for (const s of everything.skipped) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1;
          for (const limit of [1, 2, 3, 7, 1_000]) {
            const pages = await walk(service, window, limit);
            const where = `limit ${limit} in ${JSON.stringify(window)}`;
            assert.deepEqual(
              pages.flatMap((p) => p.candidates),
              everything.candidates,
              where,
            );
            // Full pages until the last, and no empty page after a full one.
            assert.equal(pages.length, Math.max(1, Math.ceil(everything.candidates.length / limit)), where);
            const [first, ...later] = pages;
            assert.equal(first?.candidateCount, everything.candidates.length, where);
            assert.equal(first?.skippedCount, everything.skipped.length, where);
            assert.deepEqual(first?.skippedByReason, byReason, where);
            assert.deepEqual(first?.skipped, everything.skipped.slice(0, limit), where);
            for (const page of later) {
              assert.deepEqual([page.candidateCount, page.skippedCount, page.skippedByReason, page.skipped], [null, null, null, []], where);
            }
            walked += pages.length;
          }
        }
      // The fleet exercised what it was built for.
      assert.ok(walked > 100, `${walked} pages walked`);
      assertEveryReasonSeen(reasons, ['newcomer-blocked', 'predecessor-pending', 'no-strong-identifier']);
    });

    it('a page after a cursor judges the newcomers as they are now, as the whole judgement would', async () => {
      const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
      const first = await service.preview({}, { limit: 2 });
      const before = (await service.judge({})).candidates.map(pairOf);
      // A clone of the third candidate's device enrolls after the first page was read.
      const third = (await service.judge({})).candidates[2] as Reenrollment;
      const n = Number(third.newcomer.hostname?.replace('mac-', ''));
      const clone = await enroll(identityOf(n));
      try {
        const second = await service.preview({}, { limit: 2, after: first.next as KeysetPosition<string> });
        const now = (await service.judge({})).candidates;
        assert.equal(now.length, before.length - 1);
        assert.ok(!second.candidates.some((c) => c.newcomer.id === third.newcomer.id));
        assert.deepEqual(second.candidates, now.slice(2, 4));
      } finally {
        assert.equal(await new EndpointService(store).forget(clone, ACTOR), true);
      }
    });
  });

  describeUnless(db.skip)(`what a later preview page reads beside 310 unrelated pending endpoints on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    // Enough that reading the pending set shows (310 rows against the 40 a page of 3 may read),
    // few enough that building it (1,000 before) is not most of the file's time.
    const NOISE = 150;
    let cursor: KeysetPosition<string>;

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'reenroll-pages-rows'));
      // NOISE pairs before the cursor, 10 after it, then NOISE more pairs after those.
      await enrollMany(store, 2 * NOISE + 10, (i) => identityOf(1000 + i));
      await tick();
      const before = await enrollMany(store, NOISE, (i) => identityOf(1000 + i));
      await tick();
      await enrollMany(store, 2 * NOISE + 10 - NOISE, (i) => identityOf(1000 + NOISE + i));
      const last = (await store.endpoints.get(before[before.length - 1] as string)) as { enrolledAt: number; id: string };
      cursor = { at: last.enrolledAt, id: last.id };
      if (db.name === 'postgres') await store.knex.raw('analyze');
    }, 300_000);
    afterAll(async () => {
      await close();
    });

    it('reads rows in proportion to the page, not to the pending set', async () => {
      const pending = Number((await store.knex('endpoints').where({ approval: 'pending' }).count({ n: '*' }).first())?.n);
      assert.equal(pending, 2 * NOISE + 10);
      const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
      let rows = 0;
      const counted = (response: unknown) => {
        if (Array.isArray(response)) rows += response.length;
      };
      const statements: { sql: string; bindings: unknown[] }[] = [];
      const seen = (done: { sql: string; bindings: readonly unknown[] }) =>
        statements.push({ sql: done.sql, bindings: [...done.bindings] });
      store.knex.on('query-response', counted);
      statementsOf(store.knex.client).on('done', seen);
      let page;
      try {
        page = await service.preview({}, { limit: 3, after: cursor });
      } finally {
        store.knex.off('query-response', counted);
        statementsOf(store.knex.client).off('done', seen);
      }
      const expected = (await service.judge({})).candidates;
      const at = expected.findIndex((c) => c.newcomer.id === cursor.id);
      assert.ok(at >= 0);
      assert.deepEqual(page.candidates, expected.slice(at + 1, at + 4));
      // 310 pending endpoints (and as many predecessors): a page of 3 reads the 4 newcomers
      // after the cursor and what judges them, a few rows each; judging everything reads every one.
      assert.ok(rows <= 4 * 10, `a later page of 3: ${rows} rows read`);
      if (db.name === 'sqlite') {
        const reads = statements.filter((s) => /^\s*select\b/i.test(s.sql));
        assert.ok(reads.length >= 3);
        let sawPage = false;
        for (const { sql, bindings } of reads) {
          const plan = (await store.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as Knex.RawBinding[])) as { detail: string }[];
          const walks = plan
            .map((p) => p.detail)
            .filter((d) => (/^SCAN /.test(d) && !/CONSTANT ROW/.test(d)) || /endpoints_approval/.test(d));
          assert.deepEqual(walks, [], sql);
          // The newcomers after the cursor: one range of the enrollment index, walked in its order (no sort).
          if (/indexed by/i.test(sql)) {
            sawPage = true;
            assert.deepEqual(
              plan.map((p) => p.detail.replace(/ \(.*\)$/, '')),
              ['SEARCH endpoints USING INDEX endpoints_enrolled_page'],
              sql,
            );
          }
        }
        assert.ok(sawPage);
      }
      // The old way, for the record: judging everything reads every pending endpoint.
      rows = 0;
      store.knex.on('query-response', counted);
      try {
        await service.judge({});
        assert.ok(rows >= 2 * NOISE, `judging everything: ${rows} rows read`);
      } finally {
        store.knex.off('query-response', counted);
      }
    });
  });
}
