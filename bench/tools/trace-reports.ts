/**
 * Where storing reports spends its statements: a collector in this process on a fresh
 * database (SQLite, or PostgreSQL through DEVTRUST_TEST_DATABASE_URL), `sessions` agents
 * sending signed reports back to back for a few seconds, and per kind of statement its count
 * and time. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/trace-reports.ts [sqlite|postgres] [sessions]
 */
import { performance } from 'node:perf_hooks';
import { ENROLLMENT_KEY } from '../lib/admin.js';
import { ChannelClient } from '../lib/channel-client.js';
import { startInProcessCollector } from './in-process-collector.js';
import { identityOf, reportOf } from '../lib/devices.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const sessions = Number(process.argv[3] ?? 50);
const { collector, close } = await startInProcessCollector(kind);
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
  await close();
}
