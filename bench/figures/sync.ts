import { admin } from '../lib/admin.js';
import { figure, notRun, sized, type BenchContext, type Figure, type FigureGroup } from '../lib/figure.js';
import { BenchChild, RssSampler } from '../lib/proc.js';
import { freshDatabase, startCollectorChild, type DbKind, type ServerChild } from '../lib/targets.js';
import { healthDuring } from '../lib/serving.js';
import { now, sleep } from '../lib/timing.js';

export const FULL_DEVICES = 1_000_000;
/**
 * Small scale: 20 Kandji pages of 300 (and 3 Jamf pages of 2,000), enough to see a sync run and
 * its memory in a run of under two minutes; its rate is a smoke value, mostly a sync's fixed costs.
 */
export const SMALL_DEVICES = 6_000;
const SYNC_TIMEOUT_MS = 12 * 60_000;
/** Rows of the CSV inventory re-uploaded beside the large one (not scaled: the brief's case). */
const REUPLOAD_ROWS = 3_000;

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
async function syncInCollector(collector: ServerChild, vendor: VendorServer): Promise<SyncOutcome> {
  const url = collector.ready.url;
  const sampler = new RssSampler(collector.pid);
  try {
    // 400 when the collector does not know the kind: then the fallback below. Device details
    // off: this figure is the list sync's throughput (details are capped by Kandji's hourly
    // budget in production, and here would only load the loopback server in this process).
    const body = await admin(
      url,
      'POST',
      '/admin/v1/integrations',
      {
        kind: 'kandji',
        name: 'Bench Kandji',
        platforms: ['macos', 'ios'],
        config: { baseUrl: vendor.url, apiToken: vendor.apiToken, detailsPerHour: 0 },
      },
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
async function driverInserts(child: BenchChild, count: number): Promise<{ seconds: number; peakRssKb: number }> {
  const sampler = new RssSampler(child.pid);
  const started = now();
  await child.call('run', { count }, SYNC_TIMEOUT_MS);
  const seconds = (now() - started) / 1000;
  const peakRssKb = sampler.stop();
  await child.stop();
  return { seconds, peakRssKb };
}

/**
 * One database's servers: the collector of `sync.serving_max_ms`, the one that syncs for
 * `sync.devices_per_s` and the driver child of its limit, each on a fresh database, started
 * together before any of them measures.
 */
async function startServers(
  ctx: BenchContext,
  kind: DbKind,
  serving: boolean,
  sync: boolean,
): Promise<{ serving: ServerChild | null; sync: ServerChild | null; driver: BenchChild | null }> {
  const [servingChild, syncChild, driver] = await Promise.all([
    serving ? freshDatabase(ctx, kind, `serving-${kind}`).then((db) => startCollectorChild(ctx, db)) : null,
    sync ? freshDatabase(ctx, kind, `sync-${kind}`).then((db) => startCollectorChild(ctx, db)) : null,
    sync
      ? freshDatabase(ctx, kind, `sync-driver-${kind}`).then(async (db) => {
          const child = await BenchChild.start('driver-insert.ts', {
            env: { BENCH_DATA_DIR: db.dataDir, BENCH_DATABASE_URL: db.databaseUrl ?? '' },
          });
          ctx.defer(() => child.stop());
          return child;
        })
      : null,
  ]);
  return { serving: servingChild, sync: syncChild, driver };
}

/** Waits for a sync run to end; throws unless it succeeded. */
async function waitForSync(url: string, integrationId: string, syncId: string): Promise<{ devices: number; seconds: number }> {
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  for (;;) {
    const run = await admin(url, 'GET', `/admin/v1/integrations/${integrationId}/syncs/${syncId}`);
    if (run.status !== 'running') {
      if (run.status !== 'succeeded') throw new Error(`the sync ${run.status}: ${run.error}`);
      return { devices: run.devices, seconds: ((run.finishedAt ?? Date.now()) - run.startedAt) / 1000 };
    }
    if (Date.now() > deadline) throw new Error(`the sync did not finish within ${SYNC_TIMEOUT_MS / 60_000} min`);
    await sleep(250);
  }
}

/** A CSV inventory of REUPLOAD_ROWS devices, each with a MAC; `round` changes every identifier. */
function reuploadCsv(round: number): string {
  const lines = ['serial_number,hardware_uuid,device_name,platform,mac_addresses'];
  for (let i = 0; i < REUPLOAD_ROWS; i++) {
    const hex = (round * REUPLOAD_ROWS + i).toString(16).padStart(8, '0');
    lines.push(
      `RU${round}X${i.toString(36).padStart(5, '0')},,reupload-${i},windows,0e:${round.toString(16).padStart(2, '0')}:${hex.match(/../g)?.join(':')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `sync.serving_max_ms`: a collector holding a large inventory with MACs (a Jamf Pro sync of
 * `count` computers, two MACs each) re-uploads a 3,000-row CSV inventory, and /healthz is
 * polled back to back throughout; the value is the slowest health answer. The limit is the
 * slowest of as many health checks on the same collector with nothing else running.
 */
async function servingDuringReupload(ctx: BenchContext, kind: DbKind, count: number, collector: ServerChild): Promise<Figure> {
  const jamf = await import('../../collector/test/vendors/mdm/jamf-pro.js');
  const kit = await import('../../collector/test/vendors/mdm/server-kit.js');
  const clientSecret = 'bench-jamf-secret-0001';
  const vendor = await jamf.startJamfProServer({ clientSecret, inventory: kit.syntheticInventory(count, jamf.jamfComputer) });
  ctx.defer(() => vendor.close());
  const url = collector.ready.url;
  try {
    const big = await admin(url, 'POST', '/admin/v1/integrations', {
      kind: 'jamf-pro',
      name: 'Bench Jamf (large, with MACs)',
      platforms: ['macos'],
      config: { baseUrl: vendor.url, clientId: 'jamf-client-id', clientSecret, pageSize: 2000 },
    });
    const { syncId } = await admin(url, 'POST', `/admin/v1/integrations/${big.id}/sync`);
    const seeded = await waitForSync(url, big.id, syncId);
    ctx.log(`${kind}: ${seeded.devices} Jamf computers (with MACs) synced in ${seeded.seconds.toFixed(1)} s`);

    const csv = await admin(url, 'POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: 'Bench re-upload',
      platforms: ['windows'],
      config: {},
    });
    const upload = (round: number) =>
      admin(url, 'PUT', `/admin/v1/integrations/${csv.id}/inventory`, reuploadCsv(round), { contentType: 'text/csv' });
    await upload(1);
    const started = now();
    const during = await healthDuring(url, () => upload(2));
    const reuploadS = (now() - started) / 1000;
    // The same number of health checks with nothing else running: the bare answer time.
    const idle = await healthDuring(url, () => sleep(Math.max(1_000, reuploadS * 1000)));

    const after = await admin(url, 'GET', `/admin/v1/integrations/${csv.id}`);
    const bigAfter = await admin(url, 'GET', `/admin/v1/integrations/${big.id}`);
    const wrong = [
      during.result.devices !== REUPLOAD_ROWS ? `the re-upload stored ${during.result.devices} devices` : null,
      after.devices !== REUPLOAD_ROWS ? `the re-uploaded inventory holds ${after.devices} devices` : null,
      bigAfter.devices !== seeded.devices ? `the large inventory holds ${bigAfter.devices} of ${seeded.devices}` : null,
      during.failures > 0 ? `${during.failures} health checks failed` : null,
    ].filter(Boolean);
    ctx.log(
      `${kind}: re-upload of ${REUPLOAD_ROWS} rows beside ${seeded.devices} in ${reuploadS.toFixed(2)} s; ${during.checks} health checks, slowest ${during.maxMs.toFixed(1)} ms (idle ${idle.maxMs.toFixed(1)} ms)`,
    );
    return figure('sync.serving_max_ms', kind, during.maxMs, 'ms', idle.maxMs, {
      ...(wrong.length > 0 ? { note: wrong.join('; ') } : {}),
      detail: {
        inventory: seeded.devices,
        macRows: seeded.devices * 2,
        reuploadRows: REUPLOAD_ROWS,
        reuploadS,
        healthChecks: during.checks,
        healthFailures: during.failures,
        idleChecks: idle.checks,
        seedSyncS: seeded.seconds,
      },
    });
  } finally {
    await collector.stop();
  }
}

export const syncGroup: FigureGroup = {
  id: 'sync',
  names: ['sync.devices_per_s', 'sync.peak_rss_mb', 'sync.serving_max_ms'],
  timeoutMs: 30 * 60_000,
  async run(ctx) {
    const count = sized(ctx, FULL_DEVICES, SMALL_DEVICES);
    let vendor: VendorServer;
    try {
      vendor = await startVendor(count);
    } catch (error) {
      const why = `no loopback Kandji server (collector/test/vendors/mdm/kandji.ts): ${(error as Error).message}`;
      return [notRun('sync.devices_per_s', '-', 'devices/s', why), notRun('sync.peak_rss_mb', '-', 'MB', why)];
    }
    ctx.defer(() => vendor.close());
    const out: Figure[] = [];
    const wantsSync = ctx.wants('sync.devices_per_s') || ctx.wants('sync.peak_rss_mb');
    const start = (kind: DbKind) => startServers(ctx, kind, ctx.wants('sync.serving_max_ms'), wantsSync);
    // At small scale every database's servers start together before the first measurement (the
    // later ones wait idle, as a database's sync collector waits through its serving figure):
    // no starts between measurements. Full scale starts each database's after the one before.
    const upFront = ctx.scale === 'small' ? await Promise.all(ctx.databases.map(start)) : [];
    for (const [i, kind] of ctx.databases.entries()) {
      // This database's processes, each on a fresh database, start side by side (set-up; a
      // collector's start is mostly loading its modules) and wait idle for their runs.
      const servers = upFront[i] ?? (await start(kind));
      if (servers.serving) {
        try {
          out.push(await servingDuringReupload(ctx, kind, count, servers.serving));
        } catch (error) {
          out.push(notRun('sync.serving_max_ms', kind, 'ms', `failed: ${(error as Error).message.slice(0, 300)}`));
        }
      }
      if (!servers.sync || !servers.driver) continue;
      const pagesBefore = vendor.pagesServed();
      const sync = await syncInCollector(servers.sync, vendor);
      const pages = vendor.pagesServed() - pagesBefore;
      ctx.log(
        `${kind}: ${sync.devices} devices in ${sync.seconds.toFixed(1)} s (${pages} pages), peak RSS ${(sync.peakRssKb / 1024).toFixed(0)} MB`,
      );
      const driver = await driverInserts(servers.driver, count);
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
        notRun('sync.serving_max_ms', 'postgres', 'ms', ctx.postgresUnavailable),
      );
    }
    return out;
  },
};
