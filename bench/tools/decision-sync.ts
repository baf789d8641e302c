/**
 * Where a decision waits while a vendor sync commits: a collector child set up as the bench's
 * `decision` group sets it up (a CSV inventory over 5 integrations, enrolled agents, one
 * application), then, `rounds` times, decisions at `rate` with no sync and the same decisions
 * beside a Kandji sync (`decision.p99_during_sync_ms`). Prints for each: the latency p50 / p99 /
 * max, each step's p50 / p99 (open, report, attest, read), the collector's event-loop delays,
 * its CPU by thread and PostgreSQL's backends' CPU over the window, and the sync's rate.
 * `PROFILE=DIR` writes a V8 CPU profile of the collector during each sync; `CHILD_FLAGS` and
 * `CHILD_OUTPUT` as in rss-sync.ts (e.g. `--trace-gc`). Usage:
 *   node --import tsx bench/tools/decision-sync.ts [sqlite|postgres] [rate=50] [decisions=75] [syncDevices=30000] [records=20000] [rounds=1]
 * PostgreSQL through DEVTRUST_TEST_DATABASE_URL.
 */
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppClient } from '../lib/admin.js';
import { loadAverage, statCpuMs, threadCpuMs } from '../lib/cpu.js';
import { toolContext } from '../lib/tool-context.js';
import { now, percentile, sortedCopy } from '../lib/timing.js';
import { freshDatabase, startCollectorChild } from '../lib/targets.js';
import { atRate, decisionsBesideSync, enrollFleet, loadInventory, type Fleet, type Run } from '../figures/decision.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const rate = Number(process.argv[3] ?? 50);
const count = Number(process.argv[4] ?? 75);
const syncDevices = Number(process.argv[5] ?? 30_000);
const records = Number(process.argv[6] ?? 20_000);
const rounds = Number(process.argv[7] ?? 1);
const agentCount = Math.max(10, Math.ceil(rate / 2.5));

const { ctx, cleanup } = toolContext(kind);

try {
  const db = await freshDatabase(ctx, kind, 'decision-sync');
  const collector = await startCollectorChild(ctx, db, { nodeOptions: process.env.CHILD_FLAGS?.split(' ').filter(Boolean) });
  // The child's own output (e.g. CHILD_FLAGS=--trace-gc) into a file, when asked.
  if (process.env.CHILD_OUTPUT) {
    const out = createWriteStream(process.env.CHILD_OUTPUT);
    collector.child.stdout?.pipe(out);
    collector.child.stderr?.pipe(out);
  }
  await loadInventory(collector, records);
  const agents = await enrollFleet(ctx, collector.ready.url, agentCount, records);
  const app = await AppClient.create(collector.ready.url, { trustedEndpoints: 'require-trusted', blockCompromised: false });
  ctx.defer(() => app.close());
  const fleet: Fleet = { app, agents, pids: [collector.pid] };
  await atRate(fleet, rate, Math.min(count, 200));

  for (let round = 1; round <= rounds; round++) {
    const window = async (label: string, body: () => Promise<{ run: Run; extra: string }>): Promise<void> => {
      const threadsBefore = threadCpuMs(collector.pid);
      const pgBefore = postgresCpuMs();
      const statementsBefore = await collector.call<Record<string, number>>('statements', {});
      await collector.call('loop-delay-start', {});
      await collector.call('pool-trace-start', {});
      const started = now();
      const { run, extra } = await body();
      const ms = now() - started;
      const delay = await collector.call<{ p50: number; p99: number; max: number }>('loop-delay-stop', {});
      const pool = await collector.call<Record<string, { n: number; waitP50: number; waitP99: number; holdP50: number; holdP99: number }>>(
        'pool-trace-stop',
        {},
      );
      const statementsAfter = await collector.call<Record<string, number>>('statements', {});
      const threads = [...threadCpuMs(collector.pid)]
        .map(([name, t]) => {
          const before = threadsBefore.get(name) ?? { user: 0, system: 0 };
          return [name, t.user + t.system - before.user - before.system] as const;
        })
        .filter(([, used]) => used > 0)
        .map(([name, used]) => `${name} ${((used / ms) * 100).toFixed(0)} %`);
      const pg = kind === 'postgres' ? `; PostgreSQL backends ${(((postgresCpuMs() - pgBefore) / ms) * 100).toFixed(0)} % of a core` : '';
      const sorted = sortedCopy(run.latencies);
      const f = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(1));
      const stepNames = ['open', 'report', 'attest', 'read'];
      const statements = Object.entries(statementsAfter)
        .map(([word, total]) => [word, total - (statementsBefore[word] ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .map(([word, n]) => `${word} ${n}`)
        .join(', ');
      console.log(
        `[${round}] ${label}: ${run.latencies.length} decisions, p50 ${f(percentile(sorted, 50))} p99 ${f(percentile(sorted, 99))} max ${f(sorted.at(-1))} ms; ` +
          `steps p50/p99 ${run.steps.map((each, i) => `${stepNames[i]} ${f(percentile(sortedCopy(each), 50))}/${f(percentile(sortedCopy(each), 99))}`).join(', ')}; ` +
          `loop delay p50/p99/max ${delay.p50}/${delay.p99}/${delay.max} ms (the bench's own p99/max ${run.benchLoopDelay.p99.toFixed(1)}/${run.benchLoopDelay.max.toFixed(1)}); CPU ${threads.join(', ')}${pg}; statements ${statements}; ` +
          `load ${loadAverage().toFixed(2)}${extra}`,
      );
      if (process.env.POOL)
        for (const [label, p] of Object.entries(pool).sort((a, b) => b[1].n - a[1].n))
          console.log(
            `    ${label.padEnd(40)} n ${p.n}  wait p50/p99 ${p.waitP50}/${p.waitP99}  held p50/p99 ${p.holdP50}/${p.holdP99} ms`,
          );
    };
    await window('quiet', async () => ({ run: await atRate(fleet, rate, count), extra: '' }));
    const profile = process.env.PROFILE;
    if (profile) await collector.call('profile-start', { intervalUs: 500 });
    const started = now();
    await window('during sync', async () => {
      const beside = await decisionsBesideSync(ctx, collector.ready.url, fleet, rate, count, syncDevices);
      const s = (now() - started) / 1000;
      return {
        run: beside.run,
        extra:
          `; sync ${beside.sync.status}, ${beside.sync.devices} devices (${(beside.sync.devices / s).toFixed(0)}/s), ` +
          `${beside.besideDecisions.devices} while the decisions ran (${(beside.besideDecisions.devices / beside.besideDecisions.seconds).toFixed(0)}/s)`,
      };
    });
    if (profile) {
      const file = path.join(profile, `decision-sync-${kind}-${round}-${Date.now()}.cpuprofile`);
      await collector.call('profile-stop', { file });
      console.log(`profile: ${file}`);
    }
  }
} finally {
  await cleanup();
}

/** CPU time (ms) of every process named `postgres` on the machine (the server and its backends). */
function postgresCpuMs(): number {
  let sum = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) continue;
      const { user, system } = statCpuMs(stat);
      sum += user + system;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}
