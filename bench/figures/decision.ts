import { ChannelClient } from '../lib/channel-client.js';
import { admin, AppClient, ENROLLMENT_KEY } from '../lib/admin.js';
import { identityOf, inventoryCsv, reportOf, serialOf } from '../lib/devices.js';
import { figure, notRun, scaled, sized, type BenchContext, type Db, type Detail, type Figure, type FigureGroup } from '../lib/figure.js';
import { freshDatabase, startBareChild, startCollectorChild, type BenchDatabase, type DbKind, type ServerChild } from '../lib/targets.js';
import { now, percentile, sleep, sortedCopy } from '../lib/timing.js';
import { cpuMsOf, loadAverage, ownCpuMs } from '../lib/cpu.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startSyncVendor, type SyncVendor } from '../lib/sync-vendor.js';
import { counter as checkpointCounter, settle, walWritten } from '../lib/checkpoints.js';

/** Inventory records, spread over `INTEGRATIONS` CSV integrations (small scale: 5,000). */
export const FULL_INVENTORY = 1_000_000;
export const SMALL_INVENTORY = 5_000;
const INTEGRATIONS = 5;
/** Decisions started per second, whatever the answers' latency (open loop). */
const FULL_RATE = 500;
/** How long decisions are started for (full / small scale). */
const MEASURE_S = { full: 10, small: 1.5 };
/** Agents taking the decisions, each one enrolled device of the inventory. */
const FULL_AGENTS = 200;
const WARM_UP = 50;
/**
 * Before each measured run, decisions at its rate for this long: a collector that has just
 * started and loaded a million records takes its first ten to twenty seconds at 500 a second
 * to settle (cold caches, unoptimised code, PostgreSQL's pool opening connections): three 10 s
 * rounds in a row had p99 228, 46 and 28 ms on PostgreSQL, 121, 48 and 59 on SQLite
 * (docs/performance.md, "Sixth pass"). The warm-up's p99, whole and by two-second slices, is kept
 * in `detail` (`warmUpP99Ms`, `warmUpP99BySliceMs`) and in the note; the figure is the
 * rate the collector then holds.
 */
const WARM_UP_S = { full: 10, small: 1 };
/** The warm-up's p99 is also given for each slice of this many seconds. */
const WARM_UP_SLICE_S = 2;
/** Decisions taken one at a time before the measured run: the floor under its latencies. */
export const REST_SAMPLES = { full: 200, small: 20 };
/** The transport floor's warm-up at the rate, in seconds (`transportFloor`). */
export const FLOOR_WARM_UP_S = { full: 2, small: 1 };
/** Devices of the vendor sync running during `decision.p99_during_sync_ms` (small scale: 30,000). */
const FULL_SYNC_DEVICES = 1_000_000;
const SMALL_SYNC_DEVICES = 30_000;

/** SQLite refuses a multi-row INSERT of more than 500 rows ("too many terms in compound SELECT"). */
const SQLITE_SAFE_PAGE = 500;

export interface Agent {
  client: ChannelClient;
  device: number;
}

/** The decisions' endpoints: an application on one collector, agents on (possibly) another. */
export interface Fleet {
  app: AppClient;
  agents: Agent[];
  /** The collector processes serving the decisions: their CPU time per decision is in `detail`. */
  pids: number[];
}

/**
 * One decision as an application sees it: create the transaction, the agent attests as the
 * real agent does (a fresh signed report, then the signed attestation), the application
 * reads the decided transaction. `steps`: create, report, attest, read (ms).
 */
async function decideOnce(app: AppClient, agent: Agent): Promise<{ steps: number[]; verdict: string }> {
  const start = now();
  const txId = await app.open(`user${agent.device}@example.com`);
  const opened = now();
  await agent.client.report(reportOf(agent.device, identityOf(agent.device)));
  const reported = now();
  await agent.client.attest(txId);
  const attested = now();
  let tx = await app.read(txId);
  for (let i = 0; tx.state === 'pending' && i < 100; i++) tx = await app.read(txId);
  if (tx.state !== 'decided') throw new Error(`transaction ${txId} is ${tx.state} after its verdict`);
  return { steps: [opened - start, reported - opened, attested - reported, now() - attested], verdict: tx.verdict as string };
}

const STEPS = ['createMs', 'reportMs', 'attestMs', 'readMs'] as const;

