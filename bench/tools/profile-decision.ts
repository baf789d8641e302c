/**
 * Where a decision's CPU goes in the collector: starts a collector child on a fresh database
 * (as the bench's `decision` group does: a CSV inventory over 5 integrations, enrolled agents,
 * an application), takes decisions at a fixed rate, and over a measured window prints the
 * collector's CPU per decision (/proc), the statements it ran per decision by kind, and writes
 * a V8 CPU profile of that window only (read it with profile-summary.ts). Usage:
 *   node --import tsx bench/tools/profile-decision.ts [sqlite|postgres] [rate=200] [decisions=2000] [records=20000] [out=/tmp]
 * PostgreSQL through DEVTRUST_TEST_DATABASE_URL. CHILD_FLAGS: node options for the collector child.
 */
import path from 'node:path';
import { AppClient } from '../lib/admin.js';
import { loadAverage } from '../lib/cpu.js';
import { toolContext } from '../lib/tool-context.js';
import { percentile, sortedCopy } from '../lib/timing.js';
import { freshDatabase, startCollectorChild, type ServerChild } from '../lib/targets.js';
import { atRate, enrollFleet, loadInventory, type Fleet } from '../figures/decision.js';
import { cpuMsOf, runQueueWait, threadCpuMs } from '../lib/cpu.js';
import { identityOf, reportOf } from '../lib/devices.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const rate = Number(process.argv[3] ?? 200);
const count = Number(process.argv[4] ?? 2000);
const records = Number(process.argv[5] ?? 20_000);
const outDir = process.argv[6] ?? '/tmp';
const agentCount = Math.max(10, Math.ceil(rate / 5));

const { ctx, cleanup } = toolContext(kind);

try {
  const db = await freshDatabase(ctx, kind, 'profile-decision');
  // CHILD_FLAGS: node options for the collector child (V8 flags to try, `--perf-basic-prof` for `perf record -p PID`).
  const collector = await startCollectorChild(ctx, db, { nodeOptions: process.env.CHILD_FLAGS?.split(' ').filter(Boolean) });
  console.log(`collector child: pid ${collector.pid}`);
  await loadInventory(collector, records);
  const agents = await enrollFleet(ctx, collector.ready.url, agentCount, records);
  const app = await AppClient.create(collector.ready.url, { trustedEndpoints: 'require-trusted', blockCompromised: false });
  ctx.defer(() => app.close());
  const fleet: Fleet = { app, agents, pids: [collector.pid] };
  await atRate(fleet, rate, Math.min(count, 500));

  if (process.env.STEPS) await steps(fleet, collector);

  const file = path.join(outDir, `decision-${kind}-${Date.now()}.cpuprofile`);
  const threadsBefore = threadCpuMs(collector.pid);
  const queuedBefore = [runQueueWait(collector.pid), runQueueWait(process.pid)];
  const before = await collector.call<Record<string, number>>('statements', {});
  // NOPROFILE=1: the same window without the profiler (its sampling thread costs CPU of its own).
  const profiling = !process.env.NOPROFILE;
  if (profiling) await collector.call('profile-start', { intervalUs: 250 });
  await collector.call('loop-delay-start', {});
  await collector.call('gc-start', {});
  const run = await atRate(fleet, rate, count);
  const gc = await collector.call<Record<string, { count: number; totalMs: number; maxMs: number }>>('gc-stop', {});
  const loopDelay = await collector.call<{ p50: number; p99: number; max: number }>('loop-delay-stop', {});
  if (profiling) await collector.call('profile-stop', { file });
  const after = await collector.call<Record<string, number>>('statements', {});
  const threadsAfter = threadCpuMs(collector.pid);
  const queuedAfter = [runQueueWait(collector.pid), runQueueWait(process.pid)];

  const n = run.latencies.length;
  const perDecision = Object.entries(after)
    .map(([word, total]) => [word, (total - (before[word] ?? 0)) / n] as const)
    .filter(([, each]) => each > 0)
    .sort((a, b) => b[1] - a[1]);
  const sorted = sortedCopy(run.latencies);
  console.log(
    `${kind}, ${records} records, ${agentCount} agents: ${n} decisions at ${rate}/s in ${run.seconds.toFixed(1)} s ${JSON.stringify(run.verdicts)}`,
  );
  console.log(
    `collector CPU per decision: ${((run.collectorCpuMs ?? NaN) / n).toFixed(3)} ms; bench clients ${(run.benchCpuMs / n).toFixed(3)} ms`,
  );
  const all = perDecision.filter(([word]) => word !== '(through knex)');
  console.log(
    `statements per decision: ${all.reduce((a, [, each]) => a + each, 0).toFixed(2)} (${perDecision.map(([w, e]) => `${w} ${e.toFixed(2)}`).join(', ')})`,
  );
  console.log(
    `latency p50 ${percentile(sorted, 50)?.toFixed(1)} ms, p99 ${percentile(sorted, 99)?.toFixed(1)} ms; queued ${run.queued}; load ${run.load.map((l) => l.toFixed(2)).join(' → ')} (now ${loadAverage().toFixed(2)})`,
  );
  const stepNames = ['open', 'report', 'attest', 'read'];
  console.log(
    `steps p50 / p99 (ms): ${run.steps
      .map((each, i) => {
        const s = sortedCopy(each);
        return `${stepNames[i]} ${percentile(s, 50)?.toFixed(1)} / ${percentile(s, 99)?.toFixed(1)}`;
      })
      .join(', ')}`,
  );
  const threads = [...threadsAfter].map(([name, t]) => {
    const b = threadsBefore.get(name) ?? { user: 0, system: 0 };
    return `${name} ${((t.user - b.user) / n).toFixed(3)} user + ${((t.system - b.system) / n).toFixed(3)} system`;
  });
  console.log(`collector CPU per decision by thread (ms): ${threads.join('; ')}`);
  const queued = (label: string, before: Map<string, { waitMs: number; slices: number }>, after: typeof before): string =>
    `${label} ${[...after]
      .map(([name, t]) => {
        const b = before.get(name) ?? { waitMs: 0, slices: 0 };
        return [name, (t.waitMs - b.waitMs) / n, (t.slices - b.slices) / n] as const;
      })
      .filter(([, , slices]) => slices > 0.05)
      .map(([name, waitMs, slices]) => `${name} ${waitMs.toFixed(3)} ms / ${slices.toFixed(1)}`)
      .join(', ')}`;
  console.log(
    `waiting for a CPU per decision (run queue, ms / time slices): ${queued('collector', queuedBefore[0] as Map<string, never>, queuedAfter[0] as Map<string, never>)}; ${queued('bench', queuedBefore[1] as Map<string, never>, queuedAfter[1] as Map<string, never>)}`,
  );
  console.log(`event loop delay p50 ${loopDelay.p50} ms, p99 ${loopDelay.p99} ms, max ${loopDelay.max} ms`);
  console.log(
    `garbage collection: ${Object.entries(gc)
      .map(([kind, g]) => `${kind} ${g.count}× (${g.totalMs.toFixed(1)} ms, longest ${g.maxMs.toFixed(1)} ms)`)
      .join(', ')}`,
  );
  if (profiling) console.log(`profile: ${file}`);
} finally {
  await cleanup();
}

