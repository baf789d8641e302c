import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { identifiersOf } from '@devtrust/shared/identity';
import { encodeCursor } from '@devtrust/collector/admin/cursor';
import { Store } from '@devtrust/collector/store/store';
import { OWNER_TOKEN } from '../lib/admin.js';
import { identityOf, reportOf } from '../lib/devices.js';
import { figure, notRun, scaled, type BenchContext, type Detail, type Figure, type FigureGroup } from '../lib/figure.js';
import { freshDatabase, startCollectorChild, type BenchDatabase, type DbKind, type ServerChild } from '../lib/targets.js';
import { now, percentile, round, sortedCopy } from '../lib/timing.js';

const FULL_ENDPOINTS = 100_000;
const FULL_LOG_ROWS = 1_000_000;
/** The auth log spans this much time, ending now (the dashboard's longest range). */
const LOG_SPAN_MS = 30 * 24 * 3_600_000;
const APPLICATIONS = 5;
/** Samples per page kind: 30 (10 at small scale, where the group's time is mostly these requests). */
const samplesOf = (ctx: BenchContext): number => (ctx.scale === 'small' ? 10 : 30);
const PAGE = 50;
const INSERT_ROWS = 500;

/** Endpoint rows as the collector stores them after a report, identifiers normalised. */
function endpointRow(i: number, at: number): Record<string, unknown> {
  const identity = identityOf(i);
  const ids = identifiersOf(identity);
  const seen = at - ((i * 7919) % 86_400) * 1000;
  return {
    id: `ep_${randomUUID()}`,
    public_key: `bench-key-${i}`.padEnd(43, 'A'),
    enrolled_at: at - (FULL_ENDPOINTS - i) * 1000,
    last_seen_at: seen,
    last_seen_hour: seen - (seen % 3_600_000),
    last_seq: 1,
    reports_stored: 1,
    platform: identity.platform,
    hostname: identity.hostname,
    hardware_uuid: ids.hardwareUuid ?? null,
    serial_number: ids.serialNumber ?? null,
    machine_guid: null,
    mac_addresses: JSON.stringify(ids.macAddresses ?? []),
    blocked: false,
    last_user: `user${i}@example.com`,
  };
}

function logRow(i: number, rows: number, endpointIds: string[], end: number): Record<string, unknown> {
  const denied = i % 17 === 0;
  const untrusted = denied || i % 11 === 0;
  return {
    at: end - Math.floor(((rows - i) * LOG_SPAN_MS) / rows),
    transaction_id: `tx_${i}`,
    application_id: `app_bench_${i % APPLICATIONS}`,
    application_name: `Bench app ${i % APPLICATIONS}`,
    username: `user${i % 5000}@example.com`,
    endpoint_id: endpointIds[(i * 31) % endpointIds.length],
    verdict: untrusted ? 'untrusted' : 'trusted',
    access: denied ? 'deny' : 'allow',
    reasons: JSON.stringify([untrusted ? 'untrusted: no record matches this device' : 'trusted: serial number matches record', 'rule ok']),
    outcome: i % 50 === 0 ? 'abandoned' : i % 20 === 0 ? 'unattested' : 'attested',
  };
}

/** Rows straight into the collector's schema (setup, not measured), a few statements per transaction. */
async function insertRows(knex: Knex, table: string, count: number, row: (i: number) => Record<string, unknown>): Promise<void> {
  for (let start = 0; start < count; start += INSERT_ROWS * 20) {
    await knex.transaction(async (trx) => {
      for (let i = start; i < Math.min(count, start + INSERT_ROWS * 20); i += INSERT_ROWS) {
        const batch = [];
        for (let j = i; j < Math.min(count, i + INSERT_ROWS); j++) batch.push(row(j));
        await trx(table).insert(batch);
      }
    });
  }
}

