import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, it } from 'vitest';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { describeUnless } from '../../../test/support/skip.js';
import type { TestCollector } from '../../../test/support/collector.js';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../vendors/mdm/kandji.js';
import { ListInventory } from '../vendors/mdm/server-kit.js';
import { FAST_RETRY, lookup, range, syncAndWait as startAndWait, waitForRun } from '../sync/mdm/harness.js';
import { collectorOn, DATABASES } from '../sync/support/databases.js';

const TOKEN = 'kandji-token-allow-empty-0001';

/**
 * A finished run is recorded before its previous inventory is purged and its lease released, so
 * a sync asked at once after the last one ended may still meet 409 SYNC_RUNNING for a moment
 * (on PostgreSQL the purge takes longer): these tests start back to back, so they ask again.
 */
async function syncAndWait(c: TestCollector, id: string, options: { allowEmpty?: boolean } = {}): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startAndWait(c, id, options);
    } catch (error) {
      if (attempt > 100 || !/409/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * `POST /admin/v1/integrations/:id/sync?allowEmpty=true`: the one way for an admin to empty a
 * vendor integration's inventory (or shrink it past `maxInventoryDropPercent`) without deleting
 * the integration. Only the confirmed run may; a failed, cancelled or scheduled one never does.
 */
for (const db of DATABASES) {
  describeUnless(db.skip)(`confirmed syncs that may empty the inventory, on ${db.name}`, () => {
    let c: TestCollector;
    let kandji: KandjiServer;
    let inventory: ListInventory<ReturnType<typeof kandjiDevice>>;
    let id: string;
    let restore: () => void;
    const base = () => `/admin/v1/integrations/${id}`;
    /** Starts a sync, asking again while the last, ended run still cleans up (see syncAndWait above). */
    const start = async (path: string, body?: unknown) => {
      for (;;) {
        const answer = await c.admin('POST', path, body);
        const [last] = (await c.admin('GET', `${base()}/syncs`)).body.syncs;
        if (answer.status !== 409 || last?.status === 'running') return answer;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const devices = async (integrationId = id) => (await c.admin('GET', `/admin/v1/integrations/${integrationId}`)).body.devices as number;
    const fill = async () => {
      inventory.items.splice(0, inventory.items.length, ...range(0, 12).map(kandjiDevice));
      const run = await syncAndWait(c, id);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(await devices(), 12);
    };

    beforeAll(async () => {
      restore = overrideVendorClientForTests(FAST_RETRY);
      inventory = new ListInventory(range(0, 12).map(kandjiDevice));
      kandji = await startKandjiServer({ apiToken: TOKEN, inventory });
      c = await collectorOn(db.name);
      const created = await c.admin('POST', '/admin/v1/integrations', {
        kind: 'kandji',
        name: 'Retired Kandji',
        platforms: ['macos'],
        config: { baseUrl: kandji.url, apiToken: TOKEN, pageSize: 5 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      id = created.body.id;
    });
    beforeEach(async () => {
      kandji.reset();
      await fill();
    });
    afterAll(async () => {
      restore();
      await c?.stop();
      await kandji?.close();
    });

    it('an unconfirmed empty sync is refused with VENDOR_EMPTY_INVENTORY; ?allowEmpty=true empties it, recorded in the run and the admin log', async () => {
      inventory.items.splice(0);
      const refused = await syncAndWait(c, id);
      assert.equal(refused.status, 'failed');
      assert.equal(refused.errorCode, 'VENDOR_EMPTY_INVENTORY');
      assert.equal(refused.allowEmpty, false);
      assert.match(refused.error, /the last good inventory \(12 devices\) is kept/);
      assert.equal(await devices(), 12);

      const started = await start(`${base()}/sync?allowEmpty=true`);
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.equal(started.body.allowEmpty, true);
      const run = await waitForRun(c, id, started.body.syncId);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.allowEmpty, true);
      assert.equal(await devices(), 0);
      assert.equal((await lookup(c, id, kandjiDevice(0).serial_number as string)).found, false);

      const { body } = await c.admin('GET', `/admin/v1/admin-log?resourceId=${id}&action=sync`);
      const entry = body.entries.find((e: any) => e.after?.syncId === started.body.syncId);
      assert.ok(entry, JSON.stringify(body.entries));
      assert.equal(entry.after.allowEmpty, true);
      const plain = body.entries.find((e: any) => e.after?.syncId === refused.id);
      assert.equal(plain.after.allowEmpty, undefined, 'an unconfirmed sync says nothing about emptying');
    });

    it('takes the confirmation as a JSON body too; a query and a body that disagree are refused', async () => {
      inventory.items.splice(0);
      const clash = await c.admin('POST', `${base()}/sync?allowEmpty=false`, { allowEmpty: true });
      assert.equal(clash.status, 400);
      assert.equal(clash.body.error.field, 'allowEmpty');
      const started = await start(`${base()}/sync`, { allowEmpty: true });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.equal((await waitForRun(c, id, started.body.syncId)).status, 'succeeded');
      assert.equal(await devices(), 0);
    });

    it('refuses allowEmpty values that are not a boolean, and unknown fields, starting nothing', async () => {
      const before = (await c.admin('GET', `${base()}/syncs`)).body.syncs.length;
      for (const [path, body] of [
        [`${base()}/sync?allowEmpty=yes`, undefined],
        [`${base()}/sync?allowEmpty=1`, undefined],
        [`${base()}/sync?allowEmpty=TRUE`, undefined],
        [`${base()}/sync?allowEmpty=`, undefined],
        [`${base()}/sync?allowEmpty=true&allowEmpty=true`, undefined],
        [`${base()}/sync`, { allowEmpty: 'true' }],
        [`${base()}/sync`, { allowEmpty: 1 }],
        [`${base()}/sync`, { allowEmpty: null }],
      ] as const) {
        const refused = await c.admin('POST', path, body);
        assert.equal(refused.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.field, 'allowEmpty', JSON.stringify(refused.body));
      }
      const unknown = await c.admin('POST', `${base()}/sync`, { allowEmptyy: true });
      assert.equal(unknown.status, 400);
      const wrongType = await c.admin('POST', `${base()}/sync`, 'allowEmpty=true', { contentType: 'application/x-www-form-urlencoded' });
      assert.ok(wrongType.status === 400 || wrongType.status === 415, JSON.stringify(wrongType));
      assert.equal((await c.admin('GET', `${base()}/syncs`)).body.syncs.length, before, 'no run started');
      assert.equal(await devices(), 12);
    });

    it('a confirmed run that fails midway or is cancelled keeps the inventory', async () => {
      inventory.items.push(...range(12, 20).map(kandjiDevice));
      kandji.faults.dieAfterPages = 1;
      const broken = await syncAndWait(c, id, { allowEmpty: true });
      assert.equal(broken.status, 'failed');
      assert.equal(broken.allowEmpty, true);
      assert.match(broken.error, /^cannot reach Kandji/);
      assert.equal(await devices(), 12, 'a partial listing, confirmed or not, never replaces the inventory');
      assert.equal((await lookup(c, id, kandjiDevice(11).serial_number as string)).found, true);

      kandji.reset();
      kandji.afterPage = (served) => {
        if (served === 1) kandji.faults.hang = true;
      };
      const started = await start(`${base()}/sync?allowEmpty=true`);
      assert.equal(started.status, 202);
      for (;;) {
        const run = (await c.admin('GET', `${base()}/syncs/${started.body.syncId}`)).body;
        if (run.devices > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const cancelled = await c.admin('POST', `${base()}/sync/cancel`);
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.status, 'cancelled');
      assert.equal(cancelled.body.allowEmpty, true);
      assert.equal(await devices(), 12);
    });

    it('a sync already running is not confirmed after the fact: 409 SYNC_RUNNING', async () => {
      inventory.items.splice(0);
      kandji.faults.hang = true;
      const running = await start(`${base()}/sync`);
      assert.equal(running.status, 202);
      const late = await c.admin('POST', `${base()}/sync?allowEmpty=true`);
      assert.equal(late.status, 409);
      assert.equal(late.body.error.code, 'SYNC_RUNNING');
      kandji.faults.hang = false;
      await c.admin('POST', `${base()}/sync/cancel`);
      const run = await waitForRun(c, id, running.body.syncId);
      assert.equal(run.allowEmpty, false);
      assert.equal(await devices(), 12);
      // Once it ended, the unconfirmed empty listing is refused as before.
      kandji.reset();
      const refused = await syncAndWait(c, id);
      assert.equal(refused.errorCode, 'VENDOR_EMPTY_INVENTORY');
      assert.equal(await devices(), 12);
    });

    it('a scheduled run never carries the confirmation', async () => {
      inventory.items.splice(0);
      // As the scheduler starts it (the run before may still be letting go of the integration).
      let run;
      for (;;) {
        try {
          run = await c.services.engine.startRun(id, 'schedule', { allowEmpty: true });
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== 'SYNC_RUNNING') throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      assert.equal(run.allowEmpty, false);
      const finished = await waitForRun(c, id, run.id);
      assert.equal(finished.status, 'failed');
      assert.equal(finished.errorCode, 'VENDOR_EMPTY_INVENTORY');
      assert.equal(await devices(), 12);
    });

    it('allowEmpty on a CSV integration is 400 NOT_SYNCABLE and leaves its inventory alone', async () => {
      const csv = await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Spreadsheet', platforms: ['macos'], config: {} });
      const uploaded = await c.admin('PUT', `/admin/v1/integrations/${csv.body.id}/inventory`, 'serial_number\nC1\nC2\n', {
        contentType: 'text/csv',
      });
      assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
      const noLimit = await c.admin('PATCH', `/admin/v1/integrations/${csv.body.id}`, { config: { maxInventoryDropPercent: 50 } });
      assert.equal(noLimit.status, 400, 'an uploaded inventory has no drop limit');
      assert.equal(noLimit.body.error.field, 'config.maxInventoryDropPercent');
      const refused = await c.admin('POST', `/admin/v1/integrations/${csv.body.id}/sync?allowEmpty=true`);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'NOT_SYNCABLE');
      assert.equal(await devices(csv.body.id), 2);
      assert.equal((await c.admin('POST', '/admin/v1/integrations/int_nonexistent/sync?allowEmpty=true')).status, 404);
    });

    it('maxInventoryDropPercent: a sync that drops more is refused with VENDOR_INVENTORY_DROP; raised, or confirmed once, it passes', async () => {
      for (const bad of [0, 101, 12.5, '50', true]) {
        const refused = await c.admin('PATCH', base(), { config: { maxInventoryDropPercent: bad } });
        assert.equal(refused.status, 400, `${JSON.stringify(bad)}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.field, 'config.maxInventoryDropPercent');
      }
      inventory.items.splice(1); // 12 → 1: 91.6% fewer, 11 devices, over the default 50%
      const refused = await syncAndWait(c, id);
      assert.equal(refused.status, 'failed');
      assert.equal(refused.errorCode, 'VENDOR_INVENTORY_DROP');
      assert.match(
        refused.error,
        /^the sync found 1 device where the last good inventory has 12: 91\.6% fewer, over this integration's limit of 50%/,
      );
      assert.equal(await devices(), 12);

      const stricter = await c.admin('PATCH', base(), { config: { maxInventoryDropPercent: 95 } });
      assert.equal(stricter.status, 200, JSON.stringify(stricter.body));
      assert.equal(stricter.body.config.maxInventoryDropPercent, 95);
      const passed = await syncAndWait(c, id);
      assert.equal(passed.status, 'succeeded', passed.error);
      assert.equal(await devices(), 1);

      await fill();
      const tight = await c.admin('PATCH', base(), { config: { maxInventoryDropPercent: 10 } });
      assert.equal(tight.status, 200);
      inventory.items.splice(1);
      assert.equal((await syncAndWait(c, id)).errorCode, 'VENDOR_INVENTORY_DROP');
      const confirmed = await syncAndWait(c, id, { allowEmpty: true });
      assert.equal(confirmed.status, 'succeeded', confirmed.error);
      assert.equal(await devices(), 1);
      assert.equal((await c.admin('PATCH', base(), { config: { maxInventoryDropPercent: null } })).status, 200);
    });

    // The confirmation accepts what the admin was shown (review r6): a listing that fell further
    // meanwhile (to none, while the admin accepted 2 of 12) is refused again.
    it('minDevices bounds a confirmation: a confirmed sync that lists fewer is refused again and keeps the inventory', async () => {
      for (const [path, body] of [
        [`${base()}/sync?minDevices=6`, undefined],
        [`${base()}/sync?allowEmpty=true&minDevices=-1`, undefined],
        [`${base()}/sync?allowEmpty=true&minDevices=six`, undefined],
        [`${base()}/sync?allowEmpty=true&minDevices=1e3`, undefined],
        [`${base()}/sync`, { allowEmpty: true, minDevices: 2.5 }],
        [`${base()}/sync`, { allowEmpty: true, minDevices: '6' }],
        [`${base()}/sync?allowEmpty=true&minDevices=6`, { allowEmpty: true, minDevices: 7 }],
      ] as const) {
        const refused = await c.admin('POST', path, body);
        assert.equal(refused.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.field, 'minDevices', JSON.stringify(refused.body));
      }
      inventory.items.splice(2); // 12 → 2: refused (10 devices, 83 % fewer), and the admin accepts 2
      assert.equal((await syncAndWait(c, id)).errorCode, 'VENDOR_INVENTORY_DROP');
      inventory.items.splice(0); // …but the vendor lists none by the time the confirmed sync runs
      const started = await start(`${base()}/sync?allowEmpty=true&minDevices=2`);
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.deepEqual(started.body, { syncId: started.body.syncId, allowEmpty: true, minDevices: 2 });
      const fellFurther = await waitForRun(c, id, started.body.syncId);
      assert.equal(fellFurther.status, 'failed');
      assert.equal(fellFurther.errorCode, 'VENDOR_INVENTORY_DROP');
      assert.match(
        fellFurther.error,
        /^the sync found 0 devices, fewer than the 2 this confirmed sync accepted; the last good inventory \(12 devices\) is kept/,
      );
      assert.equal(await devices(), 12);
      const log = await c.admin('GET', `/admin/v1/admin-log?resourceType=integration&resourceId=${id}&action=sync`);
      assert.equal(log.body.entries[0].after.minDevices, 2, JSON.stringify(log.body.entries[0]));
      // Named as every other integration entry is (newcomer r6: sync entries showed only the id).
      assert.equal(log.body.entries[0].after.name, 'Retired Kandji');
      // As many as accepted, or more: the confirmation holds.
      inventory.items.push(...range(0, 3).map(kandjiDevice));
      const accepted = await start(`${base()}/sync`, { allowEmpty: true, minDevices: 2 });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      assert.equal((await waitForRun(c, id, accepted.body.syncId)).status, 'succeeded');
      assert.equal(await devices(), 3);
    });
  });
}
