import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { CollectorMetrics } from '@devtrust/collector/metrics/collector-metrics';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { Store } from '@devtrust/collector/store/store';
import { ReportWriter } from '@devtrust/collector/ws/report-writer';
import { DATABASES, POSTGRES_SKIP, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { describeUnless } from '../../../test/support/skip.js';
import { withDeadlocks } from '../support/deadlocks.js';
import { openTestStore } from '../support/test-store.js';

const report = (i: number) => ({
  agentVersion: 'test',
  collectedAt: 'now',
  identity: { platform: 'linux' as const, serialNumber: `SN-WRITER-${i}`, hostname: `host-${i}` },
});

for (const { name: kind, skip } of DATABASES) {
  describe.skipIf(skip !== false)(`report group commit on ${kind}`, () => {
    it('a burst of reports is stored in a few large batches, not split over every writer allowed', async () => {
      const { store, close } = await openTestStore(kind, 'writer');
      try {
        const service = new EndpointService(store);
        const ids: string[] = [];
        for (let i = 0; i < 120; i++) ids.push((await store.endpoints.enroll(generateDeviceKey().publicKey)).id);
        // The real service and store; the batches it is handed are recorded on the way.
        const batches: number[] = [];
        const recordReports = service.recordReports.bind(service);
        service.recordReports = (items) => {
          batches.push(items.length);
          return recordReports(items);
        };
        const writer = new ReportWriter(service);
        const stored = await Promise.all(ids.map((id, i) => writer.write(id, 1, report(i), Date.now())));
        assert.ok(stored.every(Boolean));
        assert.equal(
          batches.reduce((a, b) => a + b, 0),
          ids.length,
        );
        // The first report is written at once (no timer); the rest queue behind it and go
        // together, another writer starting only for a queue of 50 or more. Started per
        // report, PostgreSQL's four writers took one report each: 1, 1, 1, 1, 116.
        assert.ok(batches.filter((n) => n < 10).length <= 1, `batches: ${batches.join(', ')}`);
        assert.ok(batches.length <= 4, `batches: ${batches.join(', ')}`);
        const rows = Number((await store.knex('report_history').count({ n: '*' }))[0]?.n);
        assert.equal(rows, ids.length);
      } finally {
        await close();
      }
    });
  });
}

// On PostgreSQL a batch's usual reports are stored by statements that commit one by one (one
// per shape: with a user, without). A deadlock aborting the second must not make the agent of
// a report the first stored hear "replayed" (the session answers false with REPLAYED), nor an
// error once the second gives up: that report is stored, and acked.
describeUnless(POSTGRES_SKIP)('report group commit on postgres, a batch aborted for a deadlock', () => {
  let pgdb: { url: string; drop(): Promise<void> } | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    pgdb = await freshPostgresDatabase();
    store = await Store.open({ databaseUrl: pgdb.url, dataDir: tmpdir() });
  });
  afterAll(async () => {
    await store?.close();
    await pgdb?.drop();
  });

  const usual = (id: string, user?: string) => ({
    agentVersion: 'test',
    collectedAt: 'now',
    identity: { platform: 'linux' as const, serialNumber: `SN-${id}`, hostname: id },
    ...(user ? { user } : {}),
  });

  /** Three endpoints with a report stored each: one to keep the writer busy, then the two of the batch in the order the writer sorts them (by id). */
  async function enrolled(): Promise<{ busy: string; withUser: string; without: string }> {
    const s = store as Store;
    const ids = await Promise.all([0, 1, 2].map(async () => (await s.endpoints.enroll(generateDeviceKey().publicKey)).id));
    const [busy, withUser, without] = [ids[0] as string, ...ids.slice(1).sort()] as [string, string, string];
    const first = [
      { endpointId: busy, seq: 1, report: usual(busy), at: 1 },
      { endpointId: withUser, seq: 1, report: usual(withUser, 'someone@example.com'), at: 1 },
      { endpointId: without, seq: 1, report: usual(without), at: 1 },
    ];
    assert.deepEqual(await s.endpoints.recordReports(first), [true, true, true]);
    return { busy, withUser, without };
  }

  /** The busy endpoint's report is written at once; the two after it queue and go together, the one without a user's statement deadlocking. */
  function writeBatch(
    writer: ReportWriter,
    ids: { busy: string; withUser: string; without: string },
  ): Promise<PromiseSettledResult<boolean>[]> {
    return Promise.allSettled([
      writer.write(ids.busy, 2, usual(ids.busy), 2),
      writer.write(ids.withUser, 2, usual(ids.withUser, 'someone@example.com'), 2),
      writer.write(ids.without, 2, usual(ids.without), 2),
    ]);
  }

  it('acks the report stored before the deadlock, not REPLAYED', async () => {
    const s = store as Store;
    const ids = await enrolled();
    const writer = new ReportWriter(new EndpointService(s));
    const settled = await withDeadlocks(pgdb!.url, { endpointId: ids.without, slot: 2 }, 1, () => writeBatch(writer, ids));
    assert.equal(settled.status, 'fulfilled');
    const answers = (settled as PromiseFulfilledResult<PromiseSettledResult<boolean>[]>).value.map((r) =>
      r.status === 'fulfilled' ? r.value : String(r.reason),
    );
    assert.deepEqual(answers, [true, true, true], 'every report is stored, and answered so');
    for (const id of Object.values(ids))
      assert.deepEqual(
        (await s.endpoints.history(id)).map((h) => h.seq),
        [2, 1],
      );
  });

  it('when the deadlock outlasts its retries, acks the report stored before it and fails only the other', async () => {
    const s = store as Store;
    const ids = await enrolled();
    const metrics = new CollectorMetrics();
    const writer = new ReportWriter(new EndpointService(s, null, metrics));
    const settled = await withDeadlocks(pgdb!.url, { endpointId: ids.without, slot: 2 }, 3, () => writeBatch(writer, ids));
    const [busy, withUser, without] = (settled as PromiseFulfilledResult<PromiseSettledResult<boolean>[]>).value;
    assert.deepEqual([busy?.status === 'fulfilled' && busy.value, withUser?.status === 'fulfilled' && withUser.value], [true, true]);
    // The database's own error, which the session answers with UNAVAILABLE (retry later).
    assert.equal(without?.status, 'rejected');
    assert.equal(((without as PromiseRejectedResult).reason as { code?: unknown }).code, '40P01');
    assert.deepEqual(
      (await s.endpoints.history(ids.withUser)).map((h) => h.seq),
      [2, 1],
    );
    assert.deepEqual(
      (await s.endpoints.history(ids.without)).map((h) => h.seq),
      [1],
    );
    // Counted as what they were: two stored, one failed, none replayed.
    const counted = (await metrics.registry.getSingleMetric('devtrust_reports_ingested_total')?.get())?.values ?? [];
    assert.deepEqual(Object.fromEntries(counted.map((v) => [v.labels.result, v.value])), { stored: 2, failed: 1 });
  });
});
