/**
 * Releasing re-enrolled devices with `pairs` of them pending approval (each device's old key
 * reported, then its new key reported the same identifiers), on a fresh database: the time of
 * one release alone (EndpointsRepo.release: the old key's bindings end, its newcomer is judged
 * again and approved), the preview of the rest (every call judges the pending set first), then
 * how many pairs a bulk release call (ReenrollmentService.release, what
 * POST /admin/v1/reenrollments/release runs, with its 5 s budget) releases, and the walk through
 * every preview page at limit 1,000 (what devtrustctl and the console read first), each page
 * judging everything as before and as now. The keys enroll 1 ms apart (a fleet re-enrolls over
 * minutes, not in one millisecond). All are wall
 * times in this process: compare them only with figures from the same run and load. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/bulk-release.ts [sqlite|postgres] [pairs] [calls] [singles]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EndpointService } from '@devtrust/collector/services/endpoints';
import { ReenrollmentService, MAX_RELEASES_PER_CALL, type ReenrollmentPreview } from '@devtrust/collector/services/reenrollments';
import type { KeysetPosition } from '@devtrust/collector/domain/paging';
import type { ReenrollmentWindow } from '@devtrust/collector/domain/reenrollment';
import { Store } from '@devtrust/collector/store/store';
import { freshPostgresDatabase } from '../../test/support/postgres.js';
import { enrollFleet } from '../lib/reenrolled-fleet.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const pairs = Number(process.argv[3] ?? 10_000);
const calls = Number(process.argv[4] ?? 2);
const singles = Number(process.argv[5] ?? 50);
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-bulk-release-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const store = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });
const actor = { kind: 'api-key' as const, keyId: 'key_bench', keyName: 'bench', address: '127.0.0.1', userAgent: null };

/** A release call as before: the named pairs looked up in a judgement of every pending endpoint. */
class WholeSet extends ReenrollmentService {
  override judgeNamed(window: ReenrollmentWindow): ReturnType<ReenrollmentService['judgeNamed']> {
    return this.judge(window);
  }
}

