/**
 * The plans of the endpoint listings and of an endpoint's read (with its latest report from
 * the history ring) at fleet size, on a fresh database of `fleet` endpoints, each with `ring`
 * rows of its history ring (1: its latest report alone; 20: a full ring). Prints each
 * statement's plan and its time. Usage:
 *   node --import tsx bench/tools/explain-endpoint-pages.ts [sqlite|postgres] [fleet] [ring]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '@devtrust/collector/store/store';
import { freshPostgresDatabase } from '../../test/support/postgres.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const fleet = Number(process.argv[3] ?? 1_000_000);
const ring = Math.min(20, Math.max(1, Number(process.argv[4] ?? 1)));
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-explain-pages-'));
const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : null;
const store = await Store.open({ databaseUrl: pgDb?.url ?? null, dataDir });
const HOUR = 3_600_000;
const now = Date.now();
try {
  const knex = store.knex;
  const started = performance.now();
  // Endpoints seen over the last 48 hours, each having stored 20 + (i mod 20) reports.
  const series =
    kind === 'postgres'
      ? 'select g::bigint as i from generate_series(0, ?) g'
      : 'with recursive s(i) as (select 0 union all select i + 1 from s where i < ?) select i from s';
  const seen = kind === 'postgres' ? `(${now} - (i * 7919) % (48 * ${HOUR}))` : `(${now} - (i * 7919) % (48 * ${HOUR}))`;
  await knex.raw(
    `insert into endpoints (id, public_key, enrolled_at, last_seen_at, last_seen_hour, last_seq, blocked, reports_stored, hostname)
     select 'ep_' || i, 'pk_' || i, ${now} - i * 1000, ${seen}, ${seen} - ${seen} % ${HOUR}, 40, ${kind === 'postgres' ? 'false' : '0'}, 20 + i % 20, 'host-' || i from (${series}) s`,
    [fleet - 1],
  );
  // The latest report in slot reports_stored mod 20, and the ring's older slots before it.
  for (let back = 0; back < ring; back++)
    await knex.raw(
      `insert into report_history (endpoint_id, slot, seq, received_at, body)
       select 'ep_' || i, ((20 + i % 20 - ${back}) % 20), 40 - ${back}, ${now}, '{"agentVersion":"1","collectedAt":"x","identity":{"hostname":"h' || i || '"}}' from (${series}) s`,
      [fleet - 1],
    );
  await knex.raw(kind === 'postgres' ? 'analyze' : 'analyze');
  console.log(`seeded ${fleet} endpoints (${ring} ring rows each) in ${Math.round(performance.now() - started)} ms`);

  const explain = async (label: string, call: () => Promise<unknown>): Promise<void> => {
    let last: { sql: string; bindings: unknown[] } | null = null;
    const listener = (q: { sql: string; bindings?: unknown[] }): void => void (last = { sql: q.sql, bindings: q.bindings ?? [] });
    knex.on('query', listener);
    const t0 = performance.now();
    await call();
    const ms = performance.now() - t0;
    knex.removeListener('query', listener);
    const q = last as { sql: string; bindings: unknown[] } | null;
    if (!q) return;
    const sql = q.sql.replace(/\$\d+/g, '?');
    const plan =
      kind === 'postgres'
        ? ((await knex.raw(`explain ${sql}`, q.bindings as never)) as { rows: { 'QUERY PLAN': string }[] }).rows.map((r) => r['QUERY PLAN'])
        : ((await knex.raw(`explain query plan ${sql}`, q.bindings as never)) as { detail: string }[]).map((r) => r.detail);
    console.log(`\n== ${label}: ${ms.toFixed(1)} ms\n${plan.join('\n')}`);
  };
  const first = await store.endpointPages.page({ sort: 'lastSeen', limit: 500 });
  const last = first.at(-1)!;
  await explain('lastSeen, first page of 500', () => store.endpointPages.page({ sort: 'lastSeen', limit: 500 }));
  await explain('lastSeen, next page', () =>
    store.endpointPages.page({ sort: 'lastSeen', limit: 500, after: { at: last.lastSeenAt, id: last.id } }),
  );
  await explain('lastSeen, a page 30 hours back', () =>
    store.endpointPages.page({ sort: 'lastSeen', limit: 500, after: { at: now - 30 * HOUR, id: 'ep_' } }),
  );
  await explain('enrolled, first page of 500', () => store.endpointPages.page({ sort: 'enrolled', limit: 500 }));
  await explain('one endpoint with its latest report', () => store.endpoints.get('ep_123457'));
  await explain('silent for 40 hours, the first 50', () => store.endpointFindings.silentSince(now - 40 * HOUR, 50));
} finally {
  await store.close();
  await pgDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
