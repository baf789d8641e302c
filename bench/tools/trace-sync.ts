/**
 * The collector's half of a sync alone, in this process: `SyncEngine.ingest` fed pages of
 * Kandji devices (made on the fly, mapped by the Kandji mapper: no HTTP) into a fresh
 * database. It prints what does not depend on how busy the machine is, or only a little:
 * - the statements the sync ran, by kind (count);
 * - how long a one-row read waited while the sync ran (a probe every 5 ms on the store's
 *   pool: on SQLite it shares the one connection with the sync, as decisions do);
 * - the event loop's delays (how long a decision's callback could wait behind sync work);
 * - devices per second and the V8 heap after the sync.
 * With `resync`, the same inventory is synced a second time first, and the figures are of
 * the second sync, which also deletes the first one's generation (the purge).
 * Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/trace-sync.ts [sqlite|postgres] [devices] [pageSize] [resync]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { Store } from '@devtrust/collector/store/store';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { SyncEngine } from '@devtrust/collector/sync/engine';
import { mapKandjiDevice } from '@devtrust/collector/sync/kandji/map';
import type { SourceDevice } from '@devtrust/collector/sync/source';
import { kandjiDevice } from '../../collector/test/vendors/mdm/kandji.js';
import { freshPostgresDatabase } from '../../test/support/postgres.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const devices = Number(process.argv[3] ?? 100_000);
const pageSize = Number(process.argv[4] ?? 300);
const resync = process.argv[5] === 'resync';
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-trace-sync-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const store = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });

/** Pages as a vendor source yields them, with a macrotask between (an HTTP answer would be one). */
async function* pages(): AsyncGenerator<SourceDevice[]> {
  for (let start = 0; start < devices; start += pageSize) {
    await new Promise((resolve) => setImmediate(resolve));
    const page: SourceDevice[] = [];
    for (let i = start; i < Math.min(devices, start + pageSize); i++) page.push(mapKandjiDevice(kandjiDevice(i)));
    yield page;
  }
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

try {
  const integrationId = store.integrations.newId();
  await store.integrations.create(integrationId, {
    kind: 'csv',
    category: 'mdm',
    name: 'trace',
    platforms: ['macos', 'ios'],
    config: {},
    sealedSecrets: {},
    schedule: null,
    nextSyncAt: null,
  });
  const engine = new SyncEngine({ store, masterKey: Buffer.alloc(32), log: pino({ level: 'warn' }), node: 'trace:1:x' });
  if (resync && (await engine.ingest(integrationId, pages())).status !== 'succeeded') throw new Error('the first sync failed');
  const statements = new Map<string, number>();
  const count = ({ sql }: { sql: string }): void => {
    const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? '?';
    const table = /^(insert|update|delete)$/.test(verb) ? /^\s*\w+\s+(?:into\s+|from\s+)?[`"]?(\w+)/i.exec(sql)?.[1] : undefined;
    const key = table ? `${verb} ${table}` : verb;
    statements.set(key, (statements.get(key) ?? 0) + 1);
  };
  statementsOf(store.knex.client).on('done', count);

  // How long each page's write held the database (on SQLite: the one connection).
  const writes: number[] = [];
  const insertPage = store.inventory.insertPage.bind(store.inventory);
  store.inventory.insertPage = async (...args) => {
    const t = performance.now();
    await insertPage(...args);
    writes.push(performance.now() - t);
  };
  if (process.env.NOCKPT) await store.knex.raw('PRAGMA wal_autocheckpoint = ' + process.env.NOCKPT);
  let running = true;
  const waits: number[] = [];
  const probe = (async () => {
    while (running) {
      const t = performance.now();
      await store.knex.raw('select 1');
      waits.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  const run = await engine.ingest(integrationId, pages());
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  running = false;
  await probe;
  statementsOf(store.knex.client).off('done', count);
  if (run.status !== 'succeeded') throw new Error(`sync ${run.status}: ${run.error}`);

  const sorted = waits.sort((a, b) => a - b);
  console.log(
    `${kind}: ${run.devices} devices in ${seconds.toFixed(2)} s = ${Math.round(run.devices / seconds)} devices/s (pages of ${pageSize})`,
  );
  console.log('statements:', Object.fromEntries([...statements].sort((a, b) => b[1] - a[1])));
  console.log(
    `a one-row read during the sync (${sorted.length} probes): p50 ${pct(sorted, 50).toFixed(1)} ms, p99 ${pct(sorted, 99).toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(1)} ms`,
  );
  const sortedWrites = writes.sort((a, b) => a - b);
  console.log(
    `a page's write (${writes.length}): p50 ${pct(sortedWrites, 50).toFixed(1)} ms, p99 ${pct(sortedWrites, 99).toFixed(1)} ms, max ${(sortedWrites[sortedWrites.length - 1] ?? NaN).toFixed(1)} ms`,
  );
  console.log(
    `event-loop delay: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
  );
  const heap = process.memoryUsage();
  console.log(
    `V8 heap after: used ${Math.round(heap.heapUsed / 2 ** 20)} MB of ${Math.round(heap.heapTotal / 2 ** 20)} MB; rss ${Math.round(heap.rss / 2 ** 20)} MB`,
  );
} finally {
  await store.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
