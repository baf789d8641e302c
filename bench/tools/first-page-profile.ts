/**
 * Where the re-enrollment preview's first page goes (it judges every pending endpoint, for the
 * window's exact counts) with `pairs` re-enrolled devices pending on SQLite: the whole page
 * timed `runs` times, then each step of ReenrollmentService.judge timed with its statements and
 * rows, and the predecessors' read (ReenrollmentsRepo.holders) by statement shape. Statements
 * and rows are counts the machine's load does not change; times compare only within a run.
 * The data directory is kept, so a second run on it skips setting up the fleet. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/first-page-profile.ts <dataDir> [pairs] [runs]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { holdersOf, judgeReenrollments } from '@devtrust/collector/match/reenrollment';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService } from '@devtrust/collector/services/reenrollments';
import { Store } from '@devtrust/collector/store/store';
import { enrollFleet } from '../lib/reenrolled-fleet.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: first-page-profile.ts <dataDir> [pairs] [runs]');
const pairs = Number(process.argv[3] ?? 100_000);
const runs = Number(process.argv[4] ?? 3);
const ready = path.join(dataDir, `fleet-of-${pairs}`);
mkdirSync(dataDir, { recursive: true });
const store = await Store.open({ databaseUrl: null, dataDir });

/** What a statement shape cost: sent, answered, rows. */
interface Shape {
  statements: number;
  ms: number;
  rows: number;
}

try {
  if (!existsSync(ready)) {
    await enrollFleet(store, 'old', pairs, Date.now() - 3_600_000);
    await enrollFleet(store, 'new', pairs, Date.now() - 1_800_000);
    writeFileSync(ready, '');
  }
  const sentAt = new Map<string, number>();
  const shapes = new Map<string, Shape>();
  store.knex.on('query', (q: { __knexQueryUid: string }) => sentAt.set(q.__knexQueryUid, performance.now()));
  store.knex.on('query-response', (response: unknown, q: { __knexQueryUid: string; sql: string }) => {
    // One shape for every chunk of an `IN (…)` read, whatever its length.
    const shape = q.sql.replace(/\(\?(, \?)*\)/g, '(…)').slice(0, 140);
    const s = shapes.get(shape) ?? { statements: 0, ms: 0, rows: 0 };
    s.statements++;
    s.ms += performance.now() - (sentAt.get(q.__knexQueryUid) ?? performance.now());
    s.rows += Array.isArray(response) ? response.length : 0;
    shapes.set(shape, s);
    sentAt.delete(q.__knexQueryUid);
  });
  const step = async <T>(label: string, run: () => Promise<T> | T, byShape = false): Promise<T> => {
    shapes.clear();
    const started = performance.now();
    const out = await run();
    const ms = performance.now() - started;
    const all = [...shapes.values()];
    const sum = (f: (s: Shape) => number) => all.reduce((a, s) => a + f(s), 0);
    console.log(`${label}: ${ms.toFixed(0)} ms, ${sum((s) => s.statements)} statements, ${sum((s) => s.rows)} rows`);
    if (byShape)
      for (const [shape, s] of [...shapes].sort((a, b) => b[1].ms - a[1].ms))
        console.log(`    ${s.ms.toFixed(0)} ms, ${s.statements} statements, ${s.rows} rows: ${shape}`);
    return out;
  };
  const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
  for (let run = 1; run <= runs; run++) await step(`first page, run ${run}`, () => service.preview({}, { limit: 1_000 }));
  const pending = await step('  pending endpoints (pendingClaimants)', () => store.reenrollments.pendingClaimants());
  const ids = await step('  their predecessors (holdersOf)', () => [...new Set(pending.flatMap(holdersOf))]);
  const holders = await step('  the predecessors read (holders)', () => store.reenrollments.holders(ids), true);
  await step('  judged (judgeReenrollments)', () => judgeReenrollments(pending, holders, {}, { now: Date.now(), ms: 0 }));
} finally {
  await store.close();
}
