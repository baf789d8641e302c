import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { Store } from '@devtrust/collector/store/store';
import { DATABASES, POSTGRES_SKIP, freshPostgresDatabase } from '../../../test/support/postgres.js';
import { openTestStore } from '../support/test-store.js';
import type { IdentifierKind } from '@devtrust/collector/domain/identifiers';

const RECORDS = 5_000;

/** The plan PostgreSQL picks for the statement a repository call runs (the last one it sends). */
async function planOf(store: Store, call: () => Promise<unknown>): Promise<string> {
  let last: { sql: string; bindings: unknown[] } | null = null;
  const listener = (q: { sql: string; bindings?: unknown[] }): void => {
    last = { sql: q.sql, bindings: q.bindings ?? [] };
  };
  store.knex.on('query', listener);
  try {
    await call();
  } finally {
    store.knex.removeListener('query', listener);
  }
  const query = last as { sql: string; bindings: unknown[] } | null;
  assert.ok(query, 'the call ran a statement');
  const plan = await store.knex.raw(`explain ${query.sql.replace(/\$\d+/g, '?')}`, query.bindings as never);
  return (plan as { rows: { 'QUERY PLAN': string }[] }).rows.map((r) => r['QUERY PLAN']).join('\n');
}

// A lookup must use the index that leads with the identifier, right after an inventory is
// committed: PostgreSQL's statistics from before the sync made it read the whole current
// generation of the integration for every lookup (55 ms at 100,000 records).
describeUnless(POSTGRES_SKIP)('inventory lookups on postgres, right after a sync', () => {
  let store: Store;
  let drop: () => Promise<void>;
  let integrationId: string;
  beforeAll(async () => {
    const pg = await freshPostgresDatabase();
    drop = pg.drop;
    store = await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() });
    integrationId = store.integrations.newId();
    await store.integrations.create(integrationId, {
      kind: 'csv',
      category: 'mdm',
      name: 'plans',
      platforms: ['macos'],
      config: {},
      sealedSecrets: {},
      schedule: null,
      nextSyncAt: null,
    });
    const records = Array.from({ length: RECORDS }, (_, i) => ({
      serialNumber: `SN${i}`,
      hardwareUuid: `HW${i}`,
      macAddresses: [i.toString(16).padStart(12, '0').toUpperCase()],
    }));
    for (let from = 0; from < RECORDS; from += 1_000)
      await store.inventory.insertPage(integrationId, 'gen1', from, records.slice(from, from + 1_000));
    await store.inventory.commitGeneration(integrationId, 'gen1', Date.now());
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  const cases: [IdentifierKind, string, RegExp][] = [
    ['serialNumber', 'SN4321', /inventory_records_serial_number_lookup/],
    ['hardwareUuid', 'HW4321', /inventory_records_hardware_uuid_lookup/],
    ['macAddress', '0000000010E1', /inventory_macs_mac_lookup/],
  ];
  for (const [kind, value, index] of cases) {
    it(`finds a ${kind} through its lookup index, not by reading the generation`, async () => {
      const plan = await planOf(store, () => store.inventory.findByIdentifier(kind, value, [integrationId]));
      assert.match(plan, index, plan);
      assert.doesNotMatch(plan, /integration_id_generation_index|Seq Scan on inventory_records/, plan);
      assert.equal((await store.inventory.findByIdentifier(kind, value, [integrationId])).length, 1);
    });
  }

  it('finds every identifier of a device in one statement, each through its lookup index', async () => {
    const wanted = cases.map(([kind, value]) => ({ kind, value }));
    const plan = await planOf(store, () => store.inventory.findByIdentifiers(wanted, [integrationId]));
    for (const [, , index] of cases) assert.match(plan, index, plan);
    assert.doesNotMatch(plan, /integration_id_generation_index|Seq Scan on inventory_records/, plan);
    assert.deepEqual(
      (await store.inventory.findByIdentifiers(wanted, [integrationId])).map((records) => records.length),
      [1, 1, 1],
    );
  });
});