export interface Run {
  /** From each decision's scheduled start (so a backlog counts) to the decided read. */
  latencies: number[];
  steps: number[][];
  verdicts: Record<string, number>;
  /** Decisions that started later than scheduled because every agent was busy. */
  queued: number;
  seconds: number;
  /** CPU time the collectors used during the run (ms; null where /proc cannot say). */
  collectorCpuMs: number | null;
  /** CPU time this process (the application and agent clients) used during the run (ms). */
  benchCpuMs: number;
  /** The 1-minute load average when the run started and when it ended. */
  load: [number, number];
  /**
   * This process's event-loop delay during the run (p99 and max, ms): the application and agent
   * clients time each decision here, so a pause of this loop (its GC, a burst of answers)
   * lengthens every decision in flight, whatever the collector did.
   */
  benchLoopDelay: { p99: number; max: number };
}

/**
 * Starts `count` decisions at `rate` per second on free agents (one decision per agent at a
 * time); a decision that finds no free agent waits for one, and that wait counts in its
 * latency. Stops starting new ones once `stop()` says so.
 */
export async function atRate(fleet: Fleet, rate: number, count: number, stop: () => boolean = () => false): Promise<Run> {
  const free = [...fleet.agents];
  const waiting: ((agent: Agent) => void)[] = [];
  const release = (agent: Agent): void => {
    const next = waiting.shift();
    if (next) next(agent);
    else free.push(agent);
  };
  const run: Run = {
    latencies: [],
    steps: STEPS.map(() => []),
    verdicts: {},
    queued: 0,
    seconds: 0,
    collectorCpuMs: null,
    benchCpuMs: 0,
    load: [loadAverage(), 0],
    benchLoopDelay: { p99: 0, max: 0 },
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const inFlight = new Set<Promise<void>>();
  let failure: Error | null = null;
  const cpuOfCollectors = (): number | null => {
    const each = fleet.pids.map(cpuMsOf);
    return each.includes(null) ? null : (each as number[]).reduce((a, b) => a + b, 0);
  };
  const collectorCpuBefore = cpuOfCollectors();
  const benchCpuBefore = ownCpuMs();
  const start = now();
  for (let k = 0; k < count && !stop() && failure === null; k++) {
    const scheduled = start + (k * 1000) / rate;
    const wait = scheduled - now();
    if (wait > 1) await sleep(wait);
    let agent = free.pop();
    if (!agent) {
      run.queued++;
      agent = await new Promise<Agent>((resolve) => waiting.push(resolve));
    }
    const taken = agent;
    const decision = decideOnce(fleet.app, taken)
      .then((decided) => {
        run.latencies.push(now() - scheduled);
        decided.steps.forEach((ms, i) => run.steps[i]?.push(ms));
        run.verdicts[decided.verdict] = (run.verdicts[decided.verdict] ?? 0) + 1;
      })
      .catch((error: Error) => void (failure ??= error))
      .finally(() => {
        inFlight.delete(decision);
        release(taken);
      });
    inFlight.add(decision);
  }
  await Promise.all(inFlight);
  loop.disable();
  run.benchLoopDelay = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
  run.seconds = (now() - start) / 1000;
  const collectorCpuAfter = cpuOfCollectors();
  run.collectorCpuMs = collectorCpuBefore === null || collectorCpuAfter === null ? null : collectorCpuAfter - collectorCpuBefore;
  run.benchCpuMs = ownCpuMs() - benchCpuBefore;
  run.load[1] = loadAverage();
  if (failure) throw failure;
  return run;
}

/**
 * Loads the inventory as an admin does: `INTEGRATIONS` CSV integrations, each `PUT …/inventory`
 * with its share of the devices, activated for everyone. When the upload route fails, the same
 * CSV goes through the same parser and sync engine in pages the database accepts, and the
 * returned note says why.
 */
export async function loadInventory(collector: ServerChild, inventory: number): Promise<{ note: string | null }> {
  const url = collector.ready.url;
  const share = Math.ceil(inventory / INTEGRATIONS);
  let note: string | null = null;
  for (let j = 0; j < INTEGRATIONS; j++) {
    const from = j * share;
    const csv = inventoryCsv(Math.min(share, inventory - from), from);
    const integration = await admin(url, 'POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: `Bench inventory ${j + 1}`,
      platforms: ['windows', 'macos', 'linux'],
      config: {},
    });
    try {
      await admin(url, 'PUT', `/admin/v1/integrations/${integration.id}/inventory`, csv, { contentType: 'text/csv' });
    } catch (error) {
      const message = (error as Error).message;
      const answer = /answered (\d+): .*?"code":"(\w+)","message":"(.{0,70})/.exec(message);
      const cause = answer ? `${answer[1]} ${answer[2]}: "${answer[3]}…"` : message.slice(0, 120);
      note = `CSV upload answered ${cause}; the same CSV was loaded through the same parser and sync engine in ${SQLITE_SAFE_PAGE}-row pages (at most what SQLite takes in one knex multi-row INSERT)`;
      const run = await collector.call<{ status: string; error: string | null }>(
        'ingest-csv',
        { integrationId: integration.id, csv, pageSize: SQLITE_SAFE_PAGE },
        600_000,
      );
      if (run.status !== 'succeeded') throw new Error(`loading the inventory failed: ${run.error}`);
    }
    await admin(url, 'PUT', `/admin/v1/integrations/${integration.id}/activation`, { mode: 'all-users' });
  }
  return { note };
}

