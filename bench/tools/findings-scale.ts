/**
 * Findings and the dashboard at fleet scale: an in-process collector on a fresh database of
 * `fleet` endpoints (some pending approval on a holder, one in 250 reporting a placeholder
 * serial, one in 20 silent for more than three days, a few sharing a serial) and `inventory`
 * records over five CSV integrations (a few duplicate serials, a few placeholder records),
 * all bulk-inserted. Prints, for FindingsService.list(), GET /admin/v1/findings and GET
 * /admin/v1/dashboard: the time (the machine may be loaded), the statements run (each distinct
 * statement once, with how often it ran and the rows it returned), and each one's plan
 * (PostgreSQL: EXPLAIN ANALYZE, with the rows each step read; SQLite: EXPLAIN QUERY PLAN).
 * Usage:
 *   node --import tsx bench/tools/findings-scale.ts [sqlite|postgres] [fleet] [inventory]
 */
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { admin, OWNER_TOKEN } from '../lib/admin.js';
import { startInProcessCollector } from './in-process-collector.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const fleet = Number(process.argv[3] ?? 100_000);
const inventory = Number(process.argv[4] ?? 1_000_000);
const INTEGRATIONS = 5;
const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;
const now = Date.now();
const pg = kind === 'postgres';

/** Rows 0..count-1 as `i`, made by the database (setup, not measured). */
const series = (count: number): string =>
  pg
    ? `select g::bigint as i from generate_series(0, ${count - 1}) g`
    : `with recursive s(i) as (select 0 union all select i + 1 from s where i < ${count - 1}) select i from s`;
const bool = (b: boolean): string => (pg ? String(b) : b ? '1' : '0');

async function seedEndpoints(knex: Knex): Promise<void> {
  // One in 250 reports a placeholder serial (400 at 100,000, spread through the table); one in
  // 5,000 shares the serial of the endpoint before it (a cloned image); one in 2,000 waits for
  // approval on the serial of the endpoint before it; one in 20 fell silent 3–10 days ago.
  const placeholder = 'i % 250 = 7';
  const serial = `case when ${placeholder} then null when i % 5000 = 13 then 'SN' || (i - 1) else 'SN' || i end`;
  const rawSerial = `case when ${placeholder} then 'To Be Filled By O.E.M.' when i % 5000 = 13 then 'SN' || (i - 1) else 'SN' || i end`;
  const seen = `case when i % 20 = 3 then ${now - 3 * DAY} - (i * 7919) % ${7 * DAY} else ${now} - (i * 7919) % ${2 * DAY} end`;
  const pending = 'i % 2000 = 11';
  const hasMarker = await knex.schema.hasColumn('endpoints', 'placeholder_kinds');
  await knex.raw(
    `insert into endpoints (id, public_key, enrolled_at, last_seen_at, last_seen_hour, last_seq, blocked, reports_stored, platform, hostname,
       hardware_uuid, serial_number, mac_addresses, approval, approval_claims${hasMarker ? ', placeholder_kinds' : ''})
     select 'ep_' || i, 'pk_' || i, ${now - 30 * DAY} + i * 1000, ${seen}, (${seen}) - (${seen}) % ${HOUR}, 1, ${bool(false)}, 1, 'macos', 'host-' || i,
       'HW' || i, ${serial}, '[]',
       case when ${pending} then 'pending' else null end,
       case when ${pending} then '[{"kind":"serialNumber","value":"SN' || i || '","heldBy":["ep_' || (i - 1) || '"]}]' else null end
       ${hasMarker ? `, case when ${placeholder} then 'serialNumber' else null end` : ''}
     from (${series(fleet)}) s`,
  );
  // Each endpoint's latest report, in slot reports_stored mod 20 = 1, with the serial as the agent sent it.
  await knex.raw(
    `insert into report_history (endpoint_id, slot, seq, received_at, body)
     select 'ep_' || i, 1, 1, ${now}, '{"agentVersion":"1","collectedAt":"x","identity":{"platform":"macos","hostname":"host-' || i ||
       '","hardwareUuid":"HW' || i || '","serialNumber":"' || ${rawSerial} || '"},"posture":{"diskEncryption":true,"firewall":true}}'
     from (${series(fleet)}) s`,
  );
}

async function seedInventory(
  knex: Knex,
  url: string,
  store: { inventory: { switchGeneration(id: string, g: string, at: number): Promise<void> } },
) {
  const share = Math.ceil(inventory / INTEGRATIONS);
  for (let j = 0; j < INTEGRATIONS; j++) {
    const integration = await admin(url, 'POST', '/admin/v1/integrations', {
      kind: 'csv',
      name: `Scale inventory ${j + 1}`,
      platforms: ['windows', 'macos', 'linux'],
      config: {},
    });
    const generation = `gen_scale_${j}`;
    // Device n = j·share + k; one in 10,000 holds the serial of the record before it, one in
    // 5,000 a placeholder serial (dropped, remembered in `placeholders` as the sync does).
    const n = `(${j * share} + i)`;
    await knex.raw(
      `insert into inventory_records (id, integration_id, generation, serial_number, hardware_uuid, device_name, platform, placeholders, raw)
       select 'rec_${j}_' || i, '${integration.id}', '${generation}',
         case when i % 5000 = 9 then null when i % 10000 = 5 then 'SN' || (${n} - 1) else 'SN' || ${n} end,
         'HW' || ${n}, 'device-' || ${n}, 'macos',
         case when i % 5000 = 9 then '["serialNumber=To Be Filled By O.E.M."]' else null end, '{}'
       from (${series(share)}) s`,
    );
    await knex('sync_runs').insert({
      id: generation,
      integration_id: integration.id,
      status: 'succeeded',
      trigger: 'upload',
      started_at: now - HOUR + j,
      finished_at: now - HOUR + j + 1,
      pages: 1,
      devices: share,
      node: 'bench',
    });
    // What a sync's commit does, counting the inventory's duplicate and placeholder records.
    const { ms, statements } = await traced(knex, () => store.inventory.switchGeneration(integration.id, generation, now - HOUR));
    console.log(`commit of ${share} records: ${ms.toFixed(0)} ms (loaded), ${statements.reduce((n, s) => n + s.runs, 0)} statements`);
    if (j === 0) for (const s of statements) console.log(`   ${s.ms.toFixed(0)} ms: ${s.sql.slice(0, 160)}`);
  }
}

