import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import { describeUnless } from '../../support/skip.js';
import type { Browser, Page } from 'playwright-core';
import { syntheticInventory } from '../../../collector/test/vendors/mdm/server-kit.js';
import { kandjiDevice, startKandjiServer, type KandjiServer } from '../../../collector/test/vendors/mdm/kandji.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

const TOKEN = 'kandji-api-token-0001';

describeUnless(chromiumMissing)('the admin console with a vendor integration (Kandji on loopback)', () => {
  let c: TestCollector;
  let kandji: KandjiServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    kandji = await startKandjiServer({ apiToken: TOKEN, inventory: syntheticInventory(650, kandjiDevice) });
    c = await startTestCollector({ scheduler: false });
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await kandji?.close();
  });

  it('creates the integration with only the platforms Kandji covers, and names a bad field', async () => {
    await page.goto(`${c.url}/console/#/integrations/new`);
    await page.getByLabel('Kind').selectOption('kandji');
    const platforms = await page
      .getByRole('group', { name: 'Platforms this integration covers' })
      .getByRole('checkbox')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    assert.deepEqual(platforms, ['macos', 'ios']);
    await page.getByLabel('Name').fill('Kandji Macs');
    await page.getByLabel('API base URL').fill('http://vendor.example.com');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Create integration' }).click();
    // The API refuses plain HTTP off loopback; the console says so and marks the field.
    await page
      .getByRole('alert')
      .getByText(/field: config\.baseUrl/)
      .waitFor();
    assert.equal(await page.getByLabel('API base URL').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('API base URL').fill(kandji.url);
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Kandji Macs' }).waitFor();
  });

  it('tests the configuration, syncs and shows the run in the history', async () => {
    await page.getByRole('button', { name: 'Test Configuration' }).click();
    await page.getByText('The configuration works.').waitFor();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/Sync finished: 650 devices in \d+ pages\./).waitFor();
    const row = page.getByRole('region', { name: 'Sync history' }).getByRole('row').nth(1);
    await row.getByText('succeeded').waitFor();
    await row.getByText('manual').waitFor();
    await page.getByRole('searchbox', { name: 'Identifier' }).fill((kandjiDevice(7).serial_number as string).toLowerCase());
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/Found — this device has synced/).waitFor();
    await page.getByText('kandji-7', { exact: true }).waitFor();
    await screenshot(page, '30-vendor-integration');
  });

  it('never shows the stored secret and keeps it when the field is left blank', async () => {
    const token = page.getByLabel('API token');
    assert.equal(await token.inputValue(), '');
    assert.equal(await token.getAttribute('type'), 'password');
    assert.equal(await token.getAttribute('placeholder'), 'Set — leave blank to keep');
    assert.equal(await page.content().then((html) => html.includes(TOKEN)), false);
    await page.getByLabel('Name').fill('Kandji fleet');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('main').getByText('Settings saved.').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Kandji fleet' }).waitFor();
    await page.getByRole('button', { name: 'Test Configuration' }).click();
    await page.getByText('The configuration works.').waitFor();

    await page.getByLabel('API token').fill('wrong-token');
    await page.getByRole('button', { name: 'Save settings' }).click();
    // The page re-renders after a save, with the secret field blank again.
    await page.waitForFunction(() => (document.querySelector('input[name="config.apiToken"]') as HTMLInputElement | null)?.value === '');
    await page.getByRole('button', { name: 'Test Configuration' }).click();
    await page.getByText('The test failed.').waitFor();
    assert.deepEqual(problems, []);
  });
});
