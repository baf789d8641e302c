import { ChannelClient } from '../lib/channel-client.js';
import { admin, AppClient, ENROLLMENT_KEY } from '../lib/admin.js';
import { identityOf, inventoryCsv, reportOf, serialOf } from '../lib/devices.js';
import { figure, notRun, scaled, type BenchContext, type Figure, type FigureGroup } from '../lib/figure.js';
import { freshDatabase, startCollectorChild, type DbKind, type ServerChild } from '../lib/targets.js';
import { now, percentile, sortedCopy } from '../lib/timing.js';

const FULL_INVENTORY = 100_000;
/** Devices of the vendor sync running during `decision.p99_during_sync_ms`. */
const FULL_SYNC_DEVICES = 1_000_000;
const FULL_SAMPLES = 1_000;
const WARM_UP = 20;
const AGENTS = 4;

/** Device numbers spread over the whole inventory, the same sequence every run. */
function pick(inventory: number, k: number): number {
  return (k * 7919 + 13) % inventory;
}

/**
 * One decision as an application sees it: create the transaction, the agent attests as the
 * real agent does (a fresh signed report, then the signed attestation), the application
 * reads the decided transaction. Timed from before the create to after the decided read.
 */
async function decideOnce(app: AppClient, agent: ChannelClient, device: number): Promise<{ ms: number; steps: number[]; verdict: string }> {
  const start = now();
  const txId = await app.open(`user${device}@example.com`);
  const opened = now();
  await agent.report(reportOf(device, identityOf(device)));
  const reported = now();
  await agent.attest(txId);
  const attested = now();
  let tx = await app.read(txId);
  for (let i = 0; tx.state === 'pending' && i < 100; i++) tx = await app.read(txId);
  if (tx.state !== 'decided') throw new Error(`transaction ${txId} is ${tx.state} after its verdict`);
  const end = now();
  return {
    ms: end - start,
    steps: [opened - start, reported - opened, attested - reported, end - attested],
    verdict: tx.verdict as string,
  };
}

const STEPS = ['createMs', 'reportMs', 'attestMs', 'readMs'] as const;

/** SQLite refuses a multi-row INSERT of more than 500 rows ("too many terms in compound SELECT"). */
const SQLITE_SAFE_PAGE = 500;

/**
 * Loads the inventory as an admin does: a CSV integration, `PUT …/inventory`, activation for
 * everyone. When the upload route fails, the same CSV goes through the same parser and sync
 * engine in pages the database accepts, and the returned note says why.
 */
async function loadInventory(collector: ServerChild, csv: string): Promise<{ note: string | null }> {
  const url = collector.ready.url;
  const integration = await admin(url, 'POST', '/admin/v1/integrations', {
    kind: 'csv',
    name: 'Bench inventory',
    platforms: ['windows', 'macos', 'linux'],
    config: {},
  });
  let note: string | null = null;
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
      300_000,
    );
    if (run.status !== 'succeeded') throw new Error(`loading the inventory failed: ${run.error}`);
  }
  await admin(url, 'PUT', `/admin/v1/integrations/${integration.id}/activation`, { mode: 'all-users' });
  return { note };
}

async function onDatabase(ctx: BenchContext, kind: DbKind, inventory: number, samples: number): Promise<Figure[]> {
  const db = await freshDatabase(ctx, kind, `decision-${kind}`);
  const collector = await startCollectorChild(ctx, db);
  const url = collector.ready.url;
  let start = now();
  const loaded = await loadInventory(collector, inventoryCsv(inventory));
  const uploadS = (now() - start) / 1000;
  ctx.log(`${kind}: ${inventory} devices loaded in ${uploadS.toFixed(1)} s${loaded.note ? ` (${loaded.note})` : ''}`);
  const app = await AppClient.create(url, { trustedEndpoints: 'require-trusted', blockCompromised: false });
  const agents: ChannelClient[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const agent = await ChannelClient.connect(url);
    await agent.enroll(ENROLLMENT_KEY);
    agents.push(agent);
  }
  ctx.defer(() => agents.forEach((a) => a.terminate()));

  const latencies: number[] = [];
  const steps: number[][] = STEPS.map(() => []);
  const verdicts: Record<string, number> = {};
  start = now();
  for (let k = 0; k < WARM_UP + samples; k++) {
    const device = pick(inventory, k);
    const decided = await decideOnce(app, agents[k % AGENTS] as ChannelClient, device);
    if (k < WARM_UP) continue;
    latencies.push(decided.ms);
    decided.steps.forEach((ms, i) => steps[i]?.push(ms));
    const verdict = decided.verdict;
    verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
  }
  ctx.log(`${kind}: ${samples} decisions in ${((now() - start) / 1000).toFixed(1)} s (${JSON.stringify(verdicts)})`);

  const duringSync = ctx.wants('decision.p99_during_sync_ms')
    ? await decisionsDuringSync(ctx, url, app, agents, inventory, samples, percentile(sortedCopy(latencies), 99))
    : null;

  // Limit: the lookup underneath, a SELECT by serial through knex on the same database.
  const knex = db.knex();
  const lookups: number[] = [];
  for (let k = 0; k < WARM_UP + samples; k++) {
    const serial = serialOf(pick(inventory, k));
    const t = now();
    const row = await knex('inventory_records').where('serial_number', serial).first();
    if (k >= WARM_UP) lookups.push(now() - t);
    if (!row) throw new Error(`the inventory has no record for ${serial}: the CSV upload did not store it`);
  }
  await collector.stop();

  const sorted = sortedCopy(latencies);
  const sortedLookups = sortedCopy(lookups);
  const untrusted = samples - (verdicts.trusted ?? 0);
  const note =
    [
      loaded.note,
      untrusted > 0 ? `${untrusted} of ${samples} verdicts were not "trusted": matching is not finding inventory records` : null,
    ]
      .filter(Boolean)
      .join('; ') || undefined;
  // Where the time goes: the median of each step (create, fresh report, attest, read back).
  const stepP50 = Object.fromEntries(
    STEPS.map((name, i) => [`p50${name[0]?.toUpperCase()}${name.slice(1)}`, percentile(sortedCopy(steps[i] ?? []), 50)]),
  );
  const detail = { samples, inventory, inventoryLoadS: uploadS, maxMs: sorted[sorted.length - 1] ?? null, ...stepP50 };
  return [
    figure('decision.p50_ms', kind, percentile(sorted, 50), 'ms', percentile(sortedLookups, 50), { ...(note ? { note } : {}), detail }),
    figure('decision.p99_ms', kind, percentile(sorted, 99), 'ms', percentile(sortedLookups, 99), { ...(note ? { note } : {}), detail }),
    ...(duringSync ? [{ ...duringSync, db: kind }] : []),
  ];
}

