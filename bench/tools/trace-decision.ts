/**
 * Where a decision's time goes, statement by statement: starts a collector in this process
 * on a fresh database (SQLite, or PostgreSQL through DEVTRUST_TEST_DATABASE_URL), loads a
 * CSV inventory, takes decisions as the bench does, and prints every SQL statement of the
 * last decision's attest step with when it finished (from the frame's sending); on PostgreSQL
 * each SELECT is then run again under EXPLAIN ANALYZE. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/trace-decision.ts [sqlite|postgres] [devices]
 */
import { performance } from 'node:perf_hooks';
import { admin, AppClient, ENROLLMENT_KEY } from '../lib/admin.js';
import { ChannelClient } from '../lib/channel-client.js';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { startInProcessCollector } from './in-process-collector.js';
import { identityOf, inventoryCsv, reportOf } from '../lib/devices.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const devices = Number(process.argv[3] ?? 20_000);
const { collector, close } = await startInProcessCollector(kind);
try {
  const url = collector.url;
  const integration = await admin(url, 'POST', '/admin/v1/integrations', {
    kind: 'csv',
    name: 'Trace inventory',
    platforms: ['windows', 'macos', 'linux'],
    config: {},
  });
  await admin(url, 'PUT', `/admin/v1/integrations/${integration.id}/inventory`, inventoryCsv(devices), { contentType: 'text/csv' });
  await admin(url, 'PUT', `/admin/v1/integrations/${integration.id}/activation`, { mode: 'all-users' });
  const app = await AppClient.create(url, { trustedEndpoints: 'require-trusted', blockCompromised: false });
  const agent = await ChannelClient.connect(url);
  await agent.enroll(ENROLLMENT_KEY);

  // Every statement that succeeded, whether knex ran it or it went straight to the driver
  // (collector/src/store/driver-statements.ts, direct-reads.ts), with when it finished.
  const statements: { sql: string; bindings: unknown[]; at: number }[] = [];
  let tracing = false;
  let attestStart = 0;
  const knex = collector.store.knex;
  statementsOf(knex.client).on('done', (done: { sql: string; bindings: unknown[] }) => {
    if (tracing) statements.push({ sql: done.sql, bindings: done.bindings ?? [], at: performance.now() - attestStart });
  });

  const attestTimes: number[] = [];
  for (let k = 0; k < 50; k++) {
    const device = (k * 7919 + 13) % devices;
    const txId = await app.open(`user${device}@example.com`);
    await agent.report(reportOf(device, identityOf(device)));
    statements.length = 0;
    tracing = true;
    attestStart = performance.now();
    const verdict = await agent.attest(txId);
    attestTimes.push(performance.now() - attestStart);
    tracing = false;
    if (k === 49) console.log('verdict', JSON.stringify(verdict).slice(0, 200));
  }
  attestTimes.sort((a, b) => a - b);
  console.log(`${kind}, ${devices} devices: attest p50 ${attestTimes[25]?.toFixed(2)} ms, max ${attestTimes[49]?.toFixed(2)} ms`);
  console.log(`statements in the last attest: ${statements.length}`);
  for (const s of statements) console.log(`+${s.at.toFixed(2).padStart(7)} ms  ${s.sql.replace(/\s+/g, ' ').slice(0, 220)}`);
  if (kind === 'postgres') {
    for (const s of statements) {
      if (!/^\s*select/i.test(s.sql)) continue;
      // Statements on the driver carry PostgreSQL's own placeholders ($1…); knex.raw takes `?`.
      const plan = await knex.raw(`explain (analyze, buffers) ${s.sql.replace(/\$\d+/g, '?')}`, s.bindings as never);
      console.log(`\n-- ${s.sql.slice(0, 160)}`);
      for (const row of (plan as { rows: { 'QUERY PLAN': string }[] }).rows) console.log(row['QUERY PLAN']);
    }
  }
  agent.terminate();
  app.close();
} finally {
  await close();
}
