import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Knex } from 'knex';
import { createCsvIntegration, openTestStore } from '../support/test-store.js';
import { describeUnless } from '../../../test/support/skip.js';
import { DATABASES } from '../../../test/support/postgres.js';
import type { Store } from '@devtrust/collector/store/store';
import type { StagedRecord } from '@devtrust/collector/domain/inventory';
import { statementsOf } from '@devtrust/collector/store/dialect';
import { pageWriterFor } from '@devtrust/collector/store/repos/inventory-writes';
import { sqliteJson, sqliteJsonb, sqliteRowsFor } from '@devtrust/collector/store/json-rows';

/**
 * A sync stages pages with raw INSERTs of one JSON text each (store/repos/inventory-writes.ts:
 * jsonb_each on SQLite 3.51+ and json_each before it, jsonb_array_elements on PostgreSQL). They must store exactly what knex's
 * builder stored before, row for row and MAC for MAC: the reference below is that builder
 * path as it was (one row object per record, one per MAC, knex's insert).
 */
async function referenceInsert(knex: Knex, integrationId: string, generation: string, startIndex: number, records: StagedRecord[]) {
  const rows: Record<string, unknown>[] = [];
  const macs: Record<string, unknown>[] = [];
  records.forEach((record, i) => {
    const id = `${generation}:${startIndex + i}`;
    rows.push({
      id,
      integration_id: integrationId,
      generation,
      external_id: record.externalId ?? null,
      hardware_uuid: record.hardwareUuid ?? null,
      serial_number: record.serialNumber ?? null,
      machine_guid: record.machineGuid ?? null,
      mdm_device_id: record.mdmDeviceId ?? null,
      device_name: record.deviceName ?? null,
      platform: record.platform ?? null,
      owner: record.owner ?? null,
      managed: record.managed ?? null,
      edr_connector_id: record.edr?.connectorId ?? null,
      edr_status: record.edr?.status ?? null,
      edr_detail: record.edr?.detail ?? null,
      edr_seen_at: record.edr?.seenAt ?? null,
      posture_disk_encryption: record.posture?.diskEncryption ?? null,
      posture_firewall: record.posture?.firewall ?? null,
      posture_os_version: record.posture?.osVersion ?? null,
      placeholders: record.placeholders && record.placeholders.length > 0 ? JSON.stringify(record.placeholders) : null,
      raw: record.raw ? JSON.stringify(record.raw) : null,
    });
    for (const mac of record.macAddresses ?? []) macs.push({ record_id: id, integration_id: integrationId, generation, mac });
  });
  for (let i = 0; i < rows.length; i += 200) await knex('inventory_records').insert(rows.slice(i, i + 200));
  for (let i = 0; i < macs.length; i += 500) await knex('inventory_macs').insert(macs.slice(i, i + 500));
}

const wellFormed = (text: string): string =>
  text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Text a naive array literal or placeholder list would get wrong. */
// Lone surrogates: the driver used to send them as U+FFFD; a JSON text must not carry them as escapes.
const AWKWARD = [
  'a"b',
  'back\\slash',
  '{braces},comma',
  'NULL',
  '',
  ' spaced ',
  'ünïcødé 名前 🙂',
  "it's",
  '?',
  '$1',
  '::text',
  'lone \ud800 high',
  'lone \udc00 low',
  '\\ud800 as text',
];