/**
 * `decision.p99_during_sync_ms`: the same decisions while the collector syncs a large
 * vendor inventory (a loopback Kandji of 1,000,000 devices, a tenth at small scale) into a
 * second integration. Decisions run from the sync's first stored page until `samples`
 * were taken or the sync ended; then the sync is cancelled (the cancel route) so the bench
 * does not wait for the rest. The limit is the p99 of the decisions above, with no sync.
 */
async function decisionsDuringSync(
  ctx: BenchContext,
  url: string,
  app: AppClient,
  agents: ChannelClient[],
  inventory: number,
  samples: number,
  quietP99: number | null,
): Promise<Figure> {
  const count = scaled(ctx, FULL_SYNC_DEVICES);
  const kandji = await import('../../collector/test/vendors/mdm/kandji.js');
  const kit = await import('../../collector/test/vendors/mdm/server-kit.js');
  const apiToken = 'bench-kandji-decision-token-0001';
  const vendor = await kandji.startKandjiServer({ apiToken, inventory: kit.syntheticInventory(count, kandji.kandjiDevice) });
  ctx.defer(() => vendor.close());
  const integration = await admin(url, 'POST', '/admin/v1/integrations', {
    kind: 'kandji',
    name: 'Bench Kandji (syncing)',
    platforms: ['macos', 'ios'],
    // Device details off: this figure measures decisions beside a sync's writes, and a million
    // per-device details calls would measure the loopback Kandji server in this process instead.
    config: { baseUrl: vendor.url, apiToken, detailsPerHour: 0 },
  });
  const { syncId } = await admin(url, 'POST', `/admin/v1/integrations/${integration.id}/sync`);
  const runOf = () => admin(url, 'GET', `/admin/v1/integrations/${integration.id}/syncs/${syncId}`);
  let run = await runOf();
  while (run.status === 'running' && run.pages < 1) run = await runOf();
  const latencies: number[] = [];
  for (let k = 0; k < samples && run.status === 'running'; k++) {
    const decided = await decideOnce(app, agents[k % AGENTS] as ChannelClient, pick(inventory, k + WARM_UP + samples));
    latencies.push(decided.ms);
    if (k % 20 === 19) run = await runOf();
  }
  run = await runOf();
  const syncedDuring = run.devices;
  const stillRunning = run.status === 'running';
  if (stillRunning)
    await admin(url, 'POST', `/admin/v1/integrations/${integration.id}/sync/cancel`, undefined, { expect: [200, 202, 409] });
  const sorted = sortedCopy(latencies);
  const p99 = percentile(sorted, 99);
  ctx.log(
    `decisions during a ${count}-device sync: ${latencies.length} decisions, p99 ${p99?.toFixed(1)} ms (quiet p99 ${quietP99?.toFixed(1)} ms), ${syncedDuring} devices synced meanwhile`,
  );
  const note = latencies.length < samples ? `the sync ended after ${latencies.length} of ${samples} decisions` : undefined;
  return figure('decision.p99_during_sync_ms', '-', p99, 'ms', quietP99, {
    ...(note ? { note } : {}),
    detail: {
      samples: latencies.length,
      syncDevices: count,
      devicesSyncedMeanwhile: syncedDuring,
      syncStatus: run.status,
      p50Ms: percentile(sorted, 50),
      maxMs: sorted[sorted.length - 1] ?? null,
    },
  });
}

export const decisionGroup: FigureGroup = {
  id: 'decision',
  names: ['decision.p50_ms', 'decision.p99_ms', 'decision.p99_during_sync_ms'],
  timeoutMs: 12 * 60_000,
  async run(ctx) {
    const inventory = scaled(ctx, FULL_INVENTORY);
    const samples = scaled(ctx, FULL_SAMPLES);
    const out: Figure[] = [];
    for (const kind of ctx.databases) out.push(...(await onDatabase(ctx, kind, inventory, samples)));
    if (ctx.postgresUnavailable && !ctx.databases.includes('postgres')) {
      out.push(
        notRun('decision.p50_ms', 'postgres', 'ms', ctx.postgresUnavailable),
        notRun('decision.p99_ms', 'postgres', 'ms', ctx.postgresUnavailable),
        notRun('decision.p99_during_sync_ms', 'postgres', 'ms', ctx.postgresUnavailable),
      );
    }
    return out;
  },
};
