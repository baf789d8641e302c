/**
 * The storage half of a SQLite sync alone: the same Kandji pages (mapped and normalised as a
 * sync does, 300 records each) written into a fresh database by the page writer with each row
 * source — `jsonb_each` (SQLite 3.51+) and `json_each` — and by the bare layer's knex insert of
 * 500 rows a statement (bench/children/driver-insert.ts), interleaved round by round, each
 * generation deleted again after it. Prints, per 1,000 records, the wall time and the CPU of
 * this process's main thread and of its other threads (SQLite's work runs on libuv's pool),
 * which a busy machine changes far less than the wall time. Usage:
 *   node --import tsx --conditions=devtrust-src bench/tools/store-sync.ts [records=60000] [rounds=3]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '@devtrust/collector/store/store';
import { sqliteJson, sqliteJsonb } from '@devtrust/collector/store/json-rows';
import { pageWriterFor } from '@devtrust/collector/store/repos/inventory-writes';
import { mapKandjiDevice } from '@devtrust/collector/sync/kandji/map';
import { stagedPage } from '@devtrust/collector/sync/normalize';
import type { StagedRecord } from '@devtrust/collector/domain/inventory';
import { kandjiDevice } from '../../collector/test/vendors/mdm/kandji.js';
import { loadAverage, statCpuMs } from '../lib/cpu.js';

const total = Number(process.argv[2] ?? 60_000);
const rounds = Number(process.argv[3] ?? 3);
const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-store-sync-'));
const store = await Store.open({ databaseUrl: null, dataDir });

/** CPU (ms) of this process's main thread and of all its other threads so far. */
function cpu(): { main: number; other: number } {
  let main = 0;
  let other = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const { user, system } = statCpuMs(readFileSync(`/proc/self/task/${task}/stat`, 'utf8'));
      if (task === String(process.pid)) main += user + system;
      else other += user + system;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main, other };
}

/** A row as the bare layer writes it: every column its own bound value. */
function knexRow(integrationId: string, generation: string, index: number, r: StagedRecord): Record<string, unknown> {
  return {
    id: `${generation}:${index}`,
    integration_id: integrationId,
    generation,
    external_id: r.externalId ?? null,
    hardware_uuid: r.hardwareUuid ?? null,
    serial_number: r.serialNumber ?? null,
    machine_guid: r.machineGuid ?? null,
    mdm_device_id: r.mdmDeviceId ?? null,
    device_name: r.deviceName ?? null,
    platform: r.platform ?? null,
    owner: r.owner ?? null,
    managed: r.managed ?? null,
    edr_connector_id: r.edr?.connectorId ?? null,
    edr_status: r.edr?.status ?? null,
    edr_detail: r.edr?.detail ?? null,
    edr_seen_at: r.edr?.seenAt ?? null,
    posture_disk_encryption: r.posture?.diskEncryption ?? null,
    posture_firewall: r.posture?.firewall ?? null,
    posture_os_version: r.posture?.osVersion ?? null,
    placeholders: r.placeholders && r.placeholders.length > 0 ? JSON.stringify(r.placeholders) : null,
    raw: r.raw ? JSON.stringify(r.raw) : null,
  };
}

try {
  const pages: StagedRecord[][] = [];
  for (let start = 0; start < total; start += 300)
    pages.push(stagedPage(Array.from({ length: Math.min(300, total - start) }, (_, i) => mapKandjiDevice(kandjiDevice(start + i)))));
  const integrationId = store.integrations.newId();
  await store.integrations.create(integrationId, {
    kind: 'kandji',
    category: 'mdm',
    name: 'store-sync',
    platforms: ['macos', 'ios'],
    config: {},
    sealedSecrets: {},
    schedule: null,
    nextSyncAt: null,
  });
  const writers: Record<string, (generation: string) => Promise<void>> = {};
  for (const [name, rows] of [
    ['jsonb_each', sqliteJsonb],
    ['json_each', sqliteJson],
  ] as const) {
    const writer = pageWriterFor(store.knex, rows);
    writers[name] = async (generation) => {
      let index = 0;
      for (const page of pages) {
        await writer.write(store.knex, integrationId, generation, index, page);
        index += page.length;
      }
    };
  }
  writers['knex, 500 a statement'] = async (generation) => {
    const all = pages.flat();
    for (let start = 0; start < all.length; start += 500)
      await store
        .knex('inventory_records')
        .insert(all.slice(start, start + 500).map((r, i) => knexRow(integrationId, generation, start + i, r)));
  };
  const results = new Map<string, string[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const [name, write] of Object.entries(writers)) {
      const generation = `store_sync_${round}_${name.replace(/\W+/g, '_')}`;
      const before = cpu();
      const started = performance.now();
      await write(generation);
      const ms = performance.now() - started;
      const after = cpu();
      const perK = (value: number): string => ((value / total) * 1000).toFixed(1);
      results.set(name, [
        ...(results.get(name) ?? []),
        `${perK(ms)} ms (main ${perK(after.main - before.main)}, other threads ${perK(after.other - before.other)})`,
      ]);
      await store.inventory.discardGeneration(integrationId, generation);
      await store.knex.raw('pragma wal_checkpoint(truncate)');
    }
  }
  console.log(`${total} Kandji records, pages of 300; per 1,000 records, round by round (load average ${loadAverage().toFixed(1)}):`);
  for (const [name, runs] of results) console.log(`  ${name.padEnd(22)} ${runs.join(' | ')}`);
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
