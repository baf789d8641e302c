/**
 * The claim check of a device an inventory knows by its MAC alone (a first report), against a
 * fleet of `fleet` endpoints, each reporting two MACs, on a fresh database: the fleet's
 * endpoint_macs filled by the migration's backfill (down, then up, as an upgrade would), then per
 * newcomer the MAC holders read both ways, the LIKE on every endpoint's JSON list (before
 * endpoint_macs) and the index look-up (now), with each statement's plan (EXPLAIN QUERY PLAN, or
 * EXPLAIN ANALYZE with the rows it read on PostgreSQL), and the whole first report through
 * recordReports with its statements. Wall times in this process: compare them only within one
 * run and load. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/mac-claims.ts [sqlite|postgres] [fleet] [newcomers]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { Report } from '@devtrust/shared/protocol';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { macClaims } from '@devtrust/collector/store/repos/mac-claims';
import { claimedColumns } from '@devtrust/collector/store/repos/identifier-bindings';
import type { EndpointRow } from '@devtrust/collector/store/rows';
import { Store } from '@devtrust/collector/store/store';
import { freshPostgresDatabase } from '../../test/support/postgres.js';
import { referenceMacClaims } from '../../collector/test/support/reference-release.js';
import { createCsvIntegration } from '../../collector/test/support/test-store.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const fleet = Number(process.argv[3] ?? 100_000);
const newcomers = Number(process.argv[4] ?? 20);
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-mac-claims-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const store = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });
const mac = (n: number): string => n.toString(16).toUpperCase().padStart(12, '0').replace(/^0/, 'A');
const report = (identity: Record<string, unknown>): Report =>
  ({ identity: { platform: 'windows', hostname: 'pc', ...identity }, posture: {}, agentVersion: 'bench' }) as unknown as Report;
class Rollback extends Error {}

/** Runs `call` in a transaction rolled back after: its answer, time, statements, and the last statement's plan. */
async function measured<T>(
  knex: Knex,
  call: (trx: Knex.Transaction) => Promise<T>,
): Promise<{ result: T; ms: number; statements: number; plan: string }> {
  let out: { result: T; ms: number; statements: number; plan: string } | undefined;
  await knex
    .transaction(async (trx) => {
      const sent: { sql: string; bindings: unknown[] }[] = [];
      const listener = (q: { sql: string; bindings?: unknown[] }): void => void sent.push({ sql: q.sql, bindings: q.bindings ?? [] });
      knex.on('query', listener);
      const started = performance.now();
      const result = await call(trx);
      const ms = performance.now() - started;
      knex.removeListener('query', listener);
      const last = sent[sent.length - 1] as { sql: string; bindings: unknown[] };
      const sql = last.sql.replace(/\$\d+/g, '?');
      const plan =
        kind === 'postgres'
          ? (
              (await trx.raw(`explain (analyze, costs off, timing off, summary off) ${sql}`, last.bindings as never)) as {
                rows: { 'QUERY PLAN': string }[];
              }
            ).rows
              .map((r) => r['QUERY PLAN'])
              .join('\n')
          : ((await trx.raw(`explain query plan ${sql}`, last.bindings as never)) as { detail: string }[]).map((r) => r.detail).join('\n');
      out = { result, ms, statements: sent.length, plan };
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return out as { result: T; ms: number; statements: number; plan: string };
}

try {
  const knex = store.knex;
  let started = performance.now();
  const at = Date.now() - fleet;
  const rows = Array.from({ length: fleet }, (_, i) => ({
    id: `ep_${String(i).padStart(7, '0')}`,
    public_key: `pk_${i}`,
    enrolled_at: at + i,
    last_seen_at: at + i,
    last_seen_hour: 0,
    last_seq: 1,
    blocked: false,
    serial_number: `FLEET-${i}`,
    mac_addresses: JSON.stringify([mac(2 * i + 1_000_000), mac(2 * i + 1_000_001)]),
  }));
  await knex.batchInsert('endpoints', rows, 500);
  console.log(`seeded ${fleet} endpoints in ${Math.round(performance.now() - started)} ms (loaded)`);
  await knex.migrate.down({ migrationSource, name: '20261207100000_endpoint_macs' });
  started = performance.now();
  await knex.migrate.latest({ migrationSource });
  const macRows = Number((await knex('endpoint_macs').count({ n: '*' }).first())?.n);
  console.log(`backfilled ${macRows} endpoint_macs rows in ${Math.round(performance.now() - started)} ms (loaded)`);
  if (kind === 'postgres') await knex.raw('analyze');

  // An inventory matching MACs that knows the newcomers' MACs by MAC alone; each newcomer's MAC is
  // also reported by one endpoint of the fleet (a dock, a USB adapter), spread over the table.
  const integration = await createCsvIntegration(store, 'macs', ['windows']);
  await knex('integrations')
    .where({ id: integration })
    .update({ config: JSON.stringify({ matchMacAddresses: true }) });
  const shared = Array.from({ length: newcomers }, (_, k) => mac(2 * Math.floor(((k + 0.5) * fleet) / newcomers) + 1_000_000));
  await store.inventory.insertPage(
    integration,
    'g1',
    0,
    shared.map((m, k) => ({ serialNumber: `INV-${k}`, macAddresses: [m] })),
  );
  await store.inventory.commitGeneration(integration, 'g1', Date.now());

  const totals = { likeMs: 0, likeStatements: 0, indexMs: 0, indexStatements: 0, reportMs: 0, reportStatements: 0 };
  let plans = { like: '', index: '' };
  for (const [k, m] of shared.entries()) {
    const claimed = { ...claimedColumns({} as EndpointRow), serial_number: `NEW-${k}` };
    const before = await measured(knex, (trx) => referenceMacClaims(trx, 'ep_new', claimed, [m]));
    const now = await measured(knex, (trx) => macClaims(trx, 'ep_new', claimed, [m]));
    if (JSON.stringify(before.result) !== JSON.stringify(now.result))
      throw new Error(`different answers for ${m}: ${JSON.stringify(before.result)} ${JSON.stringify(now.result)}`);
    totals.likeMs += before.ms;
    totals.likeStatements += before.statements;
    totals.indexMs += now.ms;
    totals.indexStatements += now.statements;
    plans = { like: before.plan, index: now.plan };
    // The first report itself (new identifiers: the claim check inside its transaction).
    const id = (await store.endpoints.enroll(randomBytes(32).toString('base64'))).id;
    let statements = 0;
    const count = (): void => void statements++;
    knex.on('query', count);
    const t = performance.now();
    await store.recordReports([
      { endpointId: id, seq: 1, report: report({ serialNumber: `NEW-${k}`, macAddresses: [m] }), at: Date.now() },
    ]);
    totals.reportMs += performance.now() - t;
    knex.removeListener('query', count);
    totals.reportStatements += statements;
    const pending = await store.endpoints.get(id);
    if (pending?.approval !== 'pending') throw new Error(`newcomer ${k} is not pending: ${pending?.approval}`);
  }
  const per = (v: number): number => Math.round((v / newcomers) * 100) / 100;
  console.log(`plan of the LIKE (before):\n${plans.like}\n\nplan of the look-up (now):\n${plans.index}\n`);
  console.log(
    JSON.stringify({
      kind,
      fleet,
      newcomers,
      perClaimCheck: {
        likeMs: per(totals.likeMs),
        likeStatements: per(totals.likeStatements),
        indexMs: per(totals.indexMs),
        indexStatements: per(totals.indexStatements),
      },
      perFirstReport: { ms: per(totals.reportMs), statements: per(totals.reportStatements) },
    }),
  );
} finally {
  await store.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