/** The preview as before: every page judged every pending endpoint, then showed its slice. */
class WholeSetPages extends ReenrollmentService {
  override async preview(
    window: ReenrollmentWindow,
    page: { limit: number; after?: KeysetPosition<string> },
  ): Promise<ReenrollmentPreview> {
    const { candidates, skipped } = await this.judge(window);
    const after = page.after;
    const rest = after
      ? candidates.filter((c) => c.newcomer.enrolledAt > after.at || (c.newcomer.enrolledAt === after.at && c.newcomer.id > after.id))
      : candidates;
    const shown = rest.slice(0, page.limit);
    const last = shown[shown.length - 1];
    return {
      candidates: shown,
      candidateCount: candidates.length,
      skipped: after ? [] : skipped.slice(0, page.limit),
      skippedCount: skipped.length,
      skippedByReason: {},
      next: rest.length > page.limit && last ? { at: last.newcomer.enrolledAt, id: last.newcomer.id } : null,
    };
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

try {
  const setupStarted = performance.now();
  const olds = await enrollFleet(store, 'old', pairs, Date.now() - 3_600_000);
  const news = await enrollFleet(store, 'new', pairs, Date.now() - 1_800_000);
  if (pgDb) await store.knex.raw('analyze');
  const pending = Number((await store.knex('endpoints').where({ approval: 'pending' }).count({ n: '*' }).first())?.n);
  console.log(`${kind}: ${pairs} pairs, ${pending} pending (set up in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`);

  // One release at a time, of the last pairs, while (nearly) all the others still wait.
  const times: number[] = [];
  for (let i = pairs - singles; i < pairs; i++) {
    const t = performance.now();
    const done = await store.endpoints.release(olds[i] as string, Date.now());
    times.push(performance.now() - t);
    if (!done?.released || done.freed[0] !== news[i]) throw new Error(`release of ${olds[i]} did not free ${news[i]}`);
  }
  console.log(
    `single release: median ${median(times).toFixed(1)} ms, mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)} ms over ${singles}`,
  );

  // Bulk release calls, each naming the next MAX_RELEASES_PER_CALL predecessors: first as the
  // collector did before 2026-12-06 (each call judged the whole pending set first, what
  // WholeSet does), then as it does now (only the pairs named), on the same fleet and load.
  const service = new ReenrollmentService(store, new EndpointService(store), { quietMs: 0 });
  const wholeSet = new WholeSet(store, new EndpointService(store), { quietMs: 0 });
  const judged = performance.now();
  const preview = await service.preview({}, { limit: 1 });
  console.log(`preview of ${preview.candidateCount} candidates: ${((performance.now() - judged) / 1000).toFixed(2)} s`);
  // Every preview page at limit 1,000, as devtrustctl and the console read them before a
  // release: each page judging the whole pending set (as before 2026-12-07), then as now.
  let rows = 0;
  store.knex.on('query-response', (response: unknown) => {
    if (Array.isArray(response)) rows += response.length;
  });
  const walks: string[][] = [];
  for (const [label, previewer] of [
    ['every page judges everything', new WholeSetPages(store, new EndpointService(store), { quietMs: 0 })],
    ['later pages judge their page', service],
  ] as const) {
    const seen: string[] = [];
    const pageTimes: number[] = [];
    rows = 0;
    const t = performance.now();
    let after: KeysetPosition<string> | undefined;
    do {
      const p = performance.now();
      const page = await previewer.preview({}, { limit: MAX_RELEASES_PER_CALL, ...(after ? { after } : {}) });
      pageTimes.push(performance.now() - p);
      seen.push(...page.candidates.map((c) => `${c.predecessor.id}>${c.newcomer.id}`));
      after = page.next ?? undefined;
    } while (after);
    walks.push(seen);
    console.log(
      `preview walk at limit ${MAX_RELEASES_PER_CALL} (${label}): ${pageTimes.length} pages, ${seen.length} candidates in ` +
        `${((performance.now() - t) / 1000).toFixed(2)} s (first page ${((pageTimes[0] ?? 0) / 1000).toFixed(2)} s, later pages median ` +
        `${(median(pageTimes.slice(1)) / 1000).toFixed(3)} s), ${rows} rows read`,
    );
  }
  if (JSON.stringify(walks[0]) !== JSON.stringify(walks[1])) throw new Error('the two walks listed different candidates');
  // What a call naming 1,000 pairs judges before its first release, both ways: time, and rows
  // read (a count the machine's load does not change).
  const first = olds.slice(0, Math.min(MAX_RELEASES_PER_CALL, pairs - singles));
  for (const [label, judge] of [
    ['whole-set', () => wholeSet.judgeNamed({})],
    ['named', () => service.judgeNamed({}, first)],
  ] as const) {
    rows = 0;
    const t = performance.now();
    const judgement = await judge();
    const candidates = judgement.candidates.filter((c) => first.includes(c.predecessor.id)).length;
    console.log(
      `judgement before a call naming ${first.length} (${label}): ${((performance.now() - t) / 1000).toFixed(2)} s, ${rows} rows read, ${candidates} of them candidates`,
    );
  }
  let next = 0;
  for (const [label, caller] of [
    ['whole-set', wholeSet],
    ['named', service],
  ] as const)
    for (let call = 1; call <= calls; call++) {
      const named = olds.slice(next, Math.min(next + MAX_RELEASES_PER_CALL, pairs - singles));
      const t = performance.now();
      const result = await caller.release({}, named, actor);
      const ms = performance.now() - t;
      next += result.released.length;
      console.log(
        `bulk call ${call} (${label}): ${result.released.length} pairs released in ${(ms / 1000).toFixed(2)} s ` +
          `(${result.unreached.length} unreached, ${result.notReleased.length} not released), ${(ms / Math.max(1, result.released.length)) | 0} ms/pair`,
      );
    }
} finally {
  await store.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
