import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import type { Report } from '@devtrust/shared/protocol';
import { judgeReenrollments } from '@devtrust/collector/match/reenrollment';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import type { Store } from '@devtrust/collector/store/store';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import { actorNamed, tick } from '../support/reenrollment-fixtures.js';

/**
 * What a bulk release of re-enrolled devices reads (repos/reenrollments.ts) and how its
 * releases behave under two admins at once, on a real SQLite file and a real PostgreSQL.
 * More predecessors than one `IN (…)` list holds, so the chunked reads are exercised.
 */
const PAIRS = 520;
const ACTOR = actorNamed('test');

const report = (n: number): Report =>
  ({
    identity: {
      platform: 'windows',
      hostname: `wks-${n}`,
      serialNumber: `REPO${n}`,
      machineGuid: `6f1b0c1e-9a44-4d1b-8a61-${String(n).padStart(12, '0')}`,
    },
    posture: {},
    agentVersion: 'test',
  }) as unknown as Report;

for (const db of DATABASES) {
  describeUnless(db.skip)(`re-enrollment reads and releases on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const olds: string[] = [];
    const news: string[] = [];
    // One transaction (one commit and fsync) for all PAIRS enrolments, not one each.
    const enrollAll = (into: string[]) =>
      store.transaction(async (tx) => {
        for (let n = 0; n < PAIRS; n++) into.push((await tx.endpoints.enroll(randomBytes(32).toString('base64'))).id);
        for (let i = 0; i < PAIRS; i += 100)
          await tx.recordReports(
            into.slice(i, i + 100).map((endpointId, k) => ({ endpointId, seq: 1, report: report(i + k), at: Date.now() })),
          );
      });

    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'reenroll'));
      await enrollAll(olds);
      await tick();
      await enrollAll(news);
    });
    afterAll(async () => {
      await close();
    });

    it('reads every pending endpoint with its claims, and each holder with the strong identifiers bound to its key', async () => {
      const pending = await store.reenrollments.pendingClaimants();
      assert.deepEqual(new Set(pending.map((p) => p.id)), new Set(news));
      const first = pending.find((p) => p.id === news[0]);
      assert.deepEqual(first?.identifiers, { serialNumber: 'REPO0', machineGuid: '6F1B0C1E9A444D1B8A61000000000000' });
      assert.deepEqual(
        first?.claims.map((c) => [c.kind, c.heldBy]),
        [
          ['serialNumber', [olds[0]]],
          ['machineGuid', [olds[0]]],
        ],
      );
      const holders = await store.reenrollments.holders([...olds, 'ep_nowhere']);
      assert.equal(holders.size, PAIRS);
      assert.equal(holders.has('ep_nowhere'), false);
      assert.deepEqual(holders.get(olds[PAIRS - 1] as string)?.holds, [
        { kind: 'machineGuid', value: `6F1B0C1E9A444D1B8A61${String(PAIRS - 1).padStart(12, '0')}` },
        { kind: 'serialNumber', value: `REPO${PAIRS - 1}` },
      ]);
      const judged = judgeReenrollments(pending, holders);
      assert.equal(judged.candidates.length, PAIRS);
      assert.deepEqual(judged.skipped, []);
    });

    it('two admins releasing the same predecessors at once release each exactly once', async () => {
      const endpoints = new EndpointService(store);
      const service = new ReenrollmentService(store, endpoints, { quietMs: 0 });
      const named = olds.slice(0, 40);
      const outcomes = await Promise.allSettled([service.release({}, named, ACTOR), service.release({}, named, ACTOR)]);
      const released = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value.released.map((r) => r.predecessorId) : []));
      // On a loaded machine a call may spend its time budget and leave the rest `unreached`, as the
      // API answers; a client sends those again. Left by both, they are released by one more call.
      const reachedByNone = named.filter(
        (id) => !released.includes(id) && outcomes.every((o) => o.status === 'rejected' || o.value.unreached.includes(id)),
      );
      if (reachedByNone.length > 0)
        released.push(...(await service.release({}, reachedByNone, ACTOR)).released.map((r) => r.predecessorId));
      assert.deepEqual([...released].sort(), [...named].sort(), 'each released once, by one of the two (or by the retry of the rest)');
      for (const o of outcomes)
        if (o.status === 'rejected') assert.equal((o.reason as { code?: string }).code, 'REENROLLMENTS_CHANGED', String(o.reason));
      for (const id of named) assert.equal(typeof (await store.endpoints.get(id))?.releasedAt, 'number');
      for (const id of news.slice(0, 40)) assert.equal((await store.endpoints.get(id))?.approval, 'approved');
      assert.equal((await store.endpoints.get(news[40] as string))?.approval, 'pending');
      // One administrator action per release, none for the refused or skipped attempts.
      const logged = await store.adminLog.query({ resourceType: 'endpoint', action: 'release', limit: 100 });
      assert.equal(logged.total, 40);
    });
  });
}