// A batch of reports updates its endpoints by key. The batched UPDATE used to test an
// identifier no endpoint reports (MachineGuid, on a fleet of Macs) as a constant
// `machine_guid is null`, and with the statistics of a fresh table PostgreSQL reached the
// rows through that column's index: every endpoint without one, for every batch.
describeUnless(POSTGRES_SKIP)('report batches on postgres, before any ANALYZE', () => {
  it('find their endpoints by key, never through an identifier index', async () => {
    const pg = await freshPostgresDatabase();
    const store = await Store.open({ databaseUrl: pg.url, dataDir: tmpdir() });
    try {
      const ids = Array.from({ length: 2_000 }, (_, i) => `ep_plan_${i}`);
      for (let from = 0; from < ids.length; from += 500)
        await store
          .knex('endpoints')
          .insert(
            ids
              .slice(from, from + 500)
              .map((id, i) => ({ id, public_key: `pk_${from + i}`, enrolled_at: 1, last_seen_at: 1, last_seq: 0, blocked: false })),
          );
      const report = (i: number) => ({
        agentVersion: 'test',
        collectedAt: 'now',
        identity: { platform: 'macos' as const, serialNumber: `C02PLAN${i}`, hostname: `mac-${i}` },
      });
      const batch = (seq: number) => ids.slice(0, 200).map((id, i) => ({ endpointId: id, seq, report: report(i), at: Date.now() }));
      await store.endpoints.recordReports(batch(1));
      let update: { sql: string; bindings: unknown[] } | null = null;
      const listener = (q: { sql: string; bindings?: unknown[] }): void => {
        if (q.sql.startsWith('with v')) update = { sql: q.sql, bindings: q.bindings ?? [] };
      };
      // The batched UPDATE runs straight on the driver: seen by the statement listeners, not knex's.
      statementsOf(store.knex.client).on('done', listener);
      const stored = await store.endpoints.recordReports(batch(2));
      statementsOf(store.knex.client).off('done', listener);
      assert.ok(stored.every(Boolean));
      const query = update as { sql: string; bindings: unknown[] } | null;
      assert.ok(query, 'the usual reports went through the batched UPDATE');
      const plan = (
        (await store.knex.raw(`explain ${query.sql.replace(/\$\d+/g, '?')}`, query.bindings as never)) as {
          rows: { 'QUERY PLAN': string }[];
        }
      ).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      assert.doesNotMatch(plan, /IS NULL|endpoints_(machine_guid|serial_number|hardware_uuid)_index/, plan);
    } finally {
      await store.close();
      await pg.drop();
    }
  });
});

// The lastSeen listing walks the index on the hour last seen (last_seen_at, which every report
// changes, is not indexed), and each endpoint's latest report is one primary-key lookup in
// the history ring, whatever the page's depth.
for (const db of DATABASES) {
  describeUnless(db.skip)(`endpoint pages with their latest reports (${db.name})`, () => {
    it('read the paging index and the ring by key, with no sort of the table', async () => {
      const { store, close } = await openTestStore(db.name, 'page-plans');
      try {
        const knex = store.knex;
        const now = Date.now();
        const rows = Array.from({ length: 3_000 }, (_, i) => {
          const seen = now - ((i * 7919) % (48 * 3_600_000));
          return {
            id: `ep_${i}`,
            public_key: `pk_${i}`,
            enrolled_at: now - i,
            last_seen_at: seen,
            last_seen_hour: seen - (seen % 3_600_000),
            last_seq: 1,
            blocked: false,
            reports_stored: 21 + (i % 20),
          };
        });
        const ring = rows.flatMap((r) =>
          [0, 1, 2].map((back) => ({ endpoint_id: r.id, slot: (r.reports_stored - back) % 20, seq: 1, received_at: now, body: '{}' })),
        );
        for (let from = 0; from < rows.length; from += 200) await knex('endpoints').insert(rows.slice(from, from + 200));
        for (let from = 0; from < ring.length; from += 200) await knex('report_history').insert(ring.slice(from, from + 200));
        await knex.raw('analyze');
        const plan = async (call: () => Promise<unknown>): Promise<string> => {
          if (db.name === 'postgres') return planOf(store, call);
          let last: { sql: string; bindings: unknown[] } | null = null;
          const listener = (q: { sql: string; bindings?: unknown[] }): void => void (last = { sql: q.sql, bindings: q.bindings ?? [] });
          knex.on('query', listener);
          await call();
          knex.removeListener('query', listener);
          const query = last as { sql: string; bindings: unknown[] } | null;
          assert.ok(query);
          return ((await knex.raw(`explain query plan ${query.sql}`, query.bindings as never)) as { detail: string }[])
            .map((r) => r.detail)
            .join('\n');
        };
        const after = { at: now - 30 * 3_600_000, id: 'ep_5' };
        for (const text of [
          await plan(() => store.endpointPages.page({ sort: 'lastSeen', limit: 100 })),
          await plan(() => store.endpointPages.page({ sort: 'lastSeen', limit: 100, after })),
        ]) {
          assert.match(text, /endpoints_last_seen_hour_page/, text);
          assert.match(text, db.name === 'postgres' ? /report_history_pkey/ : /report_history_1 \(endpoint_id=\? AND slot=\?\)/, text);
          assert.doesNotMatch(text, /Sort|TEMP B-TREE|Seq Scan|SCAN endpoints\n|SCAN latest_report/, text);
        }
      } finally {
        await close();
      }
    });
  });
}
