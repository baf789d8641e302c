/**
 * One Kandji sync into a bench collector child, as `sync.devices_per_s` / `sync.peak_rss_mb`
 * run it (loopback Kandji in this process, the collector child the bench starts), at any size,
 * printing what depends little on how busy the machine is: the child's peak RSS, its CPU time
 * (all threads, and the main thread alone) per 1,000 devices, and its V8 heap spaces after.
 * With `driver`, the bare layer's child (driver-insert.ts) writes as many rows after it.
 * Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/rss-sync.ts [sqlite|postgres] [devices] [driver]
 * CHILD_FLAGS='--trace-gc …' are given to the child's node (e.g. to try V8 flags); CHILD_OUTPUT=FILE
 * keeps the child's output in FILE; PROFILE=DIR writes a CPU profile of the collector during the sync
 * into DIR (bench/tools/profile-summary.ts reads it).
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { admin } from '../lib/admin.js';
import { toolContext } from '../lib/tool-context.js';
import { BenchChild, cpuOf, RssSampler } from '../lib/proc.js';
import { loadAverage, ownCpuMs, threadCpuMs } from '../lib/cpu.js';
import { freshDatabase, startCollectorChild, type DbKind } from '../lib/targets.js';
import { sleep } from '../lib/timing.js';

const kind: DbKind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const devices = Number(process.argv[3] ?? 200_000);

const { ctx, cleanup } = toolContext(kind, 'full');

type Threads = Map<string, { user: number; system: number }>;
/** CPU per 1,000 devices by thread (main, libuv's pool, V8's helpers) between two readings. */
function byThread(before: Threads, after: Threads, count: number): string {
  return [...after]
    .map(([name, t]) => {
      const was = before.get(name) ?? { user: 0, system: 0 };
      return [name, ((t.user + t.system - was.user - was.system) / count) * 1000] as const;
    })
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
    .join(', ');
}

