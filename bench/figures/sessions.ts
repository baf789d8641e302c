import { readFileSync } from 'node:fs';
import { authenticateAll, ChannelClient } from '../lib/channel-client.js';
import { figure, notRun, sized, type BenchContext, type Db, type Figure, type FigureGroup } from '../lib/figure.js';
import { BenchChild, openFileLimit } from '../lib/proc.js';
import { freshDatabase, preEnroll, startBareChild, startCollectorChild, type Enrolled, type ServerChild } from '../lib/targets.js';
import { now, runPool, sleep } from '../lib/timing.js';
import { FD_HEADROOM } from '@devtrust/collector/limits/open-files';

const FULL_SESSIONS = 50_000;
const SMALL_SESSIONS = 1_000;
/** Handshakes in flight while ramping up: enough to be quick, few enough to finish inside the 5 s auth timeout. */
const RAMP_CONCURRENCY = 100;
const WARM_UP_SESSIONS = 100;

interface Held {
  held: number;
  serverAuthenticated: number;
  rampS: number;
  failures: Record<string, number>;
  baselineKb: number;
  heldKb: number;
  /** V8 heap in use (after GC) grown per session: steadier than RSS, which moves in pages and pools. */
  heapKbPerSession: number | null;
  /**
   * The kernel's slab memory grown per TCP connection end while the sessions were held (on
   * loopback both ends are this kernel's: the growth is split over twice the sessions). Not in
   * any process's RSS, but a host needs it as well.
   */
  kernelKbPerConnection: number | null;
}

/**
 * The kernel's unreclaimable slab memory (kB), where sockets and their epoll entries live (not
 * the file caches other processes grow and shrink meanwhile); null off Linux.
 */
function slabKb(): number | null {
  try {
    const line = /^SUnreclaim:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return line ? Number(line[1]) : null;
  } catch {
    return null;
  }
}

async function heapUsedKb(server: ServerChild): Promise<number> {
  return (await server.call<{ heapUsed: number }>('memory')).heapUsed / 1024;
}

/**
 * Opens `agents.length` authenticated sessions against `server`, holds them for `holdMs`
 * and reads the server's RSS before and after (GC'd both times).
 */
async function holdSessions(ctx: BenchContext, label: string, server: ServerChild, agents: Enrolled[], holdMs: number): Promise<Held> {
  // Warm-up: a few sessions opened and closed first, so code compiled and buffers pooled on
  // first use count in the baseline, not as per-session growth.
  await runPool(agents.slice(0, WARM_UP_SESSIONS), 20, async (agent) => {
    const client = await ChannelClient.connect(server.ready.url, agent.keys);
    await client.auth(agent.endpointId);
    client.ws.close();
  });
  await sleep(500);
  const baselineKb = await server.settledRssKb();
  const baselineHeapKb = await heapUsedKb(server);
  const baselineSlabKb = slabKb();
  const opened: ChannelClient[] = [];
  const authenticated: ChannelClient[] = [];
  const start = now();
  const failures = await authenticateAll(server.ready.url, agents, { opened, authenticated }, { concurrency: RAMP_CONCURRENCY });
  const rampS = (now() - start) / 1000;
  ctx.log(
    `${label}: ${authenticated.filter((c) => !c.closed).length}/${agents.length} sessions up in ${rampS.toFixed(1)} s; holding ${holdMs / 1000} s`,
  );
  await sleep(holdMs);
  const held = authenticated.filter((c) => !c.closed).length;
  const stats = await server.call<{ authenticated: number }>('stats');
  const heldKb = await server.settledRssKb();
  const heldHeapKb = await heapUsedKb(server);
  const heldSlabKb = slabKb();
  await server.kill();
  for (const client of opened) client.terminate();
  const heapKbPerSession = held > 0 ? (heldHeapKb - baselineHeapKb) / held : null;
  const kernelKbPerConnection =
    held > 0 && baselineSlabKb !== null && heldSlabKb !== null ? (heldSlabKb - baselineSlabKb) / (2 * held) : null;
  return { held, serverAuthenticated: stats.authenticated, rampS, failures, baselineKb, heldKb, heapKbPerSession, kernelKbPerConnection };
}

