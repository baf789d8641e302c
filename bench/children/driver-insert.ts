/**
 * The bare layer under an inventory sync, for sync.* limits: the same inventory rows
 * (device i of a Kandji-like fleet, as the store keeps it) written by batched multi-row
 * inserts straight through knex into the collector's own schema, made on the fly so the
 * process never holds the fleet. `run` answers {rows, ms}.
 *
 * Env: BENCH_DATA_DIR (SQLite), BENCH_DATABASE_URL (PostgreSQL, else SQLite).
 */
import { createKnex } from '@devtrust/collector/store/dialect';
import { migrationSource } from '@devtrust/collector/store/migrations/index';
import { failed, ready, serve } from './child-kit.mjs';

const INTEGRATION = 'int_bench_driver';
const GENERATION = 'sync_bench_driver';
/** Rows per INSERT: SQLite takes at most 500 in one multi-row insert through knex. */
const BATCH = 500;
const PLATFORMS = ['macos', 'ios', 'ios'];

function row(i: number): Record<string, unknown> {
  const deviceId = `d${i.toString(16).padStart(7, '0')}-kand-4jid-8dev-000000000000`;
  return {
    id: `${GENERATION}:${i}`,
    integration_id: INTEGRATION,
    generation: GENERATION,
    external_id: deviceId,
    hardware_uuid: null,
    serial_number: `K0${i.toString(36).toUpperCase().padStart(7, '0')}`,
    machine_guid: null,
    // Kandji's device_id is also the MDM device ID (indexed for MDM-asserted identity), normalised.
    mdm_device_id: deviceId.replace(/-/g, '').toUpperCase(),
    device_name: `kandji-${i}`,
    platform: PLATFORMS[i % 3],
    owner: `user${i}@example.com`,
    managed: true,
    edr_connector_id: null,
    edr_status: null,
    edr_detail: null,
    edr_seen_at: null,
    placeholders: null,
    posture_os_version: '14.4.1',
    raw: JSON.stringify({
      model: 'MacBook Air (M2, 2022)',
      osVersion: '14.4.1',
      lastCheckIn: '2024-05-01T08:00:00.000000Z',
      agentInstalled: true,
    }),
  };
}

try {
  const databaseUrl = process.env.BENCH_DATABASE_URL || null;
  const { knex } = createKnex({ databaseUrl, dataDir: process.env.BENCH_DATA_DIR as string });
  await knex.migrate.latest({ migrationSource });
  const at = Date.now();
  await knex('integrations').insert({
    id: INTEGRATION,
    kind: 'kandji',
    category: 'mdm',
    name: 'bench',
    platforms: '["macos","ios"]',
    config: '{}',
    created_at: at,
    updated_at: at,
  });
  serve(
    {
      run: async (args) => {
        const count = Number(args.count);
        const started = Date.now();
        for (let start = 0; start < count; start += BATCH) {
          const rows: Record<string, unknown>[] = [];
          for (let i = start; i < Math.min(count, start + BATCH); i++) rows.push(row(i));
          await knex('inventory_records').insert(rows);
        }
        return { rows: count, ms: Date.now() - started };
      },
    },
    () => knex.destroy(),
  );
  ready({});
} catch (error) {
  failed(error);
}