async function seed(ctx: BenchContext, db: BenchDatabase, endpoints: number, logRows: number): Promise<{ endpointIds: string[] }> {
  // The collector's own migrations make the schema, indexes included.
  await (await Store.open({ databaseUrl: db.databaseUrl, dataDir: db.dataDir })).close();
  const knex = db.knex();
  const at = Date.now();
  const endpointIds: string[] = [];
  await insertRows(knex, 'endpoints', endpoints, (i) => {
    const row = endpointRow(i, at);
    endpointIds.push(row.id as string);
    return row;
  });
  // Each endpoint's one stored report: slot 1 of its history ring (reports_stored = 1), where reads find its latest.
  await insertRows(knex, 'report_history', endpoints, (i) => ({
    endpoint_id: endpointIds[i],
    slot: 1,
    seq: 1,
    received_at: at,
    body: JSON.stringify(reportOf(i, identityOf(i))),
  }));
  await insertRows(knex, 'auth_log', logRows, (i) => logRow(i, logRows, endpointIds, at));
  // Fresh statistics, as a database that has been running a while has them.
  await knex.raw(db.kind === 'postgres' ? 'vacuum analyze' : 'analyze');
  ctx.log(`${db.kind}: ${endpoints} endpoints and ${logRows} auth-log rows stored in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  return { endpointIds };
}

/** `count` keyset positions spread over a listing, read with OFFSET once (setup, not measured). */
async function positions(
  knex: Knex,
  table: string,
  column: string,
  total: number,
  count: number,
): Promise<{ at: number; id: string | number }[]> {
  const out = [];
  for (let k = 1; k <= count; k++) {
    const row = await knex(table)
      .select(column, 'id')
      .orderBy([
        { column, order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .offset(Math.floor((total * k) / (count + 1)))
      .first();
    out.push({ at: Number(row[column]), id: typeof row.id === 'string' ? row.id : Number(row.id) });
  }
  return out;
}

async function timedGet(url: string): Promise<{ ms: number; body: any }> {
  const start = now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } });
  const text = await response.text();
  const ms = now() - start;
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const p50 = (samples: number[]) => round(percentile(sortedCopy(samples), 50), 2);

/** One database, seeded, with its sampled positions and a collector child serving it. */
interface Seeded {
  kind: DbKind;
  knex: Knex;
  endpointIds: string[];
  endpointAt: { at: number; id: string | number }[];
  logAt: { at: number; id: string | number }[];
  collector: ServerChild;
}

async function prepare(ctx: BenchContext, kind: DbKind, endpoints: number, logRows: number): Promise<Seeded> {
  const db = await freshDatabase(ctx, kind, `admin-${kind}`);
  const { endpointIds } = await seed(ctx, db, endpoints, logRows);
  const knex = db.knex();
  const SAMPLES = samplesOf(ctx);
  // The lastSeen listing's order: the hour last seen, then id (a cursor's time is read as its hour).
  const endpointAt = await positions(knex, 'endpoints', 'last_seen_hour', endpoints, SAMPLES);
  const logAt = await positions(knex, 'auth_log', 'at', logRows, SAMPLES);
  const collector = await startCollectorChild(ctx, db);
  return { kind, knex, endpointIds, endpointAt, logAt, collector };
}

async function onDatabase(ctx: BenchContext, seeded: Seeded, endpoints: number, logRows: number): Promise<Figure> {
  const { kind, knex, endpointIds, endpointAt, logAt, collector } = seeded;
  const SAMPLES = samplesOf(ctx);
  const base = `${collector.ready.url}/admin/v1`;

  // The page kinds an admin uses; each sampled SAMPLES times (after one warm-up), all in the value.
  const day = 24 * 3_600_000;
  const end = Date.now();
  const kinds: Record<string, (k: number) => string> = {
    endpointsFirst: () => `${base}/endpoints?limit=${PAGE}`,
    endpointsDeep: (k) => `${base}/endpoints?limit=${PAGE}&cursor=${encodeCursor('endpoints:lastSeen', endpointAt[k % SAMPLES] as never)}`,
    endpointsSearchMac: (k) =>
      `${base}/endpoints?limit=${PAGE}&q=${encodeURIComponent(identityOf((k * 3301) % endpoints).macAddresses?.[0] ?? '')}`,
    endpointsSearchHost: (k) => `${base}/endpoints?limit=${PAGE}&q=bench-mac-${(k * 3301) % endpoints}`,
    authLogFirst: () => `${base}/auth-log?limit=${PAGE}`,
    authLogDeep: (k) => `${base}/auth-log?limit=${PAGE}&cursor=${encodeCursor('auth-log', logAt[k % SAMPLES] as never)}`,
    authLogApplicationDay: (k) =>
      `${base}/auth-log?limit=${PAGE}&applicationId=app_bench_${k % APPLICATIONS}&since=${end - (k + 2) * day}&until=${end - (k + 1) * day}`,
    authLogEndpoint: (k) => `${base}/auth-log?limit=${PAGE}&endpointId=${endpointIds[(k * 31) % endpointIds.length]}`,
  };
  const all: number[] = [];
  const detail: Detail = { endpoints, authLogRows: logRows, pageSize: PAGE, samplesPerKind: SAMPLES };
  let capped = 0;
  for (const [name, url] of Object.entries(kinds)) {
    await timedGet(url(0));
    const samples: number[] = [];
    for (let k = 0; k < SAMPLES; k++) {
      const { ms, body } = await timedGet(url(k));
      samples.push(ms);
      if (body.total?.exact === false) capped += 1;
      if (name === 'endpointsSearchMac' && body.endpoints.length !== 1)
        throw new Error(`${name} found ${body.endpoints.length} endpoints, not 1`);
    }
    all.push(...samples);
    detail[`p50${name[0]?.toUpperCase()}${name.slice(1)}Ms`] = p50(samples);
  }
  detail.cappedTotals = capped;

  // The dashboard over 30 days (every log row) and a day's export, beside the pages.
  await timedGet(`${base}/dashboard?range=30d`);
  const dashboard: number[] = [];
  for (let k = 0; k < 3; k++) dashboard.push((await timedGet(`${base}/dashboard?range=30d`)).ms);
  detail.p50Dashboard30dMs = p50(dashboard);
  const exported = await timedGet(`${base}/auth-log/export?since=${end - 3 * day}`);
  const exportedRows = String(exported.body).split('\r\n').length - 2;
  detail.exportRows = exportedRows;
  detail.exportRowsPerS = Math.round(exportedRows / (exported.ms / 1000));
  await collector.stop();

  // Limit: the bare keyset SELECTs of the same pages through knex, without presenting or HTTP.
  const bare: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    for (const [table, column, at] of [
      ['endpoints', 'last_seen_hour', endpointAt[k]],
      ['auth_log', 'at', logAt[k]],
    ] as const) {
      if (!at) continue;
      const start = now();
      await knex(table)
        .whereRaw(`(${column}, id) < (?, ?)`, [at.at, at.id])
        .orderBy([
          { column, order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(PAGE);
      bare.push(now() - start);
    }
  }
  detail.p50BareKeysetMs = p50(bare);
  // Why totals are capped: what an exact count of the default auth-log listing costs on every page.
  const exact: number[] = [];
  for (let k = 0; k < 3; k++) {
    const start = now();
    await knex('auth_log').whereIn('outcome', ['attested', 'unattested']).count({ n: '*' });
    exact.push(now() - start);
  }
  detail.p50ExactAuthLogCountMs = p50(exact);
  const value = round(percentile(sortedCopy(all), 95), 2);
  const limit = round(percentile(sortedCopy(bare), 95), 2);
  return figure('admin.page_ms', kind, value, 'ms', limit, {
    ...(ctx.scale === 'small' ? { note: `scaled down: ${endpoints} endpoints, ${logRows} auth-log rows` } : {}),
    detail,
  });
}

export const adminGroup: FigureGroup = {
  id: 'admin',
  names: ['admin.page_ms'],
  timeoutMs: 25 * 60_000,
  async run(ctx) {
    // A fortieth at small scale: most of this group's time is storing the rows.
    const endpoints = scaled(ctx, FULL_ENDPOINTS / (ctx.scale === 'small' ? 4 : 1), 1000);
    const logRows = scaled(ctx, FULL_LOG_ROWS / (ctx.scale === 'small' ? 4 : 1), 10_000);
    const out: Figure[] = [];
    // Every database is seeded and served side by side first (set-up: SQLite's rows are made
    // in this process, PostgreSQL's mostly stored by its server, two cores), and only then are
    // the pages timed, one database after the other with nothing else running.
    const seeded = await Promise.all(ctx.databases.map((kind) => prepare(ctx, kind, endpoints, logRows)));
    for (const one of seeded) out.push(await onDatabase(ctx, one, endpoints, logRows));
    if (ctx.postgresUnavailable && !ctx.databases.includes('postgres'))
      out.push(notRun('admin.page_ms', 'postgres', 'ms', ctx.postgresUnavailable));
    return out;
  },
};
