import { generateDeviceKey } from '@devtrust/shared/crypto';
import { ChannelClient } from '../lib/channel-client.js';
import { identityOf, reportOf } from '../lib/devices.js';
import { figure, notRun, scaled, type BenchContext, type Figure, type FigureGroup } from '../lib/figure.js';
import {
  freshDatabase,
  preEnroll,
  startBareChild,
  startCollectorChild,
  type DbKind,
  type Enrolled,
  type ServerChild,
} from '../lib/targets.js';
import { availableParallelism } from 'node:os';
import { cpuOf } from '../lib/proc.js';
import { busyShare, machineCpuMs } from '../lib/cpu.js';
import { now, runPool, sleep } from '../lib/timing.js';

const FULL_SESSIONS = 200;
/** Before the measured window: 1 s (0.5 s at small scale). */
const warmUpMs = (ctx: BenchContext): number => (ctx.scale === 'small' ? 500 : 1_000);

interface Rate {
  perS: number;
  acked: number;
  errors: string | null;
  /** CPU the server processes spent per acked report in the measured window, µs (all threads, and main threads alone). */
  cpuUsPerReport: { total: number; main: number } | null;
  /** How busy the whole machine was in the measured window (0–1, every process on every core). */
  machineBusy: number | null;
}

/**
 * Every session sends signed reports back to back (the next once the last is acked) for
 * the warm-up plus `measureMs`; the rate counts acks received inside the measured window.
 */
async function closedLoop(
  ctx: BenchContext,
  label: string,
  server: ServerChild | ServerChild[],
  agents: Enrolled[],
  measureMs: number,
): Promise<Rate> {
  const servers = Array.isArray(server) ? server : [server];
  const clients = await Promise.all(
    agents.map(async (agent, i) => {
      // Sessions spread evenly over the servers (two collectors: half each).
      const client = await ChannelClient.connect((servers[i % servers.length] as ServerChild).ready.url, agent.keys);
      await client.auth(agent.endpointId);
      return client;
    }),
  );
  const warmEnd = now() + warmUpMs(ctx);
  const end = warmEnd + measureMs;
  let acked = 0;
  const errors = new Map<string, number>();
  const cpuAt = (): { totalMs: number; mainMs: number } | null => {
    const each = servers.map((s) => cpuOf(s.pid));
    if (each.some((c) => c === null)) return null;
    return each.reduce<{ totalMs: number; mainMs: number }>(
      (sum, c) => ({ totalMs: sum.totalMs + (c?.totalMs ?? 0), mainMs: sum.mainMs + (c?.mainMs ?? 0) }),
      { totalMs: 0, mainMs: 0 },
    );
  };
  let cpuStart: ReturnType<typeof cpuAt> = null;
  let cpuEnd: ReturnType<typeof cpuAt> = null;
  let machineStart: ReturnType<typeof machineCpuMs> = null;
  let machineEnd: ReturnType<typeof machineCpuMs> = null;
  const marks = [
    setTimeout(() => ((cpuStart = cpuAt()), (machineStart = machineCpuMs())), Math.max(0, warmEnd - now())),
    setTimeout(() => ((cpuEnd = cpuAt()), (machineEnd = machineCpuMs())), Math.max(0, end - now())),
  ];
  await runPool(clients, clients.length, async (client, i) => {
    const identity = identityOf(i);
    while (now() < end) {
      try {
        await client.report(reportOf(i, identity));
      } catch (error) {
        const reason = (error as Error).message.slice(0, 80);
        errors.set(reason, (errors.get(reason) ?? 0) + 1);
        return;
      }
      const t = now();
      if (t >= warmEnd && t < end) acked++;
    }
  });
  for (const mark of marks) clearTimeout(mark);
  // The last sends can end the loop before the end mark's timer ran (a busy event loop runs
  // timers late): read the servers' CPU now, before they are stopped.
  cpuEnd ??= cpuAt();
  machineEnd ??= machineCpuMs();
  const machineBusy = busyShare(machineStart, machineEnd);
  for (const client of clients) client.terminate();
  for (const s of servers) await s.kill();
  const perS = acked / (measureMs / 1000);
  const [from, to] = [cpuStart as ReturnType<typeof cpuAt>, cpuEnd as ReturnType<typeof cpuAt>];
  const cpuUsPerReport =
    from && to && acked > 0
      ? { total: Math.round(((to.totalMs - from.totalMs) * 1000) / acked), main: Math.round(((to.mainMs - from.mainMs) * 1000) / acked) }
      : null;
  ctx.log(
    `${label}: ${acked} reports acked in ${measureMs / 1000} s = ${perS.toFixed(0)}/s over ${agents.length} sessions` +
      (cpuUsPerReport ? `; server CPU ${cpuUsPerReport.total} µs/report (main thread ${cpuUsPerReport.main})` : '') +
      (machineBusy !== null ? `; machine ${(machineBusy * 100).toFixed(0)} % busy` : ''),
  );
  return {
    perS,
    acked,
    errors: errors.size > 0 ? [...errors].map(([r, n]) => `${n}× ${r}`).join('; ') : null,
    cpuUsPerReport,
    machineBusy,
  };
}