interface Statement {
  sql: string;
  bindings: unknown[];
  runs: number;
  rows: number;
  /** From sending to the answer, summed over its runs (loaded machine: an indication only). */
  ms: number;
}

/** Runs `call`, recording each statement it ran (grouped by text) and the rows each returned. */
async function traced(knex: Knex, call: () => Promise<unknown>): Promise<{ ms: number; statements: Statement[]; total: number }> {
  const byUid = new Map<string, string>();
  const sentAt = new Map<string, number>();
  const bySql = new Map<string, Statement>();
  let total = 0;
  const onQuery = (q: { sql: string; bindings?: unknown[]; __knexQueryUid: string }): void => {
    total++;
    byUid.set(q.__knexQueryUid, q.sql);
    sentAt.set(q.__knexQueryUid, performance.now());
    const s = bySql.get(q.sql) ?? { sql: q.sql, bindings: q.bindings ?? [], runs: 0, rows: 0, ms: 0 };
    s.runs++;
    bySql.set(q.sql, s);
  };
  const onResponse = (response: unknown, q: { __knexQueryUid: string }): void => {
    const s = bySql.get(byUid.get(q.__knexQueryUid) ?? '');
    if (!s) return;
    s.rows += Array.isArray(response) ? response.length : ((response as { rows?: unknown[] })?.rows?.length ?? 1);
    s.ms += performance.now() - (sentAt.get(q.__knexQueryUid) ?? performance.now());
  };
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  const t0 = performance.now();
  try {
    await call();
  } finally {
    knex.removeListener('query', onQuery);
    knex.removeListener('query-response', onResponse);
  }
  return { ms: performance.now() - t0, statements: [...bySql.values()], total };
}

async function planOf(knex: Knex, s: Statement): Promise<string[]> {
  const sql = s.sql.replace(/\$\d+/g, '?');
  if (pg) {
    const res = (await knex.raw(`explain (analyze, buffers off, timing off) ${sql}`, s.bindings as never)) as {
      rows: { 'QUERY PLAN': string }[];
    };
    return res.rows.map((r) => r['QUERY PLAN']);
  }
  return ((await knex.raw(`explain query plan ${sql}`, s.bindings as never)) as { detail: string }[]).map((r) => r.detail);
}

async function report(knex: Knex, label: string, call: () => Promise<unknown>): Promise<void> {
  await call(); // warm: prepared statements, caches
  const { ms, statements, total } = await traced(knex, call);
  console.log(`\n######## ${label}: ${ms.toFixed(0)} ms (loaded machine), ${total} statements, ${statements.length} distinct`);
  for (const s of statements) {
    console.log(`\n-- ran ${s.runs}×, ${s.rows} rows returned in all, ${s.ms.toFixed(0)} ms in all (loaded): ${s.sql.slice(0, 400)}`);
    for (const line of await planOf(knex, s)) console.log(`   ${line}`);
  }
}

const { collector, close } = await startInProcessCollector(kind);
try {
  const knex = collector.store.knex;
  const started = performance.now();
  await seedEndpoints(knex);
  await seedInventory(knex, collector.url, collector.store);
  await knex.raw(pg ? 'vacuum analyze' : 'analyze');
  console.log(
    `${kind}: seeded ${fleet} endpoints and ${inventory} inventory records in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${OWNER_TOKEN}` } });
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
    return response.json();
  };
  const body = (await get('/admin/v1/findings')) as { findings: { type: string }[] };
  const types = new Map<string, number>();
  for (const f of body.findings) types.set(f.type, (types.get(f.type) ?? 0) + 1);
  const text = JSON.stringify(body);
  console.log(
    `findings response: ${body.findings.length} findings, ${(text.length / 1024).toFixed(0)} KiB: ${JSON.stringify(Object.fromEntries(types))}`,
  );
  console.log(`findings counts: ${JSON.stringify((body as { counts?: unknown }).counts ?? null)}`);
  console.log(`dashboard findings: ${JSON.stringify(((await get('/admin/v1/dashboard')) as { findings: unknown }).findings)}`);

  await report(knex, 'FindingsService.list()', () => collector.services.findings.list());
  await report(knex, 'GET /admin/v1/findings', () => get('/admin/v1/findings'));
  await report(knex, 'GET /admin/v1/dashboard', () => get('/admin/v1/dashboard'));
} finally {
  await close();
}