/** `count` agents enrolled on `url`, agent i being device i·inventory/count (every integration gets some). */
export async function enrollFleet(ctx: BenchContext, url: string, count: number, inventory: number): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let i = 0; i < count; i++) {
    const client = await ChannelClient.connect(url);
    await client.enroll(ENROLLMENT_KEY);
    agents.push({ client, device: Math.floor(((i + 0.5) * inventory) / count) });
  }
  ctx.defer(() => agents.forEach((a) => a.client.terminate()));
  return agents;
}

function decisionFigures(db: Db, run: Run, lookups: number[], extra: { note: string | null; detail: Detail }): Figure[] {
  const sorted = sortedCopy(run.latencies);
  const sortedLookups = sortedCopy(lookups);
  const samples = run.latencies.length;
  const untrusted = samples - (run.verdicts.trusted ?? 0);
  const note =
    [extra.note, untrusted > 0 ? `${untrusted} of ${samples} verdicts were not "trusted": matching is not finding inventory records` : null]
      .filter(Boolean)
      .join('; ') || undefined;
  const detail = {
    samples,
    ratePerS: samples / run.seconds,
    queued: run.queued,
    integrations: INTEGRATIONS,
    ...extra.detail,
    maxMs: sorted[sorted.length - 1] ?? null,
    // Where the time goes: the median and p99 of each step (create, fresh report, attest, read back).
    ...stepPercentiles(run),
    // What a decision costs whatever else loads the machine: the collectors' CPU time, and
    // the bench's own (its application and agent clients share the machine's cores).
    collectorCpuMsPerDecision: run.collectorCpuMs === null ? null : run.collectorCpuMs / samples,
    benchCpuMsPerDecision: run.benchCpuMs / samples,
    benchLoopDelayP99Ms: round1(run.benchLoopDelay.p99),
    benchLoopDelayMaxMs: round1(run.benchLoopDelay.max),
    loadAverageStart: run.load[0],
    loadAverageEnd: run.load[1],
  };
  const options = { ...(note ? { note } : {}), detail };
  return [
    figure('decision.p50_ms', db, percentile(sorted, 50), 'ms', percentile(sortedLookups, 50), options),
    figure('decision.p99_ms', db, percentile(sorted, 99), 'ms', percentile(sortedLookups, 99), options),
  ];
}

/**
 * Decisions one at a time, nothing else in flight: what one decision takes alone (its four
 * steps are four round trips and three durable commits), beside what the same decisions take
 * at the rate. Not a strict floor: at a rate, writes share commits.
 */
async function atRest(
  fleet: Fleet,
  count: number,
): Promise<{ p50: number | null; p99: number | null; steps: Record<string, number | null> }> {
  const latencies: number[] = [];
  const steps: number[][] = STEPS.map(() => []);
  for (let k = 0; k < count; k++) {
    const start = now();
    const decided = await decideOnce(fleet.app, fleet.agents[k % fleet.agents.length] as Agent);
    latencies.push(now() - start);
    decided.steps.forEach((ms, i) => steps[i]?.push(ms));
    await sleep(5);
  }
  const sorted = sortedCopy(latencies);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    steps: Object.fromEntries(
      STEPS.map((name, i) => [`restP50${name[0]?.toUpperCase()}${name.slice(1)}`, percentile(sortedCopy(steps[i] ?? []), 50)]),
    ),
  };
}

/** The collector's CPU use (% of one core) over a second without decisions: background work they compete with. */
async function idleCpu(pid: number): Promise<number | null> {
  const before = cpuMsOf(pid);
  const start = now();
  await sleep(1000);
  const after = cpuMsOf(pid);
  return before === null || after === null ? null : ((after - before) / (now() - start)) * 100;
}

