import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, it } from 'vitest';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { identifiersOf } from '@devtrust/shared/identity';
import type { Report } from '@devtrust/shared/protocol';
import { Store } from '@devtrust/collector/store/store';
import { ReportsPartlyStored, type ReportToStore } from '@devtrust/collector/domain/endpoint';
import { describeUnless } from '../../../test/support/skip.js';
import { withDeadlocks } from '../support/deadlocks.js';
import { POSTGRES_SKIP, freshPostgresDatabase } from '../../../test/support/postgres.js';

const DEADLOCK = '40P01';

const report = (serialNumber: string, user?: string): Report => ({
  agentVersion: '1.0.0',
  collectedAt: '2026-11-30T00:00:00Z',
  identity: { platform: 'linux', serialNumber, hostname: `host-${serialNumber}` },
  ...(user ? { user } : {}),
});

// PostgreSQL stores a batch's usual reports with one UPDATE per shape (reports with a user and
// reports without set different columns), each committing by itself, before the rest go
// through a transaction. A statement PostgreSQL aborts for a deadlock rolled back alone: only
// it may run again. Run again, a statement that had committed finds its reports' sequence
// numbers no longer newer, and those stored reports were answered as replays (REPLAYED).
describeUnless(POSTGRES_SKIP)('report batches aborted for a deadlock on postgres', () => {
  let pgdb: { url: string; drop(): Promise<void> } | undefined;
  let store: Store | undefined;
  const deadlocks: unknown[] = [];
  beforeAll(async () => {
    pgdb = await freshPostgresDatabase();
    store = await Store.open({ databaseUrl: pgdb.url, dataDir: tmpdir() });
    store.knex.client.on('query-error', (error: { code?: unknown }) => {
      if (error?.code === DEADLOCK) deadlocks.push(error);
    });
  });
  afterAll(async () => {
    await store?.close();
    await pgdb?.drop();
  });

  /** Endpoints that each stored one report (sequence 1): the next is usual when it repeats the serial. */
  async function endpoints(users: (string | undefined)[]): Promise<string[]> {
    const s = store as Store;
    const ids = await Promise.all(users.map(async () => (await s.endpoints.enroll(generateDeviceKey().publicKey)).id));
    const first = await s.endpoints.recordReports(
      ids.map((endpointId, i) => ({ endpointId, seq: 1, report: report(`S-${endpointId}`, users[i]), at: 1 })),
    );
    assert.deepEqual(
      first,
      ids.map(() => true),
    );
    return ids;
  }

  async function historySeqs(id: string): Promise<number[]> {
    return (await (store as Store).endpoints.history(id)).map((h) => h.seq);
  }

  /** a's usual report with a user (the first statement, which commits) and b's without (the second). */
  function usualPair(a: string, b: string): ReportToStore[] {
    return [
      { endpointId: a, seq: 2, report: report(`S-${a}`, 'a@example.com'), at: 2 },
      { endpointId: b, seq: 2, report: report(`S-${b}`), at: 2 },
    ];
  }

  it('answers a usual report stored before the deadlock as stored, and stores every report once', async () => {
    const s = store as Store;
    const [a, b] = (await endpoints(['a@example.com', undefined])) as [string, string];
    deadlocks.length = 0;
    // a's report (with a user) is the first statement and commits; b's (no user) is the second,
    // and deadlocks once on b's next history slot (its second report: slot 2).
    const batch = usualPair(a, b);
    const result = await withDeadlocks(pgdb!.url, { endpointId: b, slot: 2 }, 1, () => s.endpoints.recordReports(batch));
    assert.equal(deadlocks.length, 1, 'PostgreSQL aborted one statement for a deadlock');
    assert.equal(result.status, 'fulfilled', result.status === 'rejected' ? String(result.reason) : '');
    assert.deepEqual(result.status === 'fulfilled' ? result.value : null, [true, true], 'both reports are answered as stored');
    for (const id of [a, b]) {
      assert.equal((await s.endpoints.get(id))?.lastSeq, 2);
      assert.deepEqual(await historySeqs(id), [2, 1], 'each report stored once');
    }
  });

  it('runs again only the statement that deadlocked, however often, up to the third attempt', async () => {
    const s = store as Store;
    const [a, b] = (await endpoints(['a@example.com', undefined])) as [string, string];
    deadlocks.length = 0;
    const batch = usualPair(a, b);
    const result = await withDeadlocks(pgdb!.url, { endpointId: b, slot: 2 }, 2, () => s.endpoints.recordReports(batch));
    assert.equal(deadlocks.length, 2);
    assert.deepEqual(result.status === 'fulfilled' ? result.value : result.reason, [true, true]);
    for (const id of [a, b]) assert.deepEqual(await historySeqs(id), [2, 1]);
  });

  it('a batch mixing usual and new-identifier reports of one endpoint, and a real replay, is answered right', async () => {
    const s = store as Store;
    const [a, b, c] = (await endpoints(['a@example.com', undefined, undefined])) as [string, string, string];
    deadlocks.length = 0;
    const batch: ReportToStore[] = [
      // a: a usual report (first statement, commits), then one with a new serial (the transaction after).
      { endpointId: a, seq: 2, report: report(`S-${a}`, 'a@example.com'), at: 2 },
      { endpointId: a, seq: 3, report: report(`S-${a}-new`, 'a@example.com'), at: 3 },
      // b: usual, second statement, deadlocks once; c: a replay of its stored sequence, same statement.
      { endpointId: b, seq: 2, report: report(`S-${b}`), at: 2 },
      { endpointId: c, seq: 1, report: report(`S-${c}`), at: 2 },
    ];
    const result = await withDeadlocks(pgdb!.url, { endpointId: b, slot: 2 }, 1, () => s.endpoints.recordReports(batch));
    assert.equal(deadlocks.length, 1);
    assert.deepEqual(result.status === 'fulfilled' ? result.value : result.reason, [true, true, true, false]);
    assert.deepEqual(await historySeqs(a), [3, 2, 1]);
    assert.equal((await s.endpoints.get(a))?.identifiers.serialNumber, identifiersOf(report(`S-${a}-new`).identity).serialNumber);
    assert.deepEqual(await historySeqs(b), [2, 1]);
    assert.deepEqual(await historySeqs(c), [1], 'the replay is not stored');
    assert.equal((await s.endpoints.get(c))?.lastSeq, 1);
  });

  it('a deadlock on every attempt fails only the reports it left unstored; those stored before are said stored', async () => {
    const s = store as Store;
    const [a, b] = (await endpoints(['a@example.com', undefined])) as [string, string];
    deadlocks.length = 0;
    const batch = usualPair(a, b);
    const result = await withDeadlocks(pgdb!.url, { endpointId: b, slot: 2 }, 3, () => s.endpoints.recordReports(batch));
    assert.equal(deadlocks.length, 3, 'three attempts, then the statement gives up');
    assert.equal(result.status, 'rejected');
    const reason = (result as PromiseRejectedResult).reason as unknown;
    assert.ok(reason instanceof ReportsPartlyStored, String(reason));
    assert.deepEqual(reason.stored, [true, false]);
    assert.equal((reason.cause as { code?: unknown }).code, DEADLOCK);
    assert.deepEqual(await historySeqs(a), [2, 1], "a's report is stored, once");
    assert.deepEqual(await historySeqs(b), [1], "b's is not");
    // The agent sends it again, with its next sequence number: stored.
    assert.deepEqual(await s.endpoints.recordReports([{ endpointId: b, seq: 3, report: report(`S-${b}`), at: 3 }]), [true]);
  });

  it('a deadlock in the transaction of the reports with new identifiers runs that transaction again, not the statement before it', async () => {
    const s = store as Store;
    const [a, b] = (await endpoints(['a@example.com', undefined])) as [string, string];
    deadlocks.length = 0;
    // a's usual report commits first; a's next (a new serial) and b's go through the transaction,
    // which deadlocks once on the history slot of a's third report.
    const batch: ReportToStore[] = [
      { endpointId: a, seq: 2, report: report(`S-${a}`, 'a@example.com'), at: 2 },
      { endpointId: a, seq: 3, report: report(`S-${a}-new`, 'a@example.com'), at: 3 },
      { endpointId: b, seq: 2, report: report(`S-${b}-new`), at: 2 },
    ];
    const result = await withDeadlocks(pgdb!.url, { endpointId: a, slot: 3 }, 1, () => s.endpoints.recordReports(batch));
    assert.equal(deadlocks.length, 1);
    assert.deepEqual(result.status === 'fulfilled' ? result.value : result.reason, [true, true, true]);
    assert.deepEqual(await historySeqs(a), [3, 2, 1]);
    assert.deepEqual(await historySeqs(b), [2, 1]);

    // Every attempt deadlocking: a's usual report is stored and said so; the transaction's are not stored.
    const [c, d] = (await endpoints(['c@example.com', undefined])) as [string, string];
    deadlocks.length = 0;
    const again: ReportToStore[] = [
      { endpointId: c, seq: 2, report: report(`S-${c}`, 'c@example.com'), at: 2 },
      { endpointId: c, seq: 3, report: report(`S-${c}-new`, 'c@example.com'), at: 3 },
      { endpointId: d, seq: 2, report: report(`S-${d}-new`), at: 2 },
    ];
    const failed = await withDeadlocks(pgdb!.url, { endpointId: c, slot: 3 }, 3, () => s.endpoints.recordReports(again));
    assert.equal(deadlocks.length, 3);
    const reason = (failed as PromiseRejectedResult).reason as unknown;
    assert.ok(reason instanceof ReportsPartlyStored, String(reason));
    assert.deepEqual(reason.stored, [true, false, false]);
    assert.deepEqual(await historySeqs(c), [2, 1]);
    assert.deepEqual(await historySeqs(d), [1]);
    assert.equal((await s.endpoints.get(d))?.identifiers.serialNumber, identifiersOf(report(`S-${d}`).identity).serialNumber);
  });
});
