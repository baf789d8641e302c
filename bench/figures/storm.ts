import { pino } from 'pino';
import type { AgentState, StateFile } from '@devtrust/agent/link/state';
import type { KeyStore } from '@devtrust/agent/keys/key-store';
import { AgentLink } from '@devtrust/agent/link/agent-link';
import { LIMITS } from '@devtrust/shared/protocol';
import { ENROLLMENT_KEY } from '../lib/admin.js';
import { identityOf, reportOf } from '../lib/devices.js';
import { figure, notRun, sized, type BenchContext, type FigureGroup } from '../lib/figure.js';
import { freePort } from '../../test/support/ports.js';
import { openFileLimit } from '../lib/proc.js';
import { freshDatabase, startBareChild, startCollectorChild, type BenchDatabase, type ServerChild } from '../lib/targets.js';
import { now, sleep, waitFor } from '../lib/timing.js';
import { FD_HEADROOM } from '@devtrust/collector/limits/open-files';

export const FULL_AGENTS = 20_000;
export const SMALL_AGENTS = 250;
/** The real link's backoff (jittered, doubling) with a small cap, as a fleet tuned for fast recovery. */
const BACKOFF = { baseMs: 250, capMs: 2_000 };
/** Agents started at once while building the fleet (each enrolls). */
const WAVE = 250;
/** Each agent reports about once per this period during the storm. */
const REPORT_PERIOD_MS = 25_000;
/** The report trickle never runs longer than this, whatever happens to the storm. */
const TRICKLE_MAX_MS = 5 * 60_000;

class MemoryKeyStore implements KeyStore {
  readonly kind = 'memory';
  private pem: string | null = null;
  async load(): Promise<string | null> {
    return this.pem;
  }
  async save(pem: string): Promise<void> {
    this.pem = pem;
  }
  async clear(): Promise<void> {
    this.pem = null;
  }
}

/** The link's state in memory: thousands of agents must not write thousands of files per report. */
function memoryStateFile(): StateFile {
  let state: AgentState = { collectorUrl: null, endpointId: null, lastSeq: 0 };
  const file = {
    load: async () => ({ ...state }),
    save: async (next: AgentState) => {
      state = { ...next };
    },
  };
  // StateFile is a class with private fields; the link only calls load and save.
  return file as unknown as StateFile;
}

/** One simulated agent: the real AgentLink, reporting on every (re)connect as the agent core does. */
class StormAgent {
  readonly link: AgentLink;
  connectedAt = 0;
  issued = 0;
  acked = 0;
  failed = 0;

  constructor(
    url: string,
    readonly index: number,
  ) {
    this.link = new AgentLink({
      collectorUrl: url,
      enrollmentKey: ENROLLMENT_KEY,
      keyStore: new MemoryKeyStore(),
      stateFile: memoryStateFile(),
      log: pino({ level: 'silent' }),
      backoff: BACKOFF,
    });
    this.link.on('status', (status: string) => {
      if (status !== 'connected') return;
      this.connectedAt = now();
      this.report();
    });
  }

  /** Like Agent.reportNow: hands the link a report; it sends it or queues it while offline. */
  report(): void {
    this.issued++;
    this.link.report(reportOf(this.index, identityOf(this.index))).then(
      () => this.acked++,
      () => this.failed++,
    );
  }
}

/** A storm's server as first started, and the port its restart takes again. */
interface StormServer {
  port: number;
  server: ServerChild;
}

interface StormResult {
  recoveryS: number | null;
  restartS: number;
  reconnected: number;
  issued: number;
  stored: number | null;
  rejectedByLink: number;
  /** Most reports one agent was handed; above the collector's per-endpoint history, stored rows undercount. */
  maxPerAgent: number;
}

/**
 * Builds a fleet on `start()`, lets it report, kills -9 the server, restarts it on the same
 * port and data, and times until every agent is authenticated again. Reports keep being
 * issued throughout; afterwards stored rows are counted against reports issued.
 */