/** A 0–1 share as a whole percentage; null stays null. */
const pct = (share: number | null): number | null => (share === null ? null : Math.round(share * 100));

function bareAgents(count: number): Enrolled[] {
  return Array.from({ length: count }, (_, i) => ({ endpointId: `ep_bare_${i}`, keys: generateDeviceKey() }));
}

/** The servers one database's runs measure, started before any of them: each waits, idle, for its run. */
interface Prepared {
  collector: ServerChild;
  enrolled: Enrolled[];
  /** The plain `ws` server storing the same reports by batched inserts. */
  bare: ServerChild;
  /** PostgreSQL: two collectors on one more database, and its endpoints. */
  twoNodes: { collectors: ServerChild[]; enrolled: Enrolled[] } | null;
}

/**
 * Fresh databases, pre-enrolment and every server of this database's runs, side by side: set-up,
 * not measured (a collector's start is about 1.8 s of CPU, spent on loading its modules), so on
 * two cores two at a time instead of one after the other between the runs.
 */
async function prepare(ctx: BenchContext, kind: DbKind, sessions: number): Promise<Prepared> {
  const [one, bare, twoNodes] = await Promise.all([
    (async () => {
      const db = await freshDatabase(ctx, kind, `reports-${kind}`);
      const enrolled = await preEnroll(db, sessions);
      return { enrolled, collector: await startCollectorChild(ctx, db) };
    })(),
    (async () => startBareChild(ctx, { store: await freshDatabase(ctx, kind, `reports-bare-${kind}`) }))(),
    kind === 'postgres'
      ? (async () => {
          const db = await freshDatabase(ctx, 'postgres', 'reports-postgres-2');
          const enrolled = await preEnroll(db, sessions);
          // Together: collectors starting at once on one database migrate one at a time and
          // store the owner key once (collector/src/store/migration-lock.ts, services/bootstrap.ts).
          return { enrolled, collectors: await Promise.all([startCollectorChild(ctx, db), startCollectorChild(ctx, db)]) };
        })()
      : null,
  ]);
  return { ...one, bare, twoNodes };
}

async function onDatabase(ctx: BenchContext, kind: DbKind, servers: Prepared, measureMs: number, echo: Rate): Promise<Figure[]> {
  const sessions = servers.enrolled.length;
  const collector = await closedLoop(ctx, `collector/${kind}`, servers.collector, servers.enrolled, measureMs);
  const bare = await closedLoop(ctx, `plain ws + batched inserts/${kind}`, servers.bare, bareAgents(sessions), measureMs);
  const one = figure('reports.per_s', kind, collector.perS, 'reports/s', bare.perS, {
    ...(collector.errors ? { note: `errors: ${collector.errors}` } : {}),
    detail: {
      sessions,
      measuredS: measureMs / 1000,
      acked: collector.acked,
      wsEchoPerS: echo.perS,
      bareErrors: bare.errors,
      cpuUsPerReport: collector.cpuUsPerReport?.total ?? null,
      cpuMainThreadUsPerReport: collector.cpuUsPerReport?.main ?? null,
      bareCpuUsPerReport: bare.cpuUsPerReport?.total ?? null,
      bareCpuMainThreadUsPerReport: bare.cpuUsPerReport?.main ?? null,
      machineBusyPct: pct(collector.machineBusy),
      bareMachineBusyPct: pct(bare.machineBusy),
    },
  });
  return servers.twoNodes ? [one, await twoNodes(ctx, servers.twoNodes, measureMs, collector)] : [one];
}

