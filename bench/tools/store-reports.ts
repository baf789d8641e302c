/**
 * The storage half of reports.per_s alone: `EndpointsRepo.recordReports` in batches of
 * `batch` usual reports (identifiers unchanged) on a fresh database, against the bare layer's
 * batched INSERT of the same bodies; both timed in this process, interleaved, so a busy
 * machine slows both. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/store-reports.ts [sqlite|postgres] [batch] [rounds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { Store } from '@devtrust/collector/store/store';
import { freshPostgresDatabase } from '../../test/support/postgres.js';
import { identityOf, reportOf } from '../lib/devices.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const batch = Number(process.argv[3] ?? 200);
const rounds = Number(process.argv[4] ?? 30);
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-store-reports-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const store = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });
try {
  await store.knex.schema.createTable('bench_reports', (t) => {
    t.increments('id').primary();
    t.string('endpoint_id', 64).notNullable();
    t.bigInteger('received_at').notNullable();
    t.bigInteger('seq').notNullable();
    t.text('body').notNullable();
    t.index(['endpoint_id', 'id']);
  });
  const ids: string[] = [];
  for (let i = 0; i < batch; i++) ids.push((await store.endpoints.enroll(generateDeviceKey().publicKey)).id);
  const reports = ids.map((_, i) => reportOf(i, identityOf(i)));
  let ours = 0;
  let bare = 0;
  for (let round = 1; round <= rounds; round++) {
    let t = performance.now();
    const stored = await store.endpoints.recordReports(
      ids.map((id, i) => ({ endpointId: id, seq: round, report: reports[i]!, at: Date.now() })),
    );
    if (round > 1) ours += performance.now() - t;
    if (!stored.every(Boolean)) throw new Error('a report was not stored');
    t = performance.now();
    await store
      .knex('bench_reports')
      .insert(ids.map((id, i) => ({ endpoint_id: id, received_at: Date.now(), seq: round, body: JSON.stringify(reports[i]) })));
    if (round > 1) bare += performance.now() - t;
  }
  const per = (ms: number): string => `${((ms / ((rounds - 1) * batch)) * 1000).toFixed(1)} µs/report`;
  console.log(`${kind}, batches of ${batch}: recordReports ${per(ours)}, bare INSERT ${per(bare)}, ratio ${(bare / ours).toFixed(2)}`);
} finally {
  await store.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