function describeFailures(failures: Record<string, number>): string {
  return Object.entries(failures)
    .map(([reason, n]) => `${n}× ${reason}`)
    .join('; ');
}

export const sessionsGroup: FigureGroup = {
  id: 'sessions',
  names: ['sessions.idle', 'sessions.rss_kb_per_session'],
  timeoutMs: 30 * 60_000,
  async run(ctx) {
    const wanted = sized(ctx, FULL_SESSIONS, SMALL_SESSIONS);
    const fdLimit = openFileLimit();
    const count = Number.isFinite(fdLimit) ? Math.min(wanted, fdLimit - FD_HEADROOM) : wanted;
    if (count < 1) return [notRun('sessions.idle', 'sqlite', 'sessions', `ulimit -n is ${fdLimit}: too low to hold sessions`)];
    const scaledNote =
      count < wanted ? `scaled down to ${count} sessions: ulimit -n is ${fdLimit} (raise it to ${wanted + FD_HEADROOM})` : undefined;
    const holdMs = ctx.scale === 'small' ? 1_000 : 10_000;

    const db = await freshDatabase(ctx, 'sqlite', 'sessions');
    const start = now();
    // The plain ws server starts beside the pre-enrolment (set-up), then waits idle for its turn.
    const [enrolled, bareServer] = await Promise.all([
      preEnroll(db, count).then((enrolled) => {
        ctx.log(`pre-enrolled ${count} endpoints through the store in ${((now() - start) / 1000).toFixed(1)} s`);
        return enrolled;
      }),
      startBareChild(ctx),
    ]);
    const collector = await holdSessions(ctx, 'collector', await startCollectorChild(ctx, db), enrolled, holdMs);

    // Same keys and the same signed auth on the client side; the bare server checks nothing.
    const bareAgents = enrolled.map((e, i) => ({ endpointId: `ep_bare_${i}`, keys: e.keys }));
    const bare = await holdSessions(ctx, 'plain ws', bareServer, bareAgents, holdMs);

    const collectorHeld = Math.min(collector.held, collector.serverAuthenticated);
    const bareHeld = Math.min(bare.held, bare.serverAuthenticated);
    const failed = describeFailures(collector.failures);
    const perSession = (h: Held, n: number): number | null => (n > 0 ? (h.heldKb - h.baselineKb) / n : null);
    const figures = [
      figure('sessions.idle', 'sqlite', collectorHeld, 'sessions', bareHeld, {
        note:
          [scaledNote, collectorHeld < count ? `${count - collectorHeld} of ${count} not held${failed ? `: ${failed}` : ''}` : '']
            .filter(Boolean)
            .join('; ') || `held ${holdMs / 1000} s`,
        detail: {
          target: count,
          rampS: collector.rampS,
          bareRampS: bare.rampS,
          clientSideOpen: collector.held,
          serverSideAuthenticated: collector.serverAuthenticated,
          bareFailures: describeFailures(bare.failures) || null,
        },
      }),
      figure('sessions.rss_kb_per_session', 'sqlite', perSession(collector, collectorHeld), 'kB', perSession(bare, bareHeld), {
        ...(scaledNote ? { note: scaledNote } : {}),
        detail: {
          baselineMb: collector.baselineKb / 1024,
          heldMb: collector.heldKb / 1024,
          bareBaselineMb: bare.baselineKb / 1024,
          bareHeldMb: bare.heldKb / 1024,
          heapKbPerSession: collector.heapKbPerSession,
          bareHeapKbPerSession: bare.heapKbPerSession,
          kernelKbPerConnection: collector.kernelKbPerConnection,
        },
      }),
    ];
    // One process could not hold them all: the whole count across collectors on one PostgreSQL.
    const perProcess = Math.min(count, Number(process.env.DEVTRUST_BENCH_SESSIONS_PER_PROCESS) || count);
    if (perProcess < wanted) figures.push(await acrossCollectors(ctx, wanted, perProcess, holdMs));
    return figures;
  },
};

/**
 * `sessions.idle` on `postgres-N`: `total` authenticated sessions held by N collector
 * processes on one PostgreSQL database, each holding at most `perProcess`, with the agents'
 * side split the same way over N holder processes (bench/children/session-holder.ts): on
 * this machine a process may not open 50,000 sockets, the bench's as little as a collector.
 * What a deployment of N nodes holds, and what each node's memory grew by per session.
 */
