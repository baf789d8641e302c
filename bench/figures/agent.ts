import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { admin, ENROLLMENT_KEY } from '../lib/admin.js';
import { figure, notRun, scaled, type BenchContext, type Figure, type FigureGroup } from '../lib/figure.js';
import { freePort } from '../../test/support/ports.js';
import { BenchChild, memoryOf, newestMtime, ROOT, spawnTracked } from '../lib/proc.js';
import { freshDatabase, startBareChild, startCollectorChild } from '../lib/targets.js';
import { median, now, sleep, waitFor } from '../lib/timing.js';

/**
 * How long the agent idles after its first report is stored before its RSS is read: 5 s at full
 * scale; 2 s at small, a smoke value (the figure the README's table gives is the full run's).
 */
export const IDLE_AFTER_REPORT_MS = { full: 5_000, small: 2_000 };
/** Plain Node with one idle socket has nothing to settle; a short pause is enough. */
const BARE_SETTLE_MS = 2_000;

/** agent.collect_ms: median wall time of `collectDevice()` on this machine (first call discarded). */
async function collectMs(ctx: BenchContext): Promise<Figure> {
  const { collectDevice } = await import('@devtrust/agent/collect/index');
  const runs = scaled(ctx, 10, 3);
  await collectDevice();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = now();
    await collectDevice();
    samples.push(now() - start);
  }
  ctx.log(`collectDevice: ${samples.map((s) => s.toFixed(1)).join(', ')} ms`);
  return figure('agent.collect_ms', '-', median(samples), 'ms', null, {
    note: `${process.platform}; no bare-layer limit`,
    detail: { runs, minMs: Math.min(...samples), maxMs: Math.max(...samples) },
  });
}

/**
 * agent.idle_rss_mb: the shipped headless agent (agent/bin/devtrust-agent.js, the compiled
 * build) against a collector child; once its first report is stored, wait 5 s (2 s at small
 * scale) and read its RSS. Limit: plain Node holding one `ws` connection.
 */
async function idleRssMb(ctx: BenchContext): Promise<Figure> {
  const bin = path.join(ROOT, 'agent/bin/devtrust-agent.js');
  const dist = path.join(ROOT, 'agent/dist');
  let distMtime = 0;
  try {
    distMtime = newestMtime(dist, '.js');
  } catch {
    return notRun('agent.idle_rss_mb', '-', 'MB', 'agent/dist is missing: build first (npx tsc -b)');
  }
  const stale = newestMtime(path.join(ROOT, 'agent/src'), '.ts') > distMtime;

  // Limit: plain Node + ws, one idle connection (to a bare ws server, which has no auth timeout).
  // Started first, beside the collector and the agent's own start: both values are memory,
  // which another process's CPU does not move, and it is settled before the agent's window ends.
  const limit = (async () => {
    const bare = await startBareChild(ctx);
    const idle = await BenchChild.start('bare-agent.mjs', { args: [`ws://127.0.0.1:${bare.ready.port}/agent/v1`], tsx: false, gc: false });
    ctx.defer(() => idle.stop());
    await sleep(BARE_SETTLE_MS);
    return idle;
  })();
  // Read below, after the agent's wait: a failure meanwhile is not an unhandled rejection.
  limit.catch(() => undefined);
  const db = await freshDatabase(ctx, 'sqlite', 'agent');
  const collector = await startCollectorChild(ctx, db);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-bench-agentdata-'));
  ctx.defer(() => rmSync(dataDir, { recursive: true, force: true }));
  const { child, exited } = spawnTracked(process.execPath, [
    bin,
    '--collector',
    collector.ready.url,
    '--enrollment-key',
    ENROLLMENT_KEY,
    '--data-dir',
    dataDir,
    '--loopback-port',
    String(await freePort()),
    '--log-level',
    'silent',
  ]);
  ctx.defer(async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`devtrust-agent exited with ${child.exitCode}`);
      const list = await admin(collector.ready.url, 'GET', '/admin/v1/endpoints');
      return list.endpoints.some((e: { agentVersion: string | null }) => e.agentVersion !== null);
    },
    'the headless agent to enroll and report',
    30_000,
    100,
  );
  await sleep(IDLE_AFTER_REPORT_MS[ctx.scale]);
  const agentRss = memoryOf(child.pid as number);
  if (!agentRss) throw new Error('cannot read the agent process memory (/proc)');
  const bareRss = (await limit).memory();
  const mb = (kb: number | undefined): number | null => (kb === undefined || !Number.isFinite(kb) ? null : kb / 1024);
  return figure('agent.idle_rss_mb', '-', mb(agentRss.rssKb), 'MB', mb(bareRss?.rssKb), {
    ...(stale ? { note: 'agent/dist is older than agent/src: run npx tsc -b for current figures' } : {}),
    detail: { agentPeakMb: mb(agentRss.hwmKb) },
  });
}

export const agentGroup: FigureGroup = {
  id: 'agent',
  names: ['agent.collect_ms', 'agent.idle_rss_mb'],
  timeoutMs: 120_000,
  async run(ctx) {
    const out: Figure[] = [];
    if (ctx.wants('agent.collect_ms'))
      out.push(await collectMs(ctx).catch((e: Error) => notRun('agent.collect_ms', '-', 'ms', `failed: ${e.message}`)));
    if (ctx.wants('agent.idle_rss_mb'))
      out.push(await idleRssMb(ctx).catch((e: Error) => notRun('agent.idle_rss_mb', '-', 'MB', `failed: ${e.message}`)));
    return out;
  },
};
