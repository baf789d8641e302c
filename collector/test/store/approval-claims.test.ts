import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, it } from 'vitest';
import type { Report } from '@devtrust/shared/protocol';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import { pendingWaitingOn, waitingOnQuery } from '@devtrust/collector/store/repos/approval-claims';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES, POSTGRES_SKIP } from '../../../test/support/postgres.js';
import { testStores } from '../support/test-store.js';
import { assertClaimsIndexed } from '../support/claims-index.js';
import { actorNamed, macReport, tick } from '../support/reenrollment-fixtures.js';

/**
 * The index of approval claims (table approval_claim_holders, repos/approval-claims.ts) through
 * every write of an endpoint's approval or claims, on a real SQLite file and a real PostgreSQL:
 * after each, it holds exactly what the stored claims name, and a release finds the endpoints
 * waiting on it through it.
 */
const uuid = (n: number): string => `4C4C4544-0042-3510-8052-${String(n).padStart(12, '0')}`;

const report = (identity: { serialNumber?: string; hardwareUuid?: string }): Report =>
  ({ identity: { platform: 'macos', hostname: 'mac', ...identity }, posture: {}, agentVersion: 'test' }) as unknown as Report;

for (const db of DATABASES) {
  describeUnless(db.skip)(`the approval claims' index on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let seq = 1;

    const send = async (id: string, identity: { serialNumber?: string; hardwareUuid?: string }) => {
      const [stored] = await store.recordReports([{ endpointId: id, seq: seq++, report: report(identity), at: Date.now() }]);
      assert.equal(stored, true);
    };
    const enroll = async (identity: { serialNumber?: string; hardwareUuid?: string }): Promise<string> => {
      const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
      await send(id, identity);
      return id;
    };
    /** An endpoint with an id of our choosing (ids are ep_<uuid> otherwise), reporting `serial`. */
    const enrollAs = async (id: string, serial: string): Promise<string> => {
      const now = Date.now();
      await store.knex('endpoints').insert({
        id,
        public_key: randomBytes(32).toString('base64'),
        enrolled_at: now,
        last_seen_at: now,
        last_seen_hour: now - (now % 3_600_000),
        last_seq: 0,
        blocked: false,
      });
      await send(id, { serialNumber: serial });
      return id;
    };
    const waiting = async (holder: string) => (await pendingWaitingOn(store.knex, holder, ['id'])).map((r) => r.id);
    const approval = async (id: string) => (await store.endpoints.get(id))?.approval;
    const indexed = (when: string) => assertClaimsIndexed(store.knex, when);

    const stores = testStores(db.name, 'claims-index');
    afterAll(() => stores.close());
    beforeEach(async () => {
      ({ store, close } = await stores.open());
    });
    afterEach(async () => {
      await close();
    });

    it('follows a clone from pending, through an approval and a changed claim list, to its release by the two holders it waits on', async () => {
      const a = await enroll({ serialNumber: 'SERIALA1', hardwareUuid: uuid(1) });
      const c = await enroll({ serialNumber: 'SERIALC1', hardwareUuid: uuid(2) });
      await tick();
      const b = await enroll({ serialNumber: 'SERIALA1', hardwareUuid: uuid(3) });
      assert.equal(await approval(b), 'pending');
      await indexed('a report that made it pending with claims');
      assert.deepEqual([await waiting(a), await waiting(c)], [[b], []]);

      assert.equal(await store.endpoints.approve(b), true);
      await indexed('approve');
      assert.deepEqual(await waiting(a), [], 'approved: waits on nobody');

      // Approved for a's serial, it now reports c's hardware UUID too: pending again, on both.
      await send(b, { serialNumber: 'SERIALA1', hardwareUuid: uuid(2) });
      assert.equal(await approval(b), 'pending');
      assert.deepEqual((await store.endpoints.get(b))?.approvalClaims.flatMap((claim) => claim.heldBy).sort(), [a, c].sort());
      await indexed('a report that changed the claims');
      assert.deepEqual([await waiting(a), await waiting(c)], [[b], [b]]);

      const first = await store.endpoints.release(a, Date.now());
      assert.deepEqual(first && first.released ? [first.freed, first.stillPending] : first, [[], [b]]);
      await indexed('a release that left it pending on the other holder');
      assert.deepEqual([await waiting(a), await waiting(c)], [[], [b]]);

      const second = await store.endpoints.release(c, Date.now());
      assert.deepEqual(second && second.released ? [second.freed, second.stillPending] : second, [[b], []]);
      await indexed('a release that freed it');
      assert.equal(await approval(b), 'approved');
      assert.deepEqual(await waiting(c), []);
    });

    it('a denied clone stays a blocked twin of its holder; forgetting a clone drops its rows, forgetting a holder keeps the claims naming it', async () => {
      const holder = await enroll({ serialNumber: 'SERIALD1' });
      await tick();
      const denied = await enroll({ serialNumber: 'SERIALD1' });
      const forgotten = await enroll({ serialNumber: 'SERIALD1' });
      await tick();
      const left = await enroll({ serialNumber: 'SERIALD1' });
      assert.deepEqual(await waiting(holder), [denied, forgotten, left], 'oldest enrollment first');

      assert.equal(await store.endpoints.deny(denied), true);
      await indexed('deny');
      assert.deepEqual(await waiting(holder), [forgotten, left]);
      // A few holders (a release judging its pair) and many (a preview): both find the twin.
      assert.deepEqual((await store.reenrollments.holders([holder])).get(holder)?.blockedTwins, [denied]);
      const ids = [holder];
      for (let n = 0; n < 30; n++) ids.push(await enroll({ serialNumber: `OTHER${n}` }));
      assert.deepEqual((await store.reenrollments.holders(ids)).get(holder)?.blockedTwins, [denied]);

      assert.equal(await store.endpoints.forget(forgotten), true);
      await indexed('forgetting a pending endpoint');
      assert.deepEqual(await waiting(holder), [left]);

      // Forgetting the holder judges nobody again (as before the index): its waiting stay named.
      assert.equal(await store.endpoints.forget(holder), true);
      await indexed('forgetting the holder');
      assert.deepEqual(await waiting(holder), [left]);
      assert.equal(await approval(left), 'pending');
    });

    it('a pending endpoint that is released is denied, and its claims and their rows stay', async () => {
      const holder = await enroll({ serialNumber: 'SERIALE1' });
      await tick();
      const clone = await enroll({ serialNumber: 'SERIALE1', hardwareUuid: uuid(9) });
      await tick();
      const second = await enroll({ serialNumber: 'SERIALE2', hardwareUuid: uuid(9) });
      // second claims nothing clone holds (a pending endpoint binds nothing): it binds and is no clone.
      assert.equal(await approval(second), null);
      const released = await store.endpoints.release(clone, Date.now());
      assert.deepEqual(released && released.released ? [released.freed, released.stillPending] : released, [[], []]);
      assert.equal(await approval(clone), 'denied');
      await indexed('releasing a pending endpoint');
      // Released while pending, it was turned away for good: a clone seen, still a blocked twin of
      // its holder (the next copy of the same image is cautioned), and its rows stay.
      assert.deepEqual((await store.reenrollments.holders([holder])).get(holder)?.blockedTwins, [clone]);
      assert.deepEqual(await store.knex('approval_claim_holders').where({ endpoint_id: clone }).pluck('holder_id'), [holder]);
    });

    it('a bulk release of re-enrolled devices approves each newcomer and leaves no row behind', async () => {
      let n = 0;
      const pairs: { old: string; new: string }[] = [];
      for (; n < 3; n++) {
        const { id: old } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
        await store.recordReports([{ endpointId: old, seq: seq++, report: macReport('IDX', 'AB12CD34', n), at: Date.now() }]);
        pairs.push({ old, new: '' });
      }
      await tick();
      for (const [i, pair] of pairs.entries()) {
        const { id } = await store.endpoints.enroll(randomBytes(32).toString('base64'));
        await store.recordReports([{ endpointId: id, seq: seq++, report: macReport('IDX', 'AB12CD34', i), at: Date.now() }]);
        pair.new = id;
      }
      await indexed('re-enrollments');
      const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
      const preview = await service.preview({}, { limit: 10 });
      assert.deepEqual(
        preview.candidates.map((c) => [c.predecessor.id, c.newcomer.id]),
        pairs.map((p) => [p.old, p.new]),
      );
      const done = await service.release(
        {},
        pairs.map((p) => p.old),
        actorNamed('index'),
      );
      assert.deepEqual(
        done.released.map((r) => [r.predecessorId, r.freed]),
        pairs.map((p) => [p.old, [p.new]]),
      );
      await indexed('a bulk release');
      assert.equal(Number((await store.knex('approval_claim_holders').count({ n: '*' }).first())?.n), 0);
      for (const pair of pairs) assert.equal(await approval(pair.new), 'approved');
    });

    it("matches a holder's id exactly: `_` and `%` in an id are no wildcards", async () => {
      const underscore = await enrollAs('ep_x_1', 'WILD1');
      const lookalike = await enrollAs('ep_xa1', 'WILD2');
      const percent = await enrollAs('ep_%', 'WILD3');
      await tick();
      const clone = await enroll({ serialNumber: 'WILD2' });
      await indexed('a clone of the look-alike');
      assert.deepEqual([await waiting(underscore), await waiting(lookalike), await waiting(percent)], [[], [clone], []]);
      const holders = await store.reenrollments.holders([underscore, lookalike, percent]);
      assert.equal(await store.endpoints.deny(clone), true);
      const after = await store.reenrollments.holders([underscore, lookalike, percent]);
      assert.deepEqual(
        [underscore, lookalike, percent].map((id) => [holders.get(id)?.blockedTwins, after.get(id)?.blockedTwins]),
        [
          [[], []],
          [[], [clone]],
          [[], []],
        ],
      );
    });
  });
}

describe('the statement that finds who waits on a holder, on sqlite', () => {
  let store: Store;
  let close: () => Promise<void>;
  const stores = testStores('sqlite', 'claims-plan');
  afterAll(() => stores.close());
  beforeEach(async () => {
    ({ store, close } = await stores.open());
  });
  afterEach(async () => {
    await close();
  });

  it('looks the holder up in its index and reads only the endpoints found there', async () => {
    const { sql, bindings } = waitingOnQuery(store.knex, 'ep_holder', ['*']).toSQL();
    const plan = ((await store.knex.raw(`explain query plan ${sql}`, bindings as never)) as { detail: string }[])
      .map((r) => r.detail)
      .join('\n');
    assert.match(plan, /SEARCH waits USING (COVERING )?INDEX approval_claim_holders_holder \(holder_id=\?\)/, plan);
    assert.match(plan, /SEARCH endpoints USING INDEX sqlite_autoindex_endpoints_1 \(id=\?\)/, plan);
    assert.doesNotMatch(plan, /SCAN endpoints|approval_claims/i, plan);
  });
});

describeUnless(POSTGRES_SKIP)('the statement that finds who waits on a holder, on postgres', () => {
  let store: Store;
  let close: () => Promise<void>;
  const stores = testStores('postgres', 'claims-plan');
  afterAll(() => stores.close());
  beforeEach(async () => {
    ({ store, close } = await stores.open());
  });
  afterEach(async () => {
    await close();
  });

  it('looks the holder up in its index, locks only the endpoints found, in enrollment order', async () => {
    // Enough pending endpoints that reading them all would cost more than the index, analysed.
    const PAIRS = 1_500;
    for (const [prefix, at] of [
      ['old', 1],
      ['new', 2],
    ] as const) {
      const ids = Array.from({ length: PAIRS }, (_, i) => `ep_${prefix}_${i}`);
      const rows = ids.map((id) => ({ id, public_key: `pk_${id}`, enrolled_at: at, last_seen_at: at, last_seq: 0, blocked: false }));
      await store.knex.batchInsert('endpoints', rows, 500);
      for (let from = 0; from < PAIRS; from += 250)
        await store.recordReports(
          ids
            .slice(from, from + 250)
            .map((endpointId, k) => ({ endpointId, seq: 1, report: macReport('PLAN', 'ABCD', from + k), at: Date.now() })),
        );
    }
    await store.knex.raw('analyze');
    const statements: { sql: string; bindings: readonly unknown[] }[] = [];
    const listener = (q: { sql: string; bindings?: readonly unknown[] }): void => {
      statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
    };
    store.knex.on('query', listener);
    const found = await store.knex.transaction((trx) => pendingWaitingOn(trx, 'ep_old_42', ['id']));
    store.knex.removeListener('query', listener);
    assert.deepEqual(
      found.map((r) => r.id),
      ['ep_new_42'],
    );
    const statement = statements.find((q) => /approval_claim_holders/.test(q.sql));
    assert.ok(statement, 'the index was read');
    const plan = (
      (await store.knex.raw(`explain ${statement.sql.replace(/\$\d+/g, '?')}`, statement.bindings as never)) as {
        rows: { 'QUERY PLAN': string }[];
      }
    ).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    assert.match(plan, /Index (Only )?Scan using approval_claim_holders_holder/, plan);
    assert.match(plan, /Index Scan using endpoints_pkey on endpoints/, plan);
    assert.doesNotMatch(plan, /Seq Scan on endpoints/, plan);
    // Rows locked after the sort: two releases take them in the same order.
    assert.match(plan, /LockRows[\s\S]*Sort Key: endpoints\.enrolled_at, endpoints\.id/, plan);
  });
});