/** The limit: the lookup underneath, a SELECT by serial through knex on the same database, for the fleet's devices. */
async function rawLookups(db: BenchDatabase, agents: Agent[], samples: number): Promise<number[]> {
  const knex = db.knex();
  const lookups: number[] = [];
  for (let k = 0; k < WARM_UP + samples; k++) {
    const serial = serialOf((agents[k % agents.length] as Agent).device);
    const t = now();
    const row = await knex('inventory_records').where('serial_number', serial).first();
    if (k >= WARM_UP) lookups.push(now() - t);
    if (!row) throw new Error(`the inventory has no record for ${serial}: the CSV upload did not store it`);
  }
  return lookups;
}

/** The same decisions against the bare layer (`transportFloor`): kept in every decision figure's `detail`. */
export interface Floor {
  transportFloorP50Ms: number | null;
  transportFloorP99Ms: number | null;
  transportFloorServerCpuMsPerDecision: number | null;
  transportFloorBenchCpuMsPerDecision: number;
}

/**
 * The floor under `decision.*` on this machine: the same clients take the same decisions at
 * the same rate, four round trips each (HTTP, two WebSocket frames, HTTP), against the bare
 * layer (bench/children/bare-ws.ts: plain `node:http` and `ws`, the transaction held in memory,
 * nothing checked or stored). What is left between it and the figure is the collector's own
 * work; what it shows itself is what the bench, the loopback and the two cores cost.
 */
async function transportFloor(
  ctx: BenchContext,
  rate: number,
  samples: number,
  agentCount: number,
  startingBeside: Promise<unknown> | null,
): Promise<Floor> {
  const bare = await startBareChild(ctx);
  // Whatever starts beside it is up before the floor's decisions begin.
  await startingBeside;
  let agents: Agent[] = [];
  try {
    // The bare layer enrolls anyone and knows no inventory: the devices' numbers do not matter.
    agents = await enrollFleet(ctx, bare.ready.url, agentCount, agentCount);
    const fleet: Fleet = { app: new AppClient(bare.ready.url, { clientId: 'bare', clientSecret: 'bare' }), agents, pids: [bare.pid] };
    try {
      await atRate(fleet, rate, Math.max(WARM_UP, rate * FLOOR_WARM_UP_S[ctx.scale]));
      const run = await atRate(fleet, rate, samples);
      const sorted = sortedCopy(run.latencies);
      ctx.log(
        `the bare layer: ${sorted.length} decisions at ${rate}/s, p50 ${percentile(sorted, 50)?.toFixed(2)} ms, p99 ${percentile(sorted, 99)?.toFixed(2)} ms`,
      );
      return {
        transportFloorP50Ms: percentile(sorted, 50),
        transportFloorP99Ms: percentile(sorted, 99),
        transportFloorServerCpuMsPerDecision: run.collectorCpuMs === null ? null : run.collectorCpuMs / sorted.length,
        transportFloorBenchCpuMsPerDecision: run.benchCpuMs / sorted.length,
      };
    } finally {
      fleet.app.close();
    }
  } finally {
    agents.forEach((a) => a.client.terminate());
    await bare.stop();
  }
}

/** One database's collector, loaded with the inventory, and its enrolled fleet: set-up, done before any window. */
interface Prepared {
  kind: DbKind;
  db: BenchDatabase;
  collector: ServerChild;
  fleet: Fleet;
  agents: Agent[];
  inventory: number;
  loaded: { note: string | null };
  inventoryLoadS: number;
  inventoryLoadWalMb: number | null;
  /** Why the load's checkpoint was not waited for, or null. */
  unsettled: string | null;
  /** The second node of `postgres-2`, or null. */
  second: ServerChild | null;
  /** Prepared with the other databases, before any run (small scale). */
  sideBySide: boolean;
}

/** A fresh database and a collector child on it (process starts: side by side with the others'). */
async function startOn(ctx: BenchContext, kind: DbKind): Promise<{ kind: DbKind; db: BenchDatabase; collector: ServerChild }> {
  const db = await freshDatabase(ctx, kind, `decision-${kind}`);
  return { kind, db, collector: await startCollectorChild(ctx, db) };
}

/**
 * Loads the inventory into a started collector and enrolls its fleet. At full scale loads run one
 * at a time (the caller awaits each), so `inventoryLoadS` is one load's; at small scale every
 * database loads at once. The WAL it wrote is PostgreSQL's own either way.
 */
