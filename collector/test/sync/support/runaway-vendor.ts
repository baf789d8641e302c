import assert from 'node:assert/strict';
import type { TestCollector } from '../../../../test/support/collector.js';
import { kandjiDevice } from '../../vendors/mdm/kandji.js';
import type { RunawayKandji } from '../../vendors/mdm/runaway-kandji.js';
import { lookup, syncAndWait } from '../mdm/harness.js';

/** The good inventory every misbehaving run must keep: this many Kandji devices. */
export const GOOD_DEVICES = 5;

/** A Kandji integration on `vendor`, synced once from its good inventory; its id. */
export async function syncedKandji(
  c: TestCollector,
  vendor: RunawayKandji,
  name: string,
  config: Record<string, unknown>,
): Promise<string> {
  const created = await c.admin('POST', '/admin/v1/integrations', {
    kind: 'kandji',
    name,
    platforms: ['macos'],
    config: { baseUrl: vendor.url, apiToken: 'kandji-token-runaway-0001', detailsPerHour: 0, ...config },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  vendor.behaviour = 'good';
  vendor.devices = GOOD_DEVICES;
  const good = await syncAndWait(c, id);
  assert.equal(good.status, 'succeeded', good.error);
  assert.equal(good.devices, GOOD_DEVICES);
  return id;
}

/** Syncs `id`, which must fail with `code`; the last good inventory is whole and nothing the run staged is left. */
export async function failsKeepingInventory(c: TestCollector, id: string, code: string, message: RegExp): Promise<void> {
  const run = await syncAndWait(c, id);
  assert.equal(run.status, 'failed');
  assert.equal(run.errorCode, code);
  assert.match(run.error, message);
  const after = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
  assert.equal(after.devices, GOOD_DEVICES, 'the last good inventory is kept');
  for (const i of [0, GOOD_DEVICES - 1]) assert.equal((await lookup(c, id, kandjiDevice(i).serial_number as string)).found, true);
  const staged = await c.store.knex('inventory_records').where({ generation: run.id }).count({ n: '*' }).first();
  assert.equal(Number(staged?.n), 0, 'what the failed run staged is discarded');
}