try {
  const kandji = await import('../../collector/test/vendors/mdm/kandji.js');
  const kit = await import('../../collector/test/vendors/mdm/server-kit.js');
  const apiToken = 'bench-kandji-api-token-0001';
  const vendor = await kandji.startKandjiServer({ apiToken, inventory: kit.syntheticInventory(devices, kandji.kandjiDevice) });
  ctx.defer(() => vendor.close());
  const db = await freshDatabase(ctx, kind, `rss-sync-${kind}`);
  const collector = await startCollectorChild(ctx, db, { nodeOptions: process.env.CHILD_FLAGS?.split(' ').filter(Boolean) });
  const url = collector.ready.url;
  // The child's own output (e.g. NODE_OPTIONS=--trace-gc) into a file, when asked.
  if (process.env.CHILD_OUTPUT) {
    const out = createWriteStream(process.env.CHILD_OUTPUT);
    collector.child.stdout?.pipe(out);
    collector.child.stderr?.pipe(out);
  }
  const idle = collector.memory();
  const body = await admin(url, 'POST', '/admin/v1/integrations', {
    kind: 'kandji',
    name: 'Bench Kandji',
    platforms: ['macos', 'ios'],
    config: { baseUrl: vendor.url, apiToken, detailsPerHour: 0 },
  });
  const sampler = new RssSampler(collector.pid, 50);
  if (process.env.PROFILE) await collector.call('profile-start', { intervalUs: 500 });
  const cpuBefore = cpuOf(collector.pid);
  const threadsBefore = threadCpuMs(collector.pid);
  const statementsBefore = await collector.call<Record<string, number>>('statements', {});
  const benchBefore = ownCpuMs();
  const loadBefore = loadAverage();
  const { syncId } = await admin(url, 'POST', `/admin/v1/integrations/${body.id}/sync`);
  let run: { status: string; pages: number; devices: number; startedAt: number; finishedAt: number | null; error: string | null };
  for (;;) {
    run = await admin(url, 'GET', `/admin/v1/integrations/${body.id}/syncs/${syncId}`);
    if (run.status !== 'running') break;
    await sleep(250);
  }
  const peakKb = sampler.stop();
  if (process.env.PROFILE) {
    const file = path.join(process.env.PROFILE, `rss-sync-${kind}-${Date.now()}.cpuprofile`);
    await collector.call('profile-stop', { file });
    console.log(`profile: ${file}`);
  }
  if (process.env.CHILD_SIGNAL) {
    process.kill(collector.pid, process.env.CHILD_SIGNAL);
    await sleep(2_000);
  }
  const cpuAfter = cpuOf(collector.pid);
  const threadsAfter = threadCpuMs(collector.pid);
  const benchMs = ownCpuMs() - benchBefore;
  if (run.status !== 'succeeded') throw new Error(`sync ${run.status}: ${run.error}`);
  const seconds = ((run.finishedAt ?? Date.now()) - run.startedAt) / 1000;
  const perK = (ms: number) => ((ms / run.devices) * 1000).toFixed(1);
  console.log(
    `${kind}: ${run.devices} devices in ${seconds.toFixed(1)} s = ${Math.round(run.devices / seconds)}/s; RSS idle ${Math.round((idle?.rssKb ?? NaN) / 1024)} MB, peak ${Math.round(peakKb / 1024)} MB`,
  );
  if (cpuBefore && cpuAfter)
    console.log(
      `child CPU per 1,000 devices: ${perK(cpuAfter.totalMs - cpuBefore.totalMs)} ms all threads, ${perK(cpuAfter.mainMs - cpuBefore.mainMs)} ms main thread`,
    );
  console.log(`  by thread: ${byThread(threadsBefore, threadsAfter, run.devices)}`);
  // More INSERTs than pages: parts were cut smaller because the store was busy (background-writes.ts).
  const statementsAfter = await collector.call<Record<string, number>>('statements', {});
  const inserts = (statementsAfter.INSERT ?? 0) - (statementsBefore.INSERT ?? 0);
  console.log(`${run.pages} pages, ${inserts} INSERTs`);
  console.log(
    `this process (the loopback Kandji, polling): ${perK(benchMs)} ms per 1,000 devices; load average ${loadBefore.toFixed(1)} → ${loadAverage().toFixed(1)}`,
  );
  if (process.argv[4] === 'driver') {
    const driverDb = await freshDatabase(ctx, kind, `rss-sync-driver-${kind}`);
    const child = await BenchChild.start('driver-insert.ts', {
      env: { BENCH_DATA_DIR: driverDb.dataDir, BENCH_DATABASE_URL: driverDb.databaseUrl ?? '' },
    });
    ctx.defer(() => child.stop());
    const driverSampler = new RssSampler(child.pid, 50);
    const before = cpuOf(child.pid);
    const driverThreadsBefore = threadCpuMs(child.pid);
    const started = Date.now();
    await child.call('run', { count: devices }, 30 * 60_000);
    const driverSeconds = (Date.now() - started) / 1000;
    const after = cpuOf(child.pid);
    const driverThreadsAfter = threadCpuMs(child.pid);
    console.log(
      `driver: ${devices} rows in ${driverSeconds.toFixed(1)} s = ${Math.round(devices / driverSeconds)}/s (ratio ${(run.devices / seconds / (devices / driverSeconds)).toFixed(2)}); peak ${Math.round(driverSampler.stop() / 1024)} MB`,
    );
    if (before && after)
      console.log(
        `driver CPU per 1,000 rows: ${perK(after.totalMs - before.totalMs)} ms all threads, ${perK(after.mainMs - before.mainMs)} ms main thread`,
      );
    console.log(`  by thread: ${byThread(driverThreadsBefore, driverThreadsAfter, devices)}; load average now ${loadAverage().toFixed(1)}`);
  }
} finally {
  await cleanup();
}