/**
 * STEPS=1: the collector's CPU per step, each step alone, every agent at once (so about as
 * much sharing per wake-up as at the bench's rate): open a transaction, a fresh report, an
 * attestation (of a transaction opened just before, whose CPU is subtracted), read it back,
 * GET /healthz (the HTTP layer with no work).
 */
async function steps(fleet: Fleet, collector: ServerChild): Promise<void> {
  const pid = collector.pid;
  const rounds = Number(process.env.STEPS_ROUNDS ?? 20);
  const measure = async (name: string, step: (agent: Fleet['agents'][number], round: number) => Promise<unknown>): Promise<number> => {
    const profiled = process.env.STEPS === name;
    if (profiled) await collector.call('profile-start', { intervalUs: 100 });
    const before = cpuMsOf(pid) as number;
    const threadsBefore = threadCpuMs(pid);
    for (let round = 0; round < rounds; round++) await Promise.all(fleet.agents.map((agent) => step(agent, round)));
    const n = rounds * fleet.agents.length;
    const each = ((cpuMsOf(pid) as number) - before) / n;
    const threads = [...threadCpuMs(pid)].map(([thread, t]) => {
      const b = threadsBefore.get(thread) ?? { user: 0, system: 0 };
      return `${thread} ${((t.user + t.system - b.user - b.system) / n).toFixed(3)}`;
    });
    if (profiled) await collector.call('profile-stop', { file: path.join(outDir, `step-${name}.cpuprofile`) });
    console.log(`step ${name.padEnd(12)} ${each.toFixed(3)} ms of collector CPU (${threads.join(', ')})`);
    return each;
  };
  const user = (agent: Fleet['agents'][number]) => `user${agent.device}@example.com`;
  const opened: string[][] = fleet.agents.map(() => []);
  const open = await measure('open', async (agent) => opened[fleet.agents.indexOf(agent)]?.push(await fleet.app.open(user(agent))));
  await measure('report', (agent) => agent.client.report(reportOf(agent.device, identityOf(agent.device))));
  await measure('attest', (agent, round) => agent.client.attest(opened[fleet.agents.indexOf(agent)]?.[round] as string));
  await measure('read', (agent, round) => fleet.app.read(opened[fleet.agents.indexOf(agent)]?.[round] as string));
  const all = await measure('open+attest', async (agent) => agent.client.attest(await fleet.app.open(user(agent))));
  console.log(`step attest (from open+attest − open) ${(all - open).toFixed(3)} ms`);
  const base = new URL(fleet.app['baseUrl' as keyof typeof fleet.app] as unknown as string);
  await measure('healthz', () => fetch(new URL('/healthz', base)).then((r) => r.text()));
}
