import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeUnless } from '../../../test/support/skip.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../../test/support/collector.js';
import { chromiumMissing, launchBrowser, newPage, signIn } from '../../../test/e2e/console/browser.js';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../vendors/mdm/kandji.js';
import { ListInventory } from '../vendors/mdm/server-kit.js';
import { range } from './mdm/harness.js';

const TOKEN = 'kandji-token-console-0001';

/** The console shows a running sync's progress and stops it with a button. */
describeUnless(chromiumMissing)('the console follows and cancels a sync stuck on its vendor', () => {
  let c: TestCollector;
  let kandji: KandjiServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let id: string;

  beforeAll(async () => {
    kandji = await startKandjiServer({ apiToken: TOKEN, inventory: new ListInventory(range(0, 5).map(kandjiDevice)) });
    c = await startTestCollector({ scheduler: false });
    id = (
      await c.admin('POST', '/admin/v1/integrations', {
        kind: 'kandji',
        name: 'Stuck Kandji',
        platforms: ['macos'],
        config: { baseUrl: kandji.url, apiToken: TOKEN, pageSize: 2 },
      })
    ).body.id;
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await kandji?.close();
  });

  it('shows pages and devices so far, and "Cancel sync" keeps the inventory', async () => {
    await page.goto(`${c.url}/console/#/integrations/${id}`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('Sync finished: 5 devices in 3 pages.').waitFor();

    kandji.afterPage = (pages) => {
      if (pages === 1) kandji.faults.hang = true;
    };
    kandji.stats.pagesServed = 0;
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('Sync running: 1 page, 2 devices so far…').waitFor();
    await page.getByRole('button', { name: 'Cancel sync' }).click();
    await page.getByText('Sync cancelled; the previous inventory is unchanged.').first().waitFor();
    const integration = (await c.admin('GET', `/admin/v1/integrations/${id}`)).body;
    assert.equal(integration.devices, 5);
    assert.equal(integration.lastSync.status, 'cancelled');
    assert.deepEqual(problems, []);
  });
});
