/**
 * Where `reports.per_s` spends its CPU, collector against the bare layer: rounds of the
 * figure's closed loop (200 sessions sending reports back to back, each on a fresh database),
 * a collector child then the bare `ws` + batched-insert child, and per acked report the CPU of
 * each party over the measured window (/proc): the server's threads by name (`main`, V8's
 * helpers, libuv's pool), PostgreSQL's backends serving that database (and its
 * background processes) and this process (the clients: signing, MACs, canonical JSON). On two cores the
 * rate is what all three leave each other, so the ratio moves with the load and the CPU per
 * report is what compares between runs. Also the collector's statements per report. Usage:
 *   node --import tsx bench/tools/profile-reports.ts [sqlite|postgres] [sessions=200] [seconds=10] [rounds=2]
 * PostgreSQL through DEVTRUST_TEST_DATABASE_URL. CHILD_FLAGS: node options for the collector
 * child (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`, `--perf-basic-prof` for `perf record`, `--trace-gc`),
 * CHILD_OUTPUT=FILE: the collector child's output into FILE. HEAP=FILE: V8's sampling heap profile
 * of the collector over the measured window into FILE.N (round N), and the bytes it allocated per
 * report by function (HEAP_OLD=1: only objects that outlived the young generation).
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { generateDeviceKey } from '@devtrust/shared/crypto';
import { ChannelClient } from '../lib/channel-client.js';
import { loadAverage, ownCpuMs, statCpuMs, threadCpuMs } from '../lib/cpu.js';
import { identityOf, reportOf } from '../lib/devices.js';
import { toolContext } from '../lib/tool-context.js';
import {
  freshDatabase,
  preEnroll,
  startBareChild,
  startCollectorChild,
  type BenchDatabase,
  type Enrolled,
  type ServerChild,
} from '../lib/targets.js';
import { now, runPool, sleep } from '../lib/timing.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const sessions = Number(process.argv[3] ?? 200);
const seconds = Number(process.argv[4] ?? 10);
const rounds = Number(process.argv[5] ?? 2);
const heapBase = process.env.HEAP ?? null;
let heapFile: string | null = null;
const childFlags = (process.env.CHILD_FLAGS ?? '').split(' ').filter(Boolean);

/**
 * CPU (ms) of PostgreSQL's processes, by pid: the backends serving `db` (other databases'
 * clients, such as another bench, are left out) and the server's own processes (WAL writer,
 * checkpointer…), which every client shares.
 */
async function postgresCpuMs(db: BenchDatabase): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const { rows } = (await db.knex().raw('select pid from pg_stat_activity where datname = current_database() or datname is null')) as {
    rows: { pid: number }[];
  };
  for (const pid of rows.map((r) => String(r.pid))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const { user, system } = statCpuMs(stat);
      out.set(pid, user + system);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** What PostgreSQL's processes used between two readings (a backend that ended meanwhile is left out). */
function postgresBetween(a: Map<string, number>, b: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of b) total += ms - (a.get(pid) ?? 0);
  return total;
}

interface Sample {
  at: number;
  threads: Map<string, number>;
  postgres: Map<string, number>;
  own: number;
  statements: Record<string, number> | null;
}

async function sample(server: ServerChild, db: BenchDatabase, withStatements: boolean): Promise<Sample> {
  const threads = new Map([...threadCpuMs(server.pid)].map(([name, t]) => [name, t.user + t.system]));
  return {
    at: now(),
    threads,
    postgres: kind === 'postgres' ? await postgresCpuMs(db) : new Map(),
    own: ownCpuMs(),
    statements: withStatements ? await server.call<Record<string, number>>('statements', {}) : null,
  };
}