async function storm(
  ctx: BenchContext,
  label: string,
  count: number,
  first: StormServer,
  start: (port: number) => Promise<ServerChild>,
  storedRows: (() => Promise<number>) | null,
): Promise<StormResult> {
  const { port } = first;
  let server = first.server;
  const agents = Array.from({ length: count }, (_, i) => new StormAgent(server.ready.url, i));
  ctx.defer(() => Promise.all(agents.map((a) => a.link.stop())));
  let t = now();
  for (let i = 0; i < count; i += WAVE) {
    const wave = agents.slice(i, i + WAVE);
    await Promise.all(wave.map((a) => a.link.start()));
    await Promise.all(wave.map((a) => a.link.waitConnected(60_000)));
  }
  await waitFor(() => agents.every((a) => a.acked + a.failed >= 1), 'first reports to be acked', 60_000);
  ctx.log(`${label}: ${count} agents enrolled, connected and reported in ${((now() - t) / 1000).toFixed(1)} s`);

  // A steady trickle of reports from every agent in turn, across the whole storm; it stops
  // when the storm is over, on any failure, and in any case after TRICKLE_MAX_MS.
  let trickle = true;
  const trickleUntil = Date.now() + TRICKLE_MAX_MS;
  const perTick = Math.max(1, Math.round((count / REPORT_PERIOD_MS) * 100));
  const trickling = (async () => {
    for (let next = 0; trickle && Date.now() < trickleUntil; next = (next + perTick) % count) {
      for (let k = 0; k < perTick; k++) agents[(next + k) % count]?.report();
      await sleep(100);
    }
  })();
  const steadyMs = ctx.scale === 'small' ? 500 : 2_000;
  let killedAt: number;
  let restartS: number;
  let recoveryS: number | null = null;
  let reconnected: number;
  try {
    await sleep(steadyMs);
    killedAt = now();
    await server.kill({ hard: true });
    t = now();
    server = await start(port);
    restartS = (now() - t) / 1000;
    try {
      await waitFor(
        () => agents.every((a) => a.link.status === 'connected' && a.connectedAt > killedAt),
        'every agent to re-authenticate',
        120_000,
        20,
      );
      recoveryS = (Math.max(...agents.map((a) => a.connectedAt)) - killedAt) / 1000;
    } catch {
      // Reported as a partial count below.
    }
    reconnected = agents.filter((a) => a.link.status === 'connected' && a.connectedAt > killedAt).length;
    ctx.log(`${label}: server back in ${restartS.toFixed(1)} s; ${reconnected}/${count} agents back in ${recoveryS?.toFixed(1) ?? '—'} s`);
    // Reports after the recovery count towards the losses; where nothing is counted (the bare
    // layer) there is nothing to wait for.
    if (storedRows) await sleep(steadyMs);
  } finally {
    trickle = false;
    await trickling;
  }
  // Let queued reports flush and in-flight ones land. The trickle has stopped, so no report is
  // handed over any more: once every one issued is a stored row nothing is left to land (a row
  // stored twice only adds), else wait until the stored count has not moved for STORED_QUIET_MS.
  const issued = agents.reduce((n, a) => n + a.issued, 0);
  const stored = storedRows ? await storedSettled(storedRows, issued) : null;
  await Promise.all(agents.map((a) => a.link.stop()));
  await server.kill();
  const maxPerAgent = Math.max(...agents.map((a) => a.issued));
  return { recoveryS, restartS, reconnected, issued, stored, rejectedByLink: agents.reduce((n, a) => n + a.failed, 0), maxPerAgent };
}

/** How long the stored count must stay still, while short of the reports issued, to count as final. */
const STORED_QUIET_MS = 1_500;
/** The stored count is read this often while reports land. */
const STORED_POLL_MS = 100;

/**
 * The stored report count once it is final: as soon as it reaches `issued`, else once it has
 * not moved for STORED_QUIET_MS (what the count was then is what was lost), at most 30 s.
 * Polled, not slept on: reports usually land within a few polls of the trickle's end.
 */
