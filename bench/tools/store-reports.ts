/**
 * The storage half of reports.per_s alone: `EndpointsRepo.recordReports` in batches of
 * `batch` usual reports (identifiers unchanged) from endpoints spread over a fleet of `fleet`,
 * on a fresh database, against the bare layer's batched INSERT of the same bodies; both timed
 * in this process, interleaved, so a busy machine slows both. Beside the wall time: this
 * process's CPU per report (all threads, and the event loop's thread alone) and the bytes it
 * wrote (SQLite's log and database), which a loaded machine does not change; on PostgreSQL,
 * the WAL the server wrote (cluster-wide: other clients of the server add to it). Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/store-reports.ts [sqlite|postgres] [batch] [rounds] [fleet]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '@devtrust/collector/store/store';
import { freshPostgresDatabase } from '../../test/support/postgres.js';
import { cpuOf } from '../lib/proc.js';
import { identityOf, reportOf } from '../lib/devices.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const batch = Number(process.argv[3] ?? 200);
const rounds = Number(process.argv[4] ?? 60);
const fleet = Math.max(batch, Number(process.argv[5] ?? batch));
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-store-reports-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const store = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });

/** Bytes this process handed to write(2) so far (/proc/self/io `wchar`). */
const bytesWritten = (): number => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
const walLsn = async (): Promise<bigint> => {
  if (!pgDb) return 0n;
  const { rows } = (await store.knex.raw('select pg_current_wal_insert_lsn() as lsn')) as { rows: { lsn: string }[] };
  const [high, low] = (rows[0]?.lsn ?? '0/0').split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
};

try {
  await store.knex.schema.createTable('bench_reports', (t) => {
    t.increments('id').primary();
    t.string('endpoint_id', 64).notNullable();
    t.bigInteger('received_at').notNullable();
    t.bigInteger('seq').notNullable();
    t.text('body').notNullable();
    t.index(['endpoint_id', 'id']);
  });
  // The fleet enrolled in bulk (the rows enroll() writes); each batch's endpoints spread over it.
  const all = Array.from({ length: fleet }, (_, i) => `ep_store_reports_${i}`);
  for (let from = 0; from < fleet; from += 500)
    await store
      .knex('endpoints')
      .insert(
        all
          .slice(from, from + 500)
          .map((id, i) => ({ id, public_key: `pk_${from + i}`, enrolled_at: 1, last_seen_at: 1, last_seq: 0, blocked: false })),
      );
  if (pgDb) await store.knex.raw('analyze endpoints');
  const ids = Array.from({ length: batch }, (_, i) => all[Math.floor((i * fleet) / batch)] as string);
  const reports = ids.map((_, i) => reportOf(i, identityOf(i)));
  let ours = 0;
  let bare = 0;
  let cpu = 0;
  let mainMs = 0;
  let bytes = 0;
  let wal = 0n;
  for (let round = 1; round <= rounds; round++) {
    const measured = round > 1;
    const [cpu0, main0, bytes0, wal0] = [process.cpuUsage(), cpuOf(process.pid)?.mainMs ?? 0, bytesWritten(), await walLsn()];
    let t = performance.now();
    const stored = await store.endpoints.recordReports(
      ids.map((id, i) => ({ endpointId: id, seq: round, report: reports[i]!, at: Date.now() })),
    );
    if (measured) {
      ours += performance.now() - t;
      const used = process.cpuUsage(cpu0);
      cpu += (used.user + used.system) / 1000;
      mainMs += (cpuOf(process.pid)?.mainMs ?? 0) - main0;
      bytes += bytesWritten() - bytes0;
      wal += (await walLsn()) - wal0;
    }
    if (!stored.every(Boolean)) throw new Error('a report was not stored');
    t = performance.now();
    await store
      .knex('bench_reports')
      .insert(ids.map((id, i) => ({ endpoint_id: id, received_at: Date.now(), seq: round, body: JSON.stringify(reports[i]) })));
    if (measured) bare += performance.now() - t;
  }
  const n = (rounds - 1) * batch;
  const per = (ms: number): string => `${((ms / n) * 1000).toFixed(1)} µs/report`;
  console.log(
    `${kind}, batches of ${batch} from ${fleet} endpoints: recordReports ${per(ours)}, bare INSERT ${per(bare)}, ratio ${(bare / ours).toFixed(2)}`,
  );
  console.log(
    `recordReports CPU: ${per(cpu)} (event loop thread ${per(mainMs)}); written by this process: ${(bytes / n / 1024).toFixed(1)} kB/report` +
      (pgDb ? `; PostgreSQL WAL: ${(Number(wal) / n / 1024).toFixed(2)} kB/report` : ''),
  );
} finally {
  await store.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
