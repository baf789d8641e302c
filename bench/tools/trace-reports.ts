/**
 * Where storing reports spends its statements: a collector in this process on a fresh
 * database (SQLite, or PostgreSQL through DEVTRUST_TEST_DATABASE_URL), `sessions` agents
 * sending signed reports back to back for a few seconds, and per kind of statement its count
 * and time. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/trace-reports.ts [sqlite|postgres] [sessions]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '@devtrust/collector/config/config';
import { startCollector } from '@devtrust/collector/server';
import { freshPostgresDatabase } from '../../test/support/postgres.js';
import { ENROLLMENT_KEY, OWNER_TOKEN } from '../lib/admin.js';
import { ChannelClient } from '../lib/channel-client.js';
import { identityOf, reportOf } from '../lib/devices.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const sessions = Number(process.argv[3] ?? 50);
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-trace-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const collector = await startCollector(
  loadConfig({
    DEVTRUST_CONFIG_FILE: '',
    DEVTRUST_HOST: '127.0.0.1',
    DEVTRUST_PORT: '0',
    DEVTRUST_PUBLIC_URL: '',
    DEVTRUST_DATA_DIR: dataDir,
    DEVTRUST_DATABASE_URL: pgDb?.url ?? '',
    DEVTRUST_BOOTSTRAP_TOKEN: OWNER_TOKEN,
    DEVTRUST_ENROLLMENT_KEY: ENROLLMENT_KEY,
    DEVTRUST_ENROLLMENT_RATE_LIMIT: 'off',
    // Capacity, not the abuse limits (as the bench's collector children).
    DEVTRUST_LIMIT_ATTESTATIONS_PER_ENDPOINT: '0',
    DEVTRUST_LIMIT_ATTESTATIONS_PER_ADDRESS: '0',
    DEVTRUST_LOG_LEVEL: 'error',
  }),
  { scheduler: false },
);
try {
  const clients = await Promise.all(
    Array.from({ length: sessions }, async () => {
      const client = await ChannelClient.connect(collector.url);
      await client.enroll(ENROLLMENT_KEY);
      return client;
    }),
  );
  const stats = new Map<string, { n: number; ms: number }>();
  const started = new Map<string, { key: string; at: number }>();
  const knex = collector.store.knex;
  knex.on('query', (q: { __knexQueryUid: string; sql: string }) => {
    const key = q.sql
      .replace(/\(\?(, \?)*\)(, \(\?(, \?)*\))*/g, '(…)')
      .replace(/\$\d+/g, '?')
      .slice(0, 90);
    started.set(q.__knexQueryUid, { key, at: performance.now() });
  });
  knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
    const s = started.get(q.__knexQueryUid);
    if (!s) return;
    const stat = stats.get(s.key) ?? { n: 0, ms: 0 };
    stat.n += 1;
    stat.ms += performance.now() - s.at;
    stats.set(s.key, stat);
  });
  let acked = 0;
  const end = performance.now() + 4_000;
  await Promise.all(
    clients.map(async (client, i) => {
      while (performance.now() < end) {
        await client.report(reportOf(i, identityOf(i)));
        acked++;
      }
    }),
  );
  console.log(`${kind}: ${acked} reports acked in 4 s by ${sessions} sessions (${(acked / 4).toFixed(0)}/s)`);
  for (const [key, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`${String(s.n).padStart(6)} × ${(s.ms / s.n).toFixed(2).padStart(6)} ms = ${s.ms.toFixed(0).padStart(6)} ms  ${key}`);
  }
  clients.forEach((c) => c.terminate());
} finally {
  await collector.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
