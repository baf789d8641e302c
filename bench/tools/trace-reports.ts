/**
 * Where storing reports spends its statements: a collector in this process on a fresh
 * database (SQLite, or PostgreSQL through DEVTRUST_TEST_DATABASE_URL), `sessions` agents
 * sending signed reports back to back for a few seconds, and per kind of statement its count
 * and, for those knex's runner runs, its time (the report batch's statements run straight on the
 * driver, store/driver-statements.ts, and BEGIN and COMMIT are counted, not timed). Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/trace-reports.ts [sqlite|postgres] [sessions]
 */
import { performance } from 'node:perf_hooks';
import { statementsOf } from '@devtrust/collector/store/dialect';
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
  const stats = new Map<string, { n: number; ms: number | null }>();
  const started = new Map<string, { key: string; at: number }>();
  const keyOf = (sql: string): string =>
    sql
      .replace(/\(\?(, \?)*\)(, \(\?(, \?)*\))*/g, '(…)')
      .replace(/\$\d+/g, '?')
      .trim()
      .slice(0, 90);
  const knex = collector.store.knex;
  // Every statement that succeeded, through knex or on the driver.
  statementsOf(knex.client).on('done', ({ sql }: { sql: string }) => {
    const stat = stats.get(keyOf(sql)) ?? { n: 0, ms: null };
    stat.n += 1;
    stats.set(keyOf(sql), stat);
  });
  // The time of those knex runs.
  knex.on('query', (q: { __knexQueryUid: string; sql: string }) =>
    started.set(q.__knexQueryUid, { key: keyOf(q.sql), at: performance.now() }),
  );
  knex.on('query-response', (_r: unknown, q: { __knexQueryUid?: string }) => {
    const s = q.__knexQueryUid === undefined ? undefined : started.get(q.__knexQueryUid);
    const stat = s && stats.get(s.key);
    if (s && stat) stat.ms = (stat.ms ?? 0) + performance.now() - s.at;
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
  for (const [key, s] of [...stats].sort((a, b) => (b[1].ms ?? Infinity) - (a[1].ms ?? Infinity) || b[1].n - a[1].n)) {
    const time = s.ms === null ? 'not timed' : `${(s.ms / s.n).toFixed(2).padStart(6)} ms = ${s.ms.toFixed(0).padStart(6)} ms`;
    console.log(`${String(s.n).padStart(6)} × ${time}  ${key}`);
  }
  clients.forEach((c) => c.terminate());
} finally {
  await close();
}
