import { admin } from '../lib/admin.js';
import { figure, notRun, scaled, type BenchContext, type Figure, type FigureGroup } from '../lib/figure.js';
import { BenchChild, RssSampler } from '../lib/proc.js';
import { freshDatabase, startCollectorChild, type DbKind } from '../lib/targets.js';
import { now, sleep } from '../lib/timing.js';

const FULL_DEVICES = 1_000_000;
const SYNC_TIMEOUT_MS = 12 * 60_000;

interface VendorServer {
  url: string;
  apiToken: string;
  pagesServed(): number;
  close(): Promise<void>;
}

/**
 * The loopback Kandji another engineer wrote for the connector tests
 * (collector/test/vendors/mdm/kandji.ts), serving `count` synthetic devices made page by
 * page: the bench never holds the fleet.
 */
async function startVendor(count: number): Promise<VendorServer> {
  const kandji = await import('../../collector/test/vendors/mdm/kandji.js');
  const kit = await import('../../collector/test/vendors/mdm/server-kit.js');
  const apiToken = 'bench-kandji-api-token-0001';
  const server = await kandji.startKandjiServer({ apiToken, inventory: kit.syntheticInventory(count, kandji.kandjiDevice) });
  return { url: server.url, apiToken, pagesServed: () => server.stats.pagesServed, close: () => server.close() };
}

interface SyncOutcome {
  devices: number;
  seconds: number;
  peakRssKb: number;
  path: string;
}

/**
 * Syncs the vendor's whole inventory into a collector child and samples its RSS. Through
 * the registered `kandji` kind (admin API → sync engine → Kandji client) when the collector
 * has it; otherwise the engine's ingest fed by the Kandji client and mapper directly.
 */
async function syncInCollector(ctx: BenchContext, kind: DbKind, vendor: VendorServer): Promise<SyncOutcome> {
  const db = await freshDatabase(ctx, kind, `sync-${kind}`);
  const collector = await startCollectorChild(ctx, db);
  const url = collector.ready.url;
  const sampler = new RssSampler(collector.pid);
  try {
    // 400 when the collector does not know the kind: then the fallback below.
    const body = await admin(
      url,
      'POST',
      '/admin/v1/integrations',
      { kind: 'kandji', name: 'Bench Kandji', platforms: ['macos', 'ios'], config: { baseUrl: vendor.url, apiToken: vendor.apiToken } },
      { expect: [201, 400] },
    );
    if (typeof body?.id === 'string') {
      const { syncId } = await admin(url, 'POST', `/admin/v1/integrations/${body.id}/sync`);
      const deadline = Date.now() + SYNC_TIMEOUT_MS;
      for (;;) {
        const { syncs } = await admin(url, 'GET', `/admin/v1/integrations/${body.id}/syncs`);
        const run = (
          syncs as { id: string; status: string; devices: number; startedAt: number; finishedAt: number | null; error: string | null }[]
        ).find((r) => r.id === syncId);
        if (run && run.status !== 'running') {
          if (run.status !== 'succeeded') throw new Error(`the sync ${run.status}: ${run.error}`);
          return {
            devices: run.devices,
            seconds: ((run.finishedAt ?? Date.now()) - run.startedAt) / 1000,
            peakRssKb: sampler.stop(),
            path: 'kandji kind via the admin API',
          };
        }
        if (Date.now() > deadline) throw new Error(`the sync did not finish within ${SYNC_TIMEOUT_MS / 60_000} min`);
        await sleep(250);
      }
    }
    // The kind is not registered (yet): the generic engine, fed by the Kandji client.
    const csv = await admin(url, 'POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Bench Kandji (ingest)',
      platforms: ['macos', 'ios'],
      config: {},
    });
    const run = await collector.call<{ status: string; devices: number; error: string | null; ms: number }>(
      'ingest-kandji',
      { integrationId: csv.id, baseUrl: vendor.url, apiToken: vendor.apiToken },
      SYNC_TIMEOUT_MS,
    );
    if (run.status !== 'succeeded') throw new Error(`the sync ${run.status}: ${run.error}`);
    return {
      devices: run.devices,
      seconds: run.ms / 1000,
      peakRssKb: sampler.stop(),
      path: 'kandji kind not registered: engine.ingest fed by the Kandji client',
    };
  } finally {
    sampler.stop();
    await collector.stop();
  }
}

/** The limit: the same number of rows through knex in batches, in its own child for its RSS. */
async function driverInserts(ctx: BenchContext, kind: DbKind, count: number): Promise<{ seconds: number; peakRssKb: number }> {
  const db = await freshDatabase(ctx, kind, `sync-driver-${kind}`);
  const child = await BenchChild.start('driver-insert.ts', {
    env: { BENCH_DATA_DIR: db.dataDir, BENCH_DATABASE_URL: db.databaseUrl ?? '' },
  });
  ctx.defer(() => child.stop());
  const sampler = new RssSampler(child.pid);
  const started = now();
  await child.call('run', { count }, SYNC_TIMEOUT_MS);
  const seconds = (now() - started) / 1000;
  const peakRssKb = sampler.stop();
  await child.stop();
  return { seconds, peakRssKb };
}

export const syncGroup: FigureGroup = {
  id: 'sync',
  names: ['sync.devices_per_s', 'sync.peak_rss_mb'],
  timeoutMs: 14 * 60_000,
  async run(ctx) {
    const count = scaled(ctx, FULL_DEVICES);
    let vendor: VendorServer;
    try {
      vendor = await startVendor(count);
    } catch (error) {
      const why = `no loopback Kandji server (collector/test/vendors/mdm/kandji.ts): ${(error as Error).message}`;
      return [notRun('sync.devices_per_s', '-', 'devices/s', why), notRun('sync.peak_rss_mb', '-', 'MB', why)];
    }
    ctx.defer(() => vendor.close());
    const out: Figure[] = [];
    for (const kind of ctx.databases) {
      const pagesBefore = vendor.pagesServed();
      const sync = await syncInCollector(ctx, kind, vendor);
      const pages = vendor.pagesServed() - pagesBefore;
      ctx.log(
        `${kind}: ${sync.devices} devices in ${sync.seconds.toFixed(1)} s (${pages} pages), peak RSS ${(sync.peakRssKb / 1024).toFixed(0)} MB`,
      );
      const driver = await driverInserts(ctx, kind, count);
      ctx.log(
        `${kind}: driver inserts of ${count} rows in ${driver.seconds.toFixed(1)} s, peak RSS ${(driver.peakRssKb / 1024).toFixed(0)} MB`,
      );
      const incomplete = sync.devices < count ? `only ${sync.devices} of ${count} devices stored` : null;
      const note = [incomplete, sync.path.startsWith('kandji kind not') ? sync.path : null].filter(Boolean).join('; ');
      const detail = { devices: sync.devices, seconds: sync.seconds, pages, driverSeconds: driver.seconds, path: sync.path };
      out.push(
        figure('sync.devices_per_s', kind, sync.devices / sync.seconds, 'devices/s', count / driver.seconds, {
          ...(note ? { note } : {}),
          detail,
        }),
        figure('sync.peak_rss_mb', kind, sync.peakRssKb / 1024, 'MB', driver.peakRssKb / 1024, { ...(note ? { note } : {}), detail }),
      );
    }
    if (ctx.postgresUnavailable && !ctx.databases.includes('postgres')) {
      out.push(
        notRun('sync.devices_per_s', 'postgres', 'devices/s', ctx.postgresUnavailable),
        notRun('sync.peak_rss_mb', 'postgres', 'MB', ctx.postgresUnavailable),
      );
    }
    return out;
  },
};