/**
 * Two collector processes on one PostgreSQL database, half the sessions on each: the
 * reports both store together per second. The limit is one collector's rate in this run
 * (the target is 1.6 times it).
 */
async function twoNodes(
  ctx: BenchContext,
  servers: { collectors: ServerChild[]; enrolled: Enrolled[] },
  measureMs: number,
  oneNode: Rate,
): Promise<Figure> {
  const sessions = servers.enrolled.length;
  const both = await closedLoop(ctx, 'two collectors/postgres', servers.collectors, servers.enrolled, measureMs);
  // How busy the machine was under one collector (every process on it, the bench's clients and
  // PostgreSQL included, and whatever else runs there): two collectors can only add CPU that
  // was idle. 1/busy is roughly the most the pair could store if nothing else were running.
  const ceiling = oneNode.machineBusy ? 1 / oneNode.machineBusy : null;
  const cpuBound =
    oneNode.machineBusy !== null && oneNode.machineBusy >= 0.9
      ? `; with one collector this machine's ${availableParallelism()} cores were ${pct(oneNode.machineBusy)} % busy (every process on it)`
      : '';
  const note = `two collectors on one PostgreSQL database, half the sessions each; limit: one collector in this run${cpuBound}`;
  return figure('reports.per_s', 'postgres-2', both.perS, 'reports/s', oneNode.perS, {
    note: both.errors ? `${note}; errors: ${both.errors}` : note,
    detail: {
      sessions,
      collectors: 2,
      measuredS: measureMs / 1000,
      acked: both.acked,
      cpuUsPerReport: both.cpuUsPerReport?.total ?? null,
      machineBusyPct: pct(both.machineBusy),
      oneCollectorMachineBusyPct: pct(oneNode.machineBusy),
      cpuCeilingRatio: ceiling === null ? null : Math.round(ceiling * 100) / 100,
      cores: availableParallelism(),
    },
  });
}

export const reportsGroup: FigureGroup = {
  id: 'reports',
  names: ['reports.per_s'],
  timeoutMs: 5 * 60_000,
  async run(ctx) {
    const sessions = scaled(ctx, FULL_SESSIONS, 4);
    const measureMs = ctx.scale === 'small' ? 1_000 : 15_000;
    // The transport alone, once: a plain ws server acking each frame without storing it
    // (started beside the first database's servers).
    // At small scale every database's servers are set up beside it too, before the first window
    // (the later databases' servers wait idle through the earlier runs, as each database's bare
    // server waits through its collector's): a run of a few seconds no longer waits seconds for
    // starts between its windows. Full scale sets up each later database after the one before.
    const upFront = ctx.scale === 'small' ? ctx.databases : ctx.databases.slice(0, 1);
    const [echoServer, prepared] = await Promise.all([
      startBareChild(ctx),
      Promise.all(upFront.map((kind) => prepare(ctx, kind, sessions))),
    ]);
    const echo = await closedLoop(ctx, 'plain ws echo', echoServer, bareAgents(sessions), measureMs);
    await sleep(200);
    const out: Figure[] = [];
    for (const [i, kind] of ctx.databases.entries()) {
      const servers = prepared[i] ?? (await prepare(ctx, kind, sessions));
      out.push(...(await onDatabase(ctx, kind, servers, measureMs, echo)));
    }
    if (ctx.postgresUnavailable && !ctx.databases.includes('postgres')) {
      out.push(notRun('reports.per_s', 'postgres', 'reports/s', ctx.postgresUnavailable));
      out.push(notRun('reports.per_s', 'postgres-2', 'reports/s', ctx.postgresUnavailable));
    }
    return out;
  },
};