async function prepare(
  ctx: BenchContext,
  started: { kind: DbKind; db: BenchDatabase; collector: ServerChild },
  sideBySide: boolean,
): Promise<Prepared> {
  const { kind, db, collector } = started;
  const inventory = sized(ctx, FULL_INVENTORY, SMALL_INVENTORY);
  const url = collector.ready.url;
  const start = now();
  const wal = await walWritten(db);
  const loaded = await loadInventory(collector, inventory);
  const inventoryLoadS = (now() - start) / 1000;
  // What the load wrote to PostgreSQL's WAL: what a sync of as many devices writes (README, production host).
  const inventoryLoadWalMb = await wal();
  ctx.log(
    `${kind}: ${inventory} devices in ${INTEGRATIONS} integrations loaded in ${inventoryLoadS.toFixed(1)} s${loaded.note ? ` (${loaded.note})` : ''}`,
  );
  // The second node of `postgres-2` starts while the fleet is set up (its start is no
  // measurement) and then waits, idle, until its own run.
  const secondNode =
    kind === 'postgres' && (ctx.wants('decision.p50_ms') || ctx.wants('decision.p99_ms')) ? startCollectorChild(ctx, db) : null;
  secondNode?.catch(() => undefined);
  const agents = await enrollFleet(ctx, url, scaled(ctx, FULL_AGENTS, 10), inventory);
  const fleet: Fleet = {
    app: await AppClient.create(url, { trustedEndpoints: 'require-trusted', blockCompromised: false }),
    agents,
    pids: [collector.pid],
  };
  ctx.defer(() => fleet.app.close());
  // The load's checkpoint is over before decisions are measured at rest (bench/lib/checkpoints.ts).
  const unsettled = await settle(db);
  return {
    kind,
    db,
    collector,
    fleet,
    agents,
    inventory,
    loaded,
    inventoryLoadS,
    inventoryLoadWalMb,
    unsettled,
    second: await secondNode,
    sideBySide,
  };
}

async function onDatabase(ctx: BenchContext, prepared: Prepared, floor: Floor | null, vendor: SyncVendor | null): Promise<Figure[]> {
  const { kind, db, collector, fleet, agents, inventory, loaded, inventoryLoadS, inventoryLoadWalMb, second } = prepared;
  const url = collector.ready.url;
  const rate = scaled(ctx, FULL_RATE);
  const samples = rate * MEASURE_S[ctx.scale];
  // Prepared before the runs of the databases ahead of it: what they wrote since is checkpointed too.
  const unsettled = prepared.sideBySide ? await settle(db) : prepared.unsettled;

  const warmedUp = warmUpDetail(await atRate(fleet, rate, Math.max(WARM_UP, rate * WARM_UP_S[ctx.scale])), rate);
  const rest = await atRest(fleet, REST_SAMPLES[ctx.scale]);
  ctx.log(`${kind}: one decision at a time: p50 ${rest.p50?.toFixed(1)} ms, p99 ${rest.p99?.toFixed(1)} ms`);
  const idleCpuPct = await idleCpu(collector.pid);
  const checkpoints = await checkpointCounter(db);
  const run = await atRate(fleet, rate, samples);
  const checkpointed = await checkpoints();
  ctx.log(`${kind}: ${run.latencies.length} decisions at ${rate}/s in ${run.seconds.toFixed(1)} s (${JSON.stringify(run.verdicts)})`);
  const quietP99 = percentile(sortedCopy(run.latencies), 99);
  const lookups = await rawLookups(db, agents, samples);
  const out = decisionFigures(kind, run, lookups, {
    note: [
      loaded.note,
      unsettled,
      checkpointed?.checkpoints ? `${checkpointed.checkpoints} checkpoint(s) ran during the rated run` : null,
      `one decision at a time: p50 ${rest.p50?.toFixed(1)} ms, p99 ${rest.p99?.toFixed(1)} ms`,
      `warm-up (${WARM_UP_S[ctx.scale]} s at the rate) p99 by ${WARM_UP_SLICE_S} s: ${warmedUp.warmUpP99BySliceMs} ms`,
      floorNote(floor),
    ]
      .filter(Boolean)
      .join('; '),
    detail: {
      inventory,
      inventoryLoadS,
      ...(inventoryLoadWalMb === null ? {} : { inventoryLoadWalMb }),
      idleCpuPct,
      ...warmedUp,
      restP50Ms: rest.p50,
      restP99Ms: rest.p99,
      ...rest.steps,
      ...checkpointDetail(checkpointed),
      ...floor,
    },
  });

  if (second) out.push(...(await twoNodes(ctx, db, collector, second, agents, rate, samples, lookups, inventory, floor)));
  if (vendor) {
    out.push({ ...(await decisionsDuringSync(ctx, db, url, fleet, rate, samples, quietP99, vendor)), db: kind });
  }
  await collector.stop();
  return out;
}