/** Records covering every column, nulls and both booleans, and pages past each statement's bounds. */
function records(count: number, macsEach: (i: number) => number): StagedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const awkward = AWKWARD[i % AWKWARD.length] as string;
    const hex = i.toString(16).toUpperCase().padStart(6, '0');
    return {
      externalId: i % 7 === 0 ? null : `ext-${i}-${awkward}`,
      hardwareUuid: i % 3 === 0 ? null : `0000${hex}-AAAA-BBBB-CCCC-0000${hex}00`,
      serialNumber: i % 5 === 4 ? null : `SN${hex}`,
      machineGuid: i % 4 === 0 ? `${hex.toLowerCase()}-guid` : null,
      mdmDeviceId: i % 2 === 0 ? `mdm-${hex}` : null,
      macAddresses: Array.from({ length: macsEach(i) }, (_, m) => `02${m.toString(16).toUpperCase().padStart(4, '0')}${hex}`),
      deviceName: i % 6 === 5 ? null : `device ${awkward} ${i}`,
      platform: (['windows', 'macos', 'linux', 'ios', null] as const)[i % 5] ?? null,
      owner: i % 9 === 0 ? null : `owner-${i}@example.com`,
      managed: [true, false, null][i % 3] ?? null,
      edr:
        i % 4 === 1
          ? {
              connectorId: `conn-${hex}`,
              status: (['clean', 'compromised', 'unknown'] as const)[i % 3] ?? 'unknown',
              detail: awkward,
              seenAt: 1_764_500_000_000 + i,
            }
          : i % 4 === 2
            ? { status: 'unknown', connectorId: null, detail: null, seenAt: null }
            : null,
      posture:
        i % 3 === 2
          ? null
          : { diskEncryption: [true, false, null][i % 3] ?? null, firewall: i % 2 === 0, osVersion: i % 5 === 0 ? null : `14.${i % 7}.1` },
      placeholders: i % 8 === 3 ? [`serialNumber=${awkward}`, 'hardwareUuid=00000000-0000-0000-0000-000000000000'] : [],
      ...(i % 10 === 9 ? {} : { raw: { model: awkward, n: i, nested: { list: [1, 'two', null], flag: i % 2 === 0 } } }),
    };
  });
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`inventory pages on ${db.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(db.name, 'inventory-pages'));
    });
    afterAll(async () => {
      await close();
    });

    const integration = (name: string): Promise<string> => createCsvIntegration(store, name, ['windows', 'macos', 'linux', 'ios']);

    /** A generation's rows and MACs, with the generation taken out of every value. */
    async function stored(generation: string) {
      const strip = (row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' ? v.replace(generation, 'GEN') : v]));
      const rows = await store.knex('inventory_records').where({ generation }).orderBy('id');
      const macs = await store.knex('inventory_macs').where({ generation }).orderBy(['record_id', 'mac']);
      return { rows: rows.map(strip), macs: macs.map(strip) };
    }

    it('stores exactly the rows and MACs the knex builder stored, over pages that cross every statement bound', async () => {
      const id = await integration('pages');
      // Page 1: 1,203 records (several transactions on either database), 48 MACs each in its
      // first 200 (over 8,191 MAC rows in one transaction: past SQLite's four-value rows per
      // statement); page 2 small.
      const page1 = records(1_203, (i) => (i < 200 ? 48 : i % 4));
      const page2 = records(37, (i) => i % 3).map((r, i) => ({ ...r, serialNumber: r.serialNumber && `P2-${r.serialNumber}-${i}` }));
      // Page 3: no MACs at all (Kandji's case), each part one statement with no transaction.
      const page3 = records(450, () => 0).map((r, i) => ({ ...r, serialNumber: r.serialNumber && `P3-${r.serialNumber}-${i}` }));
      await store.inventory.insertPage(id, 'fast', 0, page1);
      await store.inventory.insertPage(id, 'fast', page1.length, page2);
      await store.inventory.insertPage(id, 'fast', page1.length + page2.length, page3);
      await referenceInsert(store.knex, id, 'reference', 0, page1);
      await referenceInsert(store.knex, id, 'reference', page1.length, page2);
      await referenceInsert(store.knex, id, 'reference', page1.length + page2.length, page3);

      const fast = await stored('fast');
      const reference = await stored('reference');
      assert.equal(fast.rows.length, page1.length + page2.length + page3.length);
      assert.equal(fast.macs.length, reference.macs.length);
      assert.ok(fast.macs.length > 9_600);
      assert.deepEqual(fast.rows, reference.rows);
      assert.deepEqual(fast.macs, reference.macs);
    });

    if (db.name === 'sqlite') {
      it('reads the JSON text as SQLite binary JSON (jsonb_each), and stores what json_each and the knex builder stored', async () => {
        // node-sqlite3 builds in SQLite 3.52: the fast row source is the one in use.
        assert.equal(sqliteRowsFor(store.knex), sqliteJsonb);
        const id = await integration('row-sources');
        const page = records(700, (i) => i % 3);
        const texts: string[] = [];
        const seen = ({ sql }: { sql: string }) => void (/^\s*insert/i.test(sql) && texts.push(sql));
        statementsOf(store.knex.client).on('done', seen);
        try {
          await store.inventory.insertPage(id, 'rs-binary', 0, page);
        } finally {
          statementsOf(store.knex.client).off('done', seen);
        }
        assert.ok(texts.length >= 2 && texts.every((sql) => sql.includes('from jsonb_each(?)')), texts.join('\n'));
        // An older SQLite's row source (json_each), written part by part as insertPage cuts them.
        const text = pageWriterFor(store.knex, sqliteJson);
        for (let from = 0; from < page.length; from += 300) await text.write(store.knex, id, 'rs-text', from, page.slice(from, from + 300));
        await referenceInsert(store.knex, id, 'rs-reference', 0, page);
        const reference = await stored('rs-reference');
        assert.equal(reference.rows.length, page.length);
        assert.deepEqual(await stored('rs-binary'), reference);
        assert.deepEqual(await stored('rs-text'), reference);
        // And the same SQLite types (JSON's true is the integer 1, as the driver binds a boolean).
        const types = (generation: string) =>
          store.knex.raw(
            `select ${['managed', 'edr_seen_at', 'raw', 'posture_firewall'].map((c) => `group_concat(distinct typeof(${c}))`).join(', ')} from inventory_records where generation = ?`,
            [generation],
          );
        assert.deepEqual(await types('rs-binary'), await types('rs-reference'));
        assert.deepEqual(await types('rs-text'), await types('rs-reference'));
      });
    }

    it('writes a part without MACs as one statement, outside any transaction; with MACs, both in one', async () => {
      const id = await integration('statements');
      // Writes and transaction bounds (the pool may check a PostgreSQL connection with a select).
      const seen: string[] = [];
      const count = ({ sql }: { sql: string }) => {
        const statement = /^\s*(\w+)(?:\s+into\s+(\w+))?/i.exec(sql)?.slice(1).filter(Boolean).join(' ').toLowerCase() ?? '?';
        if (statement !== 'select') seen.push(statement);
      };
      statementsOf(store.knex.client).on('done', count);
      try {
        // 100 records: one part whether the store is busy or not (store/background-writes.ts).
        await store.inventory.insertPage(
          id,
          'plain',
          0,
          records(100, () => 0),
        );
        assert.deepEqual(seen, ['insert inventory_records']);
        seen.length = 0;
        await store.inventory.insertPage(
          id,
          'with-macs',
          0,
          records(100, (i) => (i === 0 ? 1 : 0)),
        );
        assert.deepEqual(seen, ['begin', 'insert inventory_records', 'insert inventory_macs', 'commit']);
      } finally {
        statementsOf(store.knex.client).off('done', count);
      }
    });

    // The purge after a switch is paced and can outlast the lease: another collector may then
    // have started the next run, and its staging must survive (review r6: 57,700 of 100,000
    // devices lost on PostgreSQL). Generations of runs no longer running still go.
    it('purging the previous inventory spares what a running run stages, and removes the rest', async () => {
      const id = await integration('purge-running');
      const runOf = async (status: 'running' | 'failed' | 'succeeded') => {
        const run = await store.syncRuns.start(id, 'manual', 'test-node');
        if (status !== 'running') await store.syncRuns.finish(run.id, status, { pages: 1, devices: 10 });
        return run.id;
      };
      const old = await runOf('succeeded');
      const abandoned = await runOf('failed');
      const current = await runOf('succeeded');
      const next = await runOf('running');
      for (const generation of [old, abandoned, current, next])
        await store.inventory.insertPage(
          id,
          generation,
          0,
          records(10, () => 1),
        );
      await store.inventory.switchGeneration(id, old, 1);
      await store.inventory.switchGeneration(id, current, 2);
      const left = async (table: string): Promise<string[]> =>
        (await store.knex(table).where({ integration_id: id }).distinct('generation'))
          .map((r: { generation: string }) => r.generation)
          .sort();
      // A collector that is stopping ends the purge between statements (before its supervisor's
      // stop timeout): what is left is unreachable, and the next purge removes it.
      const stopping = new AbortController();
      stopping.abort();
      await store.inventory.purgeOtherGenerations(id, current, stopping.signal);
      assert.deepEqual(await left('inventory_records'), [old, abandoned, current, next].sort());
      assert.equal(await store.inventory.count(id), 10);
      await store.inventory.purgeOtherGenerations(id, current);
      assert.deepEqual(await left('inventory_records'), [current, next].sort());
      assert.deepEqual(await left('inventory_macs'), [current, next].sort());
      assert.equal(await store.inventory.count(id), 10);
      // Once that run has ended, the next purge removes what it staged.
      await store.syncRuns.finish(next, 'failed', { pages: 1, devices: 10 });
      await store.inventory.purgeOtherGenerations(id, current);
      assert.deepEqual(await left('inventory_records'), [current]);
      // A purge for a generation no longer current (one that outlived its lease while another
      // run committed) never deletes the one that is (re-review r6).
      const newer = await runOf('succeeded');
      await store.inventory.insertPage(
        id,
        newer,
        0,
        records(10, () => 1),
      );
      await store.inventory.switchGeneration(id, newer, 3);
      await store.inventory.purgeOtherGenerations(id, current);
      assert.deepEqual(await left('inventory_records'), [current, newer].sort());
      assert.equal(await store.inventory.count(id), 10);
    });

    it('finds every stored identifier of a committed fast-path generation, as before', async () => {
      const id = await integration('lookups');
      const page = records(120, (i) => 1 + (i % 3));
      await store.inventory.insertPage(id, 'fast-lookups', 0, page);
      await store.inventory.commitGeneration(id, 'fast-lookups', Date.now());
      assert.equal(await store.inventory.count(id), page.length);
      for (const [i, record] of page.entries()) {
        const expected = `fast-lookups:${i}`;
        for (const [kind, value] of [
          ['hardwareUuid', record.hardwareUuid],
          ['serialNumber', record.serialNumber],
          ['machineGuid', record.machineGuid],
          ['macAddress', record.macAddresses?.[0]],
        ] as const) {
          if (!value) continue;
          const found = await store.inventory.findByIdentifier(kind, value, [id]);
          assert.deepEqual(
            found.map((r) => r.id),
            [expected],
            `${kind} ${value}`,
          );
          const [stored] = found;
          // A lone surrogate was always stored as U+FFFD (the drivers send UTF-8).
          assert.equal(stored?.deviceName, record.deviceName ? wellFormed(record.deviceName) : null);
          assert.deepEqual(stored?.raw, record.raw ?? {});
          assert.equal(stored?.managed, record.managed);
          assert.deepEqual(
            stored?.edr ?? null,
            record.edr
              ? { connectorId: null, seenAt: null, ...record.edr, detail: record.edr.detail ? wellFormed(record.edr.detail) : null }
              : null,
          );
        }
        assert.deepEqual((await store.inventory.macsOf(expected)).sort(), [...(record.macAddresses ?? [])].sort());
        if (record.mdmDeviceId) {
          const byMdm = await store.inventory.findByMdmDeviceId(record.mdmDeviceId, [id]);
          assert.deepEqual(
            byMdm.map((r) => r.record.id),
            [expected],
          );
        }
      }
    });
  });
}
