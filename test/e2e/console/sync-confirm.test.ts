import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { ListInventory } from '../../../collector/test/vendors/mdm/server-kit.js';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../../../collector/test/vendors/mdm/kandji.js';
import { range, syncAndWait } from '../../../collector/test/sync/mdm/harness.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

const TOKEN = 'kandji-token-console-confirm-0001';

/**
 * A sync refused because the vendor listed no devices (or far fewer) offers, on the integration's
 * page, the confirmed sync that empties (or shrinks) the inventory, behind a confirm dialog.
 */
describeUnless(chromiumMissing)('the console confirms a sync that empties or shrinks the inventory', () => {
  let c: TestCollector;
  let kandji: KandjiServer;
  let inventory: ListInventory<ReturnType<typeof kandjiDevice>>;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let id: string;
  const summary = async () => (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
  /** The last run has let go of the integration (it is recorded as ended a moment before). */
  const settled = async () => {
    while (await c.store.integrations.leaseHeld(id, Date.now())) await sleep(20);
  };

  beforeAll(async () => {
    inventory = new ListInventory(range(0, 12).map(kandjiDevice));
    kandji = await startKandjiServer({ apiToken: TOKEN, inventory });
    c = await startTestCollector({ scheduler: false });
    const created = await c.admin('POST', '/admin/v1/integrations', {
      kind: 'kandji',
      name: 'Retired Kandji',
      platforms: ['macos'],
      config: { baseUrl: kandji.url, apiToken: TOKEN },
    });
    id = created.body.id;
    assert.equal((await syncAndWait(c, id)).devices, 12);
    await settled();
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await kandji?.close();
  });

  it('an empty listing is refused; "Empty the inventory of …" asks first, and only then empties it', async () => {
    inventory.items.splice(0);
    await page.goto(`${c.url}/console/#/integrations/${id}`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('Sync failed.').waitFor();
    const offer = page.getByRole('group', { name: 'Sync refused for its size' });
    await offer.getByText('The vendor listed no devices, so the last good inventory (12 devices) was kept.').waitFor();
    await screenshot(page, 'sync-confirm-1-refused');

    // Cancel in the dialog: nothing runs.
    const runs = (await c.admin('GET', `/admin/v1/integrations/${id}/syncs`)).body.syncs.length;
    await offer.getByRole('button', { name: 'Empty the inventory of Retired Kandji…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Empty the inventory of Retired Kandji?' });
    await dialog.getByText('Empty the inventory of Retired Kandji: 12 devices will no longer be known.', { exact: false }).waitFor();
    await screenshot(page, 'sync-confirm-2-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${id}/syncs`)).body.syncs.length, runs, 'no sync started');
    assert.equal((await summary()).devices, 12);

    // Coming back to the page later, the offer is there from the last run; confirmed, it empties the inventory.
    await settled();
    await page.reload();
    await page.getByRole('button', { name: 'Empty the inventory of Retired Kandji…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Empty the inventory' }).click();
    await page.getByText('Sync finished: 0 devices in').waitFor();
    const latest = page.getByRole('region', { name: 'Sync history' }).getByRole('row').nth(1);
    await latest.getByText('manual (confirmed: may empty)').waitFor();
    assert.equal(await page.getByRole('group', { name: 'Sync refused for its size' }).count(), 0, 'the offer is gone');
    await screenshot(page, 'sync-confirm-3-emptied');
    const after = await summary();
    assert.equal(after.devices, 0);
    assert.equal(after.lastSync.allowEmpty, true);
    assert.deepEqual(problems, []);
  });

  it('a listing far smaller than the last good inventory offers "Accept the smaller inventory of …"', async () => {
    inventory.items.push(...range(0, 30).map(kandjiDevice));
    await settled();
    assert.equal((await syncAndWait(c, id)).devices, 30);
    inventory.items.splice(3);
    await settled();
    // Still on the page from before, where the inventory was empty: the offer counts what it holds now.
    await page.getByRole('button', { name: 'Sync now' }).click();
    const offer = page.getByRole('group', { name: 'Sync refused for its size' });
    await offer
      .getByText('The vendor listed 3 devices where the last good inventory has 30, a larger drop than', { exact: false })
      .waitFor();
    await screenshot(page, 'sync-confirm-4-drop-refused');
    await settled();
    await offer.getByRole('button', { name: 'Accept the smaller inventory of Retired Kandji…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Accept the smaller inventory of Retired Kandji?' });
    await dialog.getByText('27 devices of 30 will no longer be known', { exact: false }).waitFor();
    await screenshot(page, 'sync-confirm-5-drop-dialog');
    await dialog.getByRole('button', { name: 'Accept the smaller inventory' }).click();
    await page.getByText('Sync finished: 3 devices in').waitFor();
    assert.equal((await summary()).devices, 3);
    // The confirmation accepted the 3 the dialog named, no fewer (a listing that fell further is refused again).
    const log = await c.admin('GET', `/admin/v1/admin-log?resourceType=integration&resourceId=${id}&action=sync`);
    assert.equal(log.body.entries[0].after.minDevices, 3, JSON.stringify(log.body.entries[0]));
    assert.deepEqual(problems, []);
  });

  it('the settings form sets the drop limit, and blanking it returns to the default', async () => {
    await page.reload();
    const limit = page.getByLabel('Refuse a sync that lists this many percent fewer devices');
    assert.equal(await limit.getAttribute('placeholder'), '50');
    await limit.fill('95');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Max inventory drop percent').waitFor();
    assert.equal((await summary()).config.maxInventoryDropPercent, 95);
    await screenshot(page, 'sync-confirm-6-drop-limit-setting');
    assert.equal(await page.getByLabel('Refuse a sync that lists this many percent fewer devices').inputValue(), '95');
    await page.getByLabel('Refuse a sync that lists this many percent fewer devices').fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Max inventory drop percent').waitFor({ state: 'detached' });
    assert.equal((await summary()).config.maxInventoryDropPercent, undefined);
    assert.deepEqual(problems, []);
  });

  it('a read-only key sees the refusal but no confirm button', async () => {
    inventory.items.splice(0);
    await settled();
    assert.equal((await syncAndWait(c, id)).errorCode, 'VENDOR_EMPTY_INVENTORY');
    const key = (await c.admin('POST', '/admin/v1/api-keys', { name: 'auditor', role: 'read-only' })).body.key as string;
    const reader = await newPage(browser);
    await signIn(reader.page, c.url, key);
    await reader.page.goto(`${c.url}/console/#/integrations/${id}`);
    await reader.page.getByText('Your role may not test or sync integrations.').waitFor();
    await reader.page
      .getByRole('region', { name: 'Sync history' })
      .getByText('the last good inventory (3 devices) is kept', { exact: false })
      .waitFor();
    assert.equal(await reader.page.getByRole('button', { name: /Empty the inventory/ }).count(), 0);
    assert.equal((await summary()).devices, 3);
    assert.deepEqual(reader.problems, []);
    await reader.page.context().close();
  });

  // Only devtrustctl and the API could empty a CSV inventory on purpose (newcomer r6).
  it('an uploaded CSV without device rows asks first: Cancel keeps the inventory, Empty the inventory empties it', async () => {
    const csv = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Old sheet', platforms: ['macos'], config: {} }))
      .body;
    const up = await c.admin('PUT', `/admin/v1/integrations/${csv.id}/inventory`, 'serial_number,platform\nS1,macos\nS2,macos\n', {
      contentType: 'text/csv',
    });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const devicesOf = async () => (await c.admin('GET', `/admin/v1/integrations/${csv.id}`)).body.devices as number;
    await page.goto(`${c.url}/console/#/integrations/${csv.id}`);
    const upload = async () => {
      await page
        .getByLabel('Inventory CSV')
        .setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('serial_number,platform\n') });
      await page.getByRole('button', { name: 'Upload CSV' }).click();
      return page.getByRole('dialog', { name: 'Empty the inventory of Old sheet?' });
    };
    // The console reads the file first: the dialog comes before anything is sent (newcomer r7: a
    // refused upload, then Cancel, left the integration failing on the dashboard and in Findings).
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/inventory')) puts.push(request.url());
    });
    const runsOf = async () => (await c.admin('GET', `/admin/v1/integrations/${csv.id}/syncs`)).body.syncs.length as number;
    const runs = await runsOf();
    let dialog = await upload();
    await dialog.getByText('2 devices will no longer be known', { exact: false }).waitFor();
    await screenshot(page, 'sync-confirm-7-empty-csv-dialog');
    assert.deepEqual(puts, [], 'the dialog comes before the upload');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Nothing was uploaded: the inventory is as it was.').waitFor();
    assert.deepEqual(puts, [], 'a cancel sends nothing');
    assert.equal(await runsOf(), runs, 'no failed run recorded');
    assert.equal((await c.admin('GET', `/admin/v1/integrations/${csv.id}`)).body.lastSync.status, 'succeeded');
    assert.equal(await devicesOf(), 2);
    dialog = await upload();
    await dialog.getByRole('button', { name: 'Empty the inventory' }).click();
    await page.getByText('Inventory replaced: 0 devices from empty.csv.').waitFor();
    assert.equal(await devicesOf(), 0);
    assert.equal(puts.length, 1, `one upload, already confirmed: ${puts.join(' ')}`);
    assert.match(puts[0] ?? '', /allowEmpty=true/);
    const log = await c.admin('GET', `/admin/v1/admin-log?resourceType=integration&resourceId=${csv.id}&action=upload`);
    assert.equal(log.body.entries[0].after.allowEmpty, true, JSON.stringify(log.body.entries[0]));
    assert.deepEqual(problems, []);
  });
});