/**
 * The same decisions with two collector processes on the one PostgreSQL database: the agents
 * stay on the first, the application talks to a second started on the same database, so every
 * decision crosses nodes (created on B, attested on A, read on B).
 */
async function twoNodes(
  ctx: BenchContext,
  db: BenchDatabase,
  first: ServerChild,
  second: ServerChild,
  agents: Agent[],
  rate: number,
  samples: number,
  lookups: number[],
  inventory: number,
  floor: Floor | null,
): Promise<Figure[]> {
  const fleet: Fleet = {
    app: await AppClient.create(second.ready.url, { trustedEndpoints: 'require-trusted', blockCompromised: false }),
    agents,
    pids: [first.pid, second.pid],
  };
  ctx.defer(() => fleet.app.close());
  const warmedUp = warmUpDetail(await atRate(fleet, rate, Math.max(WARM_UP, rate * WARM_UP_S[ctx.scale])), rate);
  const checkpoints = await checkpointCounter(db);
  const run = await atRate(fleet, rate, samples);
  const checkpointed = await checkpoints();
  ctx.log(`postgres-2: ${run.latencies.length} decisions across two collectors at ${rate}/s (${JSON.stringify(run.verdicts)})`);
  await second.stop();
  return decisionFigures('postgres-2', run, lookups, {
    note: ['agents on one collector, the application on another, one PostgreSQL database', floorNote(floor)].filter(Boolean).join('; '),
    detail: {
      inventory,
      collectors: 2,
      ...warmedUp,
      ...checkpointDetail(checkpointed),
      ...floor,
    },
  });
}

/** Decisions taken while a vendor sync commits (`decisionsBesideSync`), and how far the sync got. */
export interface RunBesideSync {
  run: Run;
  /** Devices in the vendor's inventory. */
  count: number;
  /** The sync run as the admin API showed it at the end (devices stored, status). */
  sync: { devices: number; status: string };
  /**
   * Devices the sync stored while the decisions ran (its recorded progress, once a second, as
   * the decisions started and ended): what pacing beside sign-ins costs the sync.
   */
  besideDecisions: { devices: number; seconds: number };
  /**
   * The loopback vendor's CPU over the decisions, % of one core: a real vendor serves its pages
   * from elsewhere, this one from the same cores as the collector (null where /proc cannot say).
   */
  vendorCpuPct: number | null;
}

/**
 * Decisions while the collector syncs a large vendor inventory (a loopback Kandji of
 * 1,000,000 devices, a tenth at small scale, served from a process of its own) into one
 * more integration. Decisions run from the sync's first stored page until `samples` were
 * taken or the sync ended; then the sync is cancelled (the cancel route) so the bench does
 * not wait for the rest. `count` overrides the vendor's inventory (bench/tools).
 */