async function closedLoop(
  label: string,
  server: ServerChild,
  db: BenchDatabase,
  agents: Enrolled[],
  withStatements: boolean,
): Promise<number> {
  const clients = await Promise.all(
    agents.map(async (agent) => {
      const client = await ChannelClient.connect(server.ready.url, agent.keys);
      await client.auth(agent.endpointId);
      return client;
    }),
  );
  const warmEnd = now() + 1_000;
  const end = warmEnd + seconds * 1000;
  let acked = 0;
  let from: Sample | null = null;
  let to: Sample | null = null;
  const heap = withStatements ? heapFile : null;
  const marks = [
    setTimeout(() => {
      if (heap) void server.call('heap-sample-start', { young: !process.env.HEAP_OLD });
      void sample(server, db, withStatements).then((s) => (from = s));
    }, warmEnd - now()),
    setTimeout(() => {
      if (heap) void server.call('heap-sample-stop', { file: heap }).then(() => (heapDone = true));
      void sample(server, db, withStatements).then((s) => (to = s));
    }, end - now()),
  ];
  let heapDone = false;
  await runPool(clients, clients.length, async (client, i) => {
    const identity = identityOf(i);
    while (now() < end) {
      await client.report(reportOf(i, identity));
      const t = now();
      if (t >= warmEnd && t < end) acked++;
    }
  });
  for (const mark of marks) clearTimeout(mark);
  to ??= await sample(server, db, withStatements);
  while (!from || (heap && !heapDone)) await sleep(10);
  for (const client of clients) client.terminate();
  await server.kill();
  const [a, b] = [from as Sample, to as Sample];
  const per = (ms: number): string => ((ms * 1000) / acked).toFixed(1);
  const threads = [...b.threads]
    .map(([name, ms]) => [name, ms - (a.threads.get(name) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((x, y) => y[1] - x[1]);
  const total = threads.reduce((sum, [, ms]) => sum + ms, 0);
  const rate = acked / seconds;
  console.log(
    `${label}: ${rate.toFixed(0)}/s (load ${loadAverage().toFixed(1)}); µs per report: server ${per(total)} ` +
      `(${threads.map(([name, ms]) => `${name} ${per(ms)}`).join(', ')})` +
      (kind === 'postgres' ? `, postgres ${per(postgresBetween(a.postgres, b.postgres))}` : '') +
      `, clients ${per(b.own - a.own)}`,
  );
  if (a.statements && b.statements) {
    const counts = Object.entries(b.statements)
      .map(([word, n]) => [word, n - ((a.statements as Record<string, number>)[word] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([word, n]) => `${word} ${n} (${(acked / n).toFixed(1)} reports each)`);
    console.log(`  statements: ${counts.join(', ')}`);
  }
  if (heap) summariseHeap(heap, acked);
  return rate;
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated per report, by allocating function (self), from a sampling heap profile. */
function summariseHeap(file: string, reports: number): void {
  const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|collector|shared)\//, '$1/')}:${lineNumber + 1}`;
    if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(head);
  console.log(`  allocated (sampled): ${Math.round(total / reports)} bytes per report; by function:`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`    ${String(Math.round(bytes / reports)).padStart(6)} B  ${site}`);
  }
}

const { ctx, cleanup } = toolContext(kind, 'full');
try {
  for (let round = 1; round <= rounds; round++) {
    const db = await freshDatabase(ctx, kind, `profile-reports-${kind}`);
    const enrolled = await preEnroll(db, sessions);
    const child = await startCollectorChild(ctx, db, { nodeOptions: childFlags });
    if (process.env.CHILD_OUTPUT) {
      const out = createWriteStream(`${process.env.CHILD_OUTPUT}.${round}`);
      child.child.stdout?.pipe(out);
      child.child.stderr?.pipe(out);
    }
    heapFile = heapBase ? `${heapBase}.${round}` : null;
    const collector = await closedLoop(`round ${round} collector/${kind}`, child, db, enrolled, true);
    await sleep(500);
    const bareDb = await freshDatabase(ctx, kind, `profile-reports-bare-${kind}`);
    const agents = Array.from({ length: sessions }, (_, i) => ({ endpointId: `ep_bare_${i}`, keys: generateDeviceKey() }));
    const bare = await closedLoop(`round ${round} bare/${kind}`, await startBareChild(ctx, { store: bareDb }), bareDb, agents, false);
    console.log(`round ${round}: ratio ${(collector / bare).toFixed(3)}`);
    await sleep(500);
  }
} finally {
  await cleanup();
}