export async function storedSettled(storedRows: () => Promise<number>, issued: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  let last = await storedRows();
  let movedAt = Date.now();
  while (last < issued && Date.now() - movedAt < STORED_QUIET_MS && Date.now() <= deadline) {
    await sleep(STORED_POLL_MS);
    const stored = await storedRows();
    if (stored !== last) movedAt = Date.now();
    last = stored;
  }
  return last;
}

/** Reports stored so far: each endpoint counts its own (the history keeps only the last 20 rows). */
async function storedReports(db: BenchDatabase): Promise<number> {
  const row = await db.knex()('endpoints').sum({ n: 'reports_stored' }).first();
  return Number(row?.n ?? 0);
}

export const stormGroup: FigureGroup = {
  id: 'storm',
  names: ['storm.recovery_s', 'storm.reports_lost'],
  timeoutMs: 20 * 60_000,
  async run(ctx) {
    const wanted = sized(ctx, FULL_AGENTS, SMALL_AGENTS);
    const fdLimit = openFileLimit();
    const count = Number.isFinite(fdLimit) ? Math.min(wanted, fdLimit - FD_HEADROOM) : wanted;
    if (count < 1) return [notRun('storm.recovery_s', 'sqlite', 's', `ulimit -n is ${fdLimit}: too low`)];
    const scaledNote =
      count < wanted ? `scaled down to ${count} agents: ulimit -n is ${fdLimit} (raise it to ${wanted + FD_HEADROOM})` : null;

    const db = await freshDatabase(ctx, 'sqlite', 'storm');
    const startCollector = (port: number): Promise<ServerChild> => startCollectorChild(ctx, db, { port });
    const startBare = (port: number): Promise<ServerChild> => startBareChild(ctx, { port });
    // Both servers' first starts are set-up, not the restart measured: made side by side (two
    // cores); the bare one then waits, idle, through the collector's storm.
    const collectorPort = await freePort();
    let barePort = await freePort();
    while (barePort === collectorPort) barePort = await freePort();
    const [collectorFirst, bareFirst] = await Promise.all([
      startCollector(collectorPort).then((server) => ({ port: collectorPort, server })),
      startBare(barePort).then((server) => ({ port: barePort, server })),
    ]);
    const collector = await storm(ctx, 'collector', count, collectorFirst, startCollector, () => storedReports(db));
    const bare = await storm(ctx, 'plain ws', count, bareFirst, startBare, null);

    const countable = collector.maxPerAgent <= LIMITS.reportHistory;
    const lost = collector.stored === null ? null : Math.max(0, collector.issued - collector.stored);
    const partial = collector.recoveryS === null ? `only ${collector.reconnected} of ${count} agents re-authenticated within 120 s` : null;
    return [
      figure('storm.recovery_s', 'sqlite', collector.recoveryS, 's', bare.recoveryS, {
        ...(partial || scaledNote ? { note: [partial, scaledNote].filter(Boolean).join('; ') } : {}),
        detail: {
          agents: count,
          collectorRestartS: collector.restartS,
          afterRestartS: collector.recoveryS === null ? null : collector.recoveryS - collector.restartS,
          bareRestartS: bare.restartS,
          bareAfterRestartS: bare.recoveryS === null ? null : bare.recoveryS - bare.restartS,
          backoffCapMs: BACKOFF.capMs,
        },
      }),
      figure('storm.reports_lost', 'sqlite', countable ? lost : null, 'reports', null, {
        note: countable
          ? `of ${collector.issued} issued; ${collector.rejectedByLink} rejected by the link (disconnected before the ack)`
          : `an agent was handed ${collector.maxPerAgent} reports, more than the ${LIMITS.reportHistory} the collector keeps per endpoint: stored rows cannot be counted`,
        detail: {
          issued: collector.issued,
          stored: collector.stored,
          rejectedByLink: collector.rejectedByLink,
          maxPerAgent: collector.maxPerAgent,
        },
        ratio: false,
      }),
    ];
  },
};