export async function decisionsBesideSync(
  ctx: BenchContext,
  url: string,
  fleet: Fleet,
  rate: number,
  samples: number,
  count = sized(ctx, FULL_SYNC_DEVICES, SMALL_SYNC_DEVICES),
  shared?: SyncVendor,
): Promise<RunBesideSync> {
  // In its own process: the decisions are timed in this one (bench/children/kandji-vendor.ts).
  const vendor = shared ?? (await startSyncVendor(ctx, count));
  const { apiToken } = vendor;
  const integration = await admin(url, 'POST', '/admin/v1/integrations', {
    kind: 'kandji',
    name: `Bench Kandji (syncing) ${Date.now()}`,
    platforms: ['macos', 'ios'],
    // Device details off: this figure measures decisions beside a sync's writes, and a million
    // per-device details calls would measure the loopback Kandji server in this process instead.
    config: { baseUrl: vendor.url, apiToken, detailsPerHour: 0 },
  });
  const { syncId } = await admin(url, 'POST', `/admin/v1/integrations/${integration.id}/sync`);
  const runOf = () => admin(url, 'GET', `/admin/v1/integrations/${integration.id}/syncs/${syncId}`);
  let sync = await runOf();
  while (sync.status === 'running' && sync.pages < 1) sync = await runOf();
  let syncRunning = sync.status === 'running';
  // Set once the decisions are done: the poll's answer in flight must not start it again.
  let polling = true;
  const poll = (async () => {
    while (polling && syncRunning) {
      await sleep(250);
      const seen = await runOf();
      if (!polling) break;
      sync = seen;
      syncRunning = sync.status === 'running';
    }
  })();
  let run: Run;
  const vendorCpuBefore = cpuMsOf(vendor.pid);
  const started = now();
  let vendorCpuPct: number | null = null;
  const devicesAtStart = Number(sync.devices);
  let devicesAtEnd = devicesAtStart;
  try {
    run = await atRate(fleet, rate, samples, () => !syncRunning);
    devicesAtEnd = Number((await runOf()).devices);
    const vendorCpuAfter = cpuMsOf(vendor.pid);
    if (vendorCpuBefore !== null && vendorCpuAfter !== null) vendorCpuPct = ((vendorCpuAfter - vendorCpuBefore) / (now() - started)) * 100;
  } finally {
    polling = false;
    await poll;
    const stillRunning = syncRunning;
    sync = await runOf();
    if (stillRunning && sync.status === 'running') {
      await admin(url, 'POST', `/admin/v1/integrations/${integration.id}/sync/cancel`, undefined, { expect: [200, 202, 409] });
      sync = await runOf();
    }
  }
  // A vendor started here is this call's; one handed in serves the group's other databases too.
  if (!shared) await vendor.stop();
  return {
    run,
    count: vendor.count,
    sync: { devices: Number(sync.devices), status: String(sync.status) },
    besideDecisions: { devices: devicesAtEnd - devicesAtStart, seconds: run.seconds },
    vendorCpuPct,
  };
}

/** Each step's median and p99 (create, fresh report, attest, read back): where a decision waited. */
function stepPercentiles(run: Run): Record<string, number | null> {
  return Object.fromEntries(
    STEPS.flatMap((name, i) => {
      const steps = sortedCopy(run.steps[i] ?? []);
      const step = `${name[0]?.toUpperCase()}${name.slice(1)}`;
      return [
        [`p50${step}`, percentile(steps, 50)],
        [`p99${step}`, percentile(steps, 99)],
      ];
    }),
  );
}

/**
 * `decision.p99_during_sync_ms`: the same decisions as the figures above while a vendor sync
 * commits (`decisionsBesideSync`). The limit is the p99 of the decisions above, with no sync.
 */