async function acrossCollectors(ctx: BenchContext, total: number, perProcess: number, holdMs: number): Promise<Figure> {
  const nodes = Math.ceil(total / perProcess);
  const db: Db = `postgres-${nodes}`;
  if (!ctx.databases.includes('postgres')) {
    const why = ctx.postgresUnavailable ?? 'not run on --db sqlite: several collectors share a PostgreSQL database';
    return notRun('sessions.idle', db, 'sessions', `${total} sessions need ${nodes} processes here; ${why}`);
  }
  const database = await freshDatabase(ctx, 'postgres', 'sessions-nodes');
  const shares = Array.from({ length: nodes }, (_, i) => Math.min(perProcess, total - i * perProcess));
  // The collectors one after the other (the first applies the migrations and stores the owner
  // key, which two starting together would both insert), beside the holders' starts (set-up:
  // nothing is measured until the sessions are held).
  const [collectors, holders] = await Promise.all([
    (async () => {
      const started: ServerChild[] = [];
      for (let i = 0; i < nodes; i++) started.push(await startCollectorChild(ctx, database));
      return started;
    })(),
    Promise.all(
      shares.map(async () => {
        const holder = await BenchChild.start('session-holder.ts');
        ctx.defer(() => holder.stop());
        return holder;
      }),
    ),
  ]);
  let start = now();
  await Promise.all(
    holders.map((holder, i) =>
      holder.call('enroll', { databaseUrl: database.databaseUrl, dataDir: database.dataDir, count: shares[i] }, 600_000),
    ),
  );
  ctx.log(`postgres-${nodes}: pre-enrolled ${total} endpoints in ${((now() - start) / 1000).toFixed(1)} s`);
  const baselineKb = await Promise.all(collectors.map((c) => c.settledRssKb()));
  start = now();
  const ramps = await Promise.all(
    holders.map((holder, i) =>
      holder.call<{ authenticated: number; failures: Record<string, number>; rampS: number }>(
        'hold',
        { url: collectors[i]?.ready.url, firstSource: i * perProcess, concurrency: RAMP_CONCURRENCY },
        660_000,
      ),
    ),
  );
  const rampS = (now() - start) / 1000;
  ctx.log(
    `postgres-${nodes}: ${ramps.reduce((a, r) => a + r.authenticated, 0)}/${total} sessions up in ${rampS.toFixed(1)} s; holding ${holdMs / 1000} s`,
  );
  await sleep(holdMs);
  const held = await Promise.all(holders.map((h) => h.call<number>('held')));
  const served = await Promise.all(collectors.map((c) => c.call<{ authenticated: number }>('stats')));
  const heldKb = await Promise.all(collectors.map((c) => c.settledRssKb()));
  // Each node's count is what both ends agree on: a session the agent side holds and the collector counts.
  const perNode = held.map((h, i) => Math.min(h, served[i]?.authenticated ?? 0));
  const value = perNode.reduce((a, b) => a + b, 0);
  const kbPerSession = perNode.map((n, i) => (n > 0 ? ((heldKb[i] ?? NaN) - (baselineKb[i] ?? NaN)) / n : null));
  const failed = describeFailures(
    ramps.reduce<Record<string, number>>((all, r) => {
      for (const [reason, n] of Object.entries(r.failures)) all[reason] = (all[reason] ?? 0) + n;
      return all;
    }, {}),
  );
  return figure('sessions.idle', db, value, 'sessions', null, {
    note: [
      `${nodes} collector processes on one PostgreSQL database, each holding at most ${perProcess} (one process here may not open ${total} sockets)`,
      value < total ? `${total - value} of ${total} not held${failed ? `: ${failed}` : ''}` : `held ${holdMs / 1000} s`,
    ].join('; '),
    detail: {
      collectors: nodes,
      target: total,
      rampS,
      perCollector: perNode.join(' / '),
      rssKbPerSession: kbPerSession.map((k) => (k === null ? '—' : k.toFixed(2))).join(' / '),
      collectorHeldMb: heldKb.map((k) => (k / 1024).toFixed(0)).join(' / '),
    },
  });
}
