import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../../test/support/skip.js';
import type { TestCollector } from '../../../test/support/collector.js';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { jamfComputer, startJamfProServer, type JamfProServer } from '../vendors/mdm/jamf-pro.js';
import { syntheticInventory } from '../vendors/mdm/server-kit.js';
import { FAST_RETRY, lookup, syncAndWait } from './mdm/harness.js';
import { collectorOn, DATABASES } from './support/databases.js';

/**
 * A re-upload beside a large inventory must not stop the collector serving. On SQLite every
 * query shares one connection: the old generation swap deleted records one cascade at a time,
 * each scanning the whole unindexed MAC table, inside one transaction, so /healthz (and admin
 * calls, agents, verdicts) waited behind it for over a minute and then failed.
 */
const BIG = 60_000; // Jamf computers, two MACs each: 120,000 MAC rows
const CSV_ROWS = 3_000;

function csv(generation: string): string {
  const lines = ['serial_number,hardware_uuid,device_name,platform,mac_addresses'];
  for (let i = 0; i < CSV_ROWS; i++) {
    const hex = i.toString(16).padStart(8, '0').toUpperCase();
    lines.push(
      `UP${generation}${i.toString(36).padStart(6, '0')},,up-${i},windows,0A:${generation === 'A' ? '01' : '02'}:${hex.match(/../g)?.join(':')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

for (const db of DATABASES) {
  describeUnless(db.skip)(`re-upload beside a large inventory on ${db.name}`, () => {
    let c: TestCollector;
    let vendor: JamfProServer;
    let restore: () => void;
    let jamfId: string;
    let csvId: string;

    beforeAll(async () => {
      restore = overrideVendorClientForTests(FAST_RETRY);
      c = await collectorOn(db.name);
      vendor = await startJamfProServer({ clientSecret: 'jamf-secret-serving-0001', inventory: syntheticInventory(BIG, jamfComputer) });
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'jamf-pro',
        name: 'Big Jamf',
        platforms: ['macos'],
        config: { baseUrl: vendor.url, clientId: 'jamf-client-id', clientSecret: 'jamf-secret-serving-0001', pageSize: 2000 },
      });
      jamfId = created.body.id;
      const run = await syncAndWait(c, jamfId);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.devices, BIG);
      csvId = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Uploaded', platforms: ['windows'], config: {} })).body
        .id;
      const first = await c.admin('PUT', `/admin/v1/integrations/${csvId}/inventory`, csv('A'), { contentType: 'text/csv' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
    }, 240_000);
    afterAll(async () => {
      restore();
      await c?.stop();
      await vendor?.close();
    }, 60_000);

    it('keeps /healthz answering throughout, and swaps the inventory whole', async () => {
      let uploading = true;
      const health: number[] = [];
      const poller = (async () => {
        while (uploading) {
          const response = await fetch(`${c.url}/healthz`);
          await response.text();
          health.push(response.status);
        }
      })();
      const second = await c.admin('PUT', `/admin/v1/integrations/${csvId}/inventory`, csv('B'), { contentType: 'text/csv' });
      uploading = false;
      await poller;
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal(second.body.devices, CSV_ROWS);
      assert.ok(health.length > 1, 'health was checked while the upload ran');
      assert.deepEqual(
        health.filter((s) => s !== 200),
        [],
        'every health check during the re-upload answered 200',
      );

      // The new inventory is whole, the old one gone, the large one untouched.
      const csvIntegration = (await c.admin('GET', `/admin/v1/integrations/${csvId}`)).body;
      assert.equal(csvIntegration.devices, CSV_ROWS);
      assert.equal((await lookup(c, csvId, `UPB${(CSV_ROWS - 1).toString(36).padStart(6, '0')}`)).found, true);
      assert.equal((await lookup(c, csvId, `UPA${(0).toString(36).padStart(6, '0')}`)).found, false);
      assert.equal((await lookup(c, csvId, '0A:02:00:00:00:05')).found, true, 'MACs of the new inventory are found');
      assert.equal((await lookup(c, csvId, '0A:01:00:00:00:05')).found, false, 'MACs of the old inventory are gone');
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${jamfId}`)).body.devices, BIG);
      // No row of any old generation is left behind.
      const knex = c.store.knex;
      const rows = await knex('inventory_records').where({ integration_id: csvId }).count({ n: '*' }).first();
      const macs = await knex('inventory_macs').where({ integration_id: csvId }).count({ n: '*' }).first();
      assert.equal(Number(rows?.n), CSV_ROWS);
      assert.equal(Number(macs?.n), CSV_ROWS);
    }, 300_000);
  });
}