async function decisionsDuringSync(
  ctx: BenchContext,
  db: BenchDatabase,
  url: string,
  fleet: Fleet,
  rate: number,
  samples: number,
  quietP99: number | null,
  vendor: SyncVendor,
): Promise<Figure> {
  const checkpoints = await checkpointCounter(db);
  const { run, count, sync, besideDecisions, vendorCpuPct } = await decisionsBesideSync(
    ctx,
    url,
    fleet,
    rate,
    samples,
    vendor.count,
    vendor,
  );
  const checkpointed = await checkpoints();
  const sorted = sortedCopy(run.latencies);
  const p99 = percentile(sorted, 99);
  ctx.log(
    `decisions during a ${count}-device sync: ${run.latencies.length} decisions, p99 ${p99?.toFixed(1)} ms (quiet p99 ${quietP99?.toFixed(1)} ms); ` +
      `the sync stored ${besideDecisions.devices} devices while they ran, ${sync.devices} in all (${sync.status})`,
  );
  const note = run.latencies.length < samples ? `the sync ended after ${run.latencies.length} of ${samples} decisions` : undefined;
  return figure('decision.p99_during_sync_ms', '-', p99, 'ms', quietP99, {
    ...(note ? { note } : {}),
    detail: {
      samples: run.latencies.length,
      ratePerS: run.latencies.length / run.seconds,
      syncDevices: count,
      // In all, by the end: the sync may go on after the decisions (then it is cancelled).
      syncDevicesStored: sync.devices,
      // What pacing the sync beside decisions costs it (store/background-writes.ts): compare with sync.devices_per_s.
      syncDevicesBesideDecisions: besideDecisions.devices,
      syncDevicesPerSBesideDecisions: Math.round(besideDecisions.devices / besideDecisions.seconds),
      syncStatus: sync.status,
      p50Ms: percentile(sorted, 50),
      maxMs: sorted[sorted.length - 1] ?? null,
      ...stepPercentiles(run),
      collectorCpuMsPerDecision: run.collectorCpuMs === null ? null : run.collectorCpuMs / run.latencies.length,
      vendorCpuPct: vendorCpuPct === null ? null : Math.round(vendorCpuPct),
      benchLoopDelayP99Ms: round1(run.benchLoopDelay.p99),
      benchLoopDelayMaxMs: round1(run.benchLoopDelay.max),
      loadAverageStart: run.load[0],
      loadAverageEnd: run.load[1],
      ...checkpointDetail(checkpointed),
    },
  });
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

function floorNote(floor: Floor | null): string | null {
  return floor ? `the same decisions against the bare layer (transport floor): p99 ${floor.transportFloorP99Ms?.toFixed(1)} ms` : null;
}

/**
 * The warm-up's p99, whole and for each WARM_UP_SLICE_S in the order the decisions were
 * scheduled (the latencies are pushed as decisions end, which at a steady rate is close to that
 * order): the figures' `detail`, the slices also in the note.
 */
function warmUpDetail(warmUp: Run, rate: number): { warmUpP99Ms: number | null; warmUpP99BySliceMs: string } {
  const perSlice = rate * WARM_UP_SLICE_S;
  const slices: (number | null)[] = [];
  for (let from = 0; from < warmUp.latencies.length; from += perSlice) {
    const p = percentile(sortedCopy(warmUp.latencies.slice(from, from + perSlice)), 99);
    slices.push(p === null ? null : Math.round(p));
  }
  return { warmUpP99Ms: percentile(sortedCopy(warmUp.latencies), 99), warmUpP99BySliceMs: slices.join(', ') };
}

/** PostgreSQL's checkpoints during a run, for its figure's detail (nothing on SQLite). */
function checkpointDetail(checkpointed: { checkpoints: number; buffers: number } | null): Record<string, number> {
  return checkpointed ? { checkpointsDuringRun: checkpointed.checkpoints, checkpointBuffersDuringRun: checkpointed.buffers } : {};
}

export const decisionGroup: FigureGroup = {
  id: 'decision',
  names: ['decision.p50_ms', 'decision.p99_ms', 'decision.p99_during_sync_ms'],
  timeoutMs: 25 * 60_000,
  async run(ctx) {
    const out: Figure[] = [];
    // Once for every database: the bare layer stores nothing.
    const wantsRated = ctx.wants('decision.p50_ms') || ctx.wants('decision.p99_ms') || ctx.wants('decision.p99_during_sync_ms');
    const rate = scaled(ctx, FULL_RATE);
    // The sync's vendor starts beside the floor's bare layer (set-up, before either measures)
    // and serves every database.
    const vendor =
      ctx.wants('decision.p99_during_sync_ms') && ctx.databases.length > 0
        ? startSyncVendor(ctx, sized(ctx, FULL_SYNC_DEVICES, SMALL_SYNC_DEVICES))
        : null;
    vendor?.catch(() => undefined);
    // At small scale every database's collector starts beside them, then all load their
    // inventories and enroll their fleets together, before the floor's first decision: nothing
    // starts or loads between two measured runs (the other databases' collectors wait idle),
    // and the starts overlap instead of coming one after the other. Full scale sets up each
    // database after the runs before it, its million records loaded just before its own runs.
    const sideBySide = ctx.scale === 'small';
    const prepared = sideBySide
      ? (async () => {
          const [, ...started] = await Promise.all([vendor, ...ctx.databases.map((kind) => startOn(ctx, kind))]);
          // Every database's load at once (set-up on two cores): each one's `inventoryLoadS` is
          // then a load beside another, not one alone as at full scale.
          return Promise.all(started.map((one) => prepare(ctx, one, true)));
        })()
      : null;
    prepared?.catch(() => undefined);
    const floor = wantsRated
      ? await transportFloor(ctx, rate, rate * MEASURE_S[ctx.scale], scaled(ctx, FULL_AGENTS, 10), prepared ?? vendor)
      : null;
    const ready = await prepared;
    for (const [i, kind] of ctx.databases.entries()) {
      const one = ready?.[i] ?? (await prepare(ctx, await startOn(ctx, kind), false));
      out.push(...(await onDatabase(ctx, one, floor, await vendor)));
    }
    if (ctx.postgresUnavailable && !ctx.databases.includes('postgres')) {
      for (const db of ['postgres', 'postgres-2'] as const) {
        out.push(
          notRun('decision.p50_ms', db, 'ms', ctx.postgresUnavailable),
          notRun('decision.p99_ms', db, 'ms', ctx.postgresUnavailable),
        );
      }
      out.push(notRun('decision.p99_during_sync_ms', 'postgres', 'ms', ctx.postgresUnavailable));
    }
    return out;
  },
};
