import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { overrideVendorClientForTests } from '@devtrust/collector/sync/kit/vendor-client';
import { startTestCollector, type TestCollector } from '../../../../test/support/collector.js';
import { ListInventory, syntheticInventory, type VendorTestServer } from '../../vendors/mdm/server-kit.js';
import { FAST_RETRY, createIntegration, lookup, range, syncAndWait, type VendorHarness } from './harness.js';

/**
 * The behaviour every MDM connector owes, run against its vendor-shaped test server through
 * a real collector: paging to the end, the test button, rate limits, retries, broken and
 * silent vendors, a vendor dying mid-sync, removals, and several tenants side by side.
 * Each vendor's config asks for pages of 3, so 7 devices take 3 pages.
 */
export function describeSyncContract<T>(h: VendorHarness<T>): void {
  describe(`${h.kind}: syncing through the vendor API`, () => {
    let c: TestCollector;
    let inventory: ListInventory<T>;
    let server: VendorTestServer;
    let integrationId: string;
    let badIntegrationId: string;
    let config: Record<string, unknown>;
    let restoreClient: () => void;

    beforeAll(async () => {
      restoreClient = overrideVendorClientForTests(FAST_RETRY);
      c = await startTestCollector({ scheduler: false });
      inventory = new ListInventory(range(0, 7).map((i) => h.make(i)));
      const started = await h.start(inventory, 'a');
      server = started.server;
      config = started.config;
      integrationId = await createIntegration(c, h, `${h.vendorName} A`, started.config);
      badIntegrationId = await createIntegration(c, h, `${h.vendorName} wrong credentials`, started.badConfig);
    });
    beforeEach(() => server.reset());
    afterAll(async () => {
      restoreClient();
      await c.stop();
      await server.close();
    });

    it('refuses an unknown config field, naming it', async () => {
      const refused = await c.admin('POST', '/admin/v1/integrations', {
        kind: h.kind,
        name: 'x',
        platforms: h.platforms,
        config: { ...config, surprise: true },
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.field, 'config.surprise');
    });

    it('syncs every page into the inventory', async () => {
      const run = await syncAndWait(c, integrationId);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.pages, 3);
      assert.equal(run.devices, 7);
      assert.equal(server.stats.pagesServed, 3);
      for (const i of [0, 3, 6]) assert.equal((await lookup(c, integrationId, h.identifier(i))).found, true, `device ${i} synced`);
      assert.equal((await lookup(c, integrationId, h.identifier(7))).found, false);
    });

    it('tests the connection with one authenticated call', async () => {
      const { body } = await c.admin('POST', `/admin/v1/integrations/${integrationId}/test`);
      assert.equal(body.ok, true, body.message);
      assert.match(body.message, new RegExp(`^Connected to ${h.vendorName}`));
      assert.equal(server.stats.inventoryRequests, 1);
    });

    it('says when the credentials are wrong, in test and sync alike', async () => {
      const { body } = await c.admin('POST', `/admin/v1/integrations/${badIntegrationId}/test`);
      assert.equal(body.ok, false);
      assert.match(body.message, h.badCredentials);
      const run = await syncAndWait(c, badIntegrationId);
      assert.equal(run.status, 'failed');
      assert.match(run.error, h.badCredentials);
    });

    it('waits as long as Retry-After says when rate limited', async () => {
      server.faults.rateLimited = 1;
      server.faults.retryAfterSeconds = 1;
      const run = await syncAndWait(c, integrationId);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(server.stats.rateLimitedServed, 1);
      assert.equal(server.stats.earlyRetries, 0, 'retried before Retry-After had passed');
    });

    it('retries 500s and succeeds once they pass', async () => {
      server.faults.serverErrors = 2;
      const run = await syncAndWait(c, integrationId);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.devices, 7);
    });

    it('marks the run failed with the vendor message when 500s persist', async () => {
      server.faults.serverErrors = 1000;
      const run = await syncAndWait(c, integrationId);
      assert.equal(run.status, 'failed');
      assert.match(run.error, new RegExp(`^500 from ${h.vendorName}: the vendor API failed \\(internal server error \\(scripted\\)\\)`));
      assert.equal(server.stats.inventoryRequests, 5, 'five attempts, then give up');
      assert.equal((await lookup(c, integrationId, h.identifier(0))).found, true, 'last good inventory kept');
    });

    it('fails cleanly when the vendor answers something that is not JSON', async () => {
      server.faults.garbage = 1;
      const run = await syncAndWait(c, integrationId);
      assert.equal(run.status, 'failed');
      assert.equal(run.error, `${h.vendorName} answered 200 with something that is not JSON`);
    });

    it('times out a vendor that never answers', async () => {
      const restore = overrideVendorClientForTests({ retry: { ...FAST_RETRY.retry, attempts: 2 }, timeoutMs: 150 });
      try {
        server.faults.hang = true;
        const run = await syncAndWait(c, integrationId);
        assert.equal(run.status, 'failed');
        assert.equal(run.error, `${h.vendorName} did not answer within 150ms`);
        assert.equal(server.stats.inventoryRequests, 2);
      } finally {
        restore();
      }
    });

    it('keeps the last good inventory when the vendor dies mid-sync; the next good sync drops unlisted devices', async () => {
      assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
      inventory.items.splice(6, 1); // device 6 leaves the vendor
      inventory.items.push(h.make(7)); // device 7 joins
      server.reset();
      server.faults.dieAfterPages = 1;
      const failed = await syncAndWait(c, integrationId);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error, new RegExp(`^cannot reach ${h.vendorName}`));
      assert.equal((await lookup(c, integrationId, h.identifier(6))).found, true, 'last good inventory kept');
      assert.equal((await lookup(c, integrationId, h.identifier(7))).found, false, 'nothing of the failed run committed');
      const { body } = await c.admin('GET', `/admin/v1/integrations/${integrationId}/syncs`);
      assert.equal(body.syncs[0].status, 'failed');

      server.reset();
      assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
      assert.equal((await lookup(c, integrationId, h.identifier(6))).found, false, 'a device the vendor no longer lists is removed');
      assert.equal((await lookup(c, integrationId, h.identifier(7))).found, true);
    });

    it('keeps the last good inventory when the vendor lists no devices; an empty tenant syncs empty', async () => {
      assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
      const listed = inventory.items.splice(0);
      try {
        server.reset();
        const empty = await syncAndWait(c, integrationId);
        assert.equal(empty.status, 'failed');
        assert.match(
          empty.error,
          /^the sync found no devices \(the vendor listed none, or none with an identifier\); the last good inventory \(\d+ devices\) is kept\. .*sync once with allowEmpty=true \(devtrustctl integration sync ID --allow-empty\)$/,
        );
        // The code is what the console offers its confirm button by.
        assert.equal(empty.errorCode, 'VENDOR_EMPTY_INVENTORY');
        assert.equal(empty.allowEmpty, false);
        assert.equal((await lookup(c, integrationId, h.identifier(0))).found, true, 'last good inventory kept');
      } finally {
        inventory.items.push(...listed);
      }
      // A new integration of an empty tenant has nothing to lose: its first sync succeeds with none.
      const tenant = await h.start(new ListInventory<T>([]), 'c');
      try {
        const id = await createIntegration(c, h, `${h.vendorName} empty tenant`, tenant.config);
        const run = await syncAndWait(c, id);
        assert.equal(run.status, 'succeeded', run.error);
        assert.equal(run.devices, 0);
      } finally {
        await tenant.server.close();
      }
    });

    it('empties the inventory only in a confirmed sync (allowEmpty=true), for that run only; a confirmed run that fails keeps it', async () => {
      assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
      const known = inventory.items.length;
      // Confirmed, but the vendor dies after the first page: a partial listing never replaces the inventory.
      server.faults.dieAfterPages = 1;
      const broken = await syncAndWait(c, integrationId, { allowEmpty: true });
      assert.equal(broken.status, 'failed');
      assert.equal(broken.allowEmpty, true);
      assert.equal((await c.admin('GET', `/admin/v1/integrations/${integrationId}`)).body.devices, known, 'last good inventory kept');

      const listed = inventory.items.splice(0);
      try {
        server.reset();
        const emptied = await syncAndWait(c, integrationId, { allowEmpty: true });
        assert.equal(emptied.status, 'succeeded', emptied.error);
        assert.equal(emptied.devices, 0);
        assert.equal(emptied.allowEmpty, true);
        assert.equal(emptied.errorCode, null);
        assert.equal((await c.admin('GET', `/admin/v1/integrations/${integrationId}`)).body.devices, 0);
        assert.equal((await lookup(c, integrationId, h.identifier(0))).found, false, 'the retired devices are no longer known');
      } finally {
        inventory.items.push(...listed);
      }
      // The confirmation was for that run: once the devices are back, an empty listing is refused again.
      assert.equal((await syncAndWait(c, integrationId)).status, 'succeeded');
      const again = inventory.items.splice(0);
      try {
        const refused = await syncAndWait(c, integrationId);
        assert.equal(refused.status, 'failed');
        assert.equal(refused.errorCode, 'VENDOR_EMPTY_INVENTORY');
        assert.equal((await lookup(c, integrationId, h.identifier(0))).found, true);
      } finally {
        inventory.items.push(...again);
      }
    });

    it('keeps the last good inventory when the vendor suddenly lists far fewer devices; allowEmpty accepts it once', async () => {
      const fleet = new ListInventory(range(200, 230).map((i) => h.make(i)));
      const tenant = await h.start(fleet, 'd');
      try {
        const id = await createIntegration(c, h, `${h.vendorName} rescoped`, tenant.config);
        assert.equal((await syncAndWait(c, id)).devices, 30);
        fleet.items.splice(3); // a scoping change: 3 of 30 devices left in view
        const refused = await syncAndWait(c, id);
        assert.equal(refused.status, 'failed');
        assert.equal(refused.errorCode, 'VENDOR_INVENTORY_DROP');
        assert.match(
          refused.error,
          /^the sync found 3 devices where the last good inventory has 30: 90% fewer, over this integration's limit of 50%; the last good inventory is kept/,
        );
        assert.equal((await lookup(c, id, h.identifier(229))).found, true, 'last good inventory kept');
        const accepted = await syncAndWait(c, id, { allowEmpty: true });
        assert.equal(accepted.status, 'succeeded', accepted.error);
        assert.equal(accepted.devices, 3);
        assert.equal((await lookup(c, id, h.identifier(229))).found, false);
        assert.equal((await lookup(c, id, h.identifier(202))).found, true);
      } finally {
        await tenant.server.close();
      }
    });

    it('does not list a device twice when one is added ahead of the cursor mid-sync', async () => {
      server.afterPage = (served) => {
        if (served === 1) inventory.items.unshift(h.make(50)); // shifts every later device one place back
      };
      const run = await syncAndWait(c, integrationId);
      assert.equal(run.status, 'succeeded', run.error);
      assert.equal(run.devices, inventory.items.length - 1, 'every device once; the newcomer waits for the next sync');
      const { body } = await c.admin('GET', '/admin/v1/findings');
      assert.equal(
        body.findings.filter((f: any) => f.integrationId === integrationId && f.type !== 'sync-failed').length,
        0,
        JSON.stringify(body.findings),
      );
      inventory.items.shift();
    });

    it('syncs a fleet of 1,201 devices with the default page size', async () => {
      const fleet = await h.start(
        syntheticInventory(1201, (i) => h.make(i)),
        'a',
      );
      try {
        const { pageSize: _pageSize, ...defaults } = fleet.config;
        const id = await createIntegration(c, h, `${h.vendorName} fleet`, defaults);
        const run = await syncAndWait(c, id);
        assert.equal(run.status, 'succeeded', run.error);
        assert.equal(run.devices, 1201);
        assert.ok(run.pages > 1);
        assert.equal((await lookup(c, id, h.identifier(1200))).found, true);
      } finally {
        await fleet.server.close();
      }
    });

    it('syncs two tenants of the vendor as two integrations', async () => {
      const other = await h.start(new ListInventory(range(100, 105).map((i) => h.make(i))), 'b');
      try {
        const otherId = await createIntegration(c, h, `${h.vendorName} B`, other.config);
        const [a, b] = await Promise.all([syncAndWait(c, integrationId), syncAndWait(c, otherId)]);
        assert.equal(a.status, 'succeeded', a.error);
        assert.equal(b.status, 'succeeded', b.error);
        assert.equal(b.devices, 5);
        assert.equal((await lookup(c, otherId, h.identifier(100))).found, true);
        assert.equal((await lookup(c, otherId, h.identifier(0))).found, false);
        assert.equal((await lookup(c, integrationId, h.identifier(100))).found, false);
      } finally {
        await other.server.close();
      }
    });
  });
}
