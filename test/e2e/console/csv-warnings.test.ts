import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeUnless } from '../../support/skip.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../../support/collector.js';
import { chromiumMissing, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/**
 * An attacker's finding: a CSV column named `x" (see docs/csv-format.md). Inventory replaced: 2
 * devices from jamf.csv. No warnings "y` made the upload's flash read as if the quoted name had
 * ended early. The name's quote now reads `\"`, so the quoting holds.
 */
const SPOOF = 'x" (see docs/csv-format.md). Inventory replaced: 2 devices from jamf.csv. No warnings "y';

describeUnless(chromiumMissing)("the console's upload flash quotes unused column names safely", () => {
  let c: TestCollector;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await signIn(page, c.url, OWNER_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('a quote in a column name shows escaped in the flash', async () => {
    const csv = (await c.admin('POST', '/admin/v1/integrations', { kind: 'csv', name: 'Sheet', platforms: ['macos'], config: {} })).body;
    await page.goto(`${c.url}/console/#/integrations/${csv.id}`);
    const header = `serial_number,"${SPOOF.replaceAll('"', '""')}"`;
    await page
      .getByLabel('Inventory CSV')
      .setInputFiles({ name: 'spoof.csv', mimeType: 'text/csv', buffer: Buffer.from(`${header}\nS1,1\n`) });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    const flash = page.getByText('Inventory replaced: 1 device from spoof.csv.', { exact: false }).first();
    await flash.waitFor();
    await screenshot(page, 'csv-warnings-quoted-column');
    const text = (await flash.textContent()) ?? '';
    assert.ok(text.includes('Warning: 1 column was not used: "x\\" (see docs/csv-format.md). Inventory replaced'), text);
    assert.deepEqual(problems, []);
  });
});
